"""A bulk run at work: each order accepted once, in parallel within the marketplace's limits.

Every order goes through the single Accept (``decisions.accept_order``): the order's own
once-only claim and its own audit entry, naming the run. A 429 is waited out and tried again,
never counted as a failure; each client keeps to its marketplace's limits (Tokopedia's
``X-Ratelimit-*`` headers, Tokopedia & Shop's per-API QPS for an app and shop). The run's one
message is edited about every 2 s while the group's budget has room, and at the end with the
tally, the failures with their reasons and a button that retries only those.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from telegram.error import BadRequest, TelegramError

from bot.context import Services
from bot.domain.errors import ErrorKind, MarketplaceError
from bot.domain.values import Order, OrderState
from bot.render.base import Rendered
from bot.render.bulk import BulkTally, Failure, render_progress, render_result
from bot.render.catalogue import t_plain
from bot.render.formatting import visible_text
from bot.render.orders import short_invoice
from bot.staff.common import Actor, Status, get_order
from bot.staff.decisions import accept_order, bulk_note
from storage import bulk as runs
from storage import claims
from storage.models import BulkRun, OrderRow

log = logging.getLogger(__name__)

CONCURRENCY = 8  # orders with the marketplace at once; its limits pace them further
PROGRESS_EVERY = 2.0  # seconds between progress edits, at most
PROGRESS_FIRST = 0.5  # a run that ends sooner shows only its tally
# A progress edit may be skipped; it goes only while half the group's bulk budget is free,
# so a few runs at once never starve relayed orders and chats.
PROGRESS_SPARE = 0.5
LIMITED_FIRST_WAIT = 1.0  # after a 429 the client could not wait out itself, doubling
LIMITED_MAX_WAIT = 30.0
# A running run touches its claim every PROGRESS_EVERY; one untouched this long has stopped.
RUN_CLAIM_STALE = timedelta(minutes=1)
FINAL_TRIES = 4
FINAL_RETRY_WAIT = 10.0  # seconds, growing with each try

_SKIP_BY_OUTCOME = {
    "accepted": "accepted",
    "processed": "processed",
    "rejected": "rejected",
    "cancel_approved": "cancelled",
}
_RUNNING: set[asyncio.Task[None]] = set()


def run_key(run_id: int) -> str:
    return f"bulk:{run_id}"


def skip_reason(row: OrderRow) -> str | None:
    """Why an order is no longer the run's to accept (someone decided, or it moved on)."""
    if row.outcome:
        return _SKIP_BY_OUTCOME.get(row.outcome, "moved")
    state = OrderState(row.state)
    if state is OrderState.AWAITING_ACCEPTANCE:
        return None
    if state is OrderState.CANCELLED:
        return "cancelled"
    return "accepted" if state is OrderState.ACCEPTED else "moved"


def _live_skip(order: Order) -> str | None:
    state = order.status.state
    if state is OrderState.AWAITING_ACCEPTANCE:
        return None
    return "cancelled" if state is OrderState.CANCELLED else "moved"


def needs_accept(services: Services, marketplace: str) -> bool:
    market = services.marketplaces.get(marketplace)
    return market is None or market.accepts_orders


def spawn(runner: Runner) -> None:
    task = asyncio.create_task(runner.run(), name=f"bulk-run-{runner.run_id}")
    _RUNNING.add(task)  # the loop keeps only a weak reference to a task
    task.add_done_callback(_RUNNING.discard)


async def drain() -> None:
    """Wait until every run started by this process has finished (tests, shutdown)."""
    while _RUNNING:
        await asyncio.gather(*list(_RUNNING), return_exceptions=True)


