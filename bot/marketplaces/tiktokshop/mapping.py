"""Pure mapping from TikTok Shop models to tokobot's neutral ones: statuses, orders, messages.

Status mapping (doc §9.3, §7.5; the webhook says CANCEL, the API CANCELLED):

    UNPAID                          UNPAID
    ON_HOLD, AWAITING_SHIPMENT      AWAITING_ACCEPTANCE (new paid order: staff act on it)
    AWAITING_COLLECTION             ACCEPTED (shipment arranged)
    PARTIALLY_SHIPPING, IN_TRANSIT  SHIPPING
    DELIVERED, COMPLETED            DELIVERED, COMPLETED
    CANCEL, CANCELLED               CANCELLED
    anything else                   OTHER

Buyer platforms are turned into staff-facing labels: "TOKOPEDIA" is "Tokopedia" and
"TIKTOK_SHOP" is "Tokopedia & Shop" (staff never read "TikTok", doc §1).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bot.domain.values import (
    BuyerMessage,
    Conversation,
    MarketplaceName,
    Order,
    OrderLine,
    OrderState,
    OrderStatus,
)

from .errors import brand_safe
from .models import Conversation as ApiConversation
from .models import LineItem, Message, Participant, TtsOrder, message_content
from .products import product_page

TIKTOKSHOP = MarketplaceName.TIKTOKSHOP

_STATUSES: dict[str, tuple[OrderState, str]] = {
    "UNPAID": (OrderState.UNPAID, "Unpaid"),
    "ON_HOLD": (OrderState.AWAITING_ACCEPTANCE, "On hold (buyer may still cancel)"),
    "AWAITING_SHIPMENT": (OrderState.AWAITING_ACCEPTANCE, "Awaiting shipment"),
    "PARTIALLY_SHIPPING": (OrderState.SHIPPING, "Partially shipped"),
    "AWAITING_COLLECTION": (OrderState.ACCEPTED, "Awaiting collection"),
    "IN_TRANSIT": (OrderState.SHIPPING, "In transit"),
    "DELIVERED": (OrderState.DELIVERED, "Delivered"),
    "COMPLETED": (OrderState.COMPLETED, "Completed"),
    "CANCEL": (OrderState.CANCELLED, "Cancelled"),
    "CANCELLED": (OrderState.CANCELLED, "Cancelled"),
}

_PLATFORMS = {"TOKOPEDIA": "Tokopedia", "TIKTOK_SHOP": "Tokopedia & Shop"}


def order_status(code: str) -> OrderStatus:
    """The neutral status of a webhook or API order status; unknown ones are OTHER."""
    state, label = _STATUSES.get(code.strip().upper(), (OrderState.OTHER, ""))
    return OrderStatus(code=code, state=state, label=label)


def platform_label(value: str) -> str:
    """A ``commerce_platform`` / ``buyer_platform`` value as staff should read it."""
    text = value.strip()
    return _PLATFORMS.get(text.upper(), brand_safe(text))


# --- chat messages (§8.2) ---------------------------------------------------------------------

# Message types that are not something the buyer wrote: an agent joined, a system notice,
# where the buyer came from. They would only raise unanswered-chat alerts.
NOT_BUYER_WRITTEN = frozenset(
    {
        "ALLOCATED_SERVICE",
        "NOTIFICATION",
        "BUYER_ENTER_FROM_TRANSFER",
        "BUYER_ENTER_FROM_PRODUCT",
        "BUYER_ENTER_FROM_ORDER",
    }
)

# type -> (attachment_kind, the content key with a readable id, the content key with a URL)
_ATTACHMENTS: dict[str, tuple[str, str, str]] = {
    "IMAGE": ("image", "", "url"),
    "VIDEO": ("video", "", "url"),
    "EMOTICONS": ("sticker", "content", "url"),
    "STICKER": ("sticker", "content", "url"),
    "PRODUCT_CARD": ("product", "product_id", ""),
    "ORDER_CARD": ("order", "order_id", ""),
    "LOGISTICS_CARD": ("order", "order_id", ""),
    "RETURN_REFUND_CARD": ("order", "order_id", ""),
    "COUPON_CARD": ("other", "coupon_id", ""),
}


def message_parts(kind: str, content: str, plaintext: str = "") -> tuple[str, str, str] | None:
    """(text, attachment_kind, attachment_url) of a buyer's message; None if not relayable.

    TEXT gives its text; a card or media gives the platform's ``plaintext`` where the API
    sent one, else the card's id, and the media URL (a product card: its public page).
    """
    kind = kind.strip().upper()
    if kind in NOT_BUYER_WRITTEN:
        return None
    fields = message_content(content)
    if kind == "TEXT":
        text = fields.get("content") if fields else content
        return (text if isinstance(text, str) else "", "", "")
    attachment, text_key, url_key = _ATTACHMENTS.get(kind, ("other", "content", ""))
    text = plaintext or (_str(fields.get(text_key)) if text_key else "")
    if kind == "PRODUCT_CARD":  # the card has no link; its product's public page stands in
        return (text, attachment, product_page(_str(fields.get(text_key))))
    return (text, attachment, _str(fields.get(url_key)) if url_key else "")


_CARDS = frozenset({"PRODUCT_CARD", "ORDER_CARD", "LOGISTICS_CARD", "RETURN_REFUND_CARD"})


def card_ref(kind: str, content: str) -> str:
    """A product or order card's id (``product_id`` / ``order_id``); "" for anything else."""
    kind = kind.strip().upper()
    if kind not in _CARDS:
        return ""
    return _str(message_content(content).get(_ATTACHMENTS[kind][1]))


