"""TikTok Shop's parse_webhook is total: events storage can hold, or WebhookPayloadError."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.values import BuyerMessageReceived
from bot.marketplaces import WebhookPayloadError
from bot.marketplaces.tiktokshop.webhooks import REPLAY_WINDOW
from tests.hostile_bodies import (
    FUZZ,
    assert_storable,
    assert_total,
    hostile_values,
    json_objects,
    mutated,
    structural,
)
from tests.tiktokshop.conftest import SAMPLES, sample

RECEIVED = datetime(2025, 10, 6, 3, 0, 55, tzinfo=UTC)
NAMES = sorted(path.name for path in SAMPLES.glob("webhook_*.json"))
DOCUMENTS = [sample(name) for name in NAMES]
KEYS = sorted({key for document in DOCUMENTS for key in (*document, *document.get("data", {}))})
TEXT = sample("webhook_message_text.json")
ORDER = sample("webhook_order_awaiting_shipment.json")


def body(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


def with_data(document: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return document | {"data": document["data"] | fields}


def refused(market, raw: bytes) -> str:
    with pytest.raises(WebhookPayloadError) as caught:
        market.parse_webhook("", raw, RECEIVED)
    return str(caught.value)


def parse(market, raw: bytes) -> list[Any]:
    return assert_total(lambda b: market.parse_webhook("", b, RECEIVED), raw)


# A chat message's content is JSON inside a string, read a second time.
contents = st.one_of(
    hostile_values.map(lambda value: json.dumps({"content": value})),
    hostile_values.map(lambda value: json.dumps({"url": value, "product_id": value})),
    st.integers(1, 5000).map(lambda depth: "[" * depth + "]" * depth),
    st.text(max_size=50),
)


class TestProperties:
    def test_samples_parse_into_storable_events(self, market):
        """Every recorded notification still parses, and what it gives storage can hold."""
        events = [e for name in NAMES if "missing" not in name for e in parse_sample(market, name)]
        assert len(events) >= 12
        for parsed in events:
            assert_storable(parsed)

    @FUZZ
    @given(raw=st.binary(max_size=2048))
    def test_arbitrary_bytes(self, market, raw):
        """Any bytes at all give events or a WebhookPayloadError, never another exception."""
        parse(market, raw)

    @FUZZ
    @given(raw=json_objects(KEYS))
    def test_arbitrary_json(self, market, raw):
        """Arbitrary JSON objects, keyed with TikTok Shop's own field names, are handled."""
        parse(market, raw)

    @FUZZ
    @given(data=st.data())
    def test_arbitrary_json_in_a_valid_envelope(self, market, data):
        """Arbitrary ``data`` under a real, current envelope of every handled type is handled."""
        envelope = data.draw(st.sampled_from(DOCUMENTS))
        payload = data.draw(st.dictionaries(st.sampled_from(KEYS), hostile_values))
        parse(market, body(envelope | {"data": payload}))

    @FUZZ
    @given(raw=mutated(DOCUMENTS))
    def test_mutated_valid_payloads(self, market, raw):
        """A real notification with values replaced by hostile ones is handled."""
        parse(market, raw)

    @FUZZ
    @given(raw=structural(DOCUMENTS))
    def test_structural_attacks(self, market, raw):
        """Deep nesting, duplicate keys, bad UTF-8, huge numbers and escapes are handled."""
        parse(market, raw)

    @FUZZ
    @given(content=contents)
    def test_hostile_message_content(self, market, content):
        """Whatever JSON-in-a-string a chat message carries, the result is storable."""
        parse(market, body(with_data(TEXT, content=content)))

    @FUZZ
    @given(offset=st.integers(-3 * 3600, 3 * 3600))
    def test_push_time_window(self, market, offset):
        """A notification is read only if pushed within REPLAY_WINDOW of its arrival."""
        pushed = RECEIVED + timedelta(seconds=offset)
        raw = body(ORDER | {"timestamp": int(pushed.timestamp())})
        if abs(pushed.replace(microsecond=0) - RECEIVED) <= REPLAY_WINDOW:
            assert len(parse(market, raw)) == 1
        else:
            assert "a replay?" in refused(market, raw)


def parse_sample(market, name: str) -> list[Any]:
    return market.parse_webhook("", body(sample(name)), RECEIVED)


