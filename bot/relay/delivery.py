"""What each kind of event becomes in the staff group (used by the relay worker).

One method per event kind: render, send, remember which Telegram messages stand for
which conversation or order, and close the event in the same commit. Failures are raised
for the worker to sort (``Outage`` stops a pass; anything else counts against the event).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.domain.errors import ErrorKind, MarketplaceError
from bot.domain.values import (
    AuthorizationChanged,
    BuyerMessage,
    BuyerMessageReceived,
    CancellationRequested,
    Conversation,
    MarketplaceEvent,
    Order,
    OrderCreated,
    OrderState,
    OrderStatusChanged,
)
from bot.marketplaces import Marketplace
from bot.relay.sender import Sender, is_thread_gone
from bot.render.messages import (
    DIGEST_MAX_ORDERS,
    render_buyer_message,
    render_cancellation_request,
    render_digest,
    render_order_alert,
    render_status_update,
)
from bot.render.staff import render_authorization
from storage import conversations, inbox, links, notices, orders, replies, shops
from storage.models import InboxEvent, OrderRow
from storage.records import conversation_of, event_of, order_of, outcome_of, save_order

log = logging.getLogger(__name__)

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


class Outage(Exception):
    """Stop this pass: the failure concerns every event, not just this one."""

    def __init__(self, wait: float, reason: str) -> None:
        super().__init__(reason)
        self.wait = wait
        self.reason = reason


class Delivery:
    """Sends one event (or a digest of new orders) to the staff group."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        sender: Sender,
        marketplaces: Mapping[str, Marketplace],
        config: RelayConfig,
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._sender = sender
        self._marketplaces = marketplaces
        self._config = config
        self._clock = clock

    async def deliver(self, event_id: int, event: MarketplaceEvent) -> None:
        """Deliver one event and mark it delivered."""
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
                now=self._clock(),
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
                now=self._clock(),
            )
            if event_id is not None:
                await self._done(session, event_id)

    async def _new_order(self, row: InboxEvent) -> Order | None:
        """The order a row announces, if it is a new one waiting for staff.

        Tokopedia announces new orders outright; TikTok Shop only says an order's status
        changed, so an unknown order now awaiting action is fetched and treated as new.
        """
        event = event_of(row)
        if isinstance(event, OrderCreated):
            return await self._with_deadline(event.order)
        if not isinstance(event, OrderStatusChanged):
            return None
        if event.status.state is not OrderState.AWAITING_ACCEPTANCE:
            return None
        async with self._sessions() as session:
            known = await orders.get_order(
                session=session, marketplace=event.marketplace.value, order_id=event.order_id
            )
        if known is not None:
            return None
        try:
            order = await self._marketplaces[event.marketplace.value].get_order(
                event.shop_id, event.order_id
            )
        except MarketplaceError:
            return None  # delivered one by one instead, with its own retries
        return order.model_copy(update={"status": event.status})

    async def digests(self, rows: Sequence[InboxEvent]) -> set[int]:
        """Coalesce many new orders into digest messages, one button per order.

        Returns the ids of the events handled here; the rest go the ordinary way.
        """
        # One digest never mixes shops: each button's token is issued for its digest's shop.
        by_shop: dict[tuple[str, str], list[tuple[int, Order]]] = {}
        seen: set[tuple[str, str]] = set()
        handled: set[int] = set()
        for row in rows:
            assert row.id is not None
            order = await self._new_order(row)
            if order is None:
                continue
            identity = (order.marketplace.value, order.order_id)
            if identity in seen:  # the same order by webhook and by reconciliation
                async with self._sessions() as session, session.begin():
                    await self._done(session, row.id)
                handled.add(row.id)
                continue
            seen.add(identity)
            by_shop.setdefault((order.marketplace.value, order.shop_id), []).append(
                (row.id, order)
            )
        for batch in by_shop.values():
            for start in range(0, len(batch), DIGEST_MAX_ORDERS):
                chunk = batch[start : start + DIGEST_MAX_ORDERS]
                await self._send_digest(chunk)
                handled.update(event_id for event_id, _ in chunk)
        return handled

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
            raise Outage(2.0, f"digest not sent: {exc}") from exc
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
                now=self._clock(),
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
