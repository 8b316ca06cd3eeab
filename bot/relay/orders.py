"""Orders in the staff group: the new-order alert, status changes and cancellation requests.

An order's alert is edited in place as its status moves, and each change is also posted as
a reply to it, so the group's history reads like the order's.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.error import BadRequest

from bot.domain.errors import ErrorKind, MarketplaceError
from bot.domain.values import (
    CancellationRequest,
    CancellationRequested,
    Order,
    OrderState,
    OrderStatusChanged,
    moves_backwards,
)
from bot.domain.vocab import LinkKind
from bot.marketplaces import Marketplace
from bot.relay.base import EventDelivery
from bot.relay.outgoing import Outgoing, Step
from bot.relay.pacer import Lane
from bot.render.orders import (
    render_cancellation_request,
    render_order_alert,
    render_status_update,
)
from storage import notices, orders
from storage.models import OrderRow
from storage.orders import order_of, outcome_of, save_order

log = logging.getLogger(__name__)


async def with_deadline(marketplace: Marketplace, order: Order) -> Order:
    """The new-order webhook carries no acceptance deadline; Get Single Order does."""
    if order.accept_deadline is not None:
        return order
    try:
        live = await marketplace.get_order(order.shop_id, order.order_id)
    except MarketplaceError as exc:
        log.info("no deadline for order %s yet: %s", order.order_id, exc)
        return order
    return order.model_copy(update={"accept_deadline": live.accept_deadline})


@dataclass(frozen=True)
class _StatusPosts:
    """A status change ready to show: the alert's new face, and the reply that tells it."""

    order: Order
    alert_id: int | None
    edit: Outgoing | None
    update: Outgoing
    group: int  # the staff group it is shown in


@dataclass(frozen=True)
class _Notice:
    """A cancellation request ready to post under its order's alert."""

    order: Order
    shop_id: str
    reply_to: int | None
    outgoing: Outgoing
    group: int


