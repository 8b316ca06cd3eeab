"""Scheduled work: deadline and chat reminders, reconciliation, token renewal, daily summary.

Each job is a plain coroutine taking the services and "now", so tests drive it with a
controllable clock; ``schedule`` wires them to PTB's JobQueue (APScheduler). What a job has
already done lives in tokobot's tables (``notice`` for each reminder sent, ``job_state`` for
cursors and failure reports), never in pickled jobs, so a restart neither loses nor repeats.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from telegram.ext import JobQueue

from bot.context import Services
from bot.domain.values import (
    BuyerMessageReceived,
    MarketplaceEvent,
    OrderCreated,
    OrderState,
    OrderStatusChanged,
    ParsedEvent,
)
from bot.jobs.rules import due_offset, offset_label
from bot.render.catalogue import t_plain
from bot.render.messages import Rendered
from bot.render.staff import (
    render_chat_reminder,
    render_deadline_reminder,
    render_job_notice,
    render_summary,
)
from storage import conversations, inbox, job_runs, links, notices, orders, shops, stats
from storage.records import conversation_of, order_of

log = logging.getLogger(__name__)

Store = Callable[[Sequence[ParsedEvent], datetime], Awaitable[list[bool]]]


async def _post(
    services: Services,
    rendered: Rendered,
    *,
    marketplace: str = "",
    shop_id: str = "",
    reply_to: int | None = None,
    thread_id: int | None = None,
) -> None:
    await services.sender.send(
        services.chat_id,
        rendered,
        marketplace=marketplace,
        shop_id=shop_id,
        reply_to=reply_to,
        thread_id=thread_id,
        bulk=False,
    )


async def _once(services: Services, key: str, send: Callable[[], Awaitable[None]]) -> bool:
    """Send at most once per key, across restarts; a failed send may be tried again."""
    async with services.sessions() as session, session.begin():
        if not await notices.claim_notice(session=session, key=key, now=services.clock()):
            return False
    try:
        await send()
    except BaseException:
        async with services.sessions() as session, session.begin():
            await notices.forget_notice(session=session, key=key)
        raise
    return True


# --- reminders -----------------------------------------------------------------------------


async def deadline_reminders(services: Services, now: datetime) -> int:
    """Remind the group at the configured offsets before each open order's deadline."""
    offsets = services.settings.reminder_offsets
    async with services.sessions() as session:
        waiting = await orders.awaiting_acceptance(session=session, limit=500)
    sent = 0
    for row in waiting:
        deadline = row.accept_deadline
        if deadline is None:
            continue
        offset, skipped = due_offset(deadline, now, offsets)
        if offset is None:
            continue
        base = f"remind:deadline:{row.marketplace}:{row.order_id}"
        async with services.sessions() as session, session.begin():
            for late in skipped:  # thresholds passed while tokobot was down: never send late
                await notices.claim_notice(
                    session=session, key=f"{base}:{offset_label(late)}", now=now
                )
        last = offset == min(offsets)
        marketplace = services.marketplaces.get(row.marketplace)
        process = marketplace is not None and not marketplace.accepts_orders
        rendered = render_deadline_reminder(
            order_of(row),
            row.order_id,
            deadline,
            now=now,
            admins=services.settings.telegram_admin_ids if last else (),
            accept_label=t_plain("btn.process", services.lang) if process else "",
            lang=services.lang,
            tz=services.tz,
        )

        async def send(rendered: Rendered = rendered, row: Any = row) -> None:
            await _post(
                services,
                rendered,
                marketplace=row.marketplace,
                shop_id=row.shop_id,
                reply_to=row.alert_message_id,
            )

        if await _once(services, f"{base}:{offset_label(offset)}", send):
            sent += 1
    return sent


