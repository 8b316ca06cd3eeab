"""The durable inbox: webhook events stored before they are acknowledged.

Writes go through ``InboxWriter``, which commits concurrent requests together (group
commit): one transaction per batch instead of one per webhook, so a burst costs a handful
of fsyncs. Every caller still waits for the commit that holds its own event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import TypeAdapter
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from bot.domain.values import EventKind, MarketplaceEvent, ParsedEvent
from storage.dialect import count_changed, ignoring_conflicts, table_of
from storage.models import InboxEvent

log = logging.getLogger(__name__)

MAX_BATCH = 256
GATHER_SECONDS = 0.002  # the longest a commit waits for the rest of a burst


class UnstorableEvent(Exception):
    """The event itself cannot be stored (a value the database refuses); not an outage.

    The message names the cause without the values, which may hold buyer data.
    """


def _is_item_fault(exc: BaseException) -> bool:
    """True when the database refused the data, False when it failed (down, locked, full).

    Values a column refuses (too long, NUL, out of range) are SQLSTATE class 22 (data
    exception) or 23 (integrity). asyncpg's executemany reaches us as a bare ``DBAPIError``,
    so the code is read from the driver's own exception. A value the driver cannot even encode
    fails before reaching the database, as a ``StatementError`` that is no DBAPI error.
    """
    if isinstance(exc, DataError | IntegrityError | UnicodeError | ValueError | OverflowError):
        return True
    if _sqlstate(exc)[:2] in ("22", "23"):
        return True
    return isinstance(exc, StatementError) and not isinstance(exc, DBAPIError)


def _sqlstate(exc: BaseException) -> str:
    seen: BaseException | None = exc
    while seen is not None:
        code = getattr(seen, "sqlstate", None) or getattr(seen, "pgcode", None)
        if isinstance(code, str):
            return code
        seen = getattr(seen, "orig", None) or seen.__cause__
    return ""


def _cause(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    return type(original).__name__


@dataclass(frozen=True)
class InboxItem:
    """One event to store. ``window`` (seconds) > 0 makes the key unique only for that long."""

    dedup_key: str
    window: int
    marketplace: str
    kind: EventKind
    payload: str
    order_id: str
    received_at: datetime


def inbox_item(parsed: ParsedEvent, received_at: datetime) -> InboxItem:
    """The inbox entry for a parsed event; its marketplace and order are kept for queries."""
    event = parsed.event
    if event.kind == EventKind.BUYER_MESSAGE:
        marketplace, order_id = event.message.conversation.marketplace, ""
    elif event.kind == EventKind.ORDER_CREATED:
        marketplace, order_id = event.order.marketplace, event.order.order_id
    elif event.kind == EventKind.AUTHORIZATION:
        marketplace, order_id = event.marketplace, ""
    else:
        marketplace, order_id = event.marketplace, event.order_id
    try:
        payload = event.model_dump_json()
    except ValueError as exc:  # e.g. a lone surrogate the parser let through
        raise UnstorableEvent(f"event cannot be serialised ({type(exc).__name__})") from exc
    return InboxItem(
        dedup_key=parsed.dedup_key,
        window=parsed.dedup_window,
        marketplace=marketplace.value,
        kind=event.kind,
        payload=payload,
        order_id=order_id,
        received_at=received_at,
    )


def dedup_slots(item: InboxItem) -> tuple[str, tuple[str, ...]]:
    """The slot this event claims, and earlier slots that would make it a redelivery.

    A windowed key lands in the bucket of its arrival time; the previous bucket is checked
    too, so two copies a few seconds apart across a bucket edge still count as one.
    """
    if item.window <= 0:
        return item.dedup_key, ()
    bucket = int(item.received_at.timestamp()) // item.window
    return f"{item.dedup_key}@{bucket}", (f"{item.dedup_key}@{bucket - 1}",)


# The group commit's statements are built once: a multi-row VALUES list (or the ORM's bulk
# insert) was compiled afresh for every batch and, with building the IN list, made the
# webhook path CPU-bound (bench/, ingest). The insert runs as one executemany.
_INBOX = table_of(InboxEvent)
_SEEN = select(_INBOX.c.dedup_slot).where(
    _INBOX.c.dedup_slot.in_(bindparam("slots", expanding=True))
)


async def store_events(*, session: AsyncSession, items: Sequence[InboxItem]) -> list[bool]:
    """Insert events that are not redeliveries; True for each one that was new."""
    candidates = [dedup_slots(item) for item in items]
    every_slot = {slot for own, earlier in candidates for slot in (own, *earlier)}
    seen = set((await session.execute(_SEEN, {"slots": list(every_slot)})).scalars())
    rows: list[dict[str, object]] = []
    fresh: list[bool] = []
    for item, (own, earlier) in zip(items, candidates, strict=True):
        if own in seen or any(slot in seen for slot in earlier):
            fresh.append(False)
            continue
        seen.add(own)
        fresh.append(True)
        rows.append(
            {
                "marketplace": item.marketplace,
                "kind": str(item.kind),
                "dedup_slot": own,
                "payload": item.payload,
                "received_at": item.received_at,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": item.received_at,
                "last_error": "",
                "order_id": item.order_id,
            }
        )
    if rows:
        # Another process may have stored the same event meanwhile; the constraint decides.
        await session.execute(ignoring_conflicts(session, _INBOX, ("dedup_slot",)), rows)
    return fresh


@dataclass
class _Pending:
    items: Sequence[InboxItem]
    done: asyncio.Future[list[bool]]


class InboxWriter:
    """Group-commits inbox writes from concurrent webhook requests."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        on_stored: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._on_stored = on_stored

    async def __aenter__(self) -> InboxWriter:
        self._task = asyncio.create_task(self._run(), name="inbox-writer")
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self._queue.join()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def store(self, items: Sequence[InboxItem]) -> list[bool]:
        """Store events durably; returns once committed (True = new, False = redelivery)."""
        if self._task is None:
            raise RuntimeError("InboxWriter is not running")
        done: asyncio.Future[list[bool]] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Pending(items, done))
        return await done

    async def _run(self) -> None:
        expected = 1
        while True:
            batch = await self._next_batch(expected)
            expected = len(batch)
            await self._commit(batch)
            for _ in batch:
                self._queue.task_done()

    async def _next_batch(self, expected: int) -> list[_Pending]:
        """The queued writes, after waiting briefly for as many as the last batch held.

        Under load requests come in cohorts (those answered by one commit send their next
        ones together); committing a cohort's first arrival alone and the rest just after
        doubles the commits. Light traffic makes ``expected`` 1, so nothing waits then.
        """
        batch = [await self._queue.get()]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + GATHER_SECONDS
        while len(batch) < MAX_BATCH:
            if not self._queue.empty():
                batch.append(self._queue.get_nowait())
                continue
            remaining = deadline - loop.time()
            if len(batch) >= expected or remaining <= 0:
                break
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    batch.append(await self._queue.get())
        return batch

    async def _commit(self, batch: list[_Pending]) -> None:
        items = [item for pending in batch for item in pending.items]
        try:
            fresh = await self._write(items)
        except Exception as exc:
            if len(batch) > 1 and _is_item_fault(exc):
                # One bad webhook must not cost the others their 200: each request gets its
                # own transaction, so only the one at fault is refused.
                log.warning("inbox commit of %d events refused; storing one by one", len(items))
                await self._commit_each(batch)
                return
            self._fail(batch, exc)
            return
        self._succeed(batch, fresh)

    async def _commit_each(self, batch: list[_Pending]) -> None:
        for pending in batch:
            try:
                fresh = await self._write(pending.items)
            except Exception as exc:
                self._fail([pending], exc)
            else:
                self._succeed([pending], fresh)

    async def _write(self, items: Sequence[InboxItem]) -> list[bool]:
        async with self._sessions() as session, session.begin():
            return await store_events(session=session, items=items)

    def _fail(self, batch: list[_Pending], exc: Exception) -> None:
        error: Exception = exc
        if _is_item_fault(exc):
            # Logged without the exception text: SQL parameters would carry buyer data.
            log.warning("inbox refused an event: %s", _cause(exc))
            error = UnstorableEvent(f"a value cannot be stored ({_cause(exc)})")
        else:
            log.exception("inbox commit failed for %d requests", len(batch))
        for pending in batch:
            if not pending.done.done():
                pending.done.set_exception(error)

    def _succeed(self, batch: list[_Pending], fresh: list[bool]) -> None:
        offset = 0
        for pending in batch:
            count = len(pending.items)
            if not pending.done.done():
                pending.done.set_result(fresh[offset : offset + count])
            offset += count
        if self._on_stored is not None and any(fresh):
            self._on_stored()


