"""Return-and-refund handlers for cancellations (§10): search, approve, reject, cancel."""

from __future__ import annotations

import copy
from collections.abc import Callable

from bot.sandbox.tiktokshop import catalogue, views
from bot.sandbox.tiktokshop.catalogue import CLOSED, PENDING, SUCCESS
from bot.sandbox.tiktokshop.gateway import ApiError, Ctx, invalid_params, paginate
from bot.sandbox.tiktokshop.orders import time_filters
from bot.sandbox.tiktokshop.records import Cancellation, JsonDict

MAX_SEARCH_PAGE = 50
MAX_IDEMPOTENCY_KEY = 255
_LIST_FILTERS = {"cancel_ids": "cancel_id", "order_ids": "order_id", "cancel_types": "cancel_type"}
_FILTERS = frozenset(
    {*_LIST_FILTERS, "buyer_user_ids", "cancel_status", "locale", "create_time_ge",
     "create_time_lt", "update_time_ge", "update_time_lt"}
)  # fmt: skip
_PARTIAL = ("skus", "order_line_item_ids", "order_line_list")


def _cancellation(ctx: Ctx, cancel_id: str) -> Cancellation:
    ctx.state.sweep_cancellations()
    cancel = ctx.state.cancellations.get(cancel_id)
    if cancel is None or cancel.shop_id != ctx.shop_id:
        raise invalid_params("The cancellation does not exist in this shop.")
    return cancel


def idempotent(ctx: Ctx, action: str, cancel_id: str, run: Callable[[], JsonDict]) -> JsonDict:
    """Run once per `idempotency_key`: a repeat gets the first outcome and changes nothing."""
    key = ctx.query("idempotency_key")
    if len(key) > MAX_IDEMPOTENCY_KEY:
        raise invalid_params(f"idempotency_key is limited to {MAX_IDEMPOTENCY_KEY} characters.")
    if not key:
        return run()
    cached = ctx.state.idempotency.get((action, key))
    if cached is not None:
        target, outcome = cached
        if target != cancel_id:
            raise invalid_params("idempotency_key was already used for another request.")
        if isinstance(outcome, ApiError):
            raise outcome
        return copy.deepcopy(dict(outcome))
    try:
        result = run()
    except ApiError as err:
        ctx.state.idempotency[(action, key)] = (cancel_id, err)
        raise
    ctx.state.idempotency[(action, key)] = (cancel_id, copy.deepcopy(result))
    return result


async def search(ctx: Ctx) -> object:
    """POST /return_refund/202602/cancellations/search?page_size&page_token {filters}."""
    ctx.state.sweep_cancellations()
    offset, size = ctx.page(MAX_SEARCH_PAGE)
    body = ctx.json_object()
    unknown = sorted(set(body) - _FILTERS)
    if unknown:
        raise invalid_params(f"unknown filters {unknown}.")
    state = ctx.state
    rows = [c for c in state.cancellations.values() if c.shop_id == ctx.shop_id]
    for name, attr in _LIST_FILTERS.items():
        if name in body:
            rows = [c for c in rows if getattr(c, attr) in body[name]]
    if "buyer_user_ids" in body:
        wanted = body["buyer_user_ids"]
        rows = [c for c in rows if state.orders[c.order_id]["user_id"] in wanted]
    if "cancel_status" in body:
        statuses = body["cancel_status"]
        statuses = [statuses] if isinstance(statuses, str) else statuses
        rows = [c for c in rows if c.status in statuses]
    rows = time_filters(body, rows, getattr)
    rows.sort(key=lambda c: (c.create_time, c.cancel_id), reverse=True)
    page, next_token = paginate(rows, offset, size)
    locale = str(body.get("locale") or ctx.query("locale") or "en-US")
    return {
        "cancellations": [
            views.cancellation_view(c, state.orders[c.order_id], locale) for c in page
        ],
        "next_page_token": next_token,
        "total_count": len(rows),
    }


