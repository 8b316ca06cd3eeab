"""Field types for reading marketplace JSON leniently, shared by the adapters.

Marketplaces send ids as ints or strings, nulls where a value is expected, and numbers as
strings. These annotated types accept all of that and hand the adapters plain values.
Numbers and times are range-checked: a value outside the range is a ``ValueError``, which
pydantic reports, never an overflow further down.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

# A quadrillion Rupiah: far above any order, far below PostgreSQL's BIGINT and the 28 digits
# a Decimal quantizes exactly (a larger amount raised InvalidOperation, not ValueError).
MAX_AMOUNT = 10**15
# Counts and codes: the integers JSON carries exactly.
MAX_COUNT = 2**53 - 1
# Marketplace times outside this range are garbage, and near datetime's own limits a
# deadline minus a reminder overflows.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def to_id(value: Any) -> Any:
    """Ids as stripped strings: Tokopedia's are ints, TikTok Shop's 19-digit strings."""
    if isinstance(value, bool):
        raise ValueError("an id cannot be a boolean")  # noqa: TRY004 - pydantic wants ValueError
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return value.strip()
    if value is None:
        return ""
    raise ValueError(f"not an id: {value!r:.40}")


def none_to_empty(value: Any) -> Any:
    return "" if value is None else value


def none_to_zero(value: Any) -> Any:
    return 0 if value is None or value == "" else value


def bounded_count(value: int) -> int:
    if abs(value) > MAX_COUNT:
        raise ValueError("number out of range")
    return value


def none_to_list(value: Any) -> Any:
    return [] if value is None else value


def false_if_none(value: Any) -> Any:
    return False if value is None else value


def parse_money(value: Any) -> int:
    """An amount (int, float or numeric string, e.g. "85000.00") in whole Rupiah."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise ValueError("a boolean is not an amount")  # noqa: TRY004 - pydantic wants ValueError
    if isinstance(value, int):
        amount = Decimal(value)
    else:
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"not an amount: {value!r:.40}") from None
        if not amount.is_finite():
            raise ValueError(f"not an amount: {value!r:.40}")
    if abs(amount) > MAX_AMOUNT:
        raise ValueError(f"amount out of range: {value!r:.40}")
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def checked_time(value: datetime) -> datetime:
    """``value`` if it lies between ``EARLIEST`` and ``LATEST``; aware datetimes only."""
    if not EARLIEST <= value < LATEST:
        raise ValueError(f"time out of range: {value.isoformat():.40}")
    return value


def from_epoch(seconds: float) -> datetime:
    """UNIX seconds as an aware UTC datetime; ``ValueError`` outside the range, NaN included."""
    if not EARLIEST.timestamp() <= seconds < LATEST.timestamp():
        raise ValueError(f"time out of range: {seconds!r:.40}")
    return datetime.fromtimestamp(seconds, UTC)


Id = Annotated[str, BeforeValidator(to_id)]
Text = Annotated[str, BeforeValidator(none_to_empty)]
Int = Annotated[int, BeforeValidator(none_to_zero), AfterValidator(bounded_count)]
Flag = Annotated[bool, BeforeValidator(false_if_none)]
