"""The adapters' shared webhook reading (bot/marketplaces/wire.py) and its limits."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

import pytest
from pydantic import BaseModel

from bot.marketplaces import MAX_REASON, WebhookPayloadError, wire
from bot.marketplaces.lenient import LATEST, MAX_AMOUNT, from_epoch, parse_money
from storage.models import ConversationRow, InboxEvent, OrderRow


def width(table: type, column: str) -> int:
    return int(table.__table__.c[column].type.length)


class TestLimits:
    def test_widths_match_the_storage_columns(self):
        """The adapters refuse exactly what the columns cannot hold."""
        assert width(OrderRow, "shop_id") == width(ConversationRow, "shop_id") == wire.SHOP_ID_MAX
        assert width(OrderRow, "order_id") == width(InboxEvent, "order_id") == wire.ORDER_ID_MAX
        assert width(ConversationRow, "conversation_id") == wire.CONVERSATION_ID_MAX
        assert width(ConversationRow, "buyer_id") == wire.BUYER_ID_MAX
        assert width(ConversationRow, "buyer_name") == wire.BUYER_NAME_MAX
        assert width(OrderRow, "invoice") == wire.INVOICE_MAX
        assert width(OrderRow, "status_code") == wire.STATUS_CODE_MAX
        assert width(InboxEvent, "dedup_slot") == wire.DEDUP_SLOT_MAX

    def test_windowed_dedup_slot_fits(self):
        """A key at the limit plus "@" and the latest time bucket fits dedup_slot."""
        bucket = int(LATEST.timestamp())  # window 1 s: the longest bucket
        assert len(f"{'k' * wire.DEDUP_KEY_MAX}@{bucket - 1}") <= wire.DEDUP_SLOT_MAX

    @pytest.mark.parametrize("amount", [MAX_AMOUNT + 1, "1e100", -(10**16), 10**30])
    def test_amounts_past_the_limit_are_value_errors(self, amount):
        """An absurd amount is a ValueError (pydantic's error), not decimal.InvalidOperation."""
        with pytest.raises(ValueError, match="amount out of range"):
            parse_money(amount)

    @pytest.mark.parametrize("seconds", [1e300, -1e17, float("nan"), float("inf"), 0.5])
    def test_times_past_the_range_are_value_errors(self, seconds):
        """An absurd epoch is a ValueError, not OverflowError or OSError."""
        with pytest.raises(ValueError, match="time out of range"):
            from_epoch(seconds)

    def test_an_ordinary_time_is_read(self):
        """Range-checking leaves real times alone."""
        assert from_epoch(1759719600) == datetime(2025, 10, 6, 3, 0, tzinfo=UTC)


class TestNestingDepth:
    @pytest.mark.parametrize(
        ("body", "depth"),
        [
            (b"1", 0),
            (b"[]", 1),
            (b'{"a": [[{"b": 1}]]}', 4),
            (b'{"a": "[[[[[[[["}', 1),  # brackets in strings do not count
            (b'{"a": "\\"[[[", "b": [1]}', 2),  # nor after an escaped quote
            (b'{"a": "\\\\", "b": [[1]]}', 3),  # an escaped backslash ends no string
            (b'[[["unclosed [[[[', 3),  # json refuses the rest anyway
            (b"]]]][[", 0),
        ],
    )
    def test_depth(self, body, depth):
        """Only brackets outside strings count."""
        assert wire.nesting_depth(body) == depth

    @pytest.mark.parametrize("body", [b'"' + b'\\"' * 100_000 + b"\\", b'"' * 200_000])
    def test_scan_is_linear_for_adversarial_quotes(self, body):
        """Unclosed and escaped quotes cost one pass, not one per quote."""
        started = time.perf_counter()
        wire.nesting_depth(body)
        assert time.perf_counter() - started < 1.0


class TestParsing:
    def test_unexpected_errors_become_payload_errors_logged_by_type(self, caplog):
        """Any other exception is a 400 with its type; the log names the type, not the body."""
        with (
            caplog.at_level(logging.WARNING, logger="bot.marketplaces.wire"),
            pytest.raises(WebhookPayloadError, match=r"unreadable Shop payload \(KeyError\)"),
            wire.parsing("Shop"),
        ):
            raise KeyError("buyer 0812-555 secret body")
        assert "KeyError" in caplog.text
        assert "0812" not in caplog.text
        assert [r.levelno for r in caplog.records] == [logging.WARNING]

    def test_payload_errors_pass_through_unlogged(self, caplog):
        """An anticipated refusal keeps its own reason."""
        with pytest.raises(WebhookPayloadError, match=r"^no$"), wire.parsing("Shop"):
            raise WebhookPayloadError("no")
        assert caplog.records == []

    def test_validation_errors_are_described_briefly(self):
        """At most five problems are listed, with their count and without echoing input."""

        class Model(BaseModel):
            numbers: list[int]

        with pytest.raises(WebhookPayloadError) as caught, wire.parsing("Shop"):
            Model.model_validate({"numbers": ["secret"] * 50})
        reason = str(caught.value)
        assert reason.startswith("invalid Shop payload (50 errors): numbers.0: Input should be")
        assert "numbers.5" not in reason
        assert "secret" not in reason

    def test_reason_is_cut_and_encodable(self):
        """A reason quoting the body is cut to MAX_REASON and its surrogates are escaped."""
        reason = str(WebhookPayloadError("bad \ud800 " + "x" * 1000))
        assert len(reason) == MAX_REASON
        assert reason.startswith("bad \\ud800 x")
        reason.encode("utf-8")


class TestLoadObject:
    @pytest.mark.parametrize(
        ("body", "reason"),
        [
            (b"[" * 65 + b"]" * 65, "too deeply nested"),
            (b"\xff{}", "not JSON"),
            (b'{"a": "\xed\xa0\x80"}', "not JSON"),  # a surrogate encoded as UTF-8
            (b'{"a": NaN}', "not JSON"),
            (b'{"a": 1e400}', "not JSON"),
            (b'{"a": ' + b"1" * 41 + b"}", "more than 40 digits"),
            (b"[]", "a JSON list, not an object"),
            (b'{"\\u0000": 1}', "NUL character"),
            (b'{"a": ["\\udfff"]}', "lone surrogate"),
        ],
    )
    def test_refusals(self, body, reason):
        """Each kind of hostile body is refused with its reason."""
        with pytest.raises(WebhookPayloadError, match=reason):
            wire.load_object(body)

    def test_reads_what_is_storable(self):
        """An ordinary object, at the depth limit, with a proper surrogate pair, is read."""
        deep = b"[" * 63 + b"]" * 63
        body = b'{"a": "\\ud83d\\ude00", "b": -1.5e3, "c": ' + deep + b"}"
        assert wire.load_object(body)["a"] == "😀"
