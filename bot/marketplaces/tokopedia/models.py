"""Pydantic models of Tokopedia webhook payloads and API responses.

Parsing is deliberately forgiving where Tokopedia is inconsistent (doc §6.0): unknown keys are
ignored, keys match case-insensitively ("Name" / "name"), ids may be int or str and are kept
as ``str``, "Array of" objects may arrive as one object or a one-item list, nulls in optional
fields read as empty, and amounts are whole Rupiah. Fields the bot cannot work without are
required, so a payload missing them raises ``pydantic.ValidationError``.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from bot.marketplaces.lenient import Flag, Id, Int, Text, parse_money

from .protocol import parse_time

_T = TypeVar("_T")


@functools.cache
def _keys_of(model: type[BaseModel]) -> tuple[dict[str, str], frozenset[str]]:
    """A model's keys by lower case, and the exact keys; built once per model class."""
    wanted = {
        (info.alias or name).lower(): info.alias or name
        for name, info in model.model_fields.items()
    }
    return wanted, frozenset(wanted.values())


def _fold_keys(model: type[BaseModel], data: Any) -> Any:
    """Rename keys that match a field only case-insensitively; an exact key wins."""
    if not isinstance(data, dict):
        return data
    wanted, exact = _keys_of(model)
    folded = {key: value for key, value in data.items() if key in exact}
    for key, value in data.items():
        target = wanted.get(key.lower()) if isinstance(key, str) else None
        if target is None:
            folded.setdefault(key, value)
        elif target not in folded:
            folded[target] = value
    return folded


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, coerce_numbers_to_str=True)

    @model_validator(mode="before")
    @classmethod
    def _case_insensitive_keys(cls, data: Any) -> Any:
        return _fold_keys(cls, data)


def _lenient_time(value: Any) -> datetime | None:
    # A malformed timestamp must not cost us a whole webhook; the field is informative only.
    try:
        return parse_time(value)
    except (ValueError, OverflowError, OSError):
        return None


def _single(value: Any) -> Any:
    """Accept an "Array of" object as the object, a one-item list, or empty/null."""
    if isinstance(value, list):
        if len(value) > 1:
            raise ValueError(f"expected one object, got a list of {len(value)}")
        return value[0] if value else None
    return value


def _object(value: Any) -> Any:
    """Like ``_single`` for fields that always hold an object: null reads as empty."""
    value = _single(value)
    return {} if value is None else value


def _empty_dict_if_none(value: Any) -> Any:
    return value or {}


