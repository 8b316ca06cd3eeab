"""The delivery worker: stored events -> the staff group.

Each pass claims due inbox events, renders them and sends them, then records the Telegram
message ids and marks the events delivered in one transaction. Delivery is therefore
at-least-once with a single window for a duplicate: a crash after Telegram accepted a
message and before that commit re-sends it after the restart.

Failures are sorted by who is at fault (``bot.relay.outage.classify``):
* Telegram or the marketplace is unavailable, rate-limits us, or the bot was removed from
  the group: nothing is wrong with the event, so it waits (growing backoff) and is never
  parked. Such an outage stops the pass instead of hammering a dead service.
* Anything else is the event's own problem (a render Telegram refuses, data we can't
  read): it is retried a few times, then parked with its error and reported once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock, system_clock
from bot.domain.values import EventKind
from bot.marketplaces import Marketplace
from bot.relay.config import RelayConfig
from bot.relay.delivery import Delivery
from bot.relay.health import TelegramHealth
from bot.relay.outage import Outage, classify
from bot.relay.pacer import GroupPacer
from bot.relay.sender import Sender
from bot.render.staff import render_parked_notice
from storage import inbox, notices
from storage.inbox import event_of
from storage.models import InboxEvent

log = logging.getLogger(__name__)

MAYBE_NEW_ORDER = frozenset({EventKind.ORDER_CREATED, EventKind.ORDER_STATUS})


class Relay:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        sender: Sender,
        marketplaces: Mapping[str, Marketplace],
        config: RelayConfig,
        health: TelegramHealth,
        pacer: GroupPacer | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self._sessions = sessions
        self._sender = sender
        self._marketplaces = marketplaces
        self._config = config
        self._health = health
        self._pacer = pacer
        self._clock = clock
        self._wake = asyncio.Event()
        # Set when the process is stopping: the current pass hands its rest back.
        self.stopping = asyncio.Event()
        self._outage_streak = 0
        self._delivery = Delivery(
            sessions=sessions,
            sender=sender,
            marketplaces=marketplaces,
            config=config,
            clock=clock,
        )

    def wake(self) -> None:
        """New events were stored; look now rather than at the next poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set; a pass in progress finishes its current send."""
        self.stopping = stop
        while not stop.is_set():
            try:
                delivered = await self.run_once()
            except Exception:
                log.exception("delivery pass failed")
                delivered = 0
            if delivered:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._config.idle_poll):
                    waiter = asyncio.ensure_future(self._wake.wait())
                    stopper = asyncio.ensure_future(stop.wait())
                    try:
                        await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
                    finally:
                        waiter.cancel()
                        stopper.cancel()

    async def run_once(self) -> int:
        """One pass over due events; returns how many were handled."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            rows = await inbox.claim_due(
                session=session, now=now, limit=self._config.batch, lease=self._config.lease
            )
        if not rows:
            return 0
        pending = list(rows)
        try:
            maybe_new = [row for row in pending if row.kind in MAYBE_NEW_ORDER]
            if self._should_digest(len(maybe_new)):
                handled = await self._digests(maybe_new)
                pending = [row for row in pending if row.id not in handled]
            while pending:
                if self.stopping.is_set():
                    # Stopping: hand the rest back at once instead of after the lease.
                    async with self._sessions() as session, session.begin():
                        await inbox.postpone(
                            session=session,
                            event_ids=[row.id for row in pending if row.id],
                            until=self._clock(),
                        )
                    return len(rows) - len(pending)
                await self._deliver_one(pending[0])
                pending.pop(0)
        except Outage as outage:
            self._note(outage)
            self._outage_streak += 1
            wait = min(outage.wait * 2 ** (self._outage_streak - 1), 600.0)
            log.warning("delivery paused %.0fs: %s", wait, outage.reason)
            until = self._clock() + timedelta(seconds=max(wait, outage.wait))
            async with self._sessions() as session, session.begin():
                await inbox.postpone(
                    session=session, event_ids=[row.id for row in pending if row.id], until=until
                )
            return len(rows) - len(pending)
        self._outage_streak = 0
        return len(rows)

    def _should_digest(self, new_orders: int) -> bool:
        """Digest once new orders would take more than half of the minute's free slots.

        A burst arrives over several passes; spending the whole first window on single
        alerts would leave the rest of the burst a window later.
        """
        if new_orders < self._config.digest_threshold:
            return False
        free = self._pacer.free_slots(self._config.chat_id) if self._pacer else 2 * new_orders
        return new_orders > free // 2

    # --- one event ---------------------------------------------------------------------------

    async def _digests(self, rows: list[InboxEvent]) -> set[int]:
        try:
            return await self._delivery.digests(rows)
        except Exception as exc:
            verdict = classify(exc)
            if isinstance(verdict, Outage):
                raise verdict from exc
            raise  # no single event to blame: the pass fails and the leases run out

    async def _deliver_one(self, row: InboxEvent) -> None:
        assert row.id is not None
        try:
            await self._delivery.deliver(row.id, event_of(row))
            self._health.ok(self._clock())
        except Exception as exc:
            verdict = classify(exc)
            if isinstance(verdict, Outage):
                raise verdict from exc
            if verdict.unexpected:
                log.exception("event %s failed", row.id)
            await self._failed(row, verdict.error)

    def _note(self, outage: Outage) -> None:
        """Show Telegram's own failures in /healthz; a refusal of the group in the log too."""
        if outage.telegram_error is not None:
            self._health.failed(self._clock(), outage.telegram_error, forbidden=outage.forbidden)
        if outage.forbidden:
            log.error(
                "Telegram refuses the staff group (%s); is the bot still a member?",
                outage.telegram_error,
            )

    async def _failed(self, row: InboxEvent, error: str) -> None:
        assert row.id is not None
        attempts = row.attempts + 1
        park = attempts >= self._config.max_attempts
        retry_at = self._clock() + timedelta(seconds=min(2**attempts, 300))
        async with self._sessions() as session, session.begin():
            await inbox.mark_failed(
                session=session, event_id=row.id, error=error, retry_at=retry_at, park=park
            )
        log.warning("event %s attempt %d failed: %s", row.id, attempts, error)
        if park:
            await self._report_parked(row, error)

    async def _report_parked(self, row: InboxEvent, error: str) -> None:
        async with self._sessions() as session, session.begin():
            first = await notices.claim_notice(
                session=session, key=f"parked:{row.id}", now=self._clock()
            )
        if not first:
            return
        description = f"#{row.id} {row.marketplace} {row.kind} {row.order_id}".strip()
        notice = render_parked_notice(description, error, lang=self._config.lang)
        with contextlib.suppress(Exception):
            await self._sender.send(
                self._config.chat_id, notice, marketplace=row.marketplace, shop_id="", bulk=False
            )
