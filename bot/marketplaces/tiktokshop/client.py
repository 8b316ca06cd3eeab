"""Typed client for the TikTok Shop Partner API endpoints tokobot uses.

One method per endpoint, returning models from ``models``; failures raise ``errors``. Signing,
sending, retrying and reading the envelope is ``transport.Transport``'s work (the retry rules
are described there). The client is given its ``httpx.AsyncClient`` and never opens a pool of
its own.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import (
    InvalidRequest,
    NotFound,
    OutcomeUnknown,
    TikTokShopError,
)
from .media import MediaEndpoints
from .models import (
    AuthorizedShop,
    Cancellation,
    CancellationPage,
    CancelResult,
    Conversation,
    ConversationPage,
    CreatedConversation,
    MessagePage,
    OrderPage,
    PlatformReason,
    SentMessage,
    ShopWebhook,
    TtsOrder,
)
from .products import ProductEndpoints
from .return_client import ReturnEndpoints
from .transport import checked_key, path_id

log = logging.getLogger(__name__)

LOCALE = "id-ID"
TEXT_MAX = 2000  # Send Message, TEXT (§8.2)
CONVERSATION_PAGE_MAX = 20
MESSAGE_PAGE_MAX = 10
ORDER_PAGE_MAX = 100
ORDER_IDS_MAX = 50  # Get Order Detail
CANCELLATION_PAGE_MAX = 50
MAX_PAGES = 200  # a guard against an endpoint that never stops paging

SHOPS_PATH = "/authorization/202309/shops"
WEBHOOKS_PATH = "/event/202309/webhooks"
CONVERSATIONS_PATH = "/customer_service/202309/conversations"
CONVERSATION_PATH = "/customer_service/202601/conversations/{conversation_id}"
MESSAGES_PATH = "/customer_service/202309/conversations/{conversation_id}/messages"
READ_PATH = "/customer_service/202309/conversations/{conversation_id}/messages/read"
ORDER_SEARCH_PATH = "/order/202309/orders/search"
ORDER_DETAIL_PATH = "/order/202507/orders"
CANCEL_SEARCH_PATH = "/return_refund/202602/cancellations/search"
CANCEL_ORDER_PATH = "/return_refund/202602/cancellations"
APPROVE_PATH = "/return_refund/202309/cancellations/{cancel_id}/approve"
REJECT_PATH = "/return_refund/202309/cancellations/{cancel_id}/reject"
REJECT_REASONS_PATH = "/return_refund/202309/reject_reasons"

_M = TypeVar("_M", bound=BaseModel)
_PageT = TypeVar("_PageT", OrderPage, CancellationPage)  # the paginated search answers


def text_length(text: str) -> int:
    """Length as a JavaScript string counts it (UTF-16 units): an emoji may count as two."""
    return len(text.encode("utf-16-le")) // 2


def check_text(text: str) -> None:
    """Refuse, before any call, a reply the platform would refuse: empty or > 2000."""
    if not text.strip():
        raise InvalidRequest(0, "Balasan kosong; tulis teks terlebih dahulu.")
    length = text_length(text)
    if length > TEXT_MAX:
        raise InvalidRequest(
            0, f"Balasan terlalu panjang: {length} karakter, maksimal {TEXT_MAX}."
        )


class TikTokShopClient(ReturnEndpoints, MediaEndpoints, ProductEndpoints):
    """The Partner API endpoints tokobot uses, for every shop the app is authorized for."""

    def __repr__(self) -> str:
        return f"TikTokShopClient(app_key={self._app_key!r}, api_url={self._api_url!r})"

    # --- authorization (§4.2) -------------------------------------------------------------------

    async def get_authorized_shops(self, access_token: str) -> list[AuthorizedShop]:
        """Get Authorized Shops (no ``shop_cipher``): each shop's id, cipher and code."""
        data = await self._call("GET", SHOPS_PATH, access_token=access_token)
        return _parse_list(AuthorizedShop, data.get("shops"))

    # --- Event API (§7.1) -----------------------------------------------------------------------

    async def get_shop_webhooks(self, shop_id: str) -> list[ShopWebhook]:
        """Get Shop Webhooks: the address each event type of this shop is delivered to."""
        data = await self._call("GET", WEBHOOKS_PATH, shop_id=shop_id)
        return _parse_list(ShopWebhook, data.get("webhooks"))

    async def update_shop_webhook(self, shop_id: str, event_type: str, address: str) -> None:
        """Update Shop Webhook: deliver ``event_type`` of this shop to ``address`` (idempotent)."""
        body = {"address": address, "event_type": event_type}
        await self._call("PUT", WEBHOOKS_PATH, shop_id=shop_id, body=body)

    # --- Customer Service (§8) ------------------------------------------------------------------

    async def list_conversations(
        self,
        shop_id: str,
        *,
        page_token: str = "",
        page_size: int = CONVERSATION_PAGE_MAX,
        essential: bool = False,
    ) -> ConversationPage:
        """Get Conversations: one page, newest activity first."""
        _check_size(page_size, CONVERSATION_PAGE_MAX)
        params: dict[str, str | int] = {"page_size": page_size, "locale": LOCALE}
        if page_token:
            params["page_token"] = page_token
        data = await self._call(
            "GET", CONVERSATIONS_PATH, shop_id=shop_id, params=params, essential=essential
        )
        return _parse(ConversationPage, data)

    async def get_conversation(
        self, shop_id: str, conversation_id: str, *, essential: bool = False
    ) -> Conversation:
        """Get Conversation (202601): its participants, with the buyer's platform."""
        path = CONVERSATION_PATH.format(conversation_id=path_id(conversation_id, "conversation"))
        data = await self._call("GET", path, shop_id=shop_id, essential=essential)
        nested = data.get("conversation")
        found: dict[str, Any] = nested if isinstance(nested, dict) else data
        return _parse(Conversation, {"id": conversation_id, **found})

    async def list_messages(
        self,
        shop_id: str,
        conversation_id: str,
        *,
        page_token: str = "",
        page_size: int = MESSAGE_PAGE_MAX,
        essential: bool = False,
    ) -> MessagePage:
        """Get Conversation Messages: one page, newest first, with readable card texts."""
        _check_size(page_size, MESSAGE_PAGE_MAX)
        path = MESSAGES_PATH.format(conversation_id=path_id(conversation_id, "conversation"))
        params: dict[str, str | int] = {
            "page_size": page_size,
            "sort_order": "DESC",
            "locale": LOCALE,
            "need_plaintext": "true",
        }
        if page_token:
            params["page_token"] = page_token
        data = await self._call("GET", path, shop_id=shop_id, params=params, essential=essential)
        return _parse(MessagePage, data)

    async def send_text(self, shop_id: str, conversation_id: str, text: str) -> SentMessage:
        """Send Message (TEXT); checked before sending, never resent once it may have arrived."""
        check_text(text)
        path = MESSAGES_PATH.format(conversation_id=path_id(conversation_id, "conversation"))
        body = {"type": "TEXT", "content": json.dumps({"content": text}, ensure_ascii=False)}
        data = await self._call("POST", path, shop_id=shop_id, body=body, resend=False)
        try:
            return SentMessage.model_validate(data)
        except ValidationError:
            raise OutcomeUnknown(0, "Send Message answered without a message_id") from None

    async def mark_read(self, shop_id: str, conversation_id: str) -> None:
        """Read Message: marks every buyer message in the conversation as read.

        No body at all, signed over the empty body, as the official SDK, EcomPHP and easycb
        send it; a ``{}`` body would be signed and sent as two extra bytes the API never asked for.
        """
        path = READ_PATH.format(conversation_id=path_id(conversation_id, "conversation"))
        await self._call("POST", path, shop_id=shop_id)

    async def create_conversation(self, shop_id: str, buyer_user_id: str) -> str:
        """Create Conversation with an order's buyer (``user_id``); reopens an existing one."""
        body = {"buyer_user_id": path_id(buyer_user_id, "buyer user id")}
        data = await self._call("POST", CONVERSATIONS_PATH, shop_id=shop_id, body=body)
        return _parse(CreatedConversation, data).conversation_id

    # --- orders (§9) ----------------------------------------------------------------------------

    async def search_orders(
        self,
        shop_id: str,
        *,
        update_time_ge: datetime,
        update_time_lt: datetime,
        page_size: int = ORDER_PAGE_MAX,
    ) -> list[TtsOrder]:
        """Get Order List for an ``update_time`` window, every page."""
        _check_size(page_size, ORDER_PAGE_MAX)
        body = {
            "update_time_ge": int(update_time_ge.timestamp()),
            "update_time_lt": int(update_time_lt.timestamp()),
        }
        pages = await self._search(ORDER_SEARCH_PATH, shop_id, page_size, body, OrderPage)
        return [order for page in pages for order in page.orders]

    async def get_orders(self, shop_id: str, order_ids: Sequence[str]) -> list[TtsOrder]:
        """Get Order Detail, 50 ids per request."""
        ids = [path_id(order_id, "order id") for order_id in order_ids]
        orders: list[TtsOrder] = []
        for start in range(0, len(ids), ORDER_IDS_MAX):
            params = {"ids": ",".join(ids[start : start + ORDER_IDS_MAX])}
            data = await self._call("GET", ORDER_DETAIL_PATH, shop_id=shop_id, params=params)
            orders.extend(_parse(OrderPage, data).orders)
        return orders

    async def get_order(self, shop_id: str, order_id: str) -> TtsOrder:
        found = [o for o in await self.get_orders(shop_id, [order_id]) if o.id == order_id]
        if not found:
            raise NotFound(0, f"Pesanan {order_id} tidak ditemukan di toko ini.")
        return found[0]

    # --- cancellations (§10) --------------------------------------------------------------------

    async def search_cancellations(
        self,
        shop_id: str,
        *,
        order_ids: Sequence[str] = (),
        cancel_ids: Sequence[str] = (),
        page_size: int = CANCELLATION_PAGE_MAX,
    ) -> list[Cancellation]:
        """Search Cancellations by order or cancel ids, every page, texts in Indonesian."""
        _check_size(page_size, CANCELLATION_PAGE_MAX)
        body: dict[str, Any] = {"locale": LOCALE}
        if order_ids:
            body["order_ids"] = [path_id(i, "order id") for i in order_ids]
        if cancel_ids:
            body["cancel_ids"] = [path_id(i, "cancel id") for i in cancel_ids]
        pages = await self._search(CANCEL_SEARCH_PATH, shop_id, page_size, body, CancellationPage)
        return [cancellation for page in pages for cancellation in page.cancellations]

    async def _search(
        self,
        path: str,
        shop_id: str,
        page_size: int,
        body: dict[str, Any],
        model: type[_PageT],
    ) -> list[_PageT]:
        """Every page of a POST search, following ``next_page_token`` (bounded)."""
        pages: list[_PageT] = []
        token = ""
        for _ in range(MAX_PAGES):
            params: dict[str, str | int] = {"page_size": page_size}
            if token:
                params["page_token"] = token
            data = await self._call("POST", path, shop_id=shop_id, params=params, body=body)
            page = _parse(model, data)
            pages.append(page)
            token = page.next_page_token
            if not token or page.is_empty:
                return pages
        log.warning("TikTok Shop search %s stopped after %d pages", path, MAX_PAGES)
        return pages

    async def approve_cancellation(
        self, shop_id: str, cancel_id: str, *, idempotency_key: str
    ) -> None:
        """Approve Cancellation; the key makes a retried approval harmless.

        No body, signed over the empty body, as the official SDK sends it (see ``mark_read``).
        """
        path = APPROVE_PATH.format(cancel_id=path_id(cancel_id, "cancel id"))
        params = {"idempotency_key": checked_key(idempotency_key)}
        await self._call("POST", path, shop_id=shop_id, params=params)

    async def get_reject_reasons(self, shop_id: str, cancel_id: str) -> list[PlatformReason]:
        """Get Reject Reasons for one request, in Indonesian (call it before each rejection)."""
        params = {"return_or_cancel_id": path_id(cancel_id, "cancel id"), "locale": LOCALE}
        data = await self._call("GET", REJECT_REASONS_PATH, shop_id=shop_id, params=params)
        return _parse_list(PlatformReason, data.get("reasons"))

    async def reject_cancellation(
        self,
        shop_id: str,
        cancel_id: str,
        *,
        reason: str,
        idempotency_key: str,
        comment: str = "",
    ) -> None:
        """Reject Cancellation with a reason name from Get Reject Reasons."""
        if not reason.strip():
            raise InvalidRequest(0, "a reject reason name is required")
        path = REJECT_PATH.format(cancel_id=path_id(cancel_id, "cancel id"))
        body = {"reject_reason": reason} | ({"comment": comment} if comment else {})
        params = {"idempotency_key": checked_key(idempotency_key)}
        await self._call("POST", path, shop_id=shop_id, params=params, body=body)

    async def cancel_order(self, shop_id: str, order_id: str, reason: str) -> CancelResult:
        """Cancel Order (seller-initiated) with a cancel reason name (§10.3-10.4)."""
        body = {"order_id": path_id(order_id, "order id"), "cancel_reason": reason}
        data = await self._call("POST", CANCEL_ORDER_PATH, shop_id=shop_id, body=body)
        return _parse(CancelResult, data)


def _check_size(page_size: int, maximum: int) -> None:
    if not 1 <= page_size <= maximum:
        raise ValueError(f"page_size must be 1..{maximum}, not {page_size}")


def _parse(model: type[_M], data: Any) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise TikTokShopError(0, f"unexpected {model.__name__} in response: {exc}") from None


def _parse_list(model: type[_M], data: Any) -> list[_M]:
    if data is None:
        return []
    if not isinstance(data, list):
        raise TikTokShopError(0, f"expected a list of {model.__name__}")
    return [_parse(model, row) for row in data]
