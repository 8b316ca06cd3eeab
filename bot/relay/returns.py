"""Buyers' return and refund requests in the staff group: the alert, then an edit of it and a
short update under it at every later status.

A notification only says that a request moved; the request itself is read from the
marketplace at delivery, and what the group is shown is that request as it stands. The
status last shown commits with the event that showed it, so a late or repeated
notification, or the reconciliation poll finding the same request, shows nothing twice.

The buyer's photos are counted here (``ShowsReturnPhotos``) but not posted: the alert offers
them behind one "📷 Lihat foto (N)" button (``bot.staff.return_photos``). A request can carry
several photos, and on a sale day the group's 20 messages a minute are what every new order
and buyer message wait for; posting them all under each alert would spend that budget on
pictures nobody may need, and scroll the alert and its buttons off a phone's screen. A count
that can't be read leaves the button without a number, and the alert goes out regardless.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.error import BadRequest

from bot.domain.errors import ErrorKind, MarketplaceError
from bot.domain.values import ReturnRequest, ReturnStatusChanged
from bot.domain.vocab import LinkKind
from bot.marketplaces import Marketplace
from bot.marketplaces.media import ShowsReturnPhotos
from bot.relay.base import EventDelivery
from bot.relay.outgoing import Outgoing, Step
from bot.render.returns import render_return_alert, render_return_update
from storage import notices, orders, returns, shops
from storage.models import ReturnRow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Posts:
    """What showing a request's new status takes: a new alert, or an edit and an update."""

    request: ReturnRequest
    group: int
    alert: Outgoing | None  # a first alert
    edit: Outgoing | None  # the existing alert's new face
    update: Outgoing | None
    alert_id: int | None  # the existing alert, or the order's, to reply to


class ReturnDelivery(EventDelivery):
    async def return_status(self, event_id: int, event: ReturnStatusChanged) -> None:
        marketplace = self._marketplaces[event.marketplace.value]
        try:
            request = await marketplace.get_return(event.shop_id, event.return_id, event.order_id)
        except MarketplaceError as exc:
            if exc.kind is not ErrorKind.NOT_FOUND:
                raise
            log.info("return request of order %s is gone: %s", event.order_id, exc)
            await self._close_alone(event_id)
            return
        request = await _with_photos(marketplace, request)
        async with self._sessions() as session, session.begin():
            row = await returns.get_return(
                session=session, marketplace=request.marketplace.value, return_id=request.return_id
            )
            if row is not None and request.photos is None:
                request = request.model_copy(update={"photos": returns.request_of(row).photos})
            if row is not None and row.shown_status_code == request.status_code:
                await returns.save_return(session, request, self._clock())
                await self._close(session, event_id)  # shown already: a repeat, or the poll
                return
            # Two copies of one change (the webhook's and the poll's) delivered at once by two
            # processes meet on this key: the first event to claim it shows the change.
            identity = f"return:{request.marketplace}:{request.return_id}:{request.status_code}"
            if not await notices.claim_identity(
                session=session, keys=[identity], event_id=event_id, now=self._clock()
            ):
                await self._close(session, event_id)
                return
            row = await returns.save_return(session, request, self._clock())
            posts = await self._prepare(session, row, request)
        if posts.alert is not None:
            ids = await self._sender.post_step(
                posts.group, posts.alert, Step(event_id, "alert"), reply_to=posts.alert_id
            )
            await self._shown(event_id, posts, ids, alert=True)
            return
        assert posts.update is not None
        if posts.edit is not None and posts.alert_id is not None:
            try:
                step = Step(event_id, "edit")
                await self._sender.replace_step(posts.group, posts.alert_id, posts.edit, step)
            except BadRequest as exc:
                if "not found" not in exc.message.lower():  # deleted by staff: update anyway
                    raise
        ids = await self._sender.post_step(
            posts.group, posts.update, Step(event_id, "update"), reply_to=posts.alert_id
        )
        await self._shown(event_id, posts, ids, alert=False)

    async def _prepare(
        self, session: AsyncSession, row: ReturnRow, request: ReturnRequest
    ) -> _Posts:
        shown_in = None if row.alert_chat_id is None else self._sender.origin(row.alert_chat_id)
        group = self._place(row.marketplace, row.shop_id, shown_in)
        name = await shops.shop_name(
            session=session, marketplace=row.marketplace, shop_id=row.shop_id
        )
        alert = render_return_alert(
            request,
            request.return_id,
            shop_name=name,
            lang=self._config.lang,
            tz=self._config.tz,
            outcome=returns.outcome_of(row),
            answered=returns.answered(row),
        )
        face = await self._sender.prepare(
            session, alert, marketplace=row.marketplace, shop_id=row.shop_id
        )
        if row.alert_message_id is None or shown_in is None:
            # A first alert answers the order's own alert, where the group has one.
            order = await orders.get_order(
                session=session, marketplace=row.marketplace, order_id=row.order_id
            )
            same_group = (
                order is not None
                and order.alert_chat_id is not None
                and self._group(order.alert_chat_id) == self._group(group)
            )
            reply_to = order.alert_message_id if same_group and order is not None else None
            return _Posts(request, group, face, None, None, reply_to)
        update = await self._sender.prepare(
            session,
            render_return_update(request, lang=self._config.lang),
            marketplace=row.marketplace,
            shop_id=row.shop_id,
        )
        alert_id = row.alert_message_id if self._group(shown_in) == self._group(group) else None
        return _Posts(request, group, None, face, update, alert_id)

    async def _shown(self, event_id: int, posts: _Posts, ids: list[int], *, alert: bool) -> None:
        """Record what the group now shows of the request, and close the event, in one commit."""
        request = posts.request
        async with self._sessions() as session, session.begin():
            row = await returns.get_return(
                session=session, marketplace=request.marketplace.value, return_id=request.return_id
            )
            if row is not None:
                if alert:
                    returns.set_alert(
                        row=row, chat_id=self._group(posts.group), message_id=ids[-1]
                    )
                returns.set_shown(row=row, status_code=request.status_code)
            await self._record(
                session,
                event_id,
                ids,
                LinkKind.ORDER,
                marketplace=request.marketplace.value,
                shop_id=request.shop_id,
                ref=request.order_id,
                chat_id=posts.group,
            )


async def _with_photos(marketplace: Marketplace, request: ReturnRequest) -> ReturnRequest:
    """The request with its buyer's photos counted now (None when they can't be listed)."""
    if not isinstance(marketplace, ShowsReturnPhotos):
        return request
    try:
        urls = await marketplace.return_photos(request.shop_id, request.return_id)
    except MarketplaceError as exc:
        log.warning("photos of return %s could not be listed: %s", request.return_id, exc)
        return request.model_copy(update={"photos": None})
    return request.model_copy(update={"photos": len(urls)})