async def approve(ctx: Ctx) -> object:
    """POST /return_refund/202309/cancellations/{cancel_id}/approve[?idempotency_key]."""
    cancel = _cancellation(ctx, ctx.path("cancel_id"))
    ctx.no_body()

    def run() -> JsonDict:
        status = ctx.state.orders[cancel.order_id]["status"]
        if cancel.status in {SUCCESS, catalogue.COMPLETE}:
            raise ApiError(catalogue.ALREADY_APPROVED, "The cancellation is already approved.")
        if cancel.status != PENDING:
            raise ApiError(catalogue.CANNOT_APPROVE, "The cancellation can no longer be approved.")
        if status == "CANCELLED":
            raise ApiError(catalogue.ALREADY_CANCELLED, "The order is already cancelled.")
        if status in catalogue.SHIPPED_STATUSES:
            raise ApiError(catalogue.ALREADY_SHIPPED, "The order has already shipped.")
        ctx.state.approve_cancellation(cancel)
        return {}

    return idempotent(ctx, "approve", cancel.cancel_id, run)


async def reject(ctx: Ctx) -> object:
    """POST .../cancellations/{cancel_id}/reject {reject_reason, comment?, images?}."""
    cancel = _cancellation(ctx, ctx.path("cancel_id"))
    body = ctx.json_object()
    reason, comment = body.get("reject_reason"), body.get("comment", "")
    if not isinstance(reason, str) or not reason:
        raise invalid_params("reject_reason is required (a reason name).")
    if not isinstance(comment, str) or not isinstance(body.get("images", []), list):
        raise invalid_params("comment must be a string and images a list.")

    def run() -> JsonDict:
        if cancel.status != PENDING:
            raise ApiError(catalogue.CANNOT_REJECT, "The cancellation can no longer be rejected.")
        if reason not in cancel.reject_reasons:
            raise invalid_params(
                "reject_reason must be a name Get Reject Reasons returns for this cancellation."
            )
        now = ctx.state.now()
        cancel.status, cancel.update_time = CLOSED, now
        cancel.reject_reason, cancel.comment = reason, comment
        ctx.state.orders[cancel.order_id].update(is_buyer_request_cancel=False, update_time=now)
        return {}

    return idempotent(ctx, "reject", cancel.cancel_id, run)


async def reject_reasons(ctx: Ctx) -> object:
    """GET /return_refund/202309/reject_reasons?return_or_cancel_id&locale."""
    cancel_id = ctx.query("return_or_cancel_id")
    if not cancel_id:
        raise invalid_params("return_or_cancel_id is required.")
    cancel = _cancellation(ctx, cancel_id)
    locale = ctx.query("locale", "en-US")
    return {
        "reasons": [
            {"name": name, "text": catalogue.reason_text(name, locale)}
            for name in cancel.reject_reasons
        ]
    }


async def cancel_order(ctx: Ctx) -> object:
    """POST /return_refund/202602/cancellations {order_id, cancel_reason}: seller cancels."""
    body = ctx.json_object()
    order_id, reason = body.get("order_id"), body.get("cancel_reason")
    if not isinstance(order_id, str) or not isinstance(reason, str) or not reason:
        raise invalid_params("order_id and cancel_reason (a reason name) are required strings.")
    if any(body.get(name) for name in _PARTIAL):
        raise invalid_params("Item-level cancellation is only available in the US and UK.")
    state = ctx.state
    order = state.orders.get(order_id)
    if order is None or order["shop_id"] != ctx.shop_id:
        raise invalid_params("order_id does not exist in this shop.")
    status = order["status"]
    if status == "CANCELLED":
        raise ApiError(catalogue.ALREADY_CANCELLED, "The order is already cancelled.")
    allowed = state.seller_cancel_reasons.get(status)
    if allowed is None:
        raise ApiError(catalogue.INVALID_ORDER_STATUS, f"A {status} order cannot be cancelled.")
    if reason not in allowed:
        raise ApiError(
            catalogue.REASON_STATUS_MISMATCH, f"{reason} is not a cancel reason for {status}."
        )
    now = state.now()
    for pending in state.cancellations.values():
        if pending.order_id == order_id and pending.status == PENDING:
            pending.status, pending.update_time = CLOSED, now
    state.cancel_order(order, reason, "SELLER")
    cancel = Cancellation(
        cancel_id=state.new_id("cancel"),
        order_id=order_id,
        shop_id=ctx.shop_id,
        cancel_type="CANCEL",
        role="SELLER",
        status=SUCCESS,
        reason=reason,
        create_time=now,
        update_time=now,
        deadline=None,
    )
    state.cancellations[cancel.cancel_id] = cancel
    return {"cancel_id": cancel.cancel_id, "cancel_status": cancel.status}
