"""One-off notices to the group, remembered so that each is sent only once."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Notice, utcnow


async def claim_notice(*, session: AsyncSession, key: str) -> bool:
    """True the first time a key is claimed, False ever after (across processes too)."""
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    result = await session.execute(
        insert(Notice)
        .values(key=key, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["key"])
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def forget_notice(*, session: AsyncSession, key: str) -> None:
    """Allow a notice to be sent again, e.g. after the condition cleared."""
    row = await session.get(Notice, key)
    if row is not None:
        await session.delete(row)
