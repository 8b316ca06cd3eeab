"""Away messages: one claim per conversation and closed period, taken before sending."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.dialect import count_changed, insert_ignoring_conflicts
from storage.models import AwayReply


async def claim(
    *,
    session: AsyncSession,
    key: str,
    marketplace: str,
    shop_id: str,
    conversation_id: str,
    event_id: int,
    now: datetime,
) -> bool:
    """True exactly once per key, across processes and restarts: the right to send it.

    A claim is never given back: an away message that failed or may have arrived is not
    tried again, so a buyer never gets it twice and never after the shop opened.
    """
    values = {
        "key": key,
        "marketplace": marketplace,
        "shop_id": shop_id,
        "conversation_id": conversation_id,
        "event_id": event_id,
        "status": "sending",
        "error": "",
        "created_at": now,
        "updated_at": now,
    }
    inserted = await count_changed(
        session, insert_ignoring_conflicts(session, AwayReply, values, ["key"])
    )
    return inserted == 1


async def settle(
    *, session: AsyncSession, key: str, status: str, error: str, now: datetime
) -> None:
    await session.execute(
        update(AwayReply)
        .where(col(AwayReply.key) == key)
        .values(status=status, error=error[:1000], updated_at=now)
    )


async def get(*, session: AsyncSession, key: str) -> AwayReply | None:
    return await session.get(AwayReply, key, populate_existing=True)
