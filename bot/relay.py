"""The delivery worker: stored events -> the staff group.

Each pass claims due inbox events, renders them and sends them, then records the Telegram
message ids and marks the events delivered in one transaction. Delivery is therefore
at-least-once with a single window for a duplicate: a crash after Telegram accepted a
message and before that commit re-sends it after the restart.

Failures are sorted by who is at fault:
* Telegram or the marketplace is unavailable, rate-limits us, or the bot was removed from
  the group: nothing is wrong with the event, so it waits (growing backoff) and is never
  parked. Such an outage stops the pass instead of hammering a dead service.
* Anything else is the event's own problem (a render Telegram refuses, data we can't
  read): it is retried a few times, then parked with its error and reported once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.domain import (
    AuthorizationChanged,
    BuyerMessage,
    BuyerMessageReceived,
    CancellationRequested,
    Conversation,
    ErrorKind,
    MarketplaceError,
    MarketplaceEvent,
    Order,
    OrderCreated,
    OrderState,
    OrderStatusChanged,
)
from bot.health import TelegramHealth
from bot.marketplaces import Marketplace
from bot.pacer import GroupPacer
from bot.records import conversation_of, event_of, order_of, save_order
from bot.render import (
    DIGEST_MAX_ORDERS,
    Outcome,
    render_buyer_message,
    render_cancellation_request,
    render_digest,
    render_order_alert,
    render_parked_notice,
    render_status_update,
)
from bot.render_staff import render_authorization
from bot.sender import Sender, is_thread_gone
from storage import conversations, inbox, links, notices, orders, replies, shops
from storage.models import InboxEvent, OrderRow

log = logging.getLogger(__name__)

TRANSIENT_MARKETPLACE = {ErrorKind.UNAVAILABLE, ErrorKind.RATE_LIMITED, ErrorKind.AUTH}
ECHO_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True)
class RelayConfig:
    chat_id: int
    topics: bool
    lang: str
    tz: ZoneInfo
    batch: int = 100
    lease: timedelta = timedelta(minutes=2)
    max_attempts: int = 5
    digest_threshold: int = 6  # fewer pending new orders than this are always sent one by one
    idle_poll: float = 1.0


class _Outage(Exception):
    """Stop this pass: the failure concerns every event, not just this one."""

    def __init__(self, wait: float, reason: str) -> None:
        super().__init__(reason)
        self.wait = wait
        self.reason = reason


def outcome_of(row: OrderRow) -> Outcome | None:
    if not row.outcome or row.outcome_at is None:
        return None
    return Outcome(
        verb=row.outcome, actor=row.outcome_by, at=row.outcome_at, detail=row.outcome_detail
    )


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
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sessions = sessions
        self._sender = sender
        self._marketplaces = marketplaces
        self._config = config
        self._health = health
        self._pacer = pacer
        self._clock = clock
        self._wake = asyncio.Event()
        self._outage_streak = 0

    def wake(self) -> None:
        """New events were stored; look now rather than at the next poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set; a pass in progress finishes its current send."""
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
            new_orders = [row for row in pending if row.kind == "order_created"]
            if self._should_digest(len(new_orders)):
                await self._deliver_digests(new_orders)
                pending = [row for row in pending if row.kind != "order_created"]
            while pending:
                await self._deliver_one(pending[0])
                pending.pop(0)
        except _Outage as outage:
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
        if new_orders < self._config.digest_threshold:
            return False
        free = self._pacer.free_slots(self._config.chat_id) if self._pacer else new_orders
        return new_orders > free

    # --- one event ---------------------------------------------------------------------------

    async def _deliver_one(self, row: InboxEvent) -> None:
        assert row.id is not None
        try:
            event = event_of(row)
            await self._deliver(row.id, event)
            self._health.ok(self._clock())
        except RetryAfter as exc:
            retry = exc.retry_after
            seconds = retry if isinstance(retry, int | float) else retry.total_seconds()
            raise _Outage(float(seconds) + 0.5, f"Telegram flood control ({seconds}s)") from exc
        except Forbidden as exc:
            self._health.failed(self._clock(), exc.message, forbidden=True)
            log.error(  # noqa: TRY400 - the cause is known; a traceback adds nothing
                "Telegram refuses the staff group (%s); is the bot still a member?", exc
            )
            raise _Outage(60.0, f"Telegram forbidden: {exc.message}") from exc
        except (TimedOut, NetworkError) as exc:
            if isinstance(exc, BadRequest):
                await self._failed(row, f"Telegram: {exc.message}")
                return
            self._health.failed(self._clock(), str(exc))
            raise _Outage(2.0, f"Telegram unreachable: {exc}") from exc
        except MarketplaceError as exc:
            if exc.kind in TRANSIENT_MARKETPLACE:
                raise _Outage(5.0, f"marketplace unavailable: {exc}") from exc
            await self._failed(row, f"marketplace: {exc}")
        except Exception as exc:
            log.exception("event %s failed", row.id)
            await self._failed(row, f"{type(exc).__name__}: {exc}")

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
            first = await notices.claim_notice(session=session, key=f"parked:{row.id}")
        if not first:
            return
        description = f"#{row.id} {row.marketplace} {row.kind} {row.order_id}".strip()
        notice = render_parked_notice(description, error, lang=self._config.lang)
        with contextlib.suppress(Exception):
            await self._sender.send(
                self._config.chat_id, notice, marketplace=row.marketplace, shop_id="", bulk=False
            )

    async def _deliver(self, event_id: int, event: MarketplaceEvent) -> None:
        if isinstance(event, AuthorizationChanged):
            await self._authorization(event_id, event)
        elif isinstance(event, BuyerMessageReceived):
            await self._buyer_message(event_id, event)
        elif isinstance(event, OrderCreated):
            await self._order_created(event_id, event.order)
        elif isinstance(event, OrderStatusChanged):
            await self._status_changed(event_id, event)
        elif isinstance(event, CancellationRequested):
            await self._cancellation(event_id, event)

    async def _done(self, session: AsyncSession, event_id: int) -> None:
        await inbox.mark_delivered(session=session, event_id=event_id, now=self._clock())

    async def _delivered(
        self,
        event_id: int,
        sent: Sequence[Message],
        kind: str,
        marketplace: str,
        shop_id: str,
        ref: str,
    ) -> None:
        """Remember what the sent messages stand for and close the event, in one commit."""
        async with self._sessions() as session, session.begin():
            await links.link_messages(
                session=session,
                chat_id=self._config.chat_id,
                message_ids=[m.message_id for m in sent],
                kind=kind,
                marketplace=marketplace,
                shop_id=shop_id,
                ref=ref,
            )
            await self._done(session, event_id)

    # --- chats -------------------------------------------------------------------------------

    async def _authorization(self, event_id: int, event: AuthorizationChanged) -> None:
        async with self._sessions() as session:
            shop = await shops.shop_name(
                session=session, marketplace=event.marketplace.value, shop_id=event.shop_id
            )
        rendered = render_authorization(
            event.change,
            shop or event.shop_id,
            event.marketplace.value,
            event.expires_at,
            lang=self._config.lang,
            tz=self._config.tz,
        )
        await self._sender.send(
            self._config.chat_id,
            rendered,
            marketplace=event.marketplace.value,
            shop_id=event.shop_id,
            bulk=False,
        )
        async with self._sessions() as session, session.begin():
            await self._done(session, event_id)

    async def _is_echo(self, message: BuyerMessage) -> bool:
        """Our own reply coming back as a chat webhook.

        Tokopedia's chat webhook names no sender, and whether the seller's replies trigger it
        is unconfirmed: the same text staff sent to that room minutes ago is taken as an echo.
        """
        conv = message.conversation
        async with self._sessions() as session:
            return await replies.recently_sent(
                session=session,
                marketplace=conv.marketplace.value,
                shop_id=conv.shop_id,
                conversation_id=conv.conversation_id,
                text=message.text,
                since=self._clock() - ECHO_WINDOW,
            )

    async def _buyer_message(self, event_id: int, event: BuyerMessageReceived) -> None:
        message = event.message
        if await self._is_echo(message):
            log.info("dropped an echo of a staff reply in %s", message.conversation)
            async with self._sessions() as session, session.begin():
                await self._done(session, event_id)
            return
        if not message.conversation.buyer_name:
            # Some webhooks name no buyer; the adapter looks it up once and caches it.
            marketplace = self._marketplaces[message.conversation.marketplace.value]
            message = await marketplace.complete_message(message)
        conv = message.conversation
        async with self._sessions() as session, session.begin():
            row = await conversations.record_buyer_message(
                session=session,
                marketplace=conv.marketplace.value,
                shop_id=conv.shop_id,
                conversation_id=conv.conversation_id,
                buyer_id=conv.buyer_id,
                buyer_name=conv.buyer_name,
                text=message.text,
                received_at=message.received_at,
            )
            shop_name = await shops.shop_name(
                session=session, marketplace=conv.marketplace.value, shop_id=conv.shop_id
            )
            thread_id = row.thread_id
            conv = conversation_of(row)
        message = message.model_copy(update={"conversation": conv})
        rendered = render_buyer_message(
            message, shop_name, conv.conversation_id, lang=self._config.lang, tz=self._config.tz
        )
        for attempt in range(2):
            if self._config.topics and thread_id is None:
                thread_id = await self._open_topic(conv.marketplace.value, conv, shop_name)
            try:
                sent = await self._sender.send(
                    self._config.chat_id,
                    rendered,
                    marketplace=conv.marketplace.value,
                    shop_id=conv.shop_id,
                    thread_id=thread_id,
                )
                break
            except BadRequest as exc:
                if not (self._config.topics and is_thread_gone(exc)) or attempt:
                    raise
                log.warning("topic %s of %s is gone; opening a new one", thread_id, conv)
                thread_id = None
        await self._delivered(
            event_id,
            sent,
            "conversation",
            conv.marketplace.value,
            conv.shop_id,
            conv.conversation_id,
        )

    async def _open_topic(self, marketplace: str, conv: Conversation, shop_name: str) -> int:
        name = f"{conv.buyer_name or conv.buyer_id} · {shop_name or conv.shop_id}"[:128]
        topic = await self._sender.bot.create_forum_topic(
            chat_id=self._config.chat_id, name=name, rate_limit_args="bulk"
        )
        async with self._sessions() as session, session.begin():
            row = await conversations.get_conversation(
                session=session,
                marketplace=marketplace,
                shop_id=conv.shop_id,
                conversation_id=conv.conversation_id,
            )
            if row is not None:
                row.thread_id = topic.message_thread_id
        return topic.message_thread_id

    # --- orders ------------------------------------------------------------------------------

    async def _with_deadline(self, order: Order) -> Order:
        """The new-order webhook carries no acceptance deadline; Get Single Order does."""
        if order.accept_deadline is not None:
            return order
        try:
            live = await self._marketplaces[order.marketplace.value].get_order(
                order.shop_id, order.order_id
            )
        except MarketplaceError as exc:
            log.info("no deadline for order %s yet: %s", order.order_id, exc)
            return order
        return order.model_copy(update={"accept_deadline": live.accept_deadline})

    async def _order_created(self, event_id: int, order: Order) -> None:
        order = await self._with_deadline(order)
        async with self._sessions() as session, session.begin():
            row = await orders.get_order(
                session=session, marketplace=order.marketplace.value, order_id=order.order_id
            )
            if row is not None and row.alert_message_id is not None:
                await self._done(session, event_id)  # a redelivery under another key
                return
            row = await save_order(session, order, self._clock())
        await self._send_alert(event_id, row, order)

    async def _send_alert(self, event_id: int | None, row: OrderRow, order: Order) -> None:
        rendered = render_order_alert(
            order,
            order.order_id,
            lang=self._config.lang,
            tz=self._config.tz,
            outcome=outcome_of(row),
        )
        sent = await self._sender.send(
            self._config.chat_id,
            rendered,
            marketplace=order.marketplace.value,
            shop_id=order.shop_id,
        )
        async with self._sessions() as session, session.begin():
            fresh = await orders.get_order(
                session=session, marketplace=order.marketplace.value, order_id=order.order_id
            )
            assert fresh is not None
            await orders.set_alert(
                session=session,
                row=fresh,
                chat_id=self._config.chat_id,
                message_id=sent[-1].message_id,
                in_digest=False,
            )
            await links.link_messages(
                session=session,
                chat_id=self._config.chat_id,
                message_ids=[m.message_id for m in sent],
                kind="order",
                marketplace=order.marketplace.value,
                shop_id=order.shop_id,
                ref=order.order_id,
            )
            if event_id is not None:
                await self._done(session, event_id)

    async def _deliver_digests(self, rows: Sequence[InboxEvent]) -> None:
        """Coalesce many new orders into digest messages, one button per order."""
        # One digest never mixes shops: each button's token is issued for its digest's shop.
        by_shop: dict[tuple[str, str], list[tuple[int, Order]]] = {}
        for row in rows:
            assert row.id is not None
            event = event_of(row)
            assert isinstance(event, OrderCreated)
            key = (event.order.marketplace.value, event.order.shop_id)
            order = await self._with_deadline(event.order)
            by_shop.setdefault(key, []).append((row.id, order))
        for batch in by_shop.values():
            for start in range(0, len(batch), DIGEST_MAX_ORDERS):
                await self._send_digest(batch[start : start + DIGEST_MAX_ORDERS])

    async def _send_digest(self, batch: Sequence[tuple[int, Order]]) -> None:
        todo: list[tuple[int, Order]] = []
        async with self._sessions() as session, session.begin():
            for event_id, order in batch:
                row = await orders.get_order(
                    session=session, marketplace=order.marketplace.value, order_id=order.order_id
                )
                if row is not None and row.alert_message_id is not None:
                    await self._done(session, event_id)
                    continue
                await save_order(session, order, self._clock())
                todo.append((event_id, order))
        if not todo:
            return
        rendered = render_digest(
            [(order, order.order_id) for _, order in todo],
            lang=self._config.lang,
            tz=self._config.tz,
        )
        first = todo[0][1]
        try:
            sent = await self._sender.send(
                self._config.chat_id,
                rendered,
                marketplace=first.marketplace.value,
                shop_id=first.shop_id,
            )
        except (RetryAfter, Forbidden, TimedOut, NetworkError) as exc:
            if isinstance(exc, BadRequest):
                raise
            raise _Outage(2.0, f"digest not sent: {exc}") from exc
        async with self._sessions() as session, session.begin():
            for event_id, order in todo:
                row = await orders.get_order(
                    session=session, marketplace=order.marketplace.value, order_id=order.order_id
                )
                assert row is not None
                await orders.set_alert(
                    session=session,
                    row=row,
                    chat_id=self._config.chat_id,
                    message_id=sent[-1].message_id,
                    in_digest=True,
                )
                await self._done(session, event_id)

    async def _known_order(self, marketplace: str, shop_id: str, order_id: str) -> OrderRow:
        """The stored order, fetched from the marketplace first if we never saw it."""
        async with self._sessions() as session:
            row = await orders.get_order(
                session=session, marketplace=marketplace, order_id=order_id
            )
        if row is not None:
            return row
        order = await self._marketplaces[marketplace].get_order(shop_id, order_id)
        async with self._sessions() as session, session.begin():
            return await save_order(session, order, self._clock())

    async def _status_changed(self, event_id: int, event: OrderStatusChanged) -> None:
        marketplace = event.marketplace.value
        async with self._sessions() as session:
            known = await orders.get_order(
                session=session, marketplace=marketplace, order_id=event.order_id
            )
        if known is None:
            row = await self._known_order(marketplace, event.shop_id, event.order_id)
            order = order_of(row).model_copy(update={"status": event.status})
            async with self._sessions() as session, session.begin():
                row = await save_order(session, order, self._clock())
            if event.status.state is OrderState.AWAITING_ACCEPTANCE:
                await self._send_alert(event_id, row, order)
                return
            await self._post_update(event_id, row, order, reply_to=None)
            return
        async with self._sessions() as session, session.begin():
            current = await orders.get_order(
                session=session, marketplace=marketplace, order_id=event.order_id
            )
            assert current is not None
            row = current
            changed = await orders.set_status(
                session=session,
                row=row,
                status_code=event.status.code,
                state=event.status.state.value,
                now=self._clock(),
            )
            if not changed:
                await self._done(session, event_id)
                return
        order = order_of(row)
        if row.alert_message_id is not None and not row.in_digest:
            rendered = render_order_alert(
                order,
                order.order_id,
                lang=self._config.lang,
                tz=self._config.tz,
                outcome=outcome_of(row),
            )
            try:
                await self._sender.edit(
                    self._config.chat_id,
                    row.alert_message_id,
                    rendered,
                    marketplace=marketplace,
                    shop_id=order.shop_id,
                    bulk=True,
                )
            except BadRequest as exc:
                if "not found" not in exc.message.lower():
                    raise
        await self._post_update(event_id, row, order, reply_to=row.alert_message_id)

    async def _post_update(
        self, event_id: int, row: OrderRow, order: Order, *, reply_to: int | None
    ) -> None:
        rendered = render_status_update(
            order, order.status, lang=self._config.lang, tz=self._config.tz
        )
        sent = await self._sender.send(
            self._config.chat_id,
            rendered,
            marketplace=order.marketplace.value,
            shop_id=order.shop_id,
            reply_to=reply_to,
        )
        await self._delivered(
            event_id, sent, "order", order.marketplace.value, order.shop_id, order.order_id
        )

    async def _cancellation(self, event_id: int, event: CancellationRequested) -> None:
        marketplace = self._marketplaces[event.marketplace.value]
        try:
            request = await marketplace.get_cancellation_request(event.shop_id, event.order_id)
        except MarketplaceError as exc:
            if exc.kind is not ErrorKind.NOT_FOUND:
                raise
            log.info("cancellation request for %s is gone already", event.order_id)
            async with self._sessions() as session, session.begin():
                await self._done(session, event_id)
            return
        # The webhook says only "order X"; the request itself tells one request from the next.
        marker = hashlib.sha256(
            f"{request.cancel_id}|{request.requested_at}|{request.reason}".encode()
        ).hexdigest()[:12]
        async with self._sessions() as session, session.begin():
            first = await notices.claim_notice(
                session=session,
                key=f"cancel-request:{event.marketplace}:{event.order_id}:{marker}",
            )
            if not first:
                await self._done(session, event_id)
                return
        row = await self._known_order(event.marketplace.value, request.shop_id, event.order_id)
        order = order_of(row)
        shop_id = order.shop_id or request.shop_id
        rendered = render_cancellation_request(
            order,
            request,
            f"{order.order_id}#{marker}",
            lang=self._config.lang,
            tz=self._config.tz,
        )
        try:
            sent = await self._sender.send(
                self._config.chat_id,
                rendered,
                marketplace=event.marketplace.value,
                shop_id=shop_id,
                reply_to=row.alert_message_id,
            )
        except BaseException:
            async with self._sessions() as session, session.begin():
                await notices.forget_notice(
                    session=session,
                    key=f"cancel-request:{event.marketplace}:{event.order_id}:{marker}",
                )
            raise
        await self._delivered(
            event_id, sent, "order", event.marketplace.value, shop_id, order.order_id
        )