def _as_list(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    return value


Money = Annotated[int, BeforeValidator(parse_money)]
Timestamp = Annotated[datetime | None, BeforeValidator(_lenient_time)]
Fields = Annotated[dict[str, Any], BeforeValidator(_empty_dict_if_none)]
One = Annotated[_T, BeforeValidator(_object)]  # an object, or a one-item list of it
Maybe = Annotated[_T | None, BeforeValidator(_single)]
Many = Annotated[list[_T], BeforeValidator(_as_list)]  # a list, or a lone object


# --- webhook payloads (§6) --------------------------------------------------------------------


class ChatWebhook(_Model):
    """Chat notification: a new message in a chat room. No message id, no timestamp."""

    msg_id: Id  # the chat room, which is what a reply is addressed to
    buyer_id: Id
    message: str
    shop_id: Id
    thumbnail: Text = ""
    full_name: Text = ""


class Product(_Model):
    id: Id = ""
    name: Text = ""
    quantity: Int = 0
    notes: Text = ""
    weight: float | None = None
    total_weight: float | None = None
    price: Money = 0
    total_price: Money = 0
    currency: Text = ""
    sku: Text = ""


class Person(_Model):
    """``customer``, ``buyer`` and ``dropshipper_info``: phone and email arrive masked."""

    id: Id = ""
    name: Text = ""
    phone: Text = ""
    email: Text = ""


class Address(_Model):
    address_full: Text = ""
    district: Text = ""
    city: Text = ""
    province: Text = ""
    country: Text = ""
    postal_code: Text = ""
    district_id: Id = ""
    city_id: Id = ""
    province_id: Id = ""
    geo: Text = ""


class Recipient(_Model):
    name: Text = ""
    phone: Text = ""
    address: One[Address] = Field(default_factory=Address)


class Logistics(_Model):
    shipping_id: Id = ""
    district_id: Id = ""
    city_id: Id = ""
    province_id: Id = ""
    geo: Text = ""
    shipping_agency: Text = ""
    service_type: Text = ""


class Amounts(_Model):
    ttl_product_price: Money = 0
    shipping_cost: Money = 0
    insurance_cost: Money = 0
    ttl_amount: Money = 0
    voucher_amount: Money = 0
    toppoints_amount: Money = 0


class VoucherInfo(_Model):
    voucher_type: Int = 0
    voucher_code: Text = ""


class Encryption(_Model):
    secret: Text = Field("", repr=False)
    content: Text = Field("", repr=False)


class ListFulfillment(_Model):
    accept_deadline: Timestamp = None
    confirm_shipping_deadline: Timestamp = None


class OrderNotificationWebhook(_Model):
    """New, payment-verified order (220): the one that needs ACK or NACK."""

    order_id: Id
    shop_id: Id
    fs_id: Id = ""
    invoice_num: Text = ""
    invoice_ref_num: Text = ""  # the Get-Webhook-Payload spelling of the same field
    accept_partial: Flag = False
    products: Many[Product] = Field(default_factory=list)
    customer: One[Person] = Field(default_factory=Person)
    recipient: One[Recipient] = Field(default_factory=Recipient)
    warehouse_id: Id = ""
    shop_name: Text = ""
    payment_id: Id = ""
    logistics: One[Logistics] = Field(default_factory=Logistics)
    amt: One[Amounts] = Field(default_factory=Amounts)
    dropshipper_info: One[Person] = Field(default_factory=Person)
    voucher_info: One[VoucherInfo] = Field(default_factory=VoucherInfo)
    device_type: Text = ""
    create_time: Timestamp = None
    # The event means "payment verified"; an absent status is read as 220 (doc §6.2).
    order_status: int = 220
    custom_fields: Fields = Field(default_factory=dict)
    encryption: Maybe[Encryption] = None
    shipment_fulfillment: Maybe[ListFulfillment] = None
    is_plus: Flag = False

    @property
    def invoice(self) -> str:
        return self.invoice_num or self.invoice_ref_num


class OrderStatusWebhook(_Model):
    """Order status change; the cancellation webhook shares this shape (doc §6.4)."""

    order_id: Id
    shop_id: Id
    order_status: int
    fs_id: Id = ""
    warehouse_id: Id = ""
    product_details: Many[Product] = Field(default_factory=list)


OrderCancellationWebhook = OrderStatusWebhook


class RequestCancellationWebhook(_Model):
    """Buyer asks to cancel: ``order_id`` only (int per OAS, String per the Java SDK)."""

    order_id: Id
    shop_id: Id = ""  # not documented; used if Tokopedia ever sends it


# --- API responses ------------------------------------------------------------------------------


class Token(_Model):
    access_token: str = Field(repr=False)
    expires_in: int
    token_type: Text = "Bearer"  # noqa: S105 - a scheme name, not a secret


WEBHOOK_URL_FIELDS = (
    "order_notification_url",
    "order_cancellation_url",
    "order_status_url",
    "order_request_cancellation_url",
    "chat_notification_url",
    "product_creation_url",
    "product_changes_url",
    "campaign_notification_url",
    "order_partial_fulfillment_url",
)


class WebhookRegistration(_Model):
    """List Registered Webhook (app info). Unknown keys are kept so a merge can resend them."""

    model_config = ConfigDict(extra="allow")

    fs_id: Id = ""
    order_notification_url: Text = ""
    order_cancellation_url: Text = ""
    order_status_url: Text = ""
    order_request_cancellation_url: Text = ""
    chat_notification_url: Text = ""
    product_creation_url: Text = ""
    product_changes_url: Text = ""
    campaign_notification_url: Text = ""
    order_partial_fulfillment_url: Text = ""
    webhook_secret: Text = Field("", repr=False)  # returned in clear; keep it out of logs


class ShopInfo(_Model):
    shop_id: Id
    shop_name: Text = ""
    user_id: Id = ""
    logo: Text = ""
    shop_url: Text = ""
    is_open: Int = 0
    status: Int = 0
    date_shop_created: Text = ""
    domain: Text = ""
    admin_id: Many[Id] = Field(default_factory=list)
    reason: Text = ""
    district_id: Id = ""
    province_name: Text = ""
    subscribe_tokocabang: Flag = False
    is_mitra: Flag = False


class ContactAttributes(_Model):
    name: Text = ""
    tag: Text = ""
    thumbnail: Text = ""
    is_gold: Flag = False
    is_official: Flag = False


class Contact(_Model):
    id: Id = ""
    role: Text = ""
    attributes: One[ContactAttributes] = Field(default_factory=ContactAttributes)


class ChatRoomAttributes(_Model):
    contact: One[Contact] = Field(default_factory=Contact)
    last_reply_msg: Text = ""
    last_reply_time: Timestamp = None
    read_status: Int = 0  # 1 unread, 2 read
    unreads: Int = 0
    pin_status: Int = 0


class ChatRoom(_Model):
    """A List Messages row: one chat room and its latest message."""

    msg_id: Id
    message_key: Text = ""
    attributes: One[ChatRoomAttributes] = Field(default_factory=ChatRoomAttributes)


class ChatReply(_Model):
    """A List Replies row: one bubble. ``is_opposite`` is true for the buyer's."""

    msg_id: Id
    reply_id: Id = ""
    sender_id: Id = ""
    role: Text = ""
    msg: Text = ""  # may contain HTML, e.g. <a> for product links
    reply_time: Timestamp = None
    sender_name: Text = ""
    read_status: Int = 0
    read_time: Timestamp = None
    status: Int = 0
    attachment_id: Id = ""
    message_is_read: Flag = False
    is_opposite: Flag = False
    is_first_reply: Flag = False
    is_reported: Flag = False


class SentReplyResult(_Model):
    msg_id: Id
    sender_id: Id = ""
    role: Text = ""
    msg: Text = ""
    reply_time: Timestamp = None
    sender: Text = Field("", alias="from")
    attachment: dict[str, Any] | None = None
    fallback_attachment: dict[str, Any] | None = None


class InitiatedChat(_Model):
    msg_id: Id
    is_success: Flag = False
    contact: One[Contact] = Field(default_factory=Contact)


# --- Get Single Order (§8.2) -------------------------------------------------------------------


class BuyerInfo(_Model):
    buyer_id: Id = ""
    buyer_fullname: Text = ""
    buyer_email: Text = ""
    buyer_phone: Text = ""


class ShopOfOrder(_Model):
    shop_id: Id = ""
    shop_name: Text = ""
    shop_domain: Text = ""
    shop_owner_id: Id = ""


class ShipmentFulfillment(_Model):
    accept_deadline: Timestamp = None
    confirm_shipping_deadline: Timestamp = None
    payment_date_time: Timestamp = None
    is_accepted: Flag = False
    is_confirm_shipping: Flag = False
    is_item_delivered: Flag = False
    fulfillment_status: Int = 0


class OrderDetailLine(_Model):
    order_detail_id: Id = ""
    product_id: Id = ""
    product_name: Text = ""
    product_price: Money = 0
    subtotal_price: Money = 0
    quantity: Int = 0
    quantity_deliver: Int = 0
    quantity_reject: Int = 0
    sku: Text = ""
    notes: Text = ""
    product_picture: Text = ""


class OrderHistoryEntry(_Model):
    action_by: Text = ""
    hist_status_code: Int = 0
    message: Text = ""
    timestamp: Timestamp = None
    comment: Text = ""


class ShippingInfo(_Model):
    logistic_name: Text = ""
    logistic_service: Text = ""
    awb: Text = ""
    shipping_price: Money = 0


class Destination(_Model):
    receiver_name: Text = ""
    receiver_phone: Text = ""
    address_street: Text = ""
    address_district: Text = ""
    address_city: Text = ""
    address_province: Text = ""
    address_postal: Text = ""


class OrderInfo(_Model):
    order_detail: Many[OrderDetailLine] = Field(default_factory=list)
    order_history: Many[OrderHistoryEntry] = Field(default_factory=list)
    shipping_info: One[ShippingInfo] = Field(default_factory=ShippingInfo)
    destination: One[Destination] = Field(default_factory=Destination)


class CancelRequestInfo(_Model):
    create_time: Timestamp = None
    reason: Text = ""
    status: Text = ""

    @property
    def is_present(self) -> bool:
        return bool(self.reason or self.create_time)


def _empty_to_none(value: Any) -> Any:
    value = _single(value)
    return None if value in ({}, "") else value


class OrderDetail(_Model):
    """Get Single Order."""

    order_id: Id
    order_status: int
    invoice_number: Text = ""
    buyer_id: Id = ""
    seller_id: Id = ""
    payment_id: Id = ""
    open_amt: Money = 0
    item_price: Money = 0
    buyer_info: One[BuyerInfo] = Field(default_factory=BuyerInfo)
    shop_info: One[ShopOfOrder] = Field(default_factory=ShopOfOrder)
    shipment_fulfillment: One[ShipmentFulfillment] = Field(default_factory=ShipmentFulfillment)
    order_info: One[OrderInfo] = Field(default_factory=OrderInfo)
    cancel_request_info: Annotated[CancelRequestInfo | None, BeforeValidator(_empty_to_none)] = (
        None
    )
    create_time: Timestamp = None
    update_time: Timestamp = None
    payment_date: Timestamp = None
    custom_fields: Fields = Field(default_factory=dict)


# --- Get All Orders (§8.1) ---------------------------------------------------------------------


class OrderListItem(_Model):
    order_id: Id
    shop_id: Id
    order_status: int
    fs_id: Id = ""  # a string in this response
    invoice_ref_num: Text = ""
    accept_partial: Flag = False
    products: Many[Product] = Field(default_factory=list)
    buyer: One[Person] = Field(default_factory=Person)
    recipient: One[Recipient] = Field(default_factory=Recipient)
    logistics: One[Logistics] = Field(default_factory=Logistics)
    amt: One[Amounts] = Field(default_factory=Amounts)
    warehouse_id: Id = ""
    payment_id: Id = ""
    device_type: Text = ""
    fulfill_by: Int = 0
    create_time: Timestamp = None
    custom_fields: Fields = Field(default_factory=dict)
    shipment_fulfillment: One[ListFulfillment] = Field(default_factory=ListFulfillment)
    is_plus: Flag = False
