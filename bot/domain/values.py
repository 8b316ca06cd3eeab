"""tokobot's own, marketplace-neutral models.

The core (storage, relay, rendering, handlers, jobs) speaks only these. Each marketplace
adapter turns its webhooks and API responses into them and performs actions described by
them. Ids are strings everywhere: Tokopedia's are ints, TikTok Shop's are 19-digit strings.
Money is whole Rupiah (int); IDR has no minor unit in practice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class MarketplaceName(StrEnum):
    TOKOPEDIA = "tokopedia"
    TIKTOKSHOP = "tiktokshop"


class OrderState(StrEnum):
    """Where an order stands, in the terms staff act on."""

    UNPAID = "unpaid"
    AWAITING_ACCEPTANCE = "awaiting_acceptance"  # staff must accept or reject
    ACCEPTED = "accepted"  # accepted / being processed, not yet shipped
    SHIPPING = "shipping"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    RETURNED = "returned"
    OTHER = "other"

    @property
    def rank(self) -> int | None:
        """How far along an order is; None for a state with no place in the sequence.

        A status of a lower rank than the known one moves the order backwards: an old
        webhook replayed late. Cancelled and returned end an order from any point.
        """
        return _RANKS.get(self)

    @property
    def is_final_for_acceptance(self) -> bool:
        """True once accept/reject buttons make no sense any more."""
        return self is not OrderState.AWAITING_ACCEPTANCE and self is not OrderState.UNPAID


_RANKS = {
    OrderState.UNPAID: 0,
    OrderState.AWAITING_ACCEPTANCE: 1,
    OrderState.ACCEPTED: 2,
    OrderState.SHIPPING: 3,
    OrderState.DELIVERED: 4,
    OrderState.COMPLETED: 5,
    OrderState.CANCELLED: 6,
    OrderState.RETURNED: 6,
}


def moves_backwards(known: OrderState, new: OrderState) -> bool:
    """Whether ``new`` is older news than ``known`` (both ranked, and lower)."""
    return known.rank is not None and new.rank is not None and new.rank < known.rank


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Shop(_Model):
    marketplace: MarketplaceName
    shop_id: str
    name: str


class OrderStatus(_Model):
    """A marketplace status code with its neutral meaning.

    ``code`` is the marketplace's own value ("220", "AWAITING_SHIPMENT"); ``state`` is what
    the core acts on; ``label`` is the marketplace's English description, for logs.
    """

    code: str
    state: OrderState
    label: str = ""


class OrderLine(_Model):
    product_id: str
    name: str
    quantity: int
    unit_price: int
    total_price: int
    sku: str = ""
    notes: str = ""


class Order(_Model):
    marketplace: MarketplaceName
    shop_id: str
    order_id: str
    invoice: str
    status: OrderStatus
    lines: tuple[OrderLine, ...] = ()
    total: int = 0  # what the buyer pays: the lines, plus shipping, less discount
    shipping: int = 0  # shipping (and its insurance) inside ``total``, where known
    discount: int = 0  # vouchers/discounts taken off ``total``, where known
    shop_name: str = ""
    buyer_name: str = ""
    courier: str = ""
    service: str = ""
    destination_city: str = ""
    accept_deadline: datetime | None = None
    ship_deadline: datetime | None = None  # ship by this time or the marketplace cancels
    created_at: datetime | None = None
    buyer_platform: str = ""  # which buyer app the order came from, where known
    # False where the marketplace has no accept step (TikTok Shop): staff "process" the
    # order in tokobot and may cancel it, instead of accepting or rejecting it.
    needs_accept: bool = True


class CancellationRequest(_Model):
    marketplace: MarketplaceName
    shop_id: str
    order_id: str
    reason: str = ""
    requested_at: datetime | None = None
    cancel_id: str = ""  # marketplace's own request id, when it has one
    deadline: datetime | None = None


class ReturnState(StrEnum):
    """Where a buyer's return or refund request stands, in the terms staff act on."""

    AWAITING_SELLER = "awaiting_seller"  # the shop must approve or reject the request
    AWAITING_SHIPMENT = "awaiting_shipment"  # approved; the buyer is to send the item back
    BUYER_SHIPPED = "buyer_shipped"  # on its way back; the shop answers once it arrives
    PACKAGE_RECEIVED = "package_received"  # accepted back; the refund follows
    APPROVED = "approved"  # refund approved, not paid yet
    AWAITING_BUYER = "awaiting_buyer"  # the shop offered a partial refund
    REJECTED = "rejected"
    PACKAGE_REJECTED = "package_rejected"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"  # withdrawn by the buyer or closed
    OTHER = "other"


class ReturnLine(_Model):
    name: str
    quantity: int = 1
    variant: str = ""
    sku: str = ""
    refund: int = 0  # for all ``quantity`` units


class ReturnRequest(_Model):
    """A buyer's return, refund or replacement request.

    ``status_code`` is the marketplace's own value; ``state`` is what the core acts on.
    ``awaiting_seller`` is True while the shop must answer, before ``deadline`` (after it
    the marketplace decides by itself). ``reason`` is the buyer's reason as the marketplace
    words it for staff. ``photos`` counts the buyer's photos, None when they could not be
    listed (the alert then offers to look again).
    """

    marketplace: MarketplaceName
    shop_id: str
    order_id: str
    return_id: str
    status_code: str
    state: ReturnState
    kind: Literal["refund", "return", "replacement", "other"] = "other"
    awaiting_seller: bool = False
    reason: str = ""
    refund: int = 0
    lines: tuple[ReturnLine, ...] = ()
    requested_at: datetime | None = None
    deadline: datetime | None = None
    photos: int | None = 0