async def chat_reminders(services: Services, now: datetime) -> int:
    """One reminder per unanswered conversation after N minutes, in business hours only."""
    settings = services.settings
    if not settings.hours.is_open(now, services.tz):
        return 0  # reminders wait for the next opening: the first tick then sends them
    threshold = now - timedelta(minutes=settings.chat_reminder_minutes)
    async with services.sessions() as session:
        waiting = await conversations.waiting(session=session, limit=200)
    sent = 0
    for row in waiting:
        since = row.waiting_since
        if since is None or since > threshold:
            continue
        async with services.sessions() as session:
            reply_to = await links.latest_message(
                session=session,
                chat_id=services.chat_id,
                kind="conversation",
                marketplace=row.marketplace,
                ref=row.conversation_id,
            )
        rendered = render_chat_reminder(
            conversation_of(row),
            since,
            row.conversation_id,
            now=now,
            lang=services.lang,
            tz=services.tz,
        )

        async def send(
            rendered: Rendered = rendered, row: Any = row, reply_to: int | None = reply_to
        ) -> None:
            await _post(
                services,
                rendered,
                marketplace=row.marketplace,
                shop_id=row.shop_id,
                reply_to=reply_to,
                thread_id=row.thread_id,
            )

        key = f"remind:chat:{row.marketplace}:{row.shop_id}:{row.conversation_id}:{since:%s}"
        if await _once(services, key, send):
            sent += 1
    return sent


async def reminders(services: Services, now: datetime) -> None:
    await deadline_reminders(services, now)
    await chat_reminders(services, now)


# --- reconciliation ------------------------------------------------------------------------


@dataclass
class ReconcileFigures:
    orders_checked: int = 0
    orders_missing: int = 0
    chats_checked: int = 0
    chats_missing: int = 0
    relayed: int = 0


def _order_event(order_state: OrderState, order: Any, known: bool) -> MarketplaceEvent:
    if not known and order_state is OrderState.AWAITING_ACCEPTANCE:
        return OrderCreated(order=order)
    return OrderStatusChanged(
        marketplace=order.marketplace,
        shop_id=order.shop_id,
        order_id=order.order_id,
        status=order.status,
    )


async def reconcile(services: Services, store: Store, now: datetime) -> ReconcileFigures:
    """Relay what the webhooks missed, deduplicated against what did come."""
    figures = ReconcileFigures()
    async with services.sessions() as session, session.begin():
        state = await job_runs.get_state(session=session, name="reconcile")
        cursor = state.cursor
    catchup = timedelta(hours=services.settings.reconcile_catchup_hours)
    # Overlap the previous window: an order can be updated while a poll is in flight.
    since = max(cursor - timedelta(minutes=10), now - catchup) if cursor else now - catchup
    first_run = cursor is None
    events: list[ParsedEvent] = []
    for name, marketplace in services.marketplaces.items():
        async with services.sessions() as session:
            shop_ids = [
                row.shop_id
                for row in await shops.all_shops(session=session)
                if row.marketplace == name
            ]
        if not shop_ids:
            shop_ids = [shop.shop_id for shop in await marketplace.list_shops()]
        for shop_id in shop_ids:
            for order in await marketplace.list_orders(shop_id, since, now):
                figures.orders_checked += 1
                async with services.sessions() as session:
                    row = await orders.get_order(
                        session=session, marketplace=name, order_id=order.order_id
                    )
                if row is not None and row.status_code == order.status.code:
                    continue
                waiting = order.status.state is OrderState.AWAITING_ACCEPTANCE
                if row is None and first_run and not waiting:
                    continue  # a fresh install does not replay history, only what needs action
                figures.orders_missing += 1
                events.append(
                    ParsedEvent(
                        dedup_key=f"reconcile:{name}:order:{order.order_id}:{order.status.code}",
                        event=_order_event(order.status.state, order, known=row is not None),
                    )
                )
            for message in await marketplace.unread_messages(shop_id):
                figures.chats_checked += 1
                conv = message.conversation
                async with services.sessions() as session:
                    known = await conversations.get_conversation(
                        session=session,
                        marketplace=name,
                        shop_id=conv.shop_id,
                        conversation_id=conv.conversation_id,
                    )
                if known is not None and known.last_buyer_text == message.text:
                    continue  # the webhook brought it
                figures.chats_missing += 1
                digest = hashlib.sha256(message.text.encode()).hexdigest()[:16]
                events.append(
                    ParsedEvent(
                        dedup_key=f"reconcile:{name}:chat:{conv.shop_id}:{conv.conversation_id}:{digest}",
                        event=BuyerMessageReceived(message=message),
                        dedup_window=3600,
                    )
                )
    if events:
        figures.relayed = sum(await store(events, now))
    async with services.sessions() as session, session.begin():
        state = await job_runs.get_state(session=session, name="reconcile")
        state.cursor = now
    log.info(
        "reconciliation: %d orders checked, %d missing; %d chats checked, %d missing; %d relayed",
        figures.orders_checked,
        figures.orders_missing,
        figures.chats_checked,
        figures.chats_missing,
        figures.relayed,
    )
    return figures


