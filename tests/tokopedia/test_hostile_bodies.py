"""Tokopedia's parse_webhook is total: events storage can hold, or WebhookPayloadError."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.values import BuyerMessageReceived, OrderCreated
from bot.marketplaces import WebhookPayloadError
from bot.marketplaces.tokopedia import TokopediaClient, TokopediaMarketplace
from bot.marketplaces.wire import MAX_DEPTH
from tests.hostile_bodies import (
    FUZZ,
    assert_storable,
    assert_total,
    json_objects,
    mutated,
    structural,
)
from tests.tokopedia.conftest import FakeClock, sample

RECEIVED = datetime(2025, 6, 2, 3, 0, 5, tzinfo=UTC)
TOPICS = ("chat", "order", "order-status", "order-cancellation", "order-request-cancellation")
VALID = (
    ("chat", "webhook_chat.json"),
    ("chat", "webhook_chat_string_ids.json"),
    ("order", "webhook_order_notification.json"),
    ("order", "webhook_order_notification_variant.json"),
    ("order-status", "webhook_order_status.json"),
    ("order-status", "webhook_order_status_shipped.json"),
    ("order-cancellation", "webhook_order_cancellation.json"),
    ("order-request-cancellation", "webhook_request_cancellation.json"),
    ("order-request-cancellation", "webhook_request_cancellation_string.json"),
)
DOCUMENTS = [sample(name) for _, name in VALID]
KEYS = sorted({key for document in DOCUMENTS for key in document})
STATUS = {"order_id": 582220328, "shop_id": 8212734, "order_status": 400}
CHAT = sample("webhook_chat.json")


@pytest.fixture(name="market")
def _market(client: TokopediaClient, clock: FakeClock) -> TokopediaMarketplace:
    return TokopediaMarketplace(client, webhook_secret="webhook-secret", clock=clock)


def body(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


def refused(market: TokopediaMarketplace, topic: str, raw: bytes) -> str:
    with pytest.raises(WebhookPayloadError) as caught:
        market.parse_webhook(topic, raw, RECEIVED)
    return str(caught.value)


class TestProperties:
    def test_samples_parse_into_storable_events(self, market):
        """Every recorded webhook still gives one event that storage can hold."""
        for topic, name in VALID:
            (parsed,) = market.parse_webhook(topic, body(sample(name)), RECEIVED)
            assert_storable(parsed)

    @FUZZ
    @given(topic=st.sampled_from(TOPICS), raw=st.binary(max_size=2048))
    def test_arbitrary_bytes(self, market, topic, raw):
        """Any bytes at all give events or a WebhookPayloadError, never another exception."""
        assert_total(lambda b: market.parse_webhook(topic, b, RECEIVED), raw)

    @FUZZ
    @given(topic=st.sampled_from(TOPICS), raw=json_objects(KEYS))
    def test_arbitrary_json(self, market, topic, raw):
        """Arbitrary JSON objects, keyed with Tokopedia's own field names, are handled."""
        assert_total(lambda b: market.parse_webhook(topic, b, RECEIVED), raw)

    @FUZZ
    @given(data=st.data())
    def test_mutated_valid_payloads(self, market, data):
        """A real payload with values replaced by hostile ones is handled."""
        topic, name = data.draw(st.sampled_from(VALID))
        raw = data.draw(mutated([sample(name)]))
        assert_total(lambda b: market.parse_webhook(topic, b, RECEIVED), raw)

    @FUZZ
    @given(data=st.data())
    def test_structural_attacks(self, market, data):
        """Deep nesting, duplicate keys, bad UTF-8, huge numbers and escapes are handled."""
        topic, name = data.draw(st.sampled_from(VALID))
        raw = data.draw(structural([sample(name)]))
        assert_total(lambda b: market.parse_webhook(topic, b, RECEIVED), raw)


