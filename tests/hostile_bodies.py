"""Hypothesis strategies for hostile webhook bodies, and the check every parse must pass.

Shared by the adapters' property tests (``tests/<marketplace>/test_hostile_bodies.py``); the
limits come from the storage columns themselves, not from the code under test.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from bot.domain.values import ParsedEvent
from bot.marketplaces import MAX_REASON, WebhookPayloadError
from storage.models import ConversationRow, InboxEvent, OrderRow

# Deterministic in CI and on every machine: a fixed derandomized search, nothing remembered
# between runs. The adapters are stateless when parsing, so reusing a fixture is harmless.
FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _width(table: Any, column: str) -> int:
    length = table.__table__.c[column].type.length
    assert isinstance(length, int)
    return length


# Field name in a dumped event -> the column it is written into.
COLUMN_WIDTHS = {
    "shop_id": _width(OrderRow, "shop_id"),
    "order_id": _width(InboxEvent, "order_id"),
    "conversation_id": _width(ConversationRow, "conversation_id"),
    "buyer_id": _width(ConversationRow, "buyer_id"),
    "buyer_name": _width(ConversationRow, "buyer_name"),
    "invoice": _width(OrderRow, "invoice"),
    "code": _width(OrderRow, "status_code"),
}
DEDUP_SLOT_WIDTH = _width(InboxEvent, "dedup_slot")
BIGINT_MAX = 2**63 - 1
LATEST_BUCKET = int(datetime(2199, 12, 31, tzinfo=UTC).timestamp())  # the widest time bucket


# --- the property ---------------------------------------------------------------------------


def assert_total(parse: Callable[[bytes], list[ParsedEvent]], body: bytes) -> list[ParsedEvent]:
    """Parse ``body``: events that storage can hold, or a short, anticipated refusal."""
    try:
        events = parse(body)
    except WebhookPayloadError as exc:
        reason = str(exc)
        assert reason
        assert len(reason) <= MAX_REASON
        reason.encode("utf-8")  # the 400 answer can carry it
        assert "unreadable" not in reason, f"an unanticipated failure: {reason}"
        return []
    for parsed in events:
        assert_storable(parsed)
    return events


def assert_storable(parsed: ParsedEvent) -> None:
    """The event serialises, and every value fits the column or BIGINT it goes into."""
    slot = parsed.dedup_key
    if parsed.dedup_window:
        slot += f"@{LATEST_BUCKET // parsed.dedup_window}"
    assert len(slot) <= DEDUP_SLOT_WIDTH
    dumped = json.loads(parsed.event.model_dump_json())  # raises on a lone surrogate
    pending: list[tuple[str, Any]] = list(dumped.items())
    while pending:
        name, value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.items())
        elif isinstance(value, list):
            pending.extend((name, item) for item in value)
        elif isinstance(value, str):
            assert "\x00" not in value, name
            assert len(value) <= COLUMN_WIDTHS.get(name, len(value)), name
        elif isinstance(value, int):
            assert abs(value) <= BIGINT_MAX, name


# --- values ---------------------------------------------------------------------------------

surrogates = st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
hostile_scalars = st.sampled_from(
    [
        "1e100", "-1e17", "1e300", "NaN", "Infinity", "-inf", "0x1F", "", "   ", "1_000",
        "\ud800", "a\x00b", "\x00", "\udfff\ud800", "٣٤", "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59-12:00", "0000-00-00", "9" * 41, "9" * 5000,
        1e300, -1e300, 1e100, -1e17, 1e17, 10**40 - 1, -(10**39), 2**63, 2**64, 0.5, -0.0,
        1e-300, 10**4000, True, None, [], {}, [1, 2], {"a": None},
    ]
)  # fmt: skip
long_strings = st.builds(
    lambda n, char: char * n, st.integers(30, 400), st.sampled_from(["9", "x", "é", "😀"])
)
hostile_values = (
    hostile_scalars
    | long_strings
    | json_values
    | surrogates
    | st.text(max_size=10).map(lambda text: f"{text}\x00{text}")
)


def json_objects(keys: Sequence[str]) -> st.SearchStrategy[bytes]:
    """Arbitrary JSON objects whose keys are mostly the adapter's own field names."""
    key = st.sampled_from(list(keys)) | st.text(max_size=8)
    value = st.one_of(hostile_values, st.dictionaries(key, hostile_values, max_size=6))
    return st.dictionaries(key, value, max_size=8).map(_dumps)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


