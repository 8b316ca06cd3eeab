"""This process's hold on the inbox events it is delivering (see ``storage.leases``).

The worker claims events under a ``Lease``; while it works, ``kept_alive`` renews the lease
of every event it still holds, so events waiting for the group's send budget stay ours.
Just before each Telegram call the pacer calls ``confirm_current``: it renews the leases of
the events that call is for and raises ``LeaseLost`` if any ran out (by the database's
clock) in the meantime, since another process may have claimed and sent them by then.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from storage import leases

log = logging.getLogger(__name__)


class LeaseLost(BaseException):
    """Another process may own the event now: drop it, without counting a failed attempt.

    A BaseException, so no delivery code mistakes it for the event's own failure.
    """


class Stopping(BaseException):
    """The process is stopping while an event waits for a send slot: the call is not made.

    The event stays pending for the next start, or for another process.
    """


class Lease:
    """The events one claim holds, under one token."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        token: str,
        length: timedelta,
        clock: Clock,
        event_ids: Iterable[int],
        stopping: asyncio.Event | None = None,
    ) -> None:
        self._sessions = sessions
        self.stopping = stopping or asyncio.Event()
        self.token = token
        self.length = length
        self._clock = clock
        self.held = set(event_ids)

    async def renew(self, event_ids: Iterable[int]) -> bool:
        """Renew these events' leases; False if any of them is no longer ours."""
        async with self._sessions() as session, session.begin():
            lost = await leases.renew_leases(
                session=session,
                event_ids=sorted(set(event_ids)),
                token=self.token,
                now=self._clock(),
                lease=self.length,
            )
        return lost == 0

    async def confirm(self, event_ids: Iterable[int]) -> None:
        ids = list(event_ids)
        if not await self.renew(ids):
            log.warning("lease of events %s ran out; leaving them to whoever holds them", ids)
            raise LeaseLost(ids)

    async def release(self) -> None:
        """Hand back what is still held, so it is due again at once (stop, retry, outage)."""
        async with self._sessions() as session, session.begin():
            await leases.release_leases(
                session=session, event_ids=sorted(self.held), token=self.token
            )

    @contextlib.asynccontextmanager
    async def kept_alive(self) -> AsyncIterator[None]:
        """Renew the held leases every third of their length while the block runs."""

        async def beat() -> None:
            while True:
                await asyncio.sleep(self.length.total_seconds() / 3)
                if self.held:
                    with contextlib.suppress(Exception):  # the next confirm decides
                        await self.renew(self.held)

        task = asyncio.create_task(beat(), name="lease-renewal")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


_current: contextvars.ContextVar[tuple[Lease, tuple[int, ...]] | None] = contextvars.ContextVar(
    "tokobot_lease", default=None
)


@contextlib.contextmanager
def sending_for(lease: Lease, event_ids: Iterable[int]) -> Iterator[None]:
    """Telegram calls in the block are for these events: check their leases first."""
    token = _current.set((lease, tuple(event_ids)))
    try:
        yield
    finally:
        _current.reset(token)


async def pause(seconds: float) -> None:
    """Wait for a send slot; in delivery, give up as soon as the process is stopping.

    Shutting down must not wait out a full minute of the group's budget.
    """
    held = _current.get()
    if held is None:
        await asyncio.sleep(seconds)
        return
    stopping = held[0].stopping
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stopping.wait()
    if stopping.is_set():
        raise Stopping


async def confirm_current() -> None:
    """Called before each Telegram call; a no-op outside delivery."""
    held = _current.get()
    if held is not None:
        await held[0].confirm(held[1])