class TestReproduced:
    @pytest.mark.parametrize("stamp", [1e300, -1e17, "1e300", 2**63, float("1e17")])
    def test_absurd_envelope_timestamp_is_refused(self, market, stamp):
        """A timestamp of 1e300 or -1e17 is out of range (it raised OverflowError)."""
        reason = refused(market, body(ORDER | {"timestamp": stamp}))
        assert "timestamp" in reason

    @pytest.mark.parametrize("stamp", [1e300, -1e17])
    def test_absurd_data_time_is_refused(self, market, stamp):
        """The same goes for a message's create_time."""
        reason = refused(market, body(with_data(TEXT, create_time=stamp)))
        assert "create_time: Value error, time out of range" in reason

    @pytest.mark.parametrize("minutes", [-16, 16, -600])
    def test_replayed_notification_is_refused(self, market, minutes):
        """An event pushed more than 15 minutes before or after its arrival is refused."""
        pushed = RECEIVED + timedelta(minutes=minutes)
        reason = refused(market, body(ORDER | {"timestamp": int(pushed.timestamp())}))
        assert "is more than 15 minutes from now (a replay?)" in reason

    def test_notification_within_the_window_is_read(self, market):
        """Fourteen minutes late is within the window."""
        pushed = RECEIVED - timedelta(minutes=14)
        assert market.parse_webhook(
            "", body(ORDER | {"timestamp": int(pushed.timestamp())}), RECEIVED
        )

    def test_event_without_timestamp_is_refused(self, market):
        """Without a push time a notification could be replayed for ever."""
        document = {key: value for key, value in ORDER.items() if key != "timestamp"}
        assert "without timestamp" in refused(market, body(document))

    def test_stale_notification_without_event_is_acknowledged(self, market):
        """A stale body that would store nothing is acknowledged: replaying it changes nothing."""
        unpaid = with_data(ORDER, order_status="UNPAID") | {"timestamp": 1718305585}
        assert market.parse_webhook("", body(unpaid), RECEIVED) == []

    def test_deeply_nested_message_content_is_not_recursed(self, market):
        """Content nested ten thousand deep is read within bounds (it raised RecursionError)."""
        nested = "[" * 10_000 + "]" * 10_000
        (parsed,) = market.parse_webhook("", body(with_data(TEXT, content=nested)), RECEIVED)
        assert isinstance(parsed.event, BuyerMessageReceived)
        assert_storable(parsed)

    def test_deeply_nested_body_is_refused(self, market):
        """Ten thousand nested objects answer 'too deeply nested'."""
        raw = b'{"type":14,"data":' + b'{"a":' * 10_000 + b"1" + b"}" * 10_001
        assert "too deeply nested" in refused(market, raw)

    @pytest.mark.parametrize(
        ("escape", "reason"),
        [("\\\\ud800", "text holds a lone surrogate"), ("\\\\u0000", "text holds a NUL")],
    )
    def test_unstorable_characters_inside_content_are_refused(self, market, escape, reason):
        """A NUL or lone surrogate hidden in the JSON-in-a-string content is still refused."""
        raw = body(TEXT).replace(b"Kak,", escape.encode())
        assert reason in refused(market, raw)

    @pytest.mark.parametrize(
        ("escape", "reason"), [("\\ud800", "lone surrogate"), ("\\u0000", "NUL character")]
    )
    def test_unstorable_characters_in_the_body_are_refused(self, market, escape, reason):
        """A NUL or lone surrogate anywhere in the body is refused."""
        raw = body(ORDER)[:-1] + f', "note": "{escape}"}}'.encode()
        assert reason in refused(market, raw)

    def test_long_notification_id_is_refused(self, market):
        """A notification id that would not fit the dedup column is refused."""
        reason = refused(market, body(ORDER | {"tts_notification_id": "7" * 300}))
        assert "dedup key is 311 characters long" in reason

    @pytest.mark.parametrize(
        ("document", "field", "width"),
        [(ORDER, "order_id", 40), (TEXT, "conversation_id", 60)],
    )
    def test_ids_wider_than_their_column_are_refused(self, market, document, field, width):
        """An id longer than its column is refused; one that fits is kept."""
        assert market.parse_webhook(
            "", body(with_data(document, **{field: "7" * width})), RECEIVED
        )
        reason = refused(market, body(with_data(document, **{field: "7" * (width + 1)})))
        assert f"{field} is {width + 1} characters long; at most {width} fit" in reason

    def test_shop_id_wider_than_its_column_is_refused(self, market):
        """The envelope's shop_id is checked too."""
        reason = refused(market, body(ORDER | {"shop_id": "7" * 41}))
        assert "shop_id is 41 characters long" in reason