def relayable(message: Message) -> bool:
    """True for a visible message the buyer wrote, of a kind staff are shown."""
    return (
        message.sender.role.upper() == "BUYER"
        and message.is_visible
        and message_parts(message.type, message.content, message.plaintext) is not None
    )


def message_from_api(
    shop_id: str, conv: ApiConversation, message: Message, fallback_time: datetime
) -> BuyerMessage:
    """A polled buyer message; the conversation's buyer names it, else the message's sender."""
    buyer = conv.buyer or Participant()
    text, kind, url = message_parts(message.type, message.content, message.plaintext) or (
        "",
        "",
        "",
    )
    return BuyerMessage(
        conversation=Conversation(
            marketplace=TIKTOKSHOP,
            shop_id=shop_id,
            conversation_id=conv.id,
            buyer_id=buyer.im_user_id or message.sender.im_user_id,
            buyer_name=buyer.nickname or message.sender.nickname,
            buyer_platform=platform_label(buyer.buyer_platform),
        ),
        text=text,
        received_at=message.create_time or fallback_time,
        message_id=message.id,
        avatar_url=buyer.avatar or message.sender.avatar,
        attachment_kind=kind,
        attachment_url=url,
        attachment_ref=card_ref(message.type, message.content),
    )


def _str(value: Any) -> str:
    if isinstance(value, str):
        return value
    return "" if value is None or isinstance(value, dict | list) else str(value)


# --- orders (§9.2) ----------------------------------------------------------------------------


def order_lines(items: Iterable[LineItem]) -> tuple[OrderLine, ...]:
    """One line per SKU and price: the API lists each unit as its own line item.

    Units are grouped by what staff see (names, seller SKU, price), not by ids, so a
    source that numbers each unit separately still shows one line with its quantity.
    """
    grouped: dict[tuple[str, str, str, int, bool], list[LineItem]] = {}
    for item in items:
        key = (item.product_name, item.sku_name, item.seller_sku, item.sale_price, item.is_gift)
        grouped.setdefault(key, []).append(item)
    lines = []
    for group in grouped.values():
        first = group[0]
        quantity = sum(max(item.quantity, 1) for item in group)
        name = first.product_name
        if first.sku_name and first.sku_name.lower() != "default":
            name = f"{name} ({first.sku_name})" if name else first.sku_name
        lines.append(
            OrderLine(
                product_id=first.product_id,
                name=name,
                quantity=quantity,
                unit_price=first.sale_price,
                total_price=first.sale_price * quantity,
                sku=first.seller_sku,
            )
        )
    return tuple(lines)


def _discount(order: TtsOrder) -> int:
    """What was taken off: items + shipping - total; the payment object itemises no more."""
    payment = order.payment
    if not payment.total_amount or not payment.sub_total:
        return 0
    return max(0, payment.sub_total + payment.shipping_fee - payment.total_amount)


def order_from_api(order: TtsOrder, shop_id: str, shop_name: str = "") -> Order:
    lines = order_lines(order.line_items)
    address = order.recipient_address
    return Order(
        marketplace=TIKTOKSHOP,
        shop_id=shop_id,
        order_id=order.id,
        invoice=order.id,  # Seller Center shows the order id; there is no invoice number
        status=order_status(order.status),
        lines=lines,
        total=order.payment.total_amount or sum(line.total_price for line in lines),
        shipping=order.payment.shipping_fee,
        discount=_discount(order),
        shop_name=shop_name,
        buyer_name=order.buyer_nickname or (address.name if address else ""),
        courier=order.shipping_provider,
        service=order.delivery_option_name,
        destination_city=address.city if address else "",
        accept_deadline=None,  # there is no accept step (§9.4)
        ship_deadline=order.rts_sla_time,
        created_at=order.create_time,
        buyer_platform=platform_label(order.commerce_platform),
        needs_accept=False,
    )
