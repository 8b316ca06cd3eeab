"""Return and refund requests (doc §10.5): the simulator's records and the type-12 data.

Enforced as documented: Search Returns' `page_size` range [10-50] and its filters; Approve
and Reject only while the request waits for the seller, with the `decision` that answers
the pending action (25020004 otherwise) and an `idempotency_key` that makes a repeat
harmless; Reject only with a reason name Get Reject Reasons offers for this request *now*
(for Indonesia the reasons change and must be fetched before each rejection); and a request
left unanswered past its `deadline` is approved by the platform itself. Get Return Records
lists the buyer's request with the photos they attached; like chat media in Indonesia, each
photo URL serves its bytes only with the shop's token and cipher (`media.serve_media`).

Which pending action maps to which decision is UNCONFIRMED in the doc ("inferred from
names"); the simulator follows those names. The buyer and reject reason *names* and texts
below are the simulator's own: the doc lists none for returns, so clients must show what
the API returns rather than hard-code them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.sandbox.images import probe
from bot.sandbox.tiktokshop.records import JsonDict

if TYPE_CHECKING:
    from bot.sandbox.tiktokshop.state import TikTokSandboxState

DAY = 86400
RESPONSE_WINDOW = 2 * DAY  # §10.5: answer within 48 hours or the request auto-approves
RECEIVE_WINDOW = 2 * DAY  # "2 working days" after the parcel arrives; weekends not modelled
PAGE_MIN, PAGE_MAX = 10, 50

PENDING = "RETURN_OR_REFUND_REQUEST_PENDING"
AWAITING_BUYER_SHIP = "AWAITING_BUYER_SHIP"
BUYER_SHIPPED = "BUYER_SHIPPED_ITEM"
SUCCESS = "RETURN_OR_REFUND_REQUEST_SUCCESS"
REJECTED = "REFUND_OR_RETURN_REQUEST_REJECT"
PACKAGE_REJECTED = "REJECT_RECEIVE_PACKAGE"
CANCELLED = "RETURN_OR_REFUND_REQUEST_CANCEL"
COMPLETE = "RETURN_OR_REFUND_REQUEST_COMPLETE"

# Error codes of Approve / Reject Return (§10.5).
CANNOT_APPROVE_APPLICATION = 25011012
CANNOT_APPROVE_RECEIVE = 25011013
ALREADY_CANCELLED = 25020009
DECISION_MISMATCH = 25020004
ALREADY_APPROVED = 25020010
CANNOT_REJECT_RECEIVE = 25020012
UNKNOWN_REASON = 25001014
REASON_OFFLINE = 25001020

APPROVE = {
    "SELLER_RESPOND_REFUND": "APPROVE_REFUND",
    "SELLER_RESPOND_RETURN": "APPROVE_RETURN",
    "SELLER_RESPOND_RECEIVE_PACKAGE": "APPROVE_RECEIVED_PACKAGE",
}
REJECT = {
    "SELLER_RESPOND_REFUND": "REJECT_REFUND",
    "SELLER_RESPOND_RETURN": "REJECT_RETURN",
    "SELLER_RESPOND_RECEIVE_PACKAGE": "REJECT_RECEIVED_PACKAGE",
}
APPROVE_DECISIONS = frozenset(
    {*APPROVE.values(), "APPROVE_REPLACEMENT", "ISSUE_REPLACEMENT_REFUND",
     "OFFER_PARTIAL_REFUND", "DIRECT_REFUND"}
)  # fmt: skip
REJECT_DECISIONS = frozenset({*REJECT.values(), "REJECT_REPLACEMENT"})

# name -> (id-ID text, English text); the simulator's own wording.
BUYER_REASONS: dict[str, tuple[str, str]] = {
    "ecom_return_reason_damaged": ("Barang rusak atau cacat", "Item damaged or defective"),
    "ecom_return_reason_wrong_item": ("Barang tidak sesuai pesanan", "Wrong item received"),
    "ecom_return_reason_missing_parts": ("Barang atau bagian kurang", "Missing parts"),
}
REJECT_REASONS: dict[str, tuple[str, str]] = {
    "reverse_reject_reason_item_as_described": (
        "Barang sesuai deskripsi produk",
        "Item matches the description",
    ),
    "reverse_reject_reason_no_evidence": ("Bukti dari pembeli tidak cukup", "Not enough proof"),
    "reverse_reject_reason_used_item": ("Barang sudah dipakai pembeli", "Item was used"),
}


def text_of(texts: dict[str, tuple[str, str]], name: str, locale: str) -> str:
    pair = texts.get(name)
    if pair is None:
        return name
    return pair[0] if locale.lower().startswith("id") else pair[1]


@dataclass
class ReturnCase:
    return_id: str
    order_id: str
    shop_id: str
    return_type: str  # REFUND | RETURN_AND_REFUND
    status: str
    reason: str
    create_time: int
    update_time: int
    line_items: list[JsonDict]
    action: str = ""  # the seller's pending action, "" when none
    deadline: int | None = None
    role: str = "BUYER"
    reject_reasons: list[str] = field(default_factory=lambda: list(REJECT_REASONS))
    reject_reason: str = ""
    comment: str = ""
    decisions: list[str] = field(default_factory=list)
    reasons_fetched: int = 0  # Get Reject Reasons calls for it, so tests see each fetch
    photos: list[JsonDict] = field(default_factory=list)  # the buyer's {url, width, height}


class ReturnDesk:
    """Every return request of the simulated app; tests drive the buyer's side here."""

    def __init__(self, state: TikTokSandboxState) -> None:
        self._state = state
        self.cases: dict[str, ReturnCase] = {}

    def request(
        self,
        order_id: str,
        reason: str = "ecom_return_reason_damaged",
        *,
        return_type: str = "REFUND",
        units: int | None = None,
        photos: Sequence[bytes] = (),
    ) -> str:
        """A buyer asks for a refund (or return and refund) of `units` of the order's units,
        with `photos` as evidence (kept behind token-gated URLs)."""
        state = self._state
        order = state.order(order_id)
        if any(c.order_id == order_id and c.action for c in self.cases.values()):
            raise ValueError(f"order {order_id} already has a request waiting for the seller")
        items = order["line_items"][: units or len(order["line_items"])]
        now = state.now()
        case = ReturnCase(
            return_id=state.new_id("return"),
            order_id=order_id,
            shop_id=order["shop_id"],
            return_type=return_type,
            status=PENDING,
            reason=reason,
            create_time=now,
            update_time=now,
            line_items=[dict(item) for item in items],
            photos=[_photo(state, order["shop_id"], data) for data in photos],
        )
        self._await_seller(case, "SELLER_RESPOND_RETURN" if return_type != "REFUND"
                           else "SELLER_RESPOND_REFUND", RESPONSE_WINDOW)  # fmt: skip
        self.cases[case.return_id] = case
        return case.return_id

    def _await_seller(self, case: ReturnCase, action: str, window: int) -> None:
        case.action, case.deadline = action, self._state.now() + window

    def move(self, case: ReturnCase, status: str) -> None:
        case.status, case.update_time = status, self._state.now()
        case.action, case.deadline = "", None

    def case(self, return_id: str) -> ReturnCase:
        if return_id not in self.cases:
            raise KeyError(f"unknown return_id {return_id}")
        return self.cases[return_id]

    def buyer_ships(self, return_id: str) -> None:
        case = self.case(return_id)
        if case.status != AWAITING_BUYER_SHIP:
            raise ValueError(f"return {return_id} is {case.status}, not awaiting the buyer")
        self.move(case, BUYER_SHIPPED)
        self._await_seller(case, "SELLER_RESPOND_RECEIVE_PACKAGE", RECEIVE_WINDOW)

    def buyer_cancels(self, return_id: str) -> None:
        self.move(self.case(return_id), CANCELLED)

    def complete_refund(self, return_id: str) -> None:
        case = self.case(return_id)
        if case.status != SUCCESS:
            raise ValueError(f"return {return_id} is {case.status}; nothing to refund yet")
        self.move(case, COMPLETE)

    def sweep(self) -> None:
        """Approve what the seller left past its deadline, as the platform does (§10.5)."""
        now = self._state.now()
        for case in self.cases.values():
            if case.action and case.deadline is not None and now >= case.deadline:
                self.approve(case, APPROVE[case.action], role="SYSTEM")

    def approve(self, case: ReturnCase, decision: str, role: str = "SELLER") -> None:
        case.decisions.append(decision)
        case.role = role
        if case.action == "SELLER_RESPOND_RETURN":
            self.move(case, AWAITING_BUYER_SHIP)
        else:
            self.move(case, SUCCESS)

    def webhook_data(self, data: JsonDict) -> tuple[str, JsonDict]:
        """Type-12 `data` for a request (by `return_id`, else the order's newest)."""
        case = self.cases.get(str(data.get("return_id", "")))
        if case is None:
            mine = [c for c in self.cases.values() if c.order_id == str(data.get("order_id"))]
            if not mine:
                raise TypeError("webhook 12 needs the return_id= or order_id= of a request")
            case = mine[-1]
        return case.shop_id, {
            "order_id": case.order_id,
            "return_role": case.role,
            "return_type": case.return_type,
            "return_status": case.status,
            "return_id": case.return_id,
            "create_time": case.create_time,
            "update_time": case.update_time,
        }


