"""Leases on inbox events: which process is delivering an event right now.

A worker claims due events under a lease of its own (a stable owner name and a token per
claim), renews it while the events wait for the group's send budget, and checks it just
before every Telegram call (``bot.relay.leases``), so an event whose lease ran out and was
claimed by another process is never sent by both. Due-ness (``next_attempt_at``, the retry
backoff) follows tokobot's clock; on PostgreSQL, where several processes may share the
inbox, the lease follows the database's clock, which they all share.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.dialect import count_changed, dialect
from storage.models import InboxEvent


async def claim_due(
    *,
    session: AsyncSession,
    now: datetime,
    limit: int,
    lease: timedelta,
    owner: str = "",
    token: str = "",
) -> list[InboxEvent]:
    """Pending events that are due and not leased, oldest first, leased to ``token``."""
    postgres = dialect(session) == "postgresql"
    until = _lease_end(postgres, now, lease)
    query = (
        select(InboxEvent)
        .where(
            col(InboxEvent.status) == "pending",
            col(InboxEvent.next_attempt_at) <= now,
            or_(
                col(InboxEvent.lease_until).is_(None),
                col(InboxEvent.lease_until) < (func.now() if postgres else now),
            ),
        )
        .order_by(col(InboxEvent.id))
        .limit(limit)
    )
    if postgres:
        query = query.with_for_update(skip_locked=True)
    rows = list((await session.execute(query)).scalars())
    if rows:
        await session.execute(
            update(InboxEvent)
            .where(col(InboxEvent.id).in_([row.id for row in rows]))
            .values(lease_owner=owner, lease_token=token, lease_until=until)
            .execution_options(synchronize_session=False)
        )
    return rows


def _lease_end(postgres: bool, now: datetime, lease: timedelta) -> Any:
    return func.now() + lease if postgres else now + lease


async def renew_leases(
    *,
    session: AsyncSession,
    event_ids: Sequence[int],
    token: str,
    now: datetime,
    lease: timedelta,
) -> int:
    """Extend the leases ``token`` still holds; returns how many events it lost meanwhile.

    An event is lost when another claim took it (it may have been sent since), or when it is
    pending and its lease ran out by the database's clock. Events this claim closed itself
    (delivered, parked) keep its token and are not lost.
    """
    if not event_ids:
        return 0
    ids = list(event_ids)
    postgres = dialect(session) == "postgresql"
    current = func.now() if postgres else now
    await session.execute(
        update(InboxEvent)
        .where(
            col(InboxEvent.id).in_(ids),
            col(InboxEvent.lease_token) == token,
            col(InboxEvent.status) == "pending",
            col(InboxEvent.lease_until) >= current,
        )
        .values(lease_until=_lease_end(postgres, now, lease))
        .execution_options(synchronize_session=False)
    )
    lost = await session.execute(
        select(func.count()).where(
            col(InboxEvent.id).in_(ids),
            or_(
                col(InboxEvent.lease_token) != token,  # claimed by another since (or released)
                and_(col(InboxEvent.status) == "pending", col(InboxEvent.lease_until) < current),
            ),
        )
    )
    return int(lost.scalar_one())


async def release_leases(*, session: AsyncSession, event_ids: Sequence[int], token: str) -> None:
    """Give back leases this claim holds, so the events are due again at once."""
    if event_ids:
        await session.execute(
            update(InboxEvent)
            .where(col(InboxEvent.id).in_(list(event_ids)), col(InboxEvent.lease_token) == token)
            .values(lease_owner="", lease_token="", lease_until=None)
            .execution_options(synchronize_session=False)
        )


async def take_back_stale_leases(*, session: AsyncSession, owner: str) -> int:
    """At start-up, free the leases a previous run of this process left behind.

    With SQLite only one process uses the database, so every lease found is stale; with
    PostgreSQL only this owner's are (others belong to processes that are still running, or
    run out by the database's clock).
    """
    query = update(InboxEvent).where(col(InboxEvent.lease_until).is_not(None))
    if dialect(session) == "postgresql":
        query = query.where(col(InboxEvent.lease_owner) == owner)
    return await count_changed(
        session, query.values(lease_owner="", lease_token="", lease_until=None)
    )