# --- the delivery side ---------------------------------------------------------------------

_EVENT = TypeAdapter[MarketplaceEvent](MarketplaceEvent)


def event_of(row: InboxEvent) -> MarketplaceEvent:
    """The domain event a stored row holds."""
    return _EVENT.validate_json(row.payload)


async def mark_delivered(*, session: AsyncSession, event_id: int, now: datetime) -> None:
    await session.execute(
        update(InboxEvent)
        .where(col(InboxEvent.id) == event_id)
        .values(status="delivered", delivered_at=now, last_error="")
    )


async def mark_failed(
    *, session: AsyncSession, event_id: int, error: str, retry_at: datetime, park: bool
) -> None:
    await session.execute(
        update(InboxEvent)
        .where(col(InboxEvent.id) == event_id)
        .values(
            status="parked" if park else "pending",
            attempts=col(InboxEvent.attempts) + 1,
            next_attempt_at=retry_at,
            last_error=error[:2000],
        )
    )


async def postpone(*, session: AsyncSession, event_ids: Sequence[int], until: datetime) -> None:
    """Push events back without counting an attempt (Telegram asked us to wait)."""
    if event_ids:
        await session.execute(
            update(InboxEvent)
            .where(col(InboxEvent.id).in_(event_ids))
            .values(next_attempt_at=until)
        )


