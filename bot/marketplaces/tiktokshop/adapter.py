"""TikTok Shop ("Tokopedia & Shop") as a ``bot.marketplaces.Marketplace`` and ``Authorizing``.

Webhooks arrive at one URL (topic ""); ``webhooks`` turns them into events. The chat webhook
has no buyer name: ``complete_message`` asks ``buyers`` (looked up once per conversation,
kept in the ``StateStore``).

There is no accept step (doc §9.4): ``accepts_orders`` is False and "reject" is Cancel Order
with an Indonesian reason name (``reasons``). Every text meant for staff says "Tokopedia &
Shop", never "TikTok".
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from bot.clock import Clock, system_clock
from bot.domain.errors import ErrorKind, MarketplaceError, as_marketplace_errors
from bot.domain.values import (
    BuyerMessage,
    CancellationRequest,
    Conversation,
    MarketplaceName,
    Order,
    OrderState,
    ParsedEvent,
    Rejection,
    RejectReason,
    SentReply,
    Shop,
)
from bot.marketplaces import StateStore, WebhookPayloadError
from bot.marketplaces.text_split import split_text
from bot.marketplaces.wire import parsing, storable

from . import signer
from .buyers import Buyer, BuyerDirectory
from .chat_media import TikTokShopMedia
from .client import TEXT_MAX, TikTokShopClient, check_text
from .errors import (
    InvalidRequest,
    NotFound,
    QuotaExceeded,
    RejectionInvalid,
    TikTokShopError,
    brand_safe,
)
from .mapping import TIKTOKSHOP, message_from_api, order_from_api, platform_label, relayable
from .messaging import TikTokShopMessaging
from .models import Conversation as ApiConversation
from .products import ProductLookup, TikTokShopProducts
from .reasons import (
    REJECT_CANCELLATION_PREFERENCE,
    cancel_reason,
    cancel_reasons_for,
    offered_names,
    pick_reject_reason,
)
from .returns import TikTokShopReturns
from .webhooks import PENDING, parse_notification

log = logging.getLogger(__name__)

DEFAULT_AUTHORIZE_URL = "https://services.tiktokshop.com/open/authorize"
SIGNATURE_HEADER = "authorization"
ORDER_WINDOW = timedelta(days=7)  # list_orders searches at most a week per request chain
UNREAD_PAGES = 5  # conversation pages (20 each) per unread poll, to spare the daily quota


class TikTokShopMarketplace(
    TikTokShopReturns, TikTokShopMedia, TikTokShopMessaging, TikTokShopProducts
):
    """The TikTok Shop adapter; staff-facing texts say "Tokopedia & Shop"."""

    def __init__(
        self,
        client: TikTokShopClient,
        *,
        app_key: str,
        app_secret: str,
        service_id: str,
        store: StateStore,
        authorize_base: str = DEFAULT_AUTHORIZE_URL,
        clock: Clock = system_clock,
        reject_cancellation_preference: tuple[str, ...] = REJECT_CANCELLATION_PREFERENCE,
        unread_pages: int = UNREAD_PAGES,
    ) -> None:
        self._client = client
        self._app_key = app_key
        self._app_secret = app_secret
        self._service_id = service_id
        self._authorize_base = authorize_base
        self._clock = clock
        self._reject_preference = reject_cancellation_preference
        self._unread_pages = unread_pages
        self._buyers = BuyerDirectory(client, store)
        self._products = ProductLookup(client, clock=clock)

    def __repr__(self) -> str:
        return f"TikTokShopMarketplace(app_key={self._app_key!r})"

    @property
    def name(self) -> MarketplaceName:
        return TIKTOKSHOP

    @property
    def accepts_orders(self) -> bool:
        return False

    @property
    def webhook_topics(self) -> frozenset[str]:
        return frozenset({""})

    def status(self) -> Mapping[str, object]:
        return {
            "customer_service_quota": self._client.quota.snapshot(),
            "shops": self._client.tokens.known_shop_count,
        }

    # --- webhooks (§7) --------------------------------------------------------------------------

    def verify_webhook(self, body: bytes, headers: Mapping[str, str]) -> bool:
        signature = next(
            (value for key, value in headers.items() if key.lower() == SIGNATURE_HEADER), None
        )
        return signer.verify_webhook(signature, body, self._app_key, self._app_secret)

    def parse_webhook(self, topic: str, body: bytes, received_at: datetime) -> list[ParsedEvent]:
        if topic != "":
            raise WebhookPayloadError(f"unknown TikTok Shop webhook topic {topic!r}")
        with parsing("TikTok Shop"):
            return storable(parse_notification(body, received_at))

    # --- rejections (§10.3-10.4) ----------------------------------------------------------------

    def reject_reasons(self, order: Order | None = None) -> tuple[RejectReason, ...]:
        """Cancel reasons valid for the order's status; paid-order reasons without an order."""
        if order is None:
            status = None
        elif order.status.state is OrderState.UNPAID:
            status = "UNPAID"
        elif order.status.state is OrderState.AWAITING_ACCEPTANCE:
            status = "AWAITING_SHIPMENT"
        else:
            return ()  # shipped, cancelled or done: sellers can no longer cancel in Indonesia
        return tuple(
            RejectReason(code=r.name, label=r.label, needs_text=False, max_text_length=0)
            for r in cancel_reasons_for(status)
        )

    def validate_rejection(self, rejection: Rejection) -> None:
        with as_marketplace_errors():
            _check_reason(rejection.reason_code)

    # --- authorization (§4.2) -------------------------------------------------------------------

    def authorize_url(self, state: str) -> str:
        query = urlencode({"service_id": self._service_id, "state": state})
        return f"{self._authorize_base}?{query}"

    async def complete_authorization(self, code: str) -> list[Shop]:
        with as_marketplace_errors():
            grant = await self._client.exchange_code(code)
            shops = await self._client.get_authorized_shops(grant.access_token)
            if not shops:
                raise NotFound(0, "Otorisasi ini tidak mencakup toko mana pun.")
            saved = await self._client.tokens.store_authorization(grant, shops)
        return [Shop(marketplace=TIKTOKSHOP, shop_id=c.shop_id, name=c.name) for c in saved]

    # --- I/O ------------------------------------------------------------------------------------

    async def list_shops(self) -> list[Shop]:
        with as_marketplace_errors():
            stored = await self._client.tokens.all()
        return [Shop(marketplace=TIKTOKSHOP, shop_id=c.shop_id, name=c.name) for c in stored]

    async def refresh_credentials(self) -> dict[str, datetime]:
        """Refresh every shop's token that is due; ``tiktokshop:{shop_id}`` -> its expiry.

        Every shop is tried; the first failure is raised afterwards.
        """
        expiries: dict[str, datetime] = {}
        failure: TikTokShopError | None = None
        tokens = self._client.tokens
        with as_marketplace_errors():
            for shop_id in await tokens.shop_ids():
                try:
                    creds = await tokens.refresh_if_due(shop_id, self._client.refresh_grant)
                except TikTokShopError as exc:
                    log.warning("TikTok Shop token refresh for shop %s failed: %s", shop_id, exc)
                    failure = failure or exc
                    continue
                expiries[f"tiktokshop:{shop_id}"] = datetime.fromtimestamp(
                    creds.access_token_expire_in, UTC
                )
            if failure is not None:
                raise failure
        return expiries

    async def complete_message(self, message: BuyerMessage) -> BuyerMessage:
        conv = message.conversation
        if conv.buyer_name and conv.buyer_platform and message.avatar_url:
            return message
        buyer = await self._buyers.lookup(conv.shop_id, conv.conversation_id)
        if buyer is None:
            return message
        completed = conv.model_copy(
            update={
                "buyer_name": conv.buyer_name or buyer.nickname,
                "buyer_platform": conv.buyer_platform or platform_label(buyer.platform),
            }
        )
        return message.model_copy(
            update={"conversation": completed, "avatar_url": message.avatar_url or buyer.avatar}
        )

    def reply_parts(self, text: str) -> list[str]:
        """A TEXT message holds 2,000 characters; a longer reply goes as several, in order."""
        return split_text(text, TEXT_MAX)

    async def send_reply(self, conversation: Conversation, text: str) -> SentReply:
        with as_marketplace_errors():
            check_text(text)
            sent = await self._client.send_text(
                conversation.shop_id, conversation.conversation_id, text
            )
        try:
            await self._client.mark_read(conversation.shop_id, conversation.conversation_id)
        except TikTokShopError as exc:  # the reply is out; an unread badge is not worth failing
            log.warning("TikTok Shop mark-read failed after a reply: %s", exc)
        return SentReply(
            conversation_id=conversation.conversation_id,
            text=text,
            sent_at=self._clock(),
            message_id=sent.message_id,
        )

    async def accept_order(self, shop_id: str, order_id: str) -> None:
        raise MarketplaceError(ErrorKind.INVALID, detail="no accept step on Tokopedia & Shop")

    async def reject_order(self, shop_id: str, order_id: str, rejection: Rejection) -> None:
        with as_marketplace_errors():
            reason = _check_reason(rejection.reason_code)
            try:
                await self._client.cancel_order(shop_id, order_id, reason)
            except InvalidRequest as exc:
                if exc.code != 25001021:
                    raise
                raise InvalidRequest(
                    exc.code,
                    exc.message,
                    exc.status,
                    exc.request_id,
                    detail=await self._wrong_reason_detail(shop_id, order_id, reason),
                ) from exc

    async def _wrong_reason_detail(self, shop_id: str, order_id: str, reason: str) -> str:
        label = getattr(cancel_reason(reason), "label", reason)
        try:
            order = await self._client.get_order(shop_id, order_id)
        except TikTokShopError:
            return f"Alasan \u201c{label}\u201d tidak berlaku untuk status pesanan saat ini."
        valid = ", ".join(r.label for r in cancel_reasons_for(order.status)) or "tidak ada"
        return (
            f"Alasan \u201c{label}\u201d tidak berlaku untuk pesanan berstatus {order.status}. "
            f"Alasan yang bisa dipakai: {valid}."
        )

    async def get_order(self, shop_id: str, order_id: str) -> Order:
        with as_marketplace_errors():
            found = await self._client.get_order(shop_id, order_id)
            shop_name = await self._shop_name(shop_id)
        return order_from_api(found, shop_id, shop_name)

    async def list_orders(self, shop_id: str, since: datetime, until: datetime) -> list[Order]:
        found: dict[str, Order] = {}
        with as_marketplace_errors():
            shop_name = await self._shop_name(shop_id)
            start = since
            while start < until:
                end = min(start + ORDER_WINDOW, until)
                for item in await self._client.search_orders(
                    shop_id, update_time_ge=start, update_time_lt=end
                ):
                    found[item.id] = order_from_api(item, shop_id, shop_name)
                start = end
        return list(found.values())

    async def unread_messages(self, shop_id: str) -> list[BuyerMessage]:
        """Latest buyer message of each unread conversation; stops at the quota reserve."""
        messages: list[BuyerMessage] = []
        seen: set[str] = set()
        token = ""
        with as_marketplace_errors():
            for page_number in range(self._unread_pages):
                try:
                    page = await self._client.list_conversations(shop_id, page_token=token)
                except QuotaExceeded:
                    if page_number == 0:
                        raise
                    log.info("TikTok Shop unread poll stopped at the quota reserve")
                    break
                for conv in page.conversations:
                    if conv.id in seen:
                        continue  # moved to a later page by new activity while we paged
                    seen.add(conv.id)
                    await self._buyers.remember(shop_id, conv.id, Buyer.of(conv.buyer))
                    if conv.unread_count > 0:
                        latest = await self._latest_buyer_message(shop_id, conv)
                        if latest is not None:
                            messages.append(latest)
                token = page.next_page_token
                if not token:
                    break
        return messages

    async def _latest_buyer_message(
        self, shop_id: str, conv: ApiConversation
    ) -> BuyerMessage | None:
        candidates = [conv.latest_message] if conv.latest_message else []
        if not any(relayable(m) for m in candidates):
            try:
                candidates = (await self._client.list_messages(shop_id, conv.id)).messages
            except QuotaExceeded:
                return None
        newest = next((m for m in candidates if relayable(m)), None)
        if newest is None:
            return None
        return message_from_api(shop_id, conv, newest, self._clock())

    async def get_cancellation_request(self, shop_id: str, order_id: str) -> CancellationRequest:
        with as_marketplace_errors():
            found = await self._client.search_cancellations(shop_id, order_ids=[order_id])
        pending = [c for c in found if c.order_id == order_id and c.cancel_status == PENDING]
        if not pending:
            raise MarketplaceError(
                ErrorKind.NOT_FOUND,
                "",
                f"Tidak ada permintaan pembatalan yang menunggu untuk pesanan {order_id}.",
            )
        request = max(pending, key=lambda c: c.create_time or datetime.min.replace(tzinfo=UTC))
        return CancellationRequest(
            marketplace=TIKTOKSHOP,
            shop_id=shop_id,
            order_id=order_id,
            reason=brand_safe(request.cancel_reason_text or request.cancel_reason),
            requested_at=request.create_time,
            cancel_id=request.cancel_id,
            deadline=request.deadline,
        )

    async def approve_cancellation(self, request: CancellationRequest) -> None:
        cancel_id = await self._cancel_id(request)
        with as_marketplace_errors():
            await self._client.approve_cancellation(
                request.shop_id, cancel_id, idempotency_key=f"tokobot-approve-{cancel_id}"
            )

    async def reject_cancellation(self, request: CancellationRequest) -> None:
        cancel_id = await self._cancel_id(request)
        with as_marketplace_errors():
            offered = await self._client.get_reject_reasons(request.shop_id, cancel_id)
            reason = pick_reject_reason([r.name for r in offered], self._reject_preference)
            if reason is None:
                raise InvalidRequest(0, "Tidak ada alasan penolakan yang ditawarkan untuk ini.")
            await self._client.reject_cancellation(
                request.shop_id,
                cancel_id,
                reason=reason,
                idempotency_key=f"tokobot-reject-{cancel_id}",
            )

    async def _cancel_id(self, request: CancellationRequest) -> str:
        if request.cancel_id:
            return request.cancel_id
        return (await self.get_cancellation_request(request.shop_id, request.order_id)).cancel_id

    async def _shop_name(self, shop_id: str) -> str:
        creds = await self._client.tokens.load(shop_id)
        return creds.name if creds else ""


# --- helpers -------------------------------------------------------------------------------


def _check_reason(name: str) -> str:
    reason = cancel_reason(name.strip())
    if reason is not None and reason.offered:
        return reason.name
    valid = ", ".join(offered_names())
    if reason is not None:
        raise RejectionInvalid(
            0, f"Alasan \u201c{reason.label}\u201d {reason.note}. Pilih salah satu: {valid}."
        )
    raise RejectionInvalid(
        0, f"Alasan pembatalan {name!r} tidak dikenal. Pilih salah satu: {valid}."
    )
