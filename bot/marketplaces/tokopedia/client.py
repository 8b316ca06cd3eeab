"""Typed client for the Tokopedia Seller API endpoints tokobot uses.

One method per endpoint, returning models from ``models``; failures raise ``errors``. Sending,
retrying and reading the envelope is ``transport.Transport``'s work (the retry rules are
described there). The client is given its ``httpx.AsyncClient`` and never opens a pool of its
own.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from .errors import InvalidRequest, OutcomeUnknown, TokopediaError
from .models.account import WEBHOOK_URL_FIELDS, ShopInfo, WebhookRegistration
from .models.chat import ChatReply, ChatRoom, InitiatedChat, SentReplyResult
from .models.orders import OrderDetail, OrderListItem
from .protocol import WIB, split_windows, validate_rejection
from .transport import Transport, parse, parse_list, path_id

log = logging.getLogger(__name__)

CHAT_PAGE_MAX = 15  # List Messages / List Replies refuse more (§7.1, §7.2)
ORDER_PAGE_SIZE = 50  # undocumented maximum; what the known integrations use (§8.1)
MAX_PAGES = 1000  # a guard against an endpoint that ignores `page`
MIN_ORDER_WINDOW = timedelta(hours=1)  # smallest window after ORD_API_009 "reduce interval"


class TokopediaClient(Transport):
    """The Seller API endpoints tokobot uses, for one fs_id."""

    def today(self) -> date:
        """The shop's calendar date (Jakarta), for NACK close-date checks."""
        return self._clock().astimezone(WIB).date()

    # --- webhooks (§4) ------------------------------------------------------------------------

    async def get_app_info(self) -> WebhookRegistration:
        """List Registered Webhook: the URLs and secret currently registered."""
        data = await self._call("GET", f"/v1/fs/{self._fs_id}")
        return parse(WebhookRegistration, data)

    async def register_webhooks(
        self, *, secret: str | None = None, **urls: str
    ) -> WebhookRegistration:
        """Register ``urls`` (and ``secret``), keeping every other registered value.

        Registration replaces the whole set and blanks what is left out (§4.1), so the
        current registration is read and merged first. Returns what was registered.
        """
        unknown = sorted(set(urls) - set(WEBHOOK_URL_FIELDS))
        if unknown:
            raise ValueError(f"unknown webhook url fields: {', '.join(unknown)}")
        current = await self.get_app_info()
        body: dict[str, Any] = {
            key: "" if value is None else value for key, value in current.model_dump().items()
        }
        body.update(urls)
        if secret is not None:
            body["webhook_secret"] = secret
        body["fs_id"] = int(self._fs_id)
        await self._call("POST", f"/v1/fs/{self._fs_id}/register", json=body)
        return WebhookRegistration.model_validate(body)

    # --- shop (§9) ----------------------------------------------------------------------------

    async def shop_info(self, shop_id: str | None = None) -> list[ShopInfo]:
        """The shops linked to this fs_id (or just ``shop_id``)."""
        params = {"shop_id": path_id(shop_id, "shop_id")} if shop_id else None
        data = await self._call("GET", f"/v1/shop/fs/{self._fs_id}/shop-info", params=params)
        return parse_list(ShopInfo, data)

    # --- chat (§7) ----------------------------------------------------------------------------

    async def list_messages(
        self, shop_id: str, *, page: int = 1, per_page: int = CHAT_PAGE_MAX, filter: str = "all"
    ) -> list[ChatRoom]:
        """One page of chat rooms; ``filter`` is all, read or unread."""
        _check_page(page, per_page, CHAT_PAGE_MAX)
        if filter not in {"all", "read", "unread"}:
            raise ValueError(f"filter must be all, read or unread, not {filter!r}")
        params = {
            "shop_id": path_id(shop_id, "shop_id"),
            "page": page,
            "per_page": per_page,
            "filter": filter,
        }
        data = await self._call("GET", f"/v1/chat/fs/{self._fs_id}/messages", params=params)
        return parse_list(ChatRoom, data)

    async def list_replies(
        self, shop_id: str, msg_id: str, *, page: int = 1, per_page: int = CHAT_PAGE_MAX
    ) -> list[ChatReply]:
        """One page of the bubbles in chat room ``msg_id``."""
        _check_page(page, per_page, CHAT_PAGE_MAX)
        room = path_id(msg_id, "msg_id")
        params = {"shop_id": path_id(shop_id, "shop_id"), "page": page, "per_page": per_page}
        path = f"/v1/chat/fs/{self._fs_id}/messages/{room}/replies"
        return parse_list(ChatReply, await self._call("GET", path, params=params))

    async def send_reply(self, shop_id: str, msg_id: str, text: str) -> SentReplyResult:
        """Post ``text`` to chat room ``msg_id``; never resent once it may have arrived."""
        if not text.strip():
            raise InvalidRequest("", "a reply needs some text")
        room = path_id(msg_id, "msg_id")
        body = {"shop_id": int(path_id(shop_id, "shop_id")), "message": text}
        path = f"/v1/chat/fs/{self._fs_id}/messages/{room}/reply"
        data = await self._call("POST", path, json=body, resend=False)
        try:
            return parse(SentReplyResult, data)
        except TokopediaError as exc:  # accepted, but we can't read what came back
            raise OutcomeUnknown(exc.code, exc.message, exc.status) from exc

    async def token_expires_at(self) -> datetime | None:
        return await self._auth.expires_at()

    async def refresh_token(self) -> datetime:
        """Renew the access token if it has expired; returns the (new) expiry."""
        return await self._auth.refresh(self._http)

    async def initiate_chat(self, order_id: str) -> InitiatedChat:
        """The chat room with an order's buyer, created if needed."""
        params = {"order_id": path_id(order_id, "order_id")}
        data = await self._call("GET", f"/v1/chat/fs/{self._fs_id}/initiate", params=params)
        return parse(InitiatedChat, data)

    # --- orders (§8) --------------------------------------------------------------------------

    async def get_order(
        self, *, order_id: str | None = None, invoice_num: str | None = None
    ) -> OrderDetail:
        """Get Single Order by exactly one of ``order_id`` or ``invoice_num``."""
        if (order_id is None) == (invoice_num is None):
            raise ValueError("pass exactly one of order_id or invoice_num")
        params = (
            {"order_id": path_id(order_id, "order_id")}
            if order_id is not None
            else {"invoice_num": str(invoice_num)}
        )
        data = await self._call("GET", f"/v2/fs/{self._fs_id}/order", params=params)
        return parse(OrderDetail, data)

    async def get_all_orders(
        self,
        since: datetime,
        until: datetime,
        *,
        shop_id: str | None = None,
        status: int | None = None,
        per_page: int = ORDER_PAGE_SIZE,
    ) -> list[OrderListItem]:
        """Orders in [since, until), fetched in sub-3-day windows, all pages, deduplicated."""
        _check_page(1, per_page, None)
        found: dict[str, OrderListItem] = {}
        for start, end in split_windows(since, until):
            for item in await self._orders_in(start, end, shop_id, status, per_page):
                found[item.order_id] = item  # windows touch at their edges
        return list(found.values())

    async def _orders_in(
        self,
        start: datetime,
        end: datetime,
        shop_id: str | None,
        status: int | None,
        per_page: int,
    ) -> list[OrderListItem]:
        try:
            return await self._order_pages(start, end, shop_id, status, per_page)
        except InvalidRequest as exc:
            if exc.code != "ORD_API_009" or end - start <= MIN_ORDER_WINDOW:
                raise
        # "Reduce the time interval": the window holds too much; halve it.
        middle = start + (end - start) / 2
        first = await self._orders_in(start, middle, shop_id, status, per_page)
        return first + await self._orders_in(middle, end, shop_id, status, per_page)

    async def _order_pages(
        self,
        start: datetime,
        end: datetime,
        shop_id: str | None,
        status: int | None,
        per_page: int,
    ) -> list[OrderListItem]:
        params: dict[str, Any] = {
            "fs_id": self._fs_id,
            "from_date": int((start + self._epoch_shift).timestamp()),
            "to_date": int((end + self._epoch_shift).timestamp()),
            "per_page": per_page,
        }
        if shop_id:
            params["shop_id"] = path_id(shop_id, "shop_id")
        if status is not None:
            params["status"] = status
        items: list[OrderListItem] = []
        for page in range(1, MAX_PAGES + 1):
            data = await self._call("GET", "/v2/order/list", params={**params, "page": page})
            rows = parse_list(OrderListItem, data)
            items.extend(rows)
            if len(rows) < per_page:
                return items
        log.warning("Get All Orders: stopped after %d pages of %s-%s", MAX_PAGES, start, end)
        return items

    async def ack(self, order_id: str) -> None:
        """Accept an order (ACK)."""
        path = f"/v1/order/{path_id(order_id, 'order_id')}/fs/{self._fs_id}/ack"
        await self._call("POST", path)

    async def nack(
        self,
        order_id: str,
        reason_code: int | str,
        reason: str,
        *,
        close_end_date: str = "",
        close_note: str = "",
        empty_products: Sequence[str | int] = (),
    ) -> None:
        """Reject an order (NACK); the reason rules are checked before anything is sent."""
        path = f"/v1/order/{path_id(order_id, 'order_id')}/fs/{self._fs_id}/nack"
        code = validate_rejection(
            reason_code, reason, close_end_date, close_note, today=self.today()
        )
        body: dict[str, Any] = {"reason_code": code, "reason": reason}
        if code == 4:
            body["shop_close_end_date"] = close_end_date.strip()
            body["shop_close_note"] = close_note
        if empty_products:
            body["empty_products"] = [int(path_id(p, "product id")) for p in empty_products]
        await self._call("POST", path, json=body)

    async def reject_cancel(self, order_id: str, shop_id: str) -> None:
        """Refuse a buyer's cancellation request."""
        path = f"/v1/order/{path_id(order_id, 'order_id')}/fs/{self._fs_id}/reject-cancel"
        params = {"shop_id": path_id(shop_id, "shop_id")}
        data = await self._call("POST", path, params=params)
        if isinstance(data, dict) and data.get("success") is False:
            raise TokopediaError("", "Tokopedia did not reject the cancellation request", 200)


def _check_page(page: int, per_page: int, maximum: int | None) -> None:
    if page < 1:
        raise ValueError("page starts at 1")
    if per_page < 1 or (maximum is not None and per_page > maximum):
        raise ValueError(f"per_page must be 1..{maximum or 'n'}, not {per_page}")
