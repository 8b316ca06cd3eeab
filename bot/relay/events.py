"""``tokobot events``: what waits to be delivered, and replaying it.

Lines name an event by its inbox id, marketplace, kind and order, never by its payload:
the error kept with an event names what failed, not the buyer's data.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import undelivered
from storage.models import InboxEvent

HEADER = "ID  STATUS  MARKETPLACE  KIND  ORDER  ATTEMPTS  NEXT ATTEMPT  ERROR"


def describe(row: InboxEvent, tz: ZoneInfo) -> str:
    """One line for an undelivered event."""
    due = row.next_attempt_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
    error = row.last_error.splitlines()[0][:120] if row.last_error else "-"
    return (
        f"{row.id}  {row.status}  {row.marketplace}  {row.kind}  {row.order_id or '-'}  "
        f"{row.attempts}  {due}  {error}"
    )


async def list_events(sessions: async_sessionmaker[AsyncSession], tz: ZoneInfo) -> list[str]:
    """The pending and parked events, one line each (header first), or a line saying none."""
    async with sessions() as session:
        rows = await undelivered.undelivered(session=session)
    if not rows:
        return ["no pending or parked events"]
    return [HEADER, *(describe(row, tz) for row in rows)]


async def retry_events(
    sessions: async_sessionmaker[AsyncSession], now: datetime, event_id: int | None
) -> int:
    """Make one event (or every undelivered one) due now; the running bot sends it."""
    async with sessions() as session, session.begin():
        return await undelivered.retry_now(session=session, now=now, event_id=event_id)
