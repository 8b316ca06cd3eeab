"""Return and refund endpoints (doc §10.5): Search Returns, Approve, Reject, Get Reject
Reasons for a return id and Get Return Records. The rules they enforce are described in
``return_desk``.
"""

from __future__ import annotations

from bot.sandbox.tiktokshop import cancellations
from bot.sandbox.tiktokshop.cancellations import idempotent
from bot.sandbox.tiktokshop.gateway import ApiError, Ctx, invalid_params, paginate
from bot.sandbox.tiktokshop.orders import time_filters
from bot.sandbox.tiktokshop.records import JsonDict
from bot.sandbox.tiktokshop.return_desk import (
    ALREADY_APPROVED,
    ALREADY_CANCELLED,
    APPROVE,
    APPROVE_DECISIONS,
    AWAITING_BUYER_SHIP,
    CANCELLED,
    CANNOT_APPROVE_APPLICATION,
    CANNOT_APPROVE_RECEIVE,
    CANNOT_REJECT_RECEIVE,
    COMPLETE,
    DECISION_MISMATCH,
    PACKAGE_REJECTED,
    PAGE_MAX,
    PAGE_MIN,
    REASON_OFFLINE,
    REJECT,
    REJECT_DECISIONS,
    REJECT_REASONS,
    REJECTED,
    SUCCESS,
    UNKNOWN_REASON,
    ReturnCase,
    ReturnDesk,
    records,
    text_of,
    view,
)

_FILTERS = frozenset(
    {"return_ids", "order_ids", "buyer_user_ids", "return_types", "return_status",
     "seller_proposed_return_type", "arbitration_status", "create_time_ge", "create_time_lt",
     "update_time_ge", "update_time_lt", "locale"}
)  # fmt: skip


def _desk(ctx: Ctx) -> ReturnDesk:
    desk: ReturnDesk = ctx.state.returns
    desk.sweep()
    return desk


def _case(ctx: Ctx, return_id: str) -> ReturnCase:
    case = _desk(ctx).cases.get(return_id)
    if case is None or case.shop_id != ctx.shop_id:
        raise ApiError(25007006, "Order not found.")
    return case


async def search(ctx: Ctx) -> object:
    """POST /return_refund/202602/returns/search?page_size&page_token&sort_field&sort_order."""
    raw = ctx.query("page_size")
    if not raw.isdigit() or not PAGE_MIN <= int(raw) <= PAGE_MAX:
        raise invalid_params(f"page_size must be in the range [{PAGE_MIN}-{PAGE_MAX}].")
    offset, size = ctx.page(PAGE_MAX)
    sort_field = ctx.query("sort_field", "create_time")
    sort_order = ctx.query("sort_order", "ASC")
    if sort_field not in {"create_time", "update_time"} or sort_order not in {"ASC", "DESC"}:
        raise invalid_params("sort_field is create_time|update_time, sort_order ASC|DESC.")
    body = ctx.json_object()
    unknown = sorted(set(body) - _FILTERS)
    if unknown:
        raise invalid_params(f"unknown filters {unknown}.")
    rows = [c for c in _desk(ctx).cases.values() if c.shop_id == ctx.shop_id]
    for name, attr in (("return_ids", "return_id"), ("order_ids", "order_id"),
                       ("return_types", "return_type"), ("return_status", "status")):  # fmt: skip
        if name in body:
            wanted = body[name]
            if not isinstance(wanted, list):
                raise invalid_params(f"{name} must be a list.")
            rows = [c for c in rows if getattr(c, attr) in wanted]
    rows = time_filters(body, rows, getattr)
    rows.sort(key=lambda c: (getattr(c, sort_field), c.return_id), reverse=sort_order == "DESC")
    page, next_token = paginate(rows, offset, size)
    locale = str(body.get("locale") or "en-US")
    return {
        "return_orders": [view(c, locale) for c in page],
        "next_page_token": next_token,
        "total_count": len(rows),
    }


