"""The forgiving reading every Tokopedia model shares.

Parsing is deliberately forgiving where Tokopedia is inconsistent (doc §6.0): unknown keys are
ignored, keys match case-insensitively ("Name" / "name"), ids may be int or str and are kept
as ``str``, "Array of" objects may arrive as one object or a one-item list, nulls in optional
fields read as empty, and amounts are whole Rupiah. Fields the bot cannot work without are
required, so a payload missing them raises ``pydantic.ValidationError``.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

from bot.marketplaces.lenient import parse_money

from ..protocol import parse_time

_T = TypeVar("_T")


@functools.cache
def _keys_of(model: type[BaseModel]) -> tuple[dict[str, str], frozenset[str]]:
    """A model's keys by lower case, and the exact keys; built once per model class."""
    wanted = {
        (info.alias or name).lower(): info.alias or name
        for name, info in model.model_fields.items()
    }
    return wanted, frozenset(wanted.values())


def _fold_keys(model: type[BaseModel], data: Any) -> Any:
    """Rename keys that match a field only case-insensitively; an exact key wins."""
    if not isinstance(data, dict):
        return data
    wanted, exact = _keys_of(model)
    folded = {key: value for key, value in data.items() if key in exact}
    for key, value in data.items():
        target = wanted.get(key.lower()) if isinstance(key, str) else None
        if target is None:
            folded.setdefault(key, value)
        elif target not in folded:
            folded[target] = value
    return folded


class Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, coerce_numbers_to_str=True)

    @model_validator(mode="before")
    @classmethod
    def _case_insensitive_keys(cls, data: Any) -> Any:
        return _fold_keys(cls, data)


def _lenient_time(value: Any) -> datetime | None:
    # A malformed timestamp must not cost us a whole webhook; the field is informative only.
    try:
        return parse_time(value)
    except (ValueError, OverflowError, OSError):
        return None


def _single(value: Any) -> Any:
    """Accept an "Array of" object as the object, a one-item list, or empty/null."""
    if isinstance(value, list):
        if len(value) > 1:
            raise ValueError(f"expected one object, got a list of {len(value)}")
        return value[0] if value else None
    return value


def _object(value: Any) -> Any:
    """Like ``_single`` for fields that always hold an object: null reads as empty."""
    value = _single(value)
    return {} if value is None else value


def _empty_dict_if_none(value: Any) -> Any:
    return value or {}


def _as_list(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    return value


def _empty_to_none(value: Any) -> Any:
    value = _single(value)
    return None if value in ({}, "") else value


Money = Annotated[int, BeforeValidator(parse_money)]
Timestamp = Annotated[datetime | None, BeforeValidator(_lenient_time)]
Fields = Annotated[dict[str, Any], BeforeValidator(_empty_dict_if_none)]
One = Annotated[_T, BeforeValidator(_object)]  # an object, or a one-item list of it
Maybe = Annotated[_T | None, BeforeValidator(_single)]
Many = Annotated[list[_T], BeforeValidator(_as_list)]  # a list, or a lone object
MaybeEmpty = Annotated[_T | None, BeforeValidator(_empty_to_none)]  # {} and "" too
