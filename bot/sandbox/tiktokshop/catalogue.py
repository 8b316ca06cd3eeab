"""Fixed data from the API doc: statuses, scopes, error codes and the Indonesian reason names.

Reason *names* are the doc's (§10.4). Their display texts are not in the doc; the Indonesian
and English wordings here are the sandbox's own, so clients must show what Get Reject Reasons
and Search Cancellations return rather than hard-code them.
"""

from __future__ import annotations

# Order statuses of the Orders API (§9.3); webhook 1 spells CANCELLED as CANCEL (§7.5).
ORDER_STATUSES = (
    "UNPAID",
    "ON_HOLD",
    "AWAITING_SHIPMENT",
    "PARTIALLY_SHIPPING",
    "AWAITING_COLLECTION",
    "IN_TRANSIT",
    "DELIVERED",
    "COMPLETED",
    "CANCELLED",
)
WEBHOOK_ORDER_STATUS = {"CANCELLED": "CANCEL"}
SHIPPED_STATUSES = frozenset({"IN_TRANSIT", "DELIVERED", "COMPLETED"})
# Buyers may ask to cancel until the carrier has the parcel (§10.1, with the SEA extension).
BUYER_CANCELLABLE = frozenset(
    {"ON_HOLD", "AWAITING_SHIPMENT", "PARTIALLY_SHIPPING", "AWAITING_COLLECTION"}
)

# Digit-string id ranges per kind: 18-19 digit numbers, as on the live API (§6).
ID_BASES = {
    "order": 576_653_688_135_300_001,
    "line_item": 577_100_000_000_000_001,
    "package": 1_154_000_000_000_000_001,
    "product": 1_729_000_000_000_000_001,
    "sku": 1_729_500_000_000_000_001,
    "conversation": 7_494_560_109_732_200_001,
    "message": 7_494_560_198_000_000_001,
    "index": 7_494_560_200_000_000_001,
    "user": 7_494_000_000_000_100_001,
    "im_user": 7_494_100_000_000_100_001,
    "cancel": 4_035_200_000_000_000_001,
    "return": 4_035_300_000_000_000_001,
    "notification": 7_380_066_284_010_100_001,
    "open_id": 7_010_736_057_180_300_001,
}

SCOPES = (
    "seller.authorization.info",
    "seller.order.info",
    "seller.return_refund.basic",
    "seller.fulfillment.basic",
    "seller.customer_service",
    "seller.product.basic",  # Get Product, for chat product cards
)

# Event API names of the webhook topics the simulator knows (§7.4).
EVENT_TYPES = frozenset(
    {
        "ORDER_STATUS_CHANGE",
        "RECIPIENT_ADDRESS_UPDATE",
        "PACKAGE_UPDATE",
        "SELLER_DEAUTHORIZATION",
        "UPCOMING_AUTHORIZATION_EXPIRATION",
        "CANCELLATION_STATUS_CHANGE",
        "RETURN_STATUS_CHANGE",
        "NEW_CONVERSATION",
        "NEW_MESSAGE",
    }
)

# Cancellation statuses of webhook 11 and Search Cancellations (§7.4, §10.2).
PENDING = "CANCELLATION_REQUEST_PENDING"
SUCCESS = "CANCELLATION_REQUEST_SUCCESS"
CLOSED = "CANCELLATION_REQUEST_CANCELLED"
COMPLETE = "CANCELLATION_REQUEST_COMPLETE"

# Error codes (§4.3, §5.3, §6, §8, §10).
INVALID_PARAMS = 36009004  # the overloaded credential / timestamp / identifier code
INVALID_AUTH_CODE = 36004004
TOO_MANY_REQUESTS = 36009002
INTERNAL_ERROR = 36009003
TIMEOUT = 36009007
INVALID_VERSION = 36009014
INVALID_PATH = 36009009  # not in the doc; what the live host answers for an unknown path
TOKEN_EXPIRED = 105002
MISSING_SCOPE = 105005
SHOP_MISMATCH = 101000
INVALID_SIGN = 106001
MISSING_CIPHER = 106013
CS_QUOTA = 45101004
SENSITIVE_WORD = 45101006
CANNOT_MESSAGE = 45109001
CANNOT_CREATE_CONVERSATION = 45109003
INVALID_ORDER_STATUS = 25001003
REASON_STATUS_MISMATCH = 25001021
CANNOT_APPROVE = 25011012
CANNOT_REJECT = 25011011
ALREADY_CANCELLED = 25020009
ALREADY_APPROVED = 25020010
ALREADY_SHIPPED = 25001045
# Not in the doc (which has no Product API): the sandbox's own code for an unknown product,
# sent with HTTP 404 so that a client classifies it by the status.
PRODUCT_NOT_FOUND = 12052048