def _decision(ctx: Ctx, allowed: frozenset[str]) -> str:
    decision = ctx.json_object().get("decision")
    if not isinstance(decision, str) or decision not in allowed:
        raise invalid_params(f"decision is required, one of {sorted(allowed)}.")
    return decision


def _check_waiting(case: ReturnCase, *, approving: bool) -> None:
    if case.status == CANCELLED:
        raise ApiError(ALREADY_CANCELLED, "reverse already cancelled")
    if case.action:
        return
    if not approving and case.status in {SUCCESS, AWAITING_BUYER_SHIP, COMPLETE}:
        raise ApiError(ALREADY_APPROVED, "Aftersales has been approved and cannot be rejected.")
    if not approving:
        raise ApiError(CANNOT_REJECT_RECEIVE, "status can't reject receive")
    if case.status in {SUCCESS, COMPLETE, PACKAGE_REJECTED}:
        raise ApiError(CANNOT_APPROVE_RECEIVE, "reverse status cannot approve receive")
    raise ApiError(CANNOT_APPROVE_APPLICATION, "reverse status cannot approve application")


async def approve(ctx: Ctx) -> object:
    """POST /return_refund/202309/returns/{return_id}/approve?idempotency_key {decision}."""
    case = _case(ctx, ctx.path("return_id"))
    decision = _decision(ctx, APPROVE_DECISIONS)

    def run() -> JsonDict:
        _check_waiting(case, approving=True)
        if APPROVE.get(case.action) != decision:
            raise ApiError(DECISION_MISMATCH, "decision not match reverse type")
        ctx.state.returns.approve(case, decision)
        return {}

    return idempotent(ctx, "return-approve", case.return_id, run)


async def reject(ctx: Ctx) -> object:
    """POST .../returns/{return_id}/reject {decision, reject_reason, comment?, images?}."""
    case = _case(ctx, ctx.path("return_id"))
    decision = _decision(ctx, REJECT_DECISIONS)
    body = ctx.json_object()
    reason, comment = body.get("reject_reason"), body.get("comment", "")
    if not isinstance(reason, str) or not reason:
        raise invalid_params("reject_reason is required (a name from Get Reject Reasons).")
    if not isinstance(comment, str) or not isinstance(body.get("images", []), list):
        raise invalid_params("comment must be a string and images a list.")

    def run() -> JsonDict:
        _check_waiting(case, approving=False)
        if REJECT.get(case.action) != decision:
            raise ApiError(DECISION_MISMATCH, "decision not match reverse type")
        if reason not in case.reject_reasons:
            known = reason in REJECT_REASONS
            raise ApiError(
                REASON_OFFLINE if known else UNKNOWN_REASON,
                "reverse reason offline" if known else "reverse reason unknown",
            )
        received = case.action == "SELLER_RESPOND_RECEIVE_PACKAGE"
        case.decisions.append(decision)
        case.reject_reason, case.comment, case.role = reason, comment, "SELLER"
        ctx.state.returns.move(case, PACKAGE_REJECTED if received else REJECTED)
        return {}

    return idempotent(ctx, "return-reject", case.return_id, run)


async def reject_reasons(ctx: Ctx) -> object:
    """GET /return_refund/202309/reject_reasons?return_or_cancel_id&locale: one endpoint for
    returns and cancellations alike, as the parameter's name says."""
    return_id = ctx.query("return_or_cancel_id")
    case = _desk(ctx).cases.get(return_id) if return_id else None
    if case is None or case.shop_id != ctx.shop_id:
        return await cancellations.reject_reasons(ctx)
    locale = ctx.query("locale", "en-US")
    case.reasons_fetched += 1
    return {
        "reasons": [
            {"name": name, "text": text_of(REJECT_REASONS, name, locale)}
            for name in case.reject_reasons
        ]
    }


async def return_records(ctx: Ctx) -> object:
    """GET /return_refund/202309/returns/{return_id}/records?locale: the request's history,
    the buyer's photos included (their URLs need the shop's token to download)."""
    case = _case(ctx, ctx.path("return_id"))
    return {"records": records(case, ctx.query("locale", "en-US"))}
