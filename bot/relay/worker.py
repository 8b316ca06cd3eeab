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
import contextvars
import logging
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock, system_clock
from bot.domain.values import EventKind, OrderCreated, OrderStatusChanged
from bot.marketplaces import Marketplace
from bot.metrics import Metrics
from bot.relay.config import RelayConfig
from bot.relay.crashpoints import crash_point, delivering
from bot.relay.delivery import Delivery
from bot.relay.health import TelegramHealth
from bot.relay.leases import Lease, LeaseLost, Stopping, sending_for
from bot.relay.outage import Outage, classify, gives_up, retry_delay
from bot.relay.pacer import GroupPacer
from bot.relay.sender import Sender
from bot.render.base import Rendered
from bot.render.staff import render_group_moved, render_parked_notice
from storage import inbox, leases, notices
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
        metrics: Metrics | None = None,
        owner: str = "",
    ) -> None:
        self._sessions = sessions
        # This process's stable name in leases: a restart takes its own stale ones back.
        self.owner = owner
        self._metrics = metrics or Metrics()
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
        self._moves_told: set[int] = set()  # groups whose move (supergroup upgrade) was told
        self._delivery = Delivery(
            sessions=sessions,
            sender=sender,
            marketplaces=marketplaces,
            config=config,
            clock=clock,
            pacer=pacer,
        )

    def wake(self) -> None:
        """New events were stored; look now rather than at the next poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set; a pass in progress finishes its current send."""
        self.stopping = stop
        await self.take_back_stale_leases()
        with contextlib.suppress(Exception):  # storage down: the passes below report it
            await self.retry_parked()
        while not stop.is_set():
            try:
                delivered = await self.run_once()
            except Exception:
                log.exception("delivery pass failed")
                delivered = 0
            if delivered or await self.open_announced_topics():
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

    async def take_back_stale_leases(self) -> None:
        """At start: the events a previous run of this process held are due again at once."""
        async with self._sessions() as session, session.begin():
            taken = await leases.take_back_stale_leases(session=session, owner=self.owner)
        if taken:
            log.info("took back %d events left in delivery by the previous run", taken)

    async def run_once(self) -> int:
        """One pass over due events; returns how many were handled."""
        token = uuid.uuid4().hex
        async with self._sessions() as session, session.begin():
            rows = await leases.claim_due(
                session=session,
                now=self._clock(),
                limit=self._config.batch,
                lease=self._config.lease,
                owner=self.owner,
                token=token,
            )
        if not rows:
            return 0
        lease = Lease(
            self._sessions,
            token=token,
            length=self._config.lease,
            clock=self._clock,
            event_ids=[row.id for row in rows if row.id is not None],
            stopping=self.stopping,
        )
        try:
            with delivering(",".join(map(str, sorted(lease.held)))):
                crash_point("after-claim")
            async with lease.kept_alive():
                return await self._pass(rows, lease)
        finally:
            await lease.release()

    @staticmethod
    @contextlib.contextmanager
    def _sending(lease: Lease, rows: Sequence[InboxEvent]) -> Iterator[None]:
        ids = [row.id for row in rows if row.id is not None]
        with sending_for(lease, ids), delivering(",".join(map(str, ids))):
            yield
        lease.held.difference_update(ids)

    async def _pass(self, rows: Sequence[InboxEvent], lease: Lease) -> int:
        pending = list(rows)
        self._delivery.backlog.note(rows)
        try:
            maybe_new = self._to_digest([row for row in pending if row.kind in MAYBE_NEW_ORDER])
            more_due = len(rows) >= self._config.batch  # the claim was cut at the batch size
            maybe_new, pending = await self._hold_orders(maybe_new, pending, lease, more_due)
            if maybe_new:
                try:
                    with self._sending(lease, maybe_new):
                        handled = await self._digests(maybe_new)
                except LeaseLost:
                    handled = {row.id for row in maybe_new if row.id is not None}
                except Stopping:
                    return 0  # the process is stopping: the leases go back as they are
                for row in maybe_new:
                    if row.id in handled:
                        self._metrics.delivered(row.received_at, self._clock())
                pending = [row for row in pending if row.id not in handled]
            chats = [row for row in pending if row.kind == EventKind.BUYER_MESSAGE]
            if chats and self._pacer is not None:
                left = await self._coalesce_chats(chats, pending, lease)
                if left is None:
                    return 0  # the process is stopping: the leases go back as they are
                pending = left
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
                try:
                    with self._sending(lease, pending[:1]):
                        await self._deliver_one(pending[0])
                except LeaseLost:
                    pass  # another process holds it now; it is theirs to deliver
                except Stopping:
                    continue  # not sent: handed back with the rest, just above
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

    def _to_digest(self, rows: list[InboxEvent]) -> list[InboxEvent]:
        """The possible new orders to digest: those of groups whose budget they would strain.

        Each staff group (SHOP_GROUPS) has its own budget, so one busy shop does not turn a
        quiet shop's orders into digests.
        """
        groups = self._config.groups
        by_group: dict[int, list[InboxEvent]] = {}
        for row in rows:
            event = event_of(row)
            shop = event.order.shop_id if isinstance(event, OrderCreated) else ""
            shop = event.shop_id if isinstance(event, OrderStatusChanged) else shop
            by_group.setdefault(groups.group_for(row.marketplace, shop), []).append(row)
        return [
            row
            for group, batch in by_group.items()
            if self._should_digest(len(batch), group)
            for row in batch
        ]

    def _should_digest(self, new_orders: int, group: int) -> bool:
        """Digest once new orders would take more than half of the minute's free slots.

        A burst arrives over several passes; spending the whole first window on single
        alerts would leave the rest of the burst a window later. A group's overflow groups
        add their free slots to its own.
        """
        if self._pacer is None:
            return False
        if self._delivery.backlog.busy(group):
            return True  # a sale day's stream: combined from the first order (Backlog)
        if new_orders < self._config.digest_threshold:
            return False
        spill = self._config.groups.spill_of(group)
        free = sum(self._pacer.free_slots(chat) for chat in (group, *spill))
        return new_orders > free // 2

    async def _hold_orders(
        self, maybe_new: list[InboxEvent], pending: list[InboxEvent], lease: Lease, more_due: bool
    ) -> tuple[list[InboxEvent], list[InboxEvent]]:
        """With no slot free, new orders wait in the inbox: the digest then lists all that came."""
        hold = self._delivery.hold_orders
        held = await hold(maybe_new, more_due=more_due) if maybe_new else set()
        lease.held.update(held)  # postponed, not delivered: handed back with the rest
        return [r for r in maybe_new if r.id not in held], [r for r in pending if r.id not in held]

    async def _coalesce_chats(
        self, chats: list[InboxEvent], pending: list[InboxEvent], lease: Lease
    ) -> list[InboxEvent] | None:
        """Combine buyer messages of busy groups; what is left, or None when stopping."""
        try:
            with self._sending(lease, chats):
                done = await self._delivery.chat_digests(chats)
        except LeaseLost:
            return [row for row in pending if row not in chats]
        except Stopping:
            return None
        except Exception as exc:
            verdict = classify(exc)
            if isinstance(verdict, Outage):
                raise verdict from exc
            # One by one instead: a message that cannot be shown is retried and parked alone.
            log.exception("combining buyer messages failed")
            return pending
        # Only shown rows are done; the others' leases go back with the rest of the pass.
        lease.held.update(row.id for row in chats if row.id and row.id not in done.shown)
        for row in chats:
            if row.id in done.shown:
                self._metrics.delivered(row.received_at, self._clock())
        return [row for row in pending if row.id not in done.taken]

    async def open_announced_topics(self) -> int:
        """Topic mode: open the topics a backlog put off (when idle; best effort)."""
        return await self._delivery.open_announced_topics()

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
            self._delivered_ok()
            self._metrics.delivered(row.received_at, self._clock())
        except Exception as exc:
            verdict = classify(exc)
            if isinstance(verdict, Outage):
                raise verdict from exc
            if verdict.unexpected:
                log.exception("event %s failed", row.id)
            await self._failed(row, verdict.error)
        await self._report_move()

    def _delivered_ok(self) -> None:
        if self._health.ok(self._clock()):
            log.warning("Telegram accepts the staff group again; delivery resumed")

    def _note(self, outage: Outage) -> None:
        """Show Telegram's own failures in /healthz; a set-up problem in the log, once."""
        if outage.telegram_error is None:
            return
        new = self._health.failed(self._clock(), outage.telegram_error, forbidden=outage.forbidden)
        if new:
            log.error(
                "%s. Events wait and are delivered once this is put right "
                "(is the bot still a member and allowed to post?)",
                outage.telegram_error,
            )

    async def _report_move(self) -> None:
        """Once a staff group has moved (became a supergroup), tell /healthz and the group."""
        for group in self._config.groups.all:
            moved_to = self._sender.chat(group)
            if moved_to == group or moved_to in self._moves_told:
                continue
            self._moves_told.add(moved_to)
            self._health.migrated_to = moved_to
            notice = render_group_moved(group, moved_to, lang=self._config.lang)
            await self._report(moved_to, notice, marketplace="")

    async def _failed(self, row: InboxEvent, error: str) -> None:
        assert row.id is not None
        attempts = row.attempts + 1
        config = self._config
        park = gives_up(
            attempts, first=config.retry_first, cap=config.retry_max, park_after=config.park_after
        )
        delay = retry_delay(attempts, first=config.retry_first, cap=config.retry_max)
        async with self._sessions() as session, session.begin():
            await inbox.mark_failed(
                session=session,
                event_id=row.id,
                error=error,
                retry_at=self._clock() + delay,
                park=park,
            )
        log.warning("event %s attempt %d failed: %s", row.id, attempts, error)
        if park:
            await self._report_parked(row, error)

    async def retry_parked(self) -> int:
        """Give parked events one more try (at start-up: their cause may have been fixed)."""
        async with self._sessions() as session, session.begin():
            count = await inbox.retry_parked(session=session, now=self._clock())
        if count:
            log.info("retrying %d parked events", count)
        return count

    async def _report_parked(self, row: InboxEvent, error: str) -> None:
        async with self._sessions() as session, session.begin():
            first = await notices.claim_notice(
                session=session, key=f"parked:{row.id}", now=self._clock()
            )
        if not first:
            return
        description = f"#{row.id} {row.marketplace} {row.kind} {row.order_id}".strip()
        notice = render_parked_notice(description, error, lang=self._config.lang)
        await self._report(self._config.chat_id, notice, marketplace=row.marketplace)

    async def _report(self, chat_id: int, notice: Rendered, *, marketplace: str) -> None:
        """Post a report to the group, best effort: a failure here is already in the log.

        A report is no event's message, so it runs outside the event's lease check (a fresh
        context): the event it is about was closed or parked a moment ago.
        """

        async def send() -> None:
            with contextlib.suppress(Exception):
                await self._sender.send(
                    chat_id, notice, marketplace=marketplace, shop_id="", bulk=False
                )

        await asyncio.create_task(send(), context=contextvars.Context())