# --- mutations of valid payloads ------------------------------------------------------------


def _slots(document: Any) -> list[tuple[Any, Any]]:
    """(container, key) of every value in ``document``, nested ones included."""
    found: list[tuple[Any, Any]] = []
    pending = [document]
    while pending:
        node = pending.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in list(items):
            found.append((node, key))
            if isinstance(value, dict | list) and value:
                pending.append(value)
    return found


@st.composite
def mutated(draw: st.DrawFn, documents: Sequence[dict[str, Any]]) -> bytes:
    """A valid payload with one to three values replaced, removed or wrapped in a list."""
    document = copy.deepcopy(draw(st.sampled_from(list(documents))))
    for _ in range(draw(st.integers(1, 3))):
        slots = _slots(document)
        if not slots:
            break
        container, key = draw(st.sampled_from(slots))
        action = draw(st.sampled_from(["replace", "replace", "delete", "wrap"]))
        if action == "replace":
            container[key] = draw(hostile_values)
        elif action == "delete":
            del container[key]
        else:
            container[key] = [container[key]]
    return _dumps(document)


# --- structural attacks on the raw bytes ----------------------------------------------------

_INVALID_UTF8 = [
    b"\xff", b"\xfe\xff", b"\xc3", b"\xc3\x28", b"\x80", b"\xed\xa0\x80", b"\xc0\xaf",
    b"\xf4\x90\x80\x80", b"\xef\xbb\xbf",
]  # fmt: skip
_RAW_NUMBERS = [
    "1e999999", "-1e400", "1" + "0" * 5000, "NaN", "Infinity", "-Infinity", "1e100", "-1e17",
    "1e300", "123456789012345678901234567890123456789012345", "0.1e-999999", "-0",
]  # fmt: skip
_ESCAPES = ["\\ud800", "\\udfff", "\\u0000", "\\udc00\\ud800", "\\ud800\\u0041", "\\\\u0000"]


@st.composite
def structural(draw: st.DrawFn, documents: Sequence[dict[str, Any]]) -> bytes:
    """A valid payload attacked at the byte level: nesting, keys, encoding, numbers, escapes."""
    document = draw(st.sampled_from(list(documents)))
    body = _dumps(document)
    keys = [key for container, key in _slots(document) if isinstance(key, str)] or ["x"]
    key = draw(st.sampled_from(keys))
    attack = draw(
        st.sampled_from(["nest", "duplicate", "utf8", "number", "escape", "cut", "encode"])
    )
    if attack == "nest":
        depth = draw(st.integers(1, 200) | st.sampled_from([63, 64, 65, 999, 1000, 100_000]))
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
        nested = (opener * depth + "1" + closer * depth).encode()
        return draw(
            st.sampled_from([nested, b'{"' + key.encode() + b'":' + nested + b"," + body[1:]])
        )
    if attack == "duplicate":
        extra = f'"{key}":{json.dumps(draw(hostile_values))}'.encode()
        return draw(
            st.sampled_from([b"{" + extra + b"," + body[1:], body[:-1] + b"," + extra + b"}"])
        )
    if attack == "utf8":
        at = draw(st.integers(0, len(body)))
        return body[:at] + draw(st.sampled_from(_INVALID_UTF8)) + body[at:]
    if attack == "number":
        return body[:-1] + f',"{key}":{draw(st.sampled_from(_RAW_NUMBERS))}}}'.encode()
    if attack == "escape":
        starts = [match.end() for match in re.finditer(rb':"', body)] or [len(body) - 1]
        at = draw(st.sampled_from(starts))
        return body[:at] + draw(st.sampled_from(_ESCAPES)).encode() + body[at:]
    if attack == "cut":
        return body[: draw(st.integers(0, len(body)))]
    return body.decode().encode(draw(st.sampled_from(["utf-16", "utf-32", "utf-8-sig"])))
