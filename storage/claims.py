"""Once-only staff actions: claim, then finish or release.

A claim is an INSERT on a primary key, so the database picks exactly one winner among
concurrent presses, in one process or many sharing PostgreSQL. A claim left ``running``
by a crashed process can be taken over after ``stale_after``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.dialect import count_changed, insert_ignoring_conflicts
from storage.models import ActionClaim


@dataclass(frozen=True)
class ClaimResult:
    won: bool
    holder: ActionClaim | None  # who holds or finished it, when we lost


async def claim(
    *,
    session: AsyncSession,
    key: str,
    action: str,
    actor_id: int,
    actor_name: str,
    now: datetime,
    stale_after: timedelta = timedelta(minutes=5),
) -> ClaimResult:
    values = {
        "key": key,
        "action": action,
        "actor_id": actor_id,
        "actor_name": actor_name,
        "claimed_at": now,
        "state": "running",
    }
    inserted = await count_changed(
        session, insert_ignoring_conflicts(session, ActionClaim, values, ["key"])
    )
    if inserted == 1:
        return ClaimResult(True, None)
    # A released claim (the action failed) or a stale one may be taken again, by one winner.
    retaken = await count_changed(
        session,
        update(ActionClaim)
        .where(col(ActionClaim.key) == key)
        .where(
            (col(ActionClaim.state) == "released")
            | (
                (col(ActionClaim.state) == "running")
                & (col(ActionClaim.claimed_at) < now - stale_after)
            )
        )
        .values(
            action=action,
            actor_id=actor_id,
            actor_name=actor_name,
            claimed_at=now,
            state="running",
            finished_at=None,
        ),
    )
    if retaken == 1:
        return ClaimResult(True, None)
    holder = await session.get(ActionClaim, key, populate_existing=True)
    return ClaimResult(False, holder)


async def finish(*, session: AsyncSession, key: str, now: datetime) -> None:
    await session.execute(
        update(ActionClaim)
        .where(col(ActionClaim.key) == key)
        .values(state="done", finished_at=now)
    )


async def release(*, session: AsyncSession, key: str) -> None:
    """The action did not happen (a certain failure); it may be tried again."""
    await session.execute(
        update(ActionClaim).where(col(ActionClaim.key) == key).values(state="released")
    )


async def touch(*, session: AsyncSession, key: str, now: datetime) -> None:
    """A long action is still going: keep its claim from looking stale."""
    await session.execute(
        update(ActionClaim)
        .where(col(ActionClaim.key) == key, col(ActionClaim.state) == "running")
        .values(claimed_at=now)
    )
