"""One-off notices to the group, remembered so that each is sent only once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.dialect import count_changed, insert_ignoring_conflicts
from storage.models import Notice


async def claim_notice(*, session: AsyncSession, key: str, now: datetime) -> bool:
    """True the first time a key is claimed, False ever after (across processes too)."""
    claim = insert_ignoring_conflicts(session, Notice, {"key": key, "created_at": now}, ["key"])
    return bool(await count_changed(session, claim))


async def claim_identity(
    *, session: AsyncSession, keys: Sequence[str], event_id: int, now: datetime
) -> bool:
    """True if event ``event_id`` is the one to show the message known by ``keys``.

    ``keys[0]`` is the message's own key, the rest its copies' (see
    ``bot.relay.chats.message_identity``). The first event to claim ``keys[0]`` owns it until
    the end of time, retries of that event included; any other event carrying the same message
    finds it owned and is closed without showing it. The claim commits with the caller's first
    transaction, before anything is posted: two processes delivering the webhook's copy and
    reconciliation's copy at once meet on the primary key (PostgreSQL makes the second insert
    wait for the first to commit) and exactly one of them posts.
    """
    owners = (
        (await session.execute(select(col(Notice.owner_event)).where(col(Notice.key).in_(keys))))
        .scalars()
        .all()
    )
    if owners:
        return all(owner == event_id for owner in owners)
    claim = insert_ignoring_conflicts(
        session, Notice, {"key": keys[0], "created_at": now, "owner_event": event_id}, ["key"]
    )
    if await count_changed(session, claim):
        return True
    owner = await session.scalar(select(col(Notice.owner_event)).where(col(Notice.key) == keys[0]))
    return owner == event_id


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