class TestReproduced:
    def test_deep_nesting_is_refused_before_recursing(self, market):
        """Ten thousand nested arrays answer 'too deeply nested', not RecursionError."""
        raw = b'{"order_id":1,"custom_fields":' + b"[" * 10_000 + b"]" * 10_000 + b"}"
        assert "too deeply nested" in refused(market, "order", raw)

    def test_nesting_up_to_the_limit_is_read(self, market):
        """A body exactly MAX_DEPTH deep still parses; one level more is refused."""
        inner = MAX_DEPTH - 2  # the body object, then custom_fields' object
        fields = b'{"a":' + b"[" * inner + b"]" * inner + b"}"
        raw = body(STATUS)[:-1] + b', "custom_fields": ' + fields + b"}"
        assert market.parse_webhook("order-status", raw, RECEIVED)
        deeper = raw.replace(b"[", b"[[", 1).replace(b"]", b"]]", 1)
        assert "too deeply nested" in refused(market, "order-status", deeper)

    @pytest.mark.parametrize("price", ["1e100", 1e100, 10**16, "-1e100"])
    def test_absurd_price_is_refused(self, market, price):
        """A price of 1e100 is out of range (it raised decimal.InvalidOperation)."""
        order = sample("webhook_order_notification.json")
        order["products"][0]["price"] = price
        assert "amount out of range" in refused(market, "order", body(order))

    def test_price_times_quantity_past_bigint_is_refused(self, market):
        """A line total computed past the amount limit is refused, not stored as BIGINT."""
        order = sample("webhook_order_notification.json")
        order["products"][0] |= {"price": 10**15, "quantity": 10**6, "total_price": 0}
        order["amt"]["ttl_amount"] = 0
        assert "out of range" in refused(market, "order", body(order))

    @pytest.mark.parametrize(
        ("escape", "reason"),
        [
            ("\\ud800", "lone surrogate"),
            ("\\udc00\\ud800", "lone surrogate"),
            ("\\u0000", "NUL character"),
        ],
    )
    def test_unstorable_characters_are_refused(self, market, escape, reason):
        """A lone surrogate or a NUL anywhere in the body is refused with the reason."""
        raw = body(CHAT).replace(b'"Hello World"', f'"Hello {escape}World"'.encode())
        assert reason in refused(market, "chat", raw)
        unused = body(CHAT)[:-1] + f', "note": "{escape}"}}'.encode()
        assert reason in refused(market, "chat", unused)

    def test_valid_surrogate_pair_is_kept(self, market):
        """An escaped emoji (a proper surrogate pair) is one character, and is relayed."""
        raw = body(CHAT).replace(b'"Hello World"', b'"ok \\ud83d\\ude00"')
        (parsed,) = market.parse_webhook("chat", raw, RECEIVED)
        assert isinstance(parsed.event, BuyerMessageReceived)
        assert parsed.event.message.text == "ok 😀"

    @pytest.mark.parametrize(
        ("topic", "field", "width"),
        [
            ("order-status", "order_id", 40),
            ("order-status", "shop_id", 40),
            ("chat", "msg_id", 60),
            ("chat", "buyer_id", 60),
            ("chat", "full_name", 200),
        ],
    )
    def test_values_wider_than_their_column_are_refused(self, market, topic, field, width):
        """An id or name longer than its column is refused; one that fits is kept."""
        document = STATUS if topic == "order-status" else CHAT
        assert market.parse_webhook(topic, body(document | {field: "7" * width}), RECEIVED)
        reason = refused(market, topic, body(document | {field: "7" * (width + 1)}))
        assert f"is {width + 1} characters long; at most {width} fit" in reason

    def test_long_numeric_id_is_refused_while_reading(self, market):
        """A 45-digit number is no id; it is refused before Python converts it."""
        raw = b'{"order_id": 1' + b"0" * 44 + b', "shop_id": 1, "order_status": 220}'
        assert "more than 40 digits" in refused(market, "order-status", raw)

    @pytest.mark.parametrize("status", [1e45, "1" * 41, -(10**39)])
    def test_huge_status_code_is_refused(self, market, status):
        """An order_status wider than the status column is refused."""
        reason = refused(market, "order-status", body(STATUS | {"order_status": status}))
        assert "order_status" in reason or "code is 41 characters long" in reason

    @pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity", b"1e999"])
    def test_non_finite_numbers_are_refused(self, market, literal):
        """NaN, Infinity and numbers past a float's range are not JSON numbers tokobot reads."""
        raw = body(STATUS)[:-1] + b', "weight": ' + literal + b"}"
        assert "not JSON" in refused(market, "order-status", raw)

    def test_far_times_are_dropped_not_fatal(self, market):
        """Tokopedia's times are informative: one out of range reads as unknown."""
        order = sample("webhook_order_notification.json")
        order["create_time"] = "9999-12-31T23:59:59-12:00"
        order["shipment_fulfillment"] = {"accept_deadline": 1e300}
        (parsed,) = market.parse_webhook("order", body(order), RECEIVED)
        assert isinstance(parsed.event, OrderCreated)
        assert parsed.event.order.created_at is None
        assert parsed.event.order.accept_deadline is None

    def test_bom_is_ignored_and_utf16_refused(self, market):
        """A UTF-8 byte order mark is allowed (RFC 8259); other encodings are not."""
        assert market.parse_webhook("chat", b"\xef\xbb\xbf" + body(CHAT), RECEIVED)
        assert "not JSON" in refused(market, "chat", json.dumps(CHAT).encode("utf-16"))

    def test_duplicate_keys_keep_the_last_value(self, market):
        """As everywhere in Python's json, the last of two equal keys wins."""
        raw = b'{"order_id": "1", ' + body(STATUS)[1:]
        (parsed,) = market.parse_webhook("order-status", raw, RECEIVED)
        assert parsed.event.order_id == "582220328"

    def test_many_errors_make_one_short_reason(self, market):
        """A payload with thousands of bad values is refused with a bounded reason."""
        order = sample("webhook_order_notification.json")
        order["products"] = [{"price": "x" * 1000}] * 5000
        reason = refused(market, "order", body(order))
        assert reason.startswith("invalid Tokopedia payload (5000 errors): products.0.price")
        assert len(reason) <= 300
