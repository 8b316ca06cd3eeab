"""One-off notices to the group, remembered so that each is sent only once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.dialect import count_changed, insert_ignoring_conflicts
from storage.models import Notice


async def claim_notice(*, session: AsyncSession, key: str, now: datetime) -> bool:
    """True the first time a key is claimed, False ever after (across processes too)."""
    claim = insert_ignoring_conflicts(session, Notice, {"key": key, "created_at": now}, ["key"])
    return bool(await count_changed(session, claim))


async def forget_notice(*, session: AsyncSession, key: str) -> None:
    """Allow a notice to be sent again, e.g. after the condition cleared."""
    row = await session.get(Notice, key)
    if row is not None:
        await session.delete(row)


async def was_sent(*, session: AsyncSession, key: str) -> bool:
    return await session.get(Notice, key) is not None


async def prune_shown_messages(*, session: AsyncSession, before: datetime) -> int:
    """Forget buyer-message identities (``chat:`` keys) recorded before ``before``."""
    return await count_changed(
        session,
        delete(Notice).where(col(Notice.key).startswith("chat:"), col(Notice.created_at) < before),
    )