class Runner:
    """One run, from its first progress edit to the tally."""

    def __init__(
        self, services: Services, actor: Actor, run: BulkRun, chat_id: int, message_id: int
    ) -> None:
        assert run.id is not None
        self.services = services
        self.actor = actor
        self.record = run
        self.chat_id = chat_id
        self.message_id = message_id
        self.run_id: int = run.id
        self.tally = BulkTally(
            len(runs.targets_of(self.record)), needs_accept(self.services, self.record.marketplace)
        )
        self.failed: list[str] = []  # targets worth a retry
        self.handled: set[str] = set()  # targets this run is through with
        saved = runs.progress_of(run)
        if saved is not None:  # taken over from a process that stopped mid-run
            self.tally = BulkTally.from_json(saved["tally"])
            self.failed = [str(target) for target in saved["failed"]]
            self.handled = {str(target) for target in saved["handled"]}

    def _saved(self) -> dict[str, object]:
        return {
            "tally": self.tally.as_json(),
            "failed": self.failed,
            "handled": sorted(self.handled),
        }

    async def run(self) -> None:
        try:
            await self._run()
        except Exception:
            log.exception("bulk run %s stopped", self.run_id)

    async def _run(self) -> None:
        # No edit is forced before the work starts: on a busy day the group's budget may make
        # it wait, and a second Yes meanwhile is harmless (the run's claim answers it).
        progress = asyncio.create_task(self._progress())
        limit = asyncio.Semaphore(CONCURRENCY)

        async def one(marketplace: str, order_id: str) -> None:
            async with limit:
                await self._one(marketplace, order_id)
            self.handled.add(runs.target(marketplace, order_id))

        todo = [
            (marketplace, order_id)
            for marketplace, order_id in runs.targets_of(self.record)
            if runs.target(marketplace, order_id) not in self.handled
        ]
        try:
            await asyncio.gather(*(one(m, o) for m, o in todo))
        finally:
            progress.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await progress
        await self._finish()

    async def _progress(self) -> None:
        shown = -1  # the first tick shows the run started, taking Yes/No away
        while True:
            await asyncio.sleep(PROGRESS_EVERY if shown >= 0 else PROGRESS_FIRST)
            try:
                await self._heartbeat()
            except Exception:  # the work goes on; only a takeover after a crash would suffer
                log.exception("bulk run %s could not save its progress", self.run_id)
            if self.tally.finished == shown:
                continue
            # The first edit needs only a free slot; later ones leave half the budget free.
            needed = PROGRESS_SPARE if shown >= 0 else 0.0
            if self.services.sender.spare(self.chat_id) <= needed:
                continue
            shown = self.tally.finished
            await self._show(render_progress(self.tally, lang=self.services.lang), bulk=True)

    async def _heartbeat(self) -> None:
        """Keep the run's claim fresh and its progress saved, for a takeover after a crash."""
        services = self.services
        async with services.sessions() as session, session.begin():
            await claims.touch(session=session, key=run_key(self.run_id), now=services.clock())
            await runs.save_progress(session=session, run_id=self.run_id, result=self._saved())

    async def _finish(self) -> None:
        services = self.services
        retry: int | None = None
        async with services.sessions() as session, session.begin():
            if self.failed:
                retry = await runs.offer(
                    session=session,
                    origin=f"retry:{self.run_id}",
                    marketplace=self.record.marketplace,
                    shop_id=self.record.shop_id,
                    order_ids=self.failed,
                    now=services.clock(),
                )
            await runs.finish(
                session=session,
                run_id=self.run_id,
                result=self._saved(),
                now=services.clock(),
            )
            await claims.finish(session=session, key=run_key(self.run_id), now=services.clock())
        rendered = render_result(
            self.tally,
            actor=self.actor.name,
            at=services.clock(),
            retry_ref=str(retry) if retry is not None else None,
            lang=services.lang,
            tz=services.tz,
        )
        # The tally is what staff wait for: a Telegram hiccup gets a few more tries.
        for attempt in range(FINAL_TRIES):
            if await self._show(rendered, bulk=False) or attempt == FINAL_TRIES - 1:
                return
            await asyncio.sleep(FINAL_RETRY_WAIT * (attempt + 1))

    async def _show(self, rendered: Rendered, *, bulk: bool) -> bool:
        try:
            await self.services.sender.edit(
                self.chat_id,
                self.message_id,
                rendered,
                marketplace=self.record.marketplace,
                shop_id=self.record.shop_id,
                bulk=bulk,
            )
        except BadRequest as exc:  # the message is gone: nothing to show it on
            log.warning("could not show bulk run %s: %s", self.run_id, exc)
            return True
        except TelegramError as exc:  # the tally is stored in the run either way
            log.warning("could not show bulk run %s: %s", self.run_id, exc)
            return False
        return True

    def _fail(self, marketplace: str, order_id: str, invoice: str, reason: str) -> None:
        self.tally.failures.append(Failure(order_id, short_invoice(invoice or order_id), reason))
        if marketplace:
            self.failed.append(runs.target(marketplace, order_id))

    async def _one(self, marketplace: str, order_id: str) -> None:
        lang = self.services.lang
        row = await get_order(self.services, marketplace, order_id) if marketplace else None
        if row is None:
            self._fail("", order_id, order_id, t_plain("bulk.not_found", lang))
            return
        try:
            await self._accept(row)
        except Exception as exc:  # one order's surprise must not stop the other orders
            log.exception("bulk run %s: order %s", self.run_id, order_id)
            self._fail(marketplace, order_id, row.invoice, type(exc).__name__)

    async def _accept(self, row: OrderRow) -> None:
        if row.outcome and row.outcome_detail == bulk_note(self.services, self.run_id):
            self.tally.done += 1  # this run did it, before a crash it is taking over from
            return
        reason = skip_reason(row)
        if reason is None and not needs_accept(self.services, row.marketplace):
            # Nothing is called to "process": ask the marketplace whether it is still open.
            live = await self._live(row)
            reason = _live_skip(live) if live is not None else None
        if reason is not None:
            self.tally.skipped[reason] += 1
            return
        wait = LIMITED_FIRST_WAIT
        while (
            result := await accept_order(self.services, self.actor, row, bulk_run=self.run_id)
        ).kind is ErrorKind.RATE_LIMITED:
            await asyncio.sleep(wait)
            wait = min(wait * 2, LIMITED_MAX_WAIT)
        if result.status is Status.DONE:
            self.tally.done += 1
        elif result.status is Status.STALE:
            fresh = await get_order(self.services, row.marketplace, row.order_id)
            self.tally.skipped[(skip_reason(fresh) if fresh else None) or "moved"] += 1
        elif result.status is Status.BUSY:
            self.tally.skipped["busy"] += 1
        elif (
            result.kind is ErrorKind.NOT_ELIGIBLE
            and (live := await self._live(row))
            and (moved := _live_skip(live))
        ):
            self.tally.skipped[moved] += 1  # changed on the marketplace before we got to it
        else:
            self._fail(row.marketplace, row.order_id, row.invoice, visible_text(result.text))

    async def _live(self, row: OrderRow) -> Order | None:
        """The order as the marketplace has it now; None when it can't say."""
        market = self.services.marketplaces[row.marketplace]
        wait = LIMITED_FIRST_WAIT
        while True:
            try:
                return await market.get_order(row.shop_id, row.order_id)
            except MarketplaceError as exc:
                if exc.kind is not ErrorKind.RATE_LIMITED:
                    return None
            await asyncio.sleep(wait)
            wait = min(wait * 2, LIMITED_MAX_WAIT)


async def resume_stopped(services: Services) -> int:
    """Take over runs whose process stopped mid-run (their claim went stale); how many.

    The orders they had accepted are claimed and recorded, so the rest is safe to go on with.
    """
    async with services.sessions() as session:
        stopped = await runs.running(session=session)
    resumed = 0
    for run in stopped:
        if run.id is None or run.chat_id is None or run.message_id is None:
            continue
        actor = Actor(run.actor_id or 0, run.actor_name)
        async with services.sessions() as session, session.begin():
            taken = await claims.claim(
                session=session,
                key=run_key(run.id),
                action="bulk",
                actor_id=actor.id,
                actor_name=actor.name,
                now=services.clock(),
                stale_after=RUN_CLAIM_STALE,
            )
        if taken.won:
            log.warning("taking over bulk run %s, which stopped mid-run", run.id)
            spawn(Runner(services, actor, run, run.chat_id, run.message_id))
            resumed += 1
    return resumed
