"""State of scheduled jobs, kept in tokobot's own tables rather than pickled jobs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import JobState


async def get_state(*, session: AsyncSession, name: str) -> JobState:
    row = await session.get(JobState, name)
    if row is None:
        row = JobState(name=name)
        session.add(row)
        await session.flush()
    return row


async def succeeded(
    *, session: AsyncSession, name: str, at: datetime, cursor: datetime | None = None
) -> bool:
    """Record a success; True if the job had been failing (a recovery to announce)."""
    row = await get_state(session=session, name=name)
    recovered = row.failing
    row.failing = False
    row.last_error = ""
    row.last_ok_at = at
    if cursor is not None:
        row.cursor = cursor
    return recovered


async def failed(*, session: AsyncSession, name: str, error: str) -> bool:
    """Record a failure; True if this is the first failure in a row (to report once)."""
    row = await get_state(session=session, name=name)
    first = not row.failing
    row.failing = True
    row.last_error = error[:2000]
    return first
