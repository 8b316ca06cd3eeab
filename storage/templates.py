"""Quick-reply templates: one row per name (lower case), shared by all staff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.dialect import count_changed, insert_ignoring_conflicts
from storage.models import QuickTemplate


async def add(
    *, session: AsyncSession, name: str, text: str, created_by: str, now: datetime
) -> bool:
    """Store a new template; False if the name is taken (two adds at once: one wins)."""
    values = {"name": name, "text": text, "uses": 0, "created_by": created_by, "created_at": now}
    return bool(
        await count_changed(
            session, insert_ignoring_conflicts(session, QuickTemplate, values, ["name"])
        )
    )


async def remove(*, session: AsyncSession, name: str) -> bool:
    deleted = await count_changed(
        session, delete(QuickTemplate).where(col(QuickTemplate.name) == name)
    )
    return deleted == 1


async def get(*, session: AsyncSession, name: str) -> QuickTemplate | None:
    return await session.get(QuickTemplate, name, populate_existing=True)


async def all_templates(*, session: AsyncSession) -> list[QuickTemplate]:
    """Every template, the most used first (then by name), as the quick-reply buttons show."""
    query = select(QuickTemplate).order_by(col(QuickTemplate.uses).desc(), col(QuickTemplate.name))
    return list((await session.execute(query)).scalars())


async def count_use(*, session: AsyncSession, name: str) -> None:
    await session.execute(
        update(QuickTemplate)
        .where(col(QuickTemplate.name) == name)
        .values(uses=col(QuickTemplate.uses) + 1)
    )
