"""Tokopedia as a ``bot.marketplaces.Marketplace``: webhooks to events, calls to the client.

Orders are mapped to the domain in ``mapping``.

Dedup keys: the order-status and cancellation webhooks share ``tokopedia:status:...`` (same
shape, no timestamp, doc §6.3/§6.4), so the same status arriving through both is one event.
The chat webhook has no id or timestamp (§6.1): the key is the room, buyer and a hash of the
text, valid for two minutes; after that the same text is the buyer repeating themselves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.clock import Clock, system_clock
from bot.domain.errors import ErrorKind, MarketplaceError, as_marketplace_errors
from bot.domain.values import (
    BuyerMessage,
    BuyerMessageReceived,
    CancellationRequest,
    CancellationRequested,
    Conversation,
    MarketplaceName,
    Order,
    OrderCreated,
    OrderStatusChanged,
    ParsedEvent,
    Rejection,
    RejectReason,
    SentReply,
    Shop,
)
from bot.marketplaces import WebhookPayloadError
from bot.marketplaces.wire import load_object, parsing, storable

from .client import CHAT_PAGE_MAX, MAX_PAGES, TokopediaClient
from .mapping import TOKOPEDIA, order_from_detail, order_from_list_item, order_from_notification
from .models.chat import ChatRoom, ChatWebhook
from .models.orders import (
    OrderNotificationWebhook,
    OrderStatusWebhook,
    RequestCancellationWebhook,
)
from .protocol import REJECT_REASONS, WIB, order_status, validate_rejection, verify_signature
from .returns import NoReturns

CHAT_DEDUP_WINDOW = 120  # seconds
SIGNATURE_HEADER = "authorization-hmac"
# Shown to the buyer when staff approve their cancellation request (a NACK with code 8).
DEFAULT_APPROVE_REASON = "Pesanan dibatalkan sesuai permintaan pembeli."


class TokopediaMarketplace(NoReturns):
    """The Tokopedia adapter. ``approve_cancellation`` is a NACK with code 8 (UNCONFIRMED)."""

    def __init__(
        self,
        client: TokopediaClient,
        *,
        webhook_secret: str,
        clock: Clock = system_clock,
        approve_cancellation_reason: str = DEFAULT_APPROVE_REASON,
    ) -> None:
        self._client = client
        self._secret = webhook_secret
        self._clock = clock
        self._approve_reason = approve_cancellation_reason

    def __repr__(self) -> str:
        return f"TokopediaMarketplace(fs_id={self._client.fs_id!r})"

    @property
    def name(self) -> MarketplaceName:
        return TOKOPEDIA

    # --- webhooks -------------------------------------------------------------------------------

    @property
    def accepts_orders(self) -> bool:
        return True

    def status(self) -> Mapping[str, object]:
        return {}

    @property
    def webhook_topics(self) -> frozenset[str]:
        return frozenset(
            {"chat", "order", "order-status", "order-cancellation", "order-request-cancellation"}
        )

    def verify_webhook(self, body: bytes, headers: Mapping[str, str]) -> bool:
        signature = next(
            (value for key, value in headers.items() if key.lower() == SIGNATURE_HEADER), None
        )
        return verify_signature(body, signature, self._secret)

    def parse_webhook(self, topic: str, body: bytes, received_at: datetime) -> list[ParsedEvent]:
        if topic not in self.webhook_topics:
            raise WebhookPayloadError(f"unknown Tokopedia webhook topic {topic!r}")
        with parsing("Tokopedia"):
            return storable([self._parse(topic, load_object(body), received_at)])

    def _parse(self, topic: str, data: dict[str, Any], received_at: datetime) -> ParsedEvent:
        if topic == "chat":
            return _chat_event(ChatWebhook.model_validate(data), received_at)
        if topic == "order":
            hook = OrderNotificationWebhook.model_validate(data)
            return ParsedEvent(
                dedup_key=f"tokopedia:order:{hook.order_id}:{hook.order_status}",
                event=OrderCreated(order=order_from_notification(hook)),
            )
        if topic == "order-request-cancellation":
            request = RequestCancellationWebhook.model_validate(data)
            return ParsedEvent(
                dedup_key=f"tokopedia:cancel-request:{request.order_id}",
                # The payload is only an order id, and a buyer may ask again after a
                # rejection: copies within two minutes are redeliveries, later ones are new
                # (the relay still skips a request it has already shown).
                dedup_window=120,
                # The payload has no shop_id; get_cancellation_request() fills it in.
                event=CancellationRequested(
                    marketplace=TOKOPEDIA, shop_id=request.shop_id, order_id=request.order_id
                ),
            )
        status = OrderStatusWebhook.model_validate(data)
        return ParsedEvent(
            dedup_key=f"tokopedia:status:{status.order_id}:{status.order_status}",
            event=OrderStatusChanged(
                marketplace=TOKOPEDIA,
                shop_id=status.shop_id,
                order_id=status.order_id,
                status=order_status(status.order_status),
                cancelled=topic == "order-cancellation",
            ),
        )

    # --- rejections -----------------------------------------------------------------------------

    def reject_reasons(self, order: Order | None = None) -> tuple[RejectReason, ...]:
        """The same eight codes whatever the order's status (Tokopedia checks on NACK)."""
        del order
        return tuple(
            RejectReason(
                code=str(rule.code),
                needs_close_details=rule.needs_close_details,
                max_text_length=rule.max_length,
            )
            for rule in REJECT_REASONS
        )

    def validate_rejection(self, rejection: Rejection) -> None:
        with as_marketplace_errors():
            validate_rejection(
                rejection.reason_code,
                rejection.reason_text,
                rejection.shop_close_end_date,
                rejection.shop_close_note,
                today=self._clock().astimezone(WIB).date(),
            )

    # --- I/O ------------------------------------------------------------------------------------

    async def refresh_credentials(self) -> dict[str, datetime]:
        """Renew the app token right after it expires (Tokopedia issues none earlier)."""
        expires = await self._client.token_expires_at()
        if expires is None or self._clock() >= expires:
            with as_marketplace_errors():
                expires = await self._client.refresh_token()
        return {"tokopedia": expires}

    async def complete_message(self, message: BuyerMessage) -> BuyerMessage:
        return message  # the chat webhook already names the buyer

    async def list_shops(self) -> list[Shop]:
        with as_marketplace_errors():
            shops = await self._client.shop_info()
        return [Shop(marketplace=TOKOPEDIA, shop_id=s.shop_id, name=s.shop_name) for s in shops]

    async def send_reply(self, conversation: Conversation, text: str) -> SentReply:
        with as_marketplace_errors():
            result = await self._client.send_reply(
                conversation.shop_id, conversation.conversation_id, text
            )
        return SentReply(
            conversation_id=conversation.conversation_id,
            text=text,
            sent_at=result.reply_time or self._clock(),
        )

    async def accept_order(self, shop_id: str, order_id: str) -> None:
        with as_marketplace_errors():
            await self._client.ack(order_id)

    async def reject_order(self, shop_id: str, order_id: str, rejection: Rejection) -> None:
        with as_marketplace_errors():
            await self._client.nack(
                order_id,
                rejection.reason_code,
                rejection.reason_text,
                close_end_date=rejection.shop_close_end_date,
                close_note=rejection.shop_close_note,
            )

    async def get_order(self, shop_id: str, order_id: str) -> Order:
        with as_marketplace_errors():
            detail = await self._client.get_order(order_id=order_id)
        return order_from_detail(detail, shop_id)

    async def get_cancellation_request(self, shop_id: str, order_id: str) -> CancellationRequest:
        with as_marketplace_errors():
            detail = await self._client.get_order(order_id=order_id)
        info = detail.cancel_request_info
        if info is None or not info.is_present:
            raise MarketplaceError(
                ErrorKind.NOT_FOUND, "", f"order {order_id} has no cancellation request"
            )
        return CancellationRequest(
            marketplace=TOKOPEDIA,
            shop_id=detail.shop_info.shop_id or shop_id,
            order_id=detail.order_id,
            reason=info.reason,
            requested_at=info.create_time,
        )

    async def approve_cancellation(self, request: CancellationRequest) -> None:
        # No approve endpoint is known; a NACK with code 8 "buyer's request" is the inferred
        # equivalent (doc §8.5, UNCONFIRMED).
        with as_marketplace_errors():
            await self._client.nack(request.order_id, 8, self._approve_reason)

    async def reject_cancellation(self, request: CancellationRequest) -> None:
        with as_marketplace_errors():
            shop_id = request.shop_id
            if not shop_id:  # the request webhook has no shop_id; reject-cancel needs it
                shop_id = (
                    await self._client.get_order(order_id=request.order_id)
                ).shop_info.shop_id
            await self._client.reject_cancel(request.order_id, shop_id)

    async def list_orders(self, shop_id: str, since: datetime, until: datetime) -> list[Order]:
        with as_marketplace_errors():
            items = await self._client.get_all_orders(since, until, shop_id=shop_id)
        return [order_from_list_item(item) for item in items]

    async def unread_messages(self, shop_id: str) -> list[BuyerMessage]:
        rooms: list[ChatRoom] = []
        with as_marketplace_errors():
            for page in range(1, MAX_PAGES + 1):
                batch = await self._client.list_messages(shop_id, page=page, filter="unread")
                rooms.extend(batch)
                if len(batch) < CHAT_PAGE_MAX:
                    break
        return [self._room_message(shop_id, room) for room in rooms]

    def _room_message(self, shop_id: str, room: ChatRoom) -> BuyerMessage:
        contact = room.attributes.contact
        return BuyerMessage(
            conversation=Conversation(
                marketplace=TOKOPEDIA,
                shop_id=shop_id,
                conversation_id=room.msg_id,
                buyer_id=contact.id,
                buyer_name=contact.attributes.name,
            ),
            text=room.attributes.last_reply_msg,
            received_at=room.attributes.last_reply_time or self._clock(),
            avatar_url=contact.attributes.thumbnail,
        )


# --- mapping ----------------------------------------------------------------------------------


def _chat_event(hook: ChatWebhook, received_at: datetime) -> ParsedEvent:
    digest = hashlib.sha256(hook.message.encode()).hexdigest()[:16]
    message = BuyerMessage(
        conversation=Conversation(
            marketplace=TOKOPEDIA,
            shop_id=hook.shop_id,
            conversation_id=hook.msg_id,
            buyer_id=hook.buyer_id,
            buyer_name=hook.full_name,
        ),
        text=hook.message,
        received_at=received_at,  # the payload has no time of its own
        avatar_url=hook.thumbnail,
    )
    return ParsedEvent(
        dedup_key=f"tokopedia:chat:{hook.shop_id}:{hook.msg_id}:{hook.buyer_id}:{digest}",
        event=BuyerMessageReceived(message=message),
        dedup_window=CHAT_DEDUP_WINDOW,
    )
