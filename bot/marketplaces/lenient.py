"""Field types for reading marketplace JSON leniently, shared by the adapters.

Marketplaces send ids as ints or strings, nulls where a value is expected, and numbers as
strings. These annotated types accept all of that and hand the adapters plain values.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator


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
    raise ValueError(f"not an id: {value!r}")


def none_to_empty(value: Any) -> Any:
    return "" if value is None else value


def none_to_zero(value: Any) -> Any:
    return 0 if value is None or value == "" else value


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
        return value
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


Id = Annotated[str, BeforeValidator(to_id)]
Text = Annotated[str, BeforeValidator(none_to_empty)]
Int = Annotated[int, BeforeValidator(none_to_zero)]
Flag = Annotated[bool, BeforeValidator(false_if_none)]
