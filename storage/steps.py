"""What an inbox event still being delivered has already shown: one row per sent message.

Each row commits right after its Telegram call, so a retry of the event posts only what is
missing: the rest of a split message, a notice whose alert edit already went out. The rows
are forgotten in the commit that closes the event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import DeliveryStep


async def done_chunks(*, session: AsyncSession, event_id: int, step: str) -> dict[int, int]:
    """The chunks of one step already sent: chunk index -> Telegram message id."""
    query = select(DeliveryStep).where(
        col(DeliveryStep.event_id) == event_id, col(DeliveryStep.step) == step
    )
    return {row.chunk: row.message_id for row in (await session.execute(query)).scalars()}


async def with_step(*, session: AsyncSession, event_ids: Sequence[int], step: str) -> set[int]:
    """Which of these events have sent something of ``step`` already (one query)."""
    if not event_ids:
        return set()
    query = select(col(DeliveryStep.event_id)).where(
        col(DeliveryStep.step) == step, col(DeliveryStep.event_id).in_(list(event_ids))
    )
    return set((await session.execute(query)).scalars())


async def record_chunk(
    *,
    session: AsyncSession,
    event_id: int,
    step: str,
    chunk: int,
    chat_id: int,
    message_id: int,
    now: datetime,
) -> None:
    session.add(
        DeliveryStep(
            event_id=event_id,
            step=step,
            chunk=chunk,
            chat_id=chat_id,
            message_id=message_id,
            sent_at=now,
        )
    )


async def forget(*, session: AsyncSession, event_id: int) -> None:
    """The event is closed: what it showed is now recorded where it belongs."""
    await session.execute(delete(DeliveryStep).where(col(DeliveryStep.event_id) == event_id))
