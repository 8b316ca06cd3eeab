"""Webhook bodies read safely, shared by the adapters: bounded JSON in, storable events out.

``Marketplace.parse_webhook`` is total: for any bytes it returns events the inbox can store,
or raises ``WebhookPayloadError`` (HTTP 400). Any other exception is a 5xx, which the
marketplace retries for ever; and a value the database refuses (a NUL, an id wider than its
column) fails the whole group commit, with every innocent webhook in the same batch.
"""

from __future__ import annotations

import json
import logging
import math
import re
from array import array
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from itertools import accumulate
from typing import Any

from pydantic import ValidationError

from bot.domain.values import ParsedEvent
from bot.marketplaces import WebhookPayloadError
from bot.marketplaces.lenient import EARLIEST, LATEST, MAX_AMOUNT

log = logging.getLogger(__name__)

# Real payloads nest three or four levels deep. The json module recurses once per level, and
# at the interpreter's limit (1,000) a deeper body raised RecursionError.
MAX_DEPTH = 64
MAX_NUMBER_DIGITS = 40  # longer integers are no id or amount; int() of them is quadratic

# Widths of the storage columns (storage/models.py) that parsed events are written into; a
# test keeps the two in step. PostgreSQL refuses a longer value, SQLite would keep it.
SHOP_ID_MAX = 40
ORDER_ID_MAX = 40
CONVERSATION_ID_MAX = 60
BUYER_ID_MAX = 60
BUYER_NAME_MAX = 200
INVOICE_MAX = 80
STATUS_CODE_MAX = 40
DEDUP_SLOT_MAX = 300
# A windowed key is stored as "{key}@{time bucket}"; the bucket needs at most 20 characters.
DEDUP_KEY_MAX = DEDUP_SLOT_MAX - 21

# Field names in a dumped event -> the width of the column the value goes into.
_COLUMNS = {
    "shop_id": SHOP_ID_MAX,
    "order_id": ORDER_ID_MAX,
    "conversation_id": CONVERSATION_ID_MAX,
    "buyer_id": BUYER_ID_MAX,
    "buyer_name": BUYER_NAME_MAX,
    "invoice": INVOICE_MAX,
    "code": STATUS_CODE_MAX,  # OrderStatus.code
}

# A JSON string up to its closing quote, or to the end of the body (which json then refuses).
# Possessive, so a body of unclosed quotes costs one pass rather than one per quote.
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+(?:"|\\?\Z)', re.DOTALL)
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 / -1 as signed bytes
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))
# PostgreSQL text cannot hold NUL; a lone surrogate cannot be encoded as UTF-8 at all.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def nesting_depth(body: bytes) -> int:
    """How deep the brackets of ``body`` nest, outside strings; 0 for a scalar.

    Brackets and quotes are ASCII, which never occurs inside a multi-byte UTF-8 sequence, so
    the raw bytes can be scanned before decoding.
    """
    steps = _STRING.sub(b"", body).translate(_STEPS, _NOT_BRACKETS)
    return max(accumulate(array("b", steps), initial=0))


def load_json(body: bytes) -> Any:
    """The JSON value in ``body``, or ``WebhookPayloadError`` saying why there is none.

    Refused: nesting deeper than ``MAX_DEPTH``, text that is not UTF-8, and numbers that are
    not finite or longer than ``MAX_NUMBER_DIGITS``. Duplicate keys keep the last value, as
    ``json`` does.
    """
    if nesting_depth(body) > MAX_DEPTH:
        raise WebhookPayloadError(f"body is too deeply nested (over {MAX_DEPTH} levels)")
    try:
        return json.loads(
            body.decode("utf-8-sig"),  # RFC 8259: UTF-8, and a BOM may be ignored
            parse_int=_integer,
            parse_float=_finite,
            parse_constant=_no_constant,
        )
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError included
        raise WebhookPayloadError(f"body is not JSON: {exc}") from exc


def load_object(body: bytes) -> dict[str, Any]:
    """Like ``load_json`` for a JSON object whose strings (keys too) storage can hold."""
    data = load_json(body)
    if not isinstance(data, dict):
        raise WebhookPayloadError(f"body is a JSON {type(data).__name__}, not an object")
    refuse_unstorable(data)
    return data


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise ValueError(f"a number has more than {MAX_NUMBER_DIGITS} digits")
    return int(text)


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError("a number is out of range")
    return number


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def refuse_unstorable(value: Any) -> None:
    """Raise ``WebhookPayloadError`` if any string in ``value`` holds NUL or a lone surrogate."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)


def _check_text(text: str, field: str = "a string") -> None:
    found = _UNSTORABLE.search(text)
    if found is not None:
        what = "a NUL character" if found.group() == "\x00" else "a lone surrogate"
        raise WebhookPayloadError(f"{field} holds {what}")


def storable(events: Sequence[ParsedEvent]) -> list[ParsedEvent]:
    """``events`` if storage can hold every value in them, else ``WebhookPayloadError``.

    This is the last check, after the adapter's mapping: text decoded a second time (TikTok
    Shop's message ``content`` is JSON in a string) and computed amounts pass it too.
    """
    for parsed in events:
        _check_values(parsed.event.model_dump())
        if len(parsed.dedup_key) > DEDUP_KEY_MAX:
            raise WebhookPayloadError(
                f"dedup key is {len(parsed.dedup_key)} characters long; at most "
                f"{DEDUP_KEY_MAX} fit"
            )
    return list(events)


def _check_values(values: dict[str, Any]) -> None:
    pending: list[tuple[str, Any]] = list(values.items())
    while pending:
        name, value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.items())
        elif isinstance(value, list | tuple):
            pending.extend((name, item) for item in value)
        elif isinstance(value, str):
            _check_text(value, name)
            limit = _COLUMNS.get(name)
            if limit is not None and len(value) > limit:
                raise WebhookPayloadError(
                    f"{name} is {len(value)} characters long; at most {limit} fit"
                )
        elif _out_of_range(value):
            raise WebhookPayloadError(f"{name} is out of range")


def _out_of_range(value: Any) -> bool:
    """An amount or count past ``MAX_AMOUNT`` (BIGINT), or a time outside the sane range."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) > MAX_AMOUNT
    if isinstance(value, datetime) and value.tzinfo is not None:
        return not EARLIEST <= value < LATEST
    return False


@contextmanager
def parsing(marketplace: str) -> Iterator[None]:
    """Turn any failure inside into ``WebhookPayloadError``, so parsing is total."""
    try:
        yield
    except WebhookPayloadError:
        raise
    except ValidationError as exc:
        raise WebhookPayloadError(describe(exc, marketplace)) from exc
    except Exception as exc:
        # The type only: a message may quote the body, and bodies carry buyers' data.
        log.warning("unexpected %s while parsing a %s webhook", type(exc).__name__, marketplace)
        raise WebhookPayloadError(
            f"unreadable {marketplace} payload ({type(exc).__name__})"
        ) from exc


def describe(exc: ValidationError, marketplace: str) -> str:
    """A one-line reason for a 400: "invalid X payload: order_id: Field required; ..."."""
    errors = exc.errors(include_url=False, include_input=False, include_context=False)
    parts = [
        f"{'.'.join(str(part) for part in error['loc']) or 'body'}: {error['msg']}"
        for error in errors[:5]
    ]
    count = f" ({len(errors)} errors)" if len(errors) > len(parts) else ""
    return f"invalid {marketplace} payload{count}: " + "; ".join(parts)
