"""Indonesian cancel and reject reason names (doc §10.4, DOC-CANCELR of 24 Oct 2025), as data.

Reasons are string names, each valid only for some order statuses: a wrong pair fails with
25001021. Labels are tokobot's Indonesian wording for staff. Expect the list to change: the
changelog withdrew the "address not deliverable" reason in Indonesia from 31 Aug 2025 while
the reason table still lists it, so it is kept here but not offered.
"""

from __future__ import annotations

from dataclasses import dataclass

UNPAID = frozenset({"UNPAID"})
PAID = frozenset({"ON_HOLD", "AWAITING_SHIPMENT"})


@dataclass(frozen=True)
class CancelReason:
    name: str
    label: str
    statuses: frozenset[str]
    offered: bool = True  # False: listed by the docs but refused in Indonesia (expected)
    note: str = ""


SELLER_CANCEL_REASONS: tuple[CancelReason, ...] = (
    CancelReason("seller_cancel_reason_out_of_stock", "Stok habis", PAID),
    CancelReason("seller_cancel_reason_wrong_price", "Harga salah", PAID),
    CancelReason(
        "seller_cancel_paid_reason_address_not_deliver",
        "Alamat tidak terjangkau pengiriman",
        PAID,
        offered=False,
        note="tidak berlaku lagi di Indonesia sejak 31 Agustus 2025",
    ),
    CancelReason("seller_cancel_unpaid_reason_out_of_stock", "Stok habis", UNPAID),
    CancelReason("seller_cancel_unpaid_reason_wrong_price", "Harga salah", UNPAID),
    CancelReason(
        "seller_cancel_unpaid_reason_buyer_hasnt_paid_within_time_allowed",
        "Pembeli belum membayar dalam batas waktu",
        UNPAID,
    ),
)
_BY_NAME = {reason.name: reason for reason in SELLER_CANCEL_REASONS}


def cancel_reasons_for(status: str | None) -> tuple[CancelReason, ...]:
    """Offered reasons for an order status; ``None`` (status unknown) means a paid order."""
    statuses = PAID if status is None else frozenset({status})
    return tuple(r for r in SELLER_CANCEL_REASONS if r.offered and r.statuses & statuses)


def cancel_reason(name: str) -> CancelReason | None:
    return _BY_NAME.get(name)


def offered_names() -> tuple[str, ...]:
    return tuple(r.name for r in SELLER_CANCEL_REASONS if r.offered)


# Rejecting a buyer's cancellation request: the names the platform offered on 24 Oct 2025.
# The real list comes from Get Reject Reasons just before rejecting; tokobot takes the first
# of these it offers (a generic "other" first), else the first it offers at all.
REJECT_CANCELLATION_PREFERENCE: tuple[str, ...] = (
    "other",  # any name containing "other", should the platform add one
    "order_manage_list_action_respond_popup_reject_reason_delivered",  # delivery on schedule
    "seller_reject_apply_product_has_been_packed",
    "order_manage_list_action_respond_popup_reject_reason_invalid_cancellation_reason",
    "order_manage_list_action_respond_popup_reject_reason_buyer_agree",
)


def pick_reject_reason(
    offered: list[str], preference: tuple[str, ...] = REJECT_CANCELLATION_PREFERENCE
) -> str | None:
    """The reason name to reject a cancellation with, from the names the platform offers."""
    for wanted in preference:
        if wanted == "other":
            generic = next((name for name in offered if "other" in name.lower()), None)
            if generic:
                return generic
        elif wanted in offered:
            return wanted
    return offered[0] if offered else None