def _photo(state: TikTokSandboxState, shop_id: str, data: bytes) -> JsonDict:
    info = probe(data)
    url = state.media.put(shop_id, data, "image")
    return {"url": url, "width": info.width if info else 0, "height": info.height if info else 0}


def records(case: ReturnCase, locale: str) -> list[JsonDict]:
    """Get Return Records' `records`: the buyer's request with its photos, then the seller's
    rejection if any, oldest first (doc §10.5; role spelled as the reference's text has it)."""
    found: list[JsonDict] = [
        {
            "event": "ORDER_RETURN",
            "role": "BUYER",
            "description": "Buyer requested a return/refund",
            "reason_text": text_of(BUYER_REASONS, case.reason, locale),
            "note": "",
            "images": [dict(photo) for photo in case.photos],
            "videos": [],
            "create_time": case.create_time,
        }
    ]
    if case.reject_reason:
        found.append(
            {
                "event": "ORDER_RETURN",
                "role": "SELLER",
                "description": "Seller rejected the request",
                "reason_text": text_of(REJECT_REASONS, case.reject_reason, locale),
                "note": case.comment,
                "images": [],
                "videos": [],
                "create_time": case.update_time,
            }
        )
    return found


def view(case: ReturnCase, locale: str) -> JsonDict:
    """A Search Returns row: amounts as strings, the reason in `locale` (§10.5)."""
    lines = [
        {
            "return_line_item_id": f"{case.return_id}{index:02d}",
            "order_line_item_id": item["id"],
            "sku_id": item.get("sku_id", ""),
            "sku_name": item.get("sku_name", ""),
            "product_name": item.get("product_name", ""),
            "seller_sku": item.get("seller_sku", ""),
            "refund_amount": {"currency": "IDR", "refund_total": str(item["sale_price"])},
        }
        for index, item in enumerate(case.line_items)
    ]
    subtotal = sum(int(item["sale_price"]) for item in case.line_items)
    actions = [{"action": case.action, "deadline": case.deadline}] if case.action else []
    return {
        "return_id": case.return_id,
        "order_id": case.order_id,
        "return_type": case.return_type,
        "return_status": case.status,
        "role": case.role,
        "return_reason": case.reason,
        "return_reason_text": text_of(BUYER_REASONS, case.reason, locale),
        "create_time": case.create_time,
        "update_time": case.update_time,
        "seller_next_action_response": actions,
        "refund_amount": {
            "currency": "IDR",
            "refund_total": str(subtotal),
            "refund_subtotal": str(subtotal),
            "refund_shipping_fee": "0",
            "refund_tax": "0",
        },
        "return_line_items": lines,
        "can_buyer_keep_item": case.return_type == "REFUND",
    }