# --- tokens and summary --------------------------------------------------------------------


async def refresh_tokens(services: Services, now: datetime) -> None:
    """Renew marketplace tokens that are due; a failure raises (and is reported once)."""
    del now
    for marketplace in services.marketplaces.values():
        await marketplace.refresh_credentials()


def _local_day(services: Services, now: datetime) -> tuple[datetime, datetime]:
    local = now.astimezone(services.tz)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


async def summary_rendered(services: Services, now: datetime) -> Rendered:
    start, end = _local_day(services, now)
    async with services.sessions() as session:
        figures = await stats.day_figures(session=session, start=start, end=min(end, now))
    return render_summary(
        figures, now.astimezone(services.tz).date(), lang=services.lang, tz=services.tz, now=now
    )


async def daily_summary(services: Services, now: datetime) -> None:
    day = now.astimezone(services.tz).date()
    rendered = await summary_rendered(services, now)

    async def send() -> None:
        await _post(services, rendered)

    await _once(services, f"summary:{day.isoformat()}", send)


async def housekeeping(services: Services, now: datetime) -> tuple[int, int]:
    """Forget delivered events and buttons older than RETENTION_DAYS.

    Telegram links stay: a reply to an old relayed chat must still reach its buyer.
    """
    before = now - timedelta(days=services.settings.retention_days)
    async with services.sessions() as session, session.begin():
        events = await inbox.prune_delivered(session=session, before=before)
        buttons = await links.prune_tokens(session=session, before=before)
    log.info("housekeeping: forgot %d delivered events and %d old buttons", events, buttons)
    return events, buttons


# --- failure reporting and the JobQueue ----------------------------------------------------


async def guarded(services: Services, name: str, work: Callable[[], Awaitable[object]]) -> None:
    """Run a job; report its first failure in a row once, and its recovery once."""
    try:
        await work()
    except Exception as exc:
        log.exception("scheduled job %s failed", name)
        async with services.sessions() as session, session.begin():
            first = await job_runs.failed(session=session, name=name, error=str(exc) or repr(exc))
        if first:
            await _notify(
                services,
                render_job_notice(name, str(exc) or type(exc).__name__, lang=services.lang),
            )
        return
    async with services.sessions() as session, session.begin():
        recovered = await job_runs.succeeded(session=session, name=name, at=services.clock())
    if recovered:
        await _notify(services, render_job_notice(name, None, lang=services.lang))


async def _notify(services: Services, rendered: Rendered) -> None:
    try:
        await _post(services, rendered)
    except Exception:
        log.exception("could not report a job state change to the group")


def schedule(job_queue: JobQueue[Any], services: Services, store: Store) -> None:
    """Register every job; each runs alone (max one instance) and skips missed runs."""
    settings = services.settings
    locks: dict[str, asyncio.Lock] = {}

    def job(name: str, work: Callable[[datetime], Awaitable[object]]) -> Callable[[Any], Any]:
        locks[name] = asyncio.Lock()

        async def callback(_context: Any) -> None:
            if locks[name].locked():
                return  # the previous run is still going: never overlap
            async with locks[name]:
                await guarded(services, name, lambda: work(services.clock()))

        return callback

    single = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 60}
    job_queue.run_repeating(
        job("reminders", lambda now: reminders(services, now)),
        interval=30,
        first=5,
        name="reminders",
        job_kwargs=single,
    )
    job_queue.run_repeating(
        job("reconcile", lambda now: reconcile(services, store, now)),
        interval=settings.reconcile_minutes * 60,
        first=1,
        name="reconcile",
        job_kwargs=single,
    )
    job_queue.run_repeating(
        job("tokens", lambda now: refresh_tokens(services, now)),
        interval=60,
        first=2,
        name="tokens",
        job_kwargs=single,
    )
    job_queue.run_daily(
        job("housekeeping", lambda now: housekeeping(services, now)),
        time=time(3, 0, tzinfo=services.tz),
        name="housekeeping",
        job_kwargs=single,
    )
    job_queue.run_daily(
        job("summary", lambda now: daily_summary(services, now)),
        time=settings.summary_at.replace(tzinfo=services.tz),
        name="summary",
        job_kwargs=single,
    )
