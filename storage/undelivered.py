"""Events not delivered yet, for ``tokobot events`` and reconciliation.

Pending events wait for their next attempt (or are being delivered under a lease); parked
ones wait for an operator. ``retry_now`` makes either due at once with fresh attempts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.dialect import count_changed
from storage.models import InboxEvent


async def undelivered(*, session: AsyncSession, limit: int = 200) -> list[InboxEvent]:
    """Pending and parked events, oldest first (``tokobot events``)."""
    query = (
        select(InboxEvent)
        .where(col(InboxEvent.status).in_(("pending", "parked")))
        .order_by(col(InboxEvent.id))
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def undelivered_of(*, session: AsyncSession, marketplace: str) -> list[InboxEvent]:
    """A marketplace's events waiting for delivery or being delivered (not parked ones)."""
    query = select(InboxEvent).where(
        col(InboxEvent.marketplace) == marketplace, col(InboxEvent.status) == "pending"
    )
    return list((await session.execute(query)).scalars())


async def retry_now(*, session: AsyncSession, now: datetime, event_id: int | None) -> int:
    """Make one undelivered event (or, with None, every one) due now with fresh attempts."""
    query = update(InboxEvent).where(col(InboxEvent.status).in_(("pending", "parked")))
    if event_id is not None:
        query = query.where(col(InboxEvent.id) == event_id)
    return await count_changed(
        session, query.values(status="pending", attempts=0, next_attempt_at=now)
    )
