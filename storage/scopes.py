"""The shops a staff group covers (``bot.domain.groups.ShopScope``) as a SQL condition."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, false, not_, or_, true
from sqlalchemy.sql.elements import ColumnElement

from bot.domain.groups import EVERY_SHOP, ShopKey, ShopScope


def _any_of(keys: frozenset[ShopKey], marketplace: Any, shop_id: Any) -> ColumnElement[bool]:
    return or_(*(and_(marketplace == m, shop_id == s) for m, s in sorted(keys)))


def in_scope(scope: ShopScope | None, marketplace: Any, shop_id: Any) -> ColumnElement[bool]:
    """True for rows whose (``marketplace``, ``shop_id``) columns name a shop in ``scope``."""
    scope = scope or EVERY_SHOP
    if scope.only is not None:
        return _any_of(scope.only, marketplace, shop_id) if scope.only else false()
    if not scope.excluded:
        return true()
    return not_(_any_of(scope.excluded, marketplace, shop_id))