@dataclass(frozen=True)
class Backlog:
    pending: int
    oldest_received_at: datetime | None
    parked: int


async def backlog(*, session: AsyncSession) -> Backlog:
    pending, oldest = (
        await session.execute(
            select(func.count(), func.min(col(InboxEvent.received_at))).where(
                col(InboxEvent.status) == "pending"
            )
        )
    ).one()
    parked = (
        await session.execute(select(func.count()).where(col(InboxEvent.status) == "parked"))
    ).scalar_one()
    oldest_at = oldest
    if oldest_at is not None and oldest_at.tzinfo is None:
        # Aggregates bypass the column type on SQLite; the stored value is UTC.
        oldest_at = oldest_at.replace(tzinfo=UTC)
    return Backlog(pending=int(pending), oldest_received_at=oldest_at, parked=int(parked))


async def parked_events(*, session: AsyncSession, limit: int = 20) -> list[InboxEvent]:
    query = (
        select(InboxEvent)
        .where(col(InboxEvent.status) == "parked")
        .order_by(col(InboxEvent.id).desc())
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def retry_parked(*, session: AsyncSession, now: datetime) -> int:
    return await count_changed(
        session,
        update(InboxEvent)
        .where(col(InboxEvent.status) == "parked")
        .values(status="pending", attempts=0, next_attempt_at=now),
    )


async def prune_delivered(*, session: AsyncSession, before: datetime) -> int:
    """Forget delivered events received before ``before`` (their dedup keys go with them)."""
    return await count_changed(
        session,
        delete(InboxEvent).where(
            col(InboxEvent.status) == "delivered", col(InboxEvent.received_at) < before
        ),
    )