class Conversation(_Model):
    """A buyer chat room. ``conversation_id`` is what a reply is addressed to."""

    marketplace: MarketplaceName
    shop_id: str
    conversation_id: str
    buyer_id: str
    buyer_name: str = ""
    buyer_platform: str = ""  # which buyer app the chat comes from, where the marketplace says


class ProductInfo(_Model):
    """A product a buyer's card points at, as the marketplace's product API describes it.

    Prices are whole Rupiah: ``price_min == price_max`` for one price, both 0 when unknown.
    ``available`` is False for a product the shop deactivated or the platform froze.
    """

    name: str = ""
    price_min: int = 0
    price_max: int = 0
    available: bool = True


class BuyerMessage(_Model):
    conversation: Conversation
    text: str
    received_at: datetime
    message_id: str = ""  # empty where the marketplace gives none (Tokopedia's webhook)
    avatar_url: str = ""
    # A non-text message: "image", "video", "product", "order", "sticker", "file" or "other";
    # ``text`` then holds whatever readable text the marketplace gave (a title, plaintext).
    attachment_kind: str = ""
    attachment_url: str = ""
    attachment_ref: str = ""  # a card's product or order id
    # A product card's details, looked up by the relay just before showing it (not stored).
    product: ProductInfo | None = None


# --- events: what a webhook or a reconciliation poll tells the core ------------------------


class EventKind(StrEnum):
    """What an event is about; the values are stored in the inbox and name its JSON tag."""

    BUYER_MESSAGE = "buyer_message"
    ORDER_CREATED = "order_created"
    ORDER_STATUS = "order_status"
    CANCELLATION_REQUESTED = "cancellation_requested"
    AUTHORIZATION = "authorization"
    RETURN_STATUS = "return_status"


class BuyerMessageReceived(_Model):
    kind: Literal[EventKind.BUYER_MESSAGE] = EventKind.BUYER_MESSAGE
    message: BuyerMessage


class OrderCreated(_Model):
    kind: Literal[EventKind.ORDER_CREATED] = EventKind.ORDER_CREATED
    order: Order


class OrderStatusChanged(_Model):
    kind: Literal[EventKind.ORDER_STATUS] = EventKind.ORDER_STATUS
    marketplace: MarketplaceName
    shop_id: str
    order_id: str
    status: OrderStatus
    cancelled: bool = False  # came through a cancellation channel


class CancellationRequested(_Model):
    kind: Literal[EventKind.CANCELLATION_REQUESTED] = EventKind.CANCELLATION_REQUESTED
    marketplace: MarketplaceName
    shop_id: str
    order_id: str
    cancel_id: str = ""  # the marketplace's request id, where the webhook carries it


class ReturnStatusChanged(_Model):
    """A return or refund request appeared or moved; the delivery reads the request itself.

    ``return_id`` may be empty where a payload names only the order; ``status_code`` is
    what the notification said, which may already be out of date.
    """

    kind: Literal[EventKind.RETURN_STATUS] = EventKind.RETURN_STATUS
    marketplace: MarketplaceName
    shop_id: str
    order_id: str
    return_id: str = ""
    status_code: str = ""


class AuthorizationChanged(_Model):
    """The seller's authorization of tokobot is about to expire, or was revoked."""

    kind: Literal[EventKind.AUTHORIZATION] = EventKind.AUTHORIZATION
    marketplace: MarketplaceName
    shop_id: str
    change: Literal["expiring", "revoked"]
    expires_at: datetime | None = None
    message: str = ""


MarketplaceEvent = Annotated[
    BuyerMessageReceived
    | OrderCreated
    | OrderStatusChanged
    | CancellationRequested
    | AuthorizationChanged
    | ReturnStatusChanged,
    Field(discriminator="kind"),
]


class ParsedEvent(_Model):
    """An event ready for the inbox: the event plus how to recognise a redelivery.

    ``dedup_window`` is in seconds; 0 means the key is unique for ever. A window is for
    payloads without an id (Tokopedia's chat webhook), where the same text much later is a
    buyer repeating themselves rather than a redelivery.
    """

    dedup_key: str
    event: MarketplaceEvent
    dedup_window: int = 0


# The door to the durable inbox that webhook routes and reconciliation are handed: it returns
# once the events are committed, True per event that is new, False for a redelivery.
Store = Callable[[Sequence[ParsedEvent], datetime], Awaitable[list[bool]]]


# --- actions ---------------------------------------------------------------------------------


class RejectReason(_Model):
    """A reason a marketplace accepts for rejecting an order."""

    code: str
    label: str = ""  # the marketplace's own wording, shown where tokobot has no label
    needs_close_details: bool = False  # Tokopedia code 4: shop closed until a date
    max_text_length: int = 512
    needs_text: bool = True  # False where the marketplace takes the reason name alone


class Rejection(_Model):
    reason_code: str
    reason_text: str
    shop_close_end_date: str = ""  # DD/MM/YYYY where needed
    shop_close_note: str = ""


class SentReply(_Model):
    conversation_id: str
    text: str
    sent_at: datetime | None = None
    message_id: str = ""