# HTTP status per error code. The doc fixes only 429 (throttling) and 401 (scope); the rest
# is the sandbox's choice. Business rejections not listed here answer HTTP 200 with a
# non-zero code, so a client that only looks at the HTTP status is caught (§2, §6).
HTTP_STATUS = {
    INVALID_PARAMS: 400,
    INVALID_AUTH_CODE: 400,
    MISSING_CIPHER: 400,
    INVALID_VERSION: 400,
    INVALID_PATH: 404,
    PRODUCT_NOT_FOUND: 404,
    INVALID_SIGN: 401,
    TOKEN_EXPIRED: 401,
    MISSING_SCOPE: 401,
    SHOP_MISMATCH: 401,
    TOO_MANY_REQUESTS: 429,
    CS_QUOTA: 429,
    INTERNAL_ERROR: 500,
    TIMEOUT: 504,
}

_UNPAID = (
    "seller_cancel_unpaid_reason_out_of_stock",
    "seller_cancel_unpaid_reason_wrong_price",
    "seller_cancel_unpaid_reason_buyer_hasnt_paid_within_time_allowed",
)
_PAID = ("seller_cancel_reason_out_of_stock", "seller_cancel_reason_wrong_price")
ADDRESS_REASON = "seller_cancel_paid_reason_address_not_deliver"


def seller_cancel_reasons() -> dict[str, list[str]]:
    """Cancel Order reasons accepted per order status in ID (§10.4), as a fresh copy.

    The address reason is left out: the changelog withdrew it for ID on 31 Aug 2025 and the
    doc says to expect an error for it. Tests may add it back through the state.
    """
    return {"UNPAID": list(_UNPAID), "ON_HOLD": list(_PAID), "AWAITING_SHIPMENT": list(_PAID)}


REJECT_REASONS = (
    "order_manage_list_action_respond_popup_reject_reason_invalid_cancellation_reason",
    "order_manage_list_action_respond_popup_reject_reason_delivered",
    "order_manage_list_action_respond_popup_reject_reason_buyer_agree",
    "seller_reject_apply_product_has_been_packed",
    "system_cancel_failed_due_to_tts",
)

BUYER_CANCEL_REASONS = (
    "ecom_order_to_ship_canceled_reason_not_shipped_on_time",
    "ecom_order_to_ship_canceled_reason_wrong_delivery_info",
    "ecom_order_to_ship_canceled_reason_change_payment_method",
)

# name -> (id-ID text, English text)
_TEXTS: dict[str, tuple[str, str]] = {
    _UNPAID[0]: ("Stok habis", "Out of stock"),
    _UNPAID[1]: ("Harga salah", "Wrong price"),
    _UNPAID[2]: ("Pembeli belum membayar dalam batas waktu", "Buyer hasn't paid in time"),
    _PAID[0]: ("Stok habis", "Out of stock"),
    _PAID[1]: ("Harga salah", "Wrong price"),
    ADDRESS_REASON: ("Alamat tidak terjangkau pengiriman", "Address cannot be delivered to"),
    REJECT_REASONS[0]: ("Alasan pembatalan tidak valid", "Invalid cancellation reason"),
    REJECT_REASONS[1]: ("Pesanan akan dikirim sesuai jadwal", "Delivery on schedule"),
    REJECT_REASONS[2]: ("Sudah ada kesepakatan dengan pembeli", "Agreement reached with buyer"),
    REJECT_REASONS[3]: ("Produk sudah dikemas", "Product has been packed"),
    REJECT_REASONS[4]: ("Pembatalan gagal karena kendala sistem", "Failed due to the system"),
    BUYER_CANCEL_REASONS[0]: ("Pesanan tidak dikirim tepat waktu", "Not shipped on time"),
    BUYER_CANCEL_REASONS[1]: ("Informasi pengiriman salah", "Wrong delivery information"),
    BUYER_CANCEL_REASONS[2]: ("Ingin mengganti metode pembayaran", "Change payment method"),
}


def reason_text(name: str, locale: str) -> str:
    """Display text of a reason name: Indonesian for id-ID, else English; unknown -> name."""
    texts = _TEXTS.get(name)
    if texts is None:
        return name
    return texts[0] if locale.lower().startswith("id") else texts[1]


def normalize_status(status: str) -> str:
    """Accept the Orders API statuses, and the webhook's CANCEL for CANCELLED (§7.5)."""
    status = "CANCELLED" if status == "CANCEL" else status
    if status not in ORDER_STATUSES:
        raise ValueError(f"unknown order status {status!r}")
    return status
