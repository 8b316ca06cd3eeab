"""Pure parsing of TikTok Shop notifications (doc §7.3-7.5) into tokobot's events.

Dedup keys are ``tiktokshop:{tts_notification_id}``, or ``tiktokshop:body:{sha256 of the
raw body}`` for topics whose payload has none. Handled types:

    1   order status      OrderStatusChanged; UNPAID (order creation) gives nothing
    11  cancellation      a BUYER's CANCELLATION_REQUEST_PENDING -> CancellationRequested;
                          _SUCCESS / _COMPLETE -> OrderStatusChanged(CANCELLED, cancelled=True);
                          a withdrawn or refused request gives nothing
    12  return/refund     every status -> ReturnStatusChanged (the delivery reads the
                          request itself: the notification says only its new status)
    14  new message       visible BUYER messages only -> BuyerMessageReceived; the shop's own
                          replies, agents, system and robot messages are echoes and dropped
    6   deauthorization   AuthorizationChanged("revoked")
    7   expiring          AuthorizationChanged("expiring", expires_at=expiration_time)

    35  Tokopedia mirror  recognised and ignored on purpose (see TOKOPEDIA_MIRROR)

Every other type (13 agent joined, 3, 4 ...) is acknowledged and ignored.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from bot.domain.values import (
    AuthorizationChanged,
    BuyerMessage,
    BuyerMessageReceived,
    CancellationRequested,
    Conversation,
    MarketplaceEvent,
    OrderStatusChanged,
    ParsedEvent,
    ReturnStatusChanged,
)
from bot.marketplaces import WebhookPayloadError
from bot.marketplaces.wire import load_object

from .errors import brand_safe
from .mapping import TIKTOKSHOP, card_ref, message_parts, order_status
from .models import (
    AuthorizationData,
    CancellationStatusData,
    NewMessageData,
    OrderStatusData,
    WebhookEnvelope,
)
from .return_models import ReturnStatusData
from .returns import normal_status

PENDING = "CANCELLATION_REQUEST_PENDING"
CANCELLED_STATUSES = frozenset({"CANCELLATION_REQUEST_SUCCESS", "CANCELLATION_REQUEST_COMPLETE"})
HANDLED_TYPES = frozenset({1, 6, 7, 11, 12, 14})
# Type 35 (Indonesia only, doc §3 and §7.4): a shop born on TikTok was mirrored onto the
# Tokopedia storefront, or the mirror was rolled back or cancelled. It changes where buyers
# see the shop, not what staff do: Tokopedia buyers' orders and chats of a mirrored shop come
# through the same order (1) and message (14) topics. It carries ``seller_open_id`` and
# ``data.tts_shop_id`` instead of a top-level ``shop_id``, so it must be recognised before
# the shop_id check, or a legitimate push would be answered 400 and retried for ever.
TOKOPEDIA_MIRROR = 35
# The signature covers the body but no time or nonce (doc §7.2), so a captured notification
# would verify for ever: one that would store an event must have been pushed ("timestamp")
# within this window of its arrival, or it is refused as a possible replay. A retry that
# still carries its first push time is refused too; reconciliation polling recovers it.
REPLAY_WINDOW = timedelta(minutes=15)


def parse_notification(body: bytes, received_at: datetime) -> list[ParsedEvent]:
    """The events in a verified notification body.

    Raises ``WebhookPayloadError``, or pydantic's ``ValidationError`` for a payload of the
    wrong shape; the adapter turns every failure into the former.
    """
    data = load_object(body)
    missing = [key for key in ("type", "data") if key not in data]
    if missing:
        raise WebhookPayloadError(f"TikTok Shop webhook without {' or '.join(missing)}")
    envelope = WebhookEnvelope.model_validate(data)
    event = _event(envelope, received_at)
    if event is None:
        return []  # acknowledged whatever its age: a replay of it changes nothing
    _check_push_time(envelope.timestamp, received_at)
    if envelope.tts_notification_id:
        key = f"tiktokshop:{envelope.tts_notification_id}"
    else:
        key = f"tiktokshop:body:{hashlib.sha256(body).hexdigest()}"
    return [ParsedEvent(dedup_key=key, event=event)]


def _check_push_time(pushed_at: datetime | None, received_at: datetime) -> None:
    if pushed_at is None:
        raise WebhookPayloadError("TikTok Shop webhook without timestamp")
    if abs(pushed_at - received_at) > REPLAY_WINDOW:
        raise WebhookPayloadError(
            f"TikTok Shop webhook timestamp {pushed_at:%Y-%m-%d %H:%M:%S}Z is more than "
            f"{REPLAY_WINDOW.seconds // 60} minutes from now (a replay?)"
        )


def _event(hook: WebhookEnvelope, received_at: datetime) -> MarketplaceEvent | None:
    if hook.type == TOKOPEDIA_MIRROR:
        return None  # nothing for staff, on purpose (see TOKOPEDIA_MIRROR)
    if hook.type not in HANDLED_TYPES:
        return None
    if not hook.shop_id:
        raise WebhookPayloadError(f"TikTok Shop webhook type {hook.type} without shop_id")
    if hook.type == 1:
        return _order_status_event(hook.shop_id, OrderStatusData.model_validate(hook.data))
    if hook.type == 11:
        data = CancellationStatusData.model_validate(hook.data)
        return _cancellation_event(hook.shop_id, data)
    if hook.type == 12:
        change = ReturnStatusData.model_validate(hook.data)
        return ReturnStatusChanged(
            marketplace=TIKTOKSHOP,
            shop_id=hook.shop_id,
            order_id=change.order_id,
            return_id=change.return_id,
            status_code=normal_status(change.return_status),
        )
    if hook.type == 14:
        return _message_event(hook.shop_id, NewMessageData.model_validate(hook.data), received_at)
    info = AuthorizationData.model_validate(hook.data)
    return AuthorizationChanged(
        marketplace=TIKTOKSHOP,
        shop_id=hook.shop_id,
        change="revoked" if hook.type == 6 else "expiring",
        expires_at=info.expiration_time,
        message=brand_safe(info.message),
    )


def _order_status_event(shop_id: str, data: OrderStatusData) -> OrderStatusChanged | None:
    if data.order_status.strip().upper() == "UNPAID":
        return None  # fires at order creation; nothing for staff until it is paid
    return OrderStatusChanged(
        marketplace=TIKTOKSHOP,
        shop_id=shop_id,
        order_id=data.order_id,
        status=order_status(data.order_status),
    )


def _cancellation_event(
    shop_id: str, data: CancellationStatusData
) -> CancellationRequested | OrderStatusChanged | None:
    status = data.cancel_status.strip().upper()
    if status == PENDING and data.cancellations_role.upper() == "BUYER":
        return CancellationRequested(
            marketplace=TIKTOKSHOP,
            shop_id=shop_id,
            order_id=data.order_id,
            cancel_id=data.cancel_id,
        )
    if status in CANCELLED_STATUSES:
        return OrderStatusChanged(
            marketplace=TIKTOKSHOP,
            shop_id=shop_id,
            order_id=data.order_id,
            status=order_status("CANCELLED"),
            cancelled=True,
        )
    return None  # a request withdrawn or refused: the order carries on as it was


def _message_event(
    shop_id: str, data: NewMessageData, received_at: datetime
) -> BuyerMessageReceived | None:
    if data.sender.role.upper() != "BUYER" or not data.is_visible:
        return None  # echoes of the shop's, agents', system and robot messages; hidden ones
    parts = message_parts(data.type, data.content)
    if parts is None:
        return None
    text, kind, url = parts
    message = BuyerMessage(
        conversation=Conversation(
            marketplace=TIKTOKSHOP,
            shop_id=shop_id,
            conversation_id=data.conversation_id,
            buyer_id=data.sender.im_user_id,  # the webhook has no user_id (§7.5)
        ),
        text=text,
        received_at=data.create_time or received_at,
        message_id=data.message_id,
        attachment_kind=kind,
        attachment_url=url,
        attachment_ref=card_ref(data.type, data.content),
    )
    return BuyerMessageReceived(message=message)
