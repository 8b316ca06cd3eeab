"""Pydantic models of TikTok Shop webhook payloads, API responses and tokobot's stored state.

Parsing is forgiving where it costs nothing: unknown keys are ignored, ids may arrive as
numbers and are kept as ``str`` (they are 18-19 digit strings, doc §6), nulls in optional
fields read as empty, amounts (strings in the API) become whole Rupiah, and Unix-second
times become aware UTC datetimes. Fields tokobot cannot work without are required, so a
payload missing them raises ``pydantic.ValidationError``. Tokens never appear in a repr.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field

from bot.marketplaces.lenient import Flag, Id, Int, Text, from_epoch, none_to_list, parse_money
from bot.marketplaces.wire import load_json

_T = TypeVar("_T")


def parse_time(value: Any) -> datetime | None:
    """Unix seconds (int or numeric string) as an aware UTC datetime; 0 and empty are None.

    Anything else, a time out of ``lenient``'s range included, raises ``ValueError``.
    """
    if isinstance(value, bool):
        raise ValueError("a boolean is not a time")  # noqa: TRY004 - pydantic wants ValueError
    if value is None or value in ("", 0):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        seconds = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"not a time: {value!r:.40}") from None
    if seconds >= 10**11:  # milliseconds, in case an endpoint ever sends them
        seconds /= 1000
    return from_epoch(seconds)


Money = Annotated[int, BeforeValidator(parse_money)]
Timestamp = Annotated[datetime | None, BeforeValidator(parse_time)]
Many = Annotated[list[_T], BeforeValidator(none_to_list)]  # a list; null reads as empty


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


# --- webhooks (§7.3-7.5) ----------------------------------------------------------------------


class WebhookEnvelope(_Model):
    """The common part of every notification; ``data`` is parsed per topic."""

    type: int
    data: dict[str, Any]
    tts_notification_id: Text = ""
    shop_id: Id = ""
    timestamp: Timestamp = None


class OrderStatusData(_Model):
    """Type 1: ``order_status`` says CANCEL where the Orders API says CANCELLED."""

    order_id: Id
    order_status: str
    is_on_hold_order: Flag = False
    update_time: Timestamp = None


class CancellationStatusData(_Model):
    """Type 11."""

    order_id: Id
    cancel_status: str
    cancellations_role: Text = ""
    cancel_id: Id = ""
    create_time: Timestamp = None


class Sender(_Model):
    im_user_id: Id = ""
    role: Text = ""
    nickname: Text = ""
    avatar: Text = ""


class NewMessageData(_Model):
    """Type 14; ``content`` is a JSON *string* whose keys depend on ``type`` (§8.2)."""

    conversation_id: Id
    message_id: Id = ""
    type: Text = ""
    content: Text = ""
    create_time: Timestamp = None
    is_visible: Flag = True
    index: Id = ""
    sender: Sender = Field(default_factory=Sender)


class AuthorizationData(_Model):
    """Types 6 (revoked) and 7 (expiring): ``expiration_time`` only on 7."""

    message: Text = ""
    expiration_time: Timestamp = None


# --- authorization (§4.2) ---------------------------------------------------------------------


class TokenGrant(_Model):
    """Token Get / Token Refresh ``data``; both expiry fields are absolute Unix times."""

    access_token: str = Field(repr=False)
    access_token_expire_in: int
    refresh_token: str = Field(repr=False)
    refresh_token_expire_in: int = 0
    open_id: Text = ""
    seller_name: Text = ""
    seller_base_region: Text = ""
    user_type: Int = 0
    granted_scopes: Many[str] = Field(default_factory=list)


class AuthorizedShop(_Model):
    id: Id
    cipher: str
    name: Text = ""
    region: Text = ""
    seller_type: Text = ""
    code: Text = ""


class ShopWebhook(_Model):
    """One Event API subscription (Get Shop Webhooks, §7.1; field names per the API page)."""

    event_type: Text = ""
    address: Text = ""


class ShopCredentials(_Model):
    """Everything tokobot keeps per shop, stored as one JSON value (one atomic ``put``)."""

    shop_id: str
    cipher: str
    access_token: str = Field(repr=False)
    access_token_expire_in: int  # absolute Unix seconds
    refresh_token: str = Field(repr=False)
    refresh_token_expire_in: int = 0  # absolute Unix seconds; 0 = not given
    name: str = ""
    code: str = ""
    region: str = ""
    seller_open_id: str = ""
    seller_name: str = ""
    granted_scopes: tuple[str, ...] = ()

    @classmethod
    def from_grant(cls, grant: TokenGrant, shop: AuthorizedShop) -> ShopCredentials:
        return cls(
            shop_id=shop.id,
            cipher=shop.cipher,
            name=shop.name,
            code=shop.code,
            region=shop.region,
            seller_open_id=grant.open_id,
            seller_name=grant.seller_name,
            **_token_fields(grant),
        )

    def renewed(self, grant: TokenGrant) -> ShopCredentials:
        """These credentials with a refreshed token pair (and scopes, when given)."""
        return self.model_copy(update=_token_fields(grant, self.granted_scopes))


def _token_fields(grant: TokenGrant, scopes: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "access_token": grant.access_token,
        "access_token_expire_in": grant.access_token_expire_in,
        "refresh_token": grant.refresh_token,
        "refresh_token_expire_in": grant.refresh_token_expire_in,
        "granted_scopes": tuple(grant.granted_scopes) or scopes,
    }


# --- Customer Service (§8) --------------------------------------------------------------------


class Participant(_Model):
    im_user_id: Id = ""
    user_id: Id = ""
    role: Text = ""
    nickname: Text = ""
    avatar: Text = ""
    # Indonesia only: Get Conversations says buyer_platform, Get Conversation says platform.
    buyer_platform: Text = Field("", validation_alias=AliasChoices("buyer_platform", "platform"))


class Message(_Model):
    id: Id = ""
    type: Text = ""
    content: Text = ""
    create_time: Timestamp = None
    is_visible: Flag = True
    index: Id = ""
    sender: Sender = Field(default_factory=Sender)
    plaintext: Text = ""


class Conversation(_Model):
    id: Id
    participant_count: Int = 0
    can_send_message: Flag = True
    unread_count: Int = 0
    create_time: Timestamp = None
    participants: Many[Participant] = Field(default_factory=list)
    latest_message: Message | None = None

    @property
    def buyer(self) -> Participant | None:
        return next((p for p in self.participants if p.role == "BUYER"), None)


class ConversationPage(_Model):
    conversations: Many[Conversation] = Field(default_factory=list)
    next_page_token: Text = ""


class MessagePage(_Model):
    messages: Many[Message] = Field(default_factory=list)
    next_page_token: Text = ""
    unsupported_msg_tips: Text = ""


class SentMessage(_Model):
    message_id: Id


class CreatedConversation(_Model):
    conversation_id: Id


def message_content(raw: str) -> dict[str, Any]:
    """The object inside a message's JSON-string ``content``; {} when it is not one.

    The string is JSON of its own, read within the same bounds as a webhook body.
    """
    try:
        value = load_json(raw.encode()) if raw else {}
    except ValueError:  # WebhookPayloadError, and UnicodeEncodeError for a lone surrogate
        return {}
    return value if isinstance(value, dict) else {}


# --- orders (§9) ------------------------------------------------------------------------------


class Payment(_Model):
    currency: Text = ""
    total_amount: Money = 0
    sub_total: Money = 0
    shipping_fee: Money = 0


class LineItem(_Model):
    """One unit of a SKU (the Orders API lists repeated units as separate line items)."""

    id: Id = ""
    product_id: Id = ""
    product_name: Text = ""
    sku_id: Id = ""
    sku_name: Text = ""
    seller_sku: Text = ""
    sale_price: Money = 0
    original_price: Money = 0
    quantity: Int = 1  # not in the 202309 shape; honoured if a later version sends it
    display_status: Text = ""
    cancel_reason: Text = ""
    is_gift: Flag = False


class DistrictInfo(_Model):
    address_level_name: Text = ""
    address_name: Text = ""
    address_level: Text = ""


class RecipientAddress(_Model):
    name: Text = ""
    full_address: Text = ""
    postal_code: Text = ""
    district_info: Many[DistrictInfo] = Field(default_factory=list)

    @property
    def city(self) -> str:
        """The city (Kota/Kabupaten): the level named City, else level L2 (ID: L1 province)."""
        for info in self.district_info:
            if info.address_level_name.lower() == "city":
                return info.address_name
        return next((i.address_name for i in self.district_info if i.address_level == "L2"), "")


class Package(_Model):
    id: Id = ""


class TtsOrder(_Model):
    """Get Order List / Get Order Detail order object (the fields tokobot uses)."""

    id: Id
    status: str
    user_id: Id = ""
    buyer_nickname: Text = ""
    buyer_message: Text = ""
    create_time: Timestamp = None
    paid_time: Timestamp = None
    update_time: Timestamp = None
    payment: Payment = Field(default_factory=Payment)
    line_items: Many[LineItem] = Field(default_factory=list)
    packages: Many[Package] = Field(default_factory=list)
    recipient_address: RecipientAddress | None = None
    shipping_type: Text = ""
    delivery_option_name: Text = ""
    shipping_provider: Text = ""
    tracking_number: Text = ""
    cancellation_initiator: Text = ""
    cancel_reason: Text = ""
    is_buyer_request_cancel: Flag = False
    request_cancel_time: Timestamp = None
    commerce_platform: Text = ""
    rts_sla_time: Timestamp = None
    tts_sla_time: Timestamp = None
    shipping_due_time: Timestamp = None
    cancel_order_sla_time: Timestamp = None


class OrderPage(_Model):
    orders: Many[TtsOrder] = Field(default_factory=list)
    next_page_token: Text = ""
    total_count: Int = 0

    @property
    def is_empty(self) -> bool:
        return not self.orders


# --- cancellations (§10) ----------------------------------------------------------------------


class NextAction(_Model):
    """What the platform waits for from the seller, and until when (cancellations, returns)."""

    action: Text = ""
    deadline: Timestamp = None


class Cancellation(_Model):
    """A Search Cancellations row."""

    cancel_id: Id = Field(validation_alias=AliasChoices("cancel_id", "id"))
    order_id: Id
    cancel_status: Text = Field("", validation_alias=AliasChoices("cancel_status", "status"))
    cancel_type: Text = ""
    role: Text = ""
    cancel_reason: Text = ""
    cancel_reason_text: Text = ""
    create_time: Timestamp = None
    update_time: Timestamp = None
    seller_next_action_response: Many[NextAction] = Field(default_factory=list)

    @property
    def deadline(self) -> datetime | None:
        """When the platform decides by itself (48 h after a buyer's request)."""
        actions = self.seller_next_action_response
        chosen = next((a for a in actions if a.action == "SELLER_RESPOND_CANCEL"), None)
        chosen = chosen or next((a for a in actions if a.deadline), None)
        return chosen.deadline if chosen else None


class CancellationPage(_Model):
    cancellations: Many[Cancellation] = Field(default_factory=list)
    next_page_token: Text = ""
    total_count: Int = 0

    @property
    def is_empty(self) -> bool:
        return not self.cancellations


class PlatformReason(_Model):
    """A Get Reject Reasons row: the reason ``name`` to send and its localised ``text``."""

    name: str
    text: Text = ""


class CancelResult(_Model):
    cancel_id: Id = ""
    cancel_status: Text = ""