class OrderDelivery(EventDelivery):
    """One order event at a time: a new order, a status change, a cancellation request.

    What the group has been shown of an order (its alert, the status last shown) commits
    with the event that showed it; the marketplace's status may be stored earlier. A retry
    compares against what was shown, so a failed send is shown on the next attempt.
    """

    async def order_created(self, event_id: int, order: Order) -> None:
        order = await with_deadline(self._marketplaces[order.marketplace.value], order)
        async with self._sessions() as session, session.begin():
            row = await orders.get_order(
                session=session, marketplace=order.marketplace.value, order_id=order.order_id
            )
            if row is not None and row.alert_message_id is not None:
                await self._close(session, event_id)  # a redelivery under another key
                return
            row = await save_order(session, order, self._clock())
            order = order_of(row)
            alert = await self._prepare_alert(session, row, order)
            group = self._settle(row)
        await self._post_alert(event_id, order, alert, group)

    async def status_changed(self, event_id: int, event: OrderStatusChanged) -> None:
        posts: _StatusPosts | None = None
        async with self._sessions() as session, session.begin():
            row = await orders.get_order(
                session=session, marketplace=event.marketplace.value, order_id=event.order_id
            )
            first = row is None or not orders.is_shown(row)
            if row is not None and not first:
                posts = await self._apply_status(session, row, event)
                if posts is None:
                    await self._close(session, event_id)  # shown already, or older news
                    return
            known = None if row is None else order_of(row)
        if posts is None:
            await self._first_status(event_id, event, known)
            return
        if posts.alert_id is not None and posts.edit is not None:
            await self._edit_alert(posts.group, posts.alert_id, posts.edit, Step(event_id, "edit"))
        await self._post_update(
            event_id, posts.order, posts.update, reply_to=posts.alert_id, group=posts.group
        )

    async def _apply_status(
        self, session: AsyncSession, row: OrderRow, event: OrderStatusChanged
    ) -> _StatusPosts | None:
        """Record the new status and prepare what shows it; None if there is nothing to show."""
        if moves_backwards(OrderState(row.state), event.status.state):
            log.info(
                "order %s: status %s is older than %s; recorded, not shown",
                row.order_id,
                event.status.code,
                row.status_code,
            )
            return None
        orders.set_status(
            row=row, status_code=event.status.code, state=event.status.state, now=self._clock()
        )
        if row.shown_status_code == event.status.code:
            return None
        order = order_of(row).model_copy(update={"status": event.status})
        # A digest lists many orders in one message, so it is not edited for one of them.
        edit = (
            await self._prepare_alert(session, row, order)
            if row.alert_message_id is not None and not row.in_digest
            else None
        )
        update = await self._prepare_update(session, order)
        group = self._place(row.marketplace, row.shop_id, self._shown_in(row))
        return _StatusPosts(order, self._alert_in(row, group), edit, update, group)

    def _settle(self, row: OrderRow) -> int:
        """Pick the order's group and keep it, so a retry posts where the first try did."""
        group = self._place(row.marketplace, row.shop_id, self._shown_in(row))
        row.group_chat_id = group
        return group

    def _shown_in(self, row: OrderRow) -> int | None:
        """The group the order was first shown in (an alert from before SHOP_GROUPS counts)."""
        if row.group_chat_id is not None:
            return row.group_chat_id
        return None if row.alert_chat_id is None else self._sender.origin(row.alert_chat_id)

    def _alert_in(self, row: OrderRow, group: int) -> int | None:
        """The order's alert, if it is in ``group`` (a reply or an edit must be in its chat)."""
        if row.alert_chat_id is None or self._group(row.alert_chat_id) != self._group(group):
            return None
        return row.alert_message_id

    async def _first_status(
        self, event_id: int, event: OrderStatusChanged, known: Order | None
    ) -> None:
        """A status change for an order never shown: fetch it if need be, then show it."""
        if known is None:
            known = await self._marketplaces[event.marketplace.value].get_order(
                event.shop_id, event.order_id
            )
        order = known.model_copy(update={"status": event.status})
        awaiting = event.status.state is OrderState.AWAITING_ACCEPTANCE
        async with self._sessions() as session, session.begin():
            row = await save_order(session, order, self._clock())
            order = order_of(row)
            outgoing = (
                await self._prepare_alert(session, row, order)
                if awaiting
                else await self._prepare_update(session, order)
            )
            group = self._settle(row)
        if awaiting:
            await self._post_alert(event_id, order, outgoing, group)
        else:
            await self._post_update(event_id, order, outgoing, reply_to=None, group=group)

    async def _prepare_alert(self, session: AsyncSession, row: OrderRow, order: Order) -> Outgoing:
        rendered = render_order_alert(
            order,
            order.order_id,
            lang=self._config.lang,
            tz=self._config.tz,
            outcome=outcome_of(row),
        )
        return await self._sender.prepare(
            session, rendered, marketplace=order.marketplace.value, shop_id=order.shop_id
        )

    async def _post_alert(self, event_id: int, order: Order, alert: Outgoing, group: int) -> None:
        ids = await self._sender.post_step(group, alert, Step(event_id, "alert"), bulk=Lane.ORDERS)
        await self._shown(event_id, order, ids, alert=True, group=group)

    async def _edit_alert(self, group: int, message_id: int, alert: Outgoing, step: Step) -> None:
        try:
            await self._sender.replace_step(group, message_id, alert, step)
        except BadRequest as exc:
            if "not found" not in exc.message.lower():  # deleted by staff: the update still goes
                raise

    async def _prepare_update(self, session: AsyncSession, order: Order) -> Outgoing:
        rendered = render_status_update(
            order, order.status, lang=self._config.lang, tz=self._config.tz
        )
        return await self._sender.prepare(
            session, rendered, marketplace=order.marketplace.value, shop_id=order.shop_id
        )

    async def _post_update(
        self, event_id: int, order: Order, update: Outgoing, *, reply_to: int | None, group: int
    ) -> None:
        ids = await self._sender.post_step(
            group, update, Step(event_id, "update"), reply_to=reply_to
        )
        await self._shown(event_id, order, ids, alert=False, group=group)

    async def _shown(
        self, event_id: int, order: Order, ids: list[int], *, alert: bool, group: int
    ) -> None:
        """Record what the group now shows of the order, and close the event, in one commit."""
        async with self._sessions() as session, session.begin():
            row = await orders.get_order(
                session=session, marketplace=order.marketplace.value, order_id=order.order_id
            )
            if row is not None:
                if alert:
                    orders.set_alert(row=row, chat_id=self._group(group), message_id=ids[-1])
                orders.set_shown(row=row, status_code=order.status.code)
            await self._record(
                session,
                event_id,
                ids,
                LinkKind.ORDER,
                marketplace=order.marketplace.value,
                shop_id=order.shop_id,
                ref=order.order_id,
                chat_id=group,
            )

    async def cancellation(self, event_id: int, event: CancellationRequested) -> None:
        marketplace = self._marketplaces[event.marketplace.value]
        try:
            request = await marketplace.get_cancellation_request(event.shop_id, event.order_id)
        except MarketplaceError as exc:
            if exc.kind is not ErrorKind.NOT_FOUND:
                raise
            log.info("cancellation request for %s is gone already", event.order_id)
            await self._close_alone(event_id)
            return
        # The webhook says only "order X"; the request itself tells one request from the next.
        marker = hashlib.sha256(
            f"{request.cancel_id}|{request.requested_at}|{request.reason}".encode()
        ).hexdigest()[:12]
        key = f"cancel-request:{event.marketplace}:{event.order_id}:{marker}"
        async with self._sessions() as session, session.begin():
            if await notices.was_sent(session=session, key=key):
                await self._close(session, event_id)
                return
            row = await orders.get_order(
                session=session, marketplace=event.marketplace.value, order_id=event.order_id
            )
            notice = (
                None if row is None else await self._prepare_notice(session, row, request, marker)
            )
        if notice is None:
            notice = await self._fetch_notice(marketplace, event, request, marker)
        ids = await self._sender.post_step(
            notice.group,
            notice.outgoing,
            Step(event_id, "notice"),
            reply_to=notice.reply_to,
        )
        async with self._sessions() as session, session.begin():
            # Shown: the notice's key commits with the event, so no retry shows it twice.
            await notices.claim_notice(session=session, key=key, now=self._clock())
            await self._record(
                session,
                event_id,
                ids,
                LinkKind.ORDER,
                marketplace=event.marketplace.value,
                shop_id=notice.shop_id,
                ref=notice.order.order_id,
                chat_id=notice.group,
            )

    async def _fetch_notice(
        self,
        marketplace: Marketplace,
        event: CancellationRequested,
        request: CancellationRequest,
        marker: str,
    ) -> _Notice:
        """The notice for an order we never saw, stored first from the marketplace."""
        order = await marketplace.get_order(request.shop_id, event.order_id)
        async with self._sessions() as session, session.begin():
            row = await save_order(session, order, self._clock())
            return await self._prepare_notice(session, row, request, marker)

    async def _prepare_notice(
        self, session: AsyncSession, row: OrderRow, request: CancellationRequest, marker: str
    ) -> _Notice:
        order = order_of(row)
        shop_id = order.shop_id or request.shop_id
        rendered = render_cancellation_request(
            order,
            request,
            f"{order.order_id}#{marker}",
            lang=self._config.lang,
            tz=self._config.tz,
        )
        outgoing = await self._sender.prepare(
            session, rendered, marketplace=row.marketplace, shop_id=shop_id
        )
        group = self._settle(row)
        return _Notice(order, shop_id, self._alert_in(row, group), outgoing, group)
