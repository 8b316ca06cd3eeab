"""Shop names, refreshed from the marketplaces at start-up."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ShopRow


async def save_shops(
    *, session: AsyncSession, shops: Iterable[tuple[str, str, str]], now: datetime
) -> None:
    """Upsert (marketplace, shop_id, name) triples."""
    for marketplace, shop_id, name in shops:
        await session.merge(
            ShopRow(marketplace=marketplace, shop_id=shop_id, name=name, updated_at=now)
        )


async def shop_name(*, session: AsyncSession, marketplace: str, shop_id: str) -> str:
    row = await session.get(ShopRow, (marketplace, shop_id))
    return "" if row is None else row.name


async def all_shops(*, session: AsyncSession) -> list[ShopRow]:
    return list((await session.execute(select(ShopRow))).scalars())
