"""Order API handlers (§8): get, list, ACK, NACK, reject-cancel, webhook payload."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.sandbox.tokopedia import payloads, views
from bot.sandbox.tokopedia.endpoint import ApiError, Ctx, bad_request, forbidden

_JAKARTA = timezone(timedelta(hours=7))
_MAX_RANGE_S = 3 * 24 * 3600
_REASON_CODES = frozenset({0, 1, 2, 3, 4, 5, 7, 8})
_REASON_LIMITS = {0: 512, 7: 490, 8: 490}  # the doc names no limit for the other codes


async def get_single_order(ctx: Ctx) -> object:
    """GET /v2/fs/{fs_id}/order?order_id=|invoice_num= (exactly one)."""
    params = ctx.request.query_params
    by_id, by_invoice = params.get("order_id", ""), params.get("invoice_num", "")
    if not by_id and not by_invoice:
        raise ApiError(400, "ORD_DLV_003", "order_id or invoice_num must be filled")
    if by_id and by_invoice:
        raise ApiError(400, "ORD_DLV_004", "choose one of order_id or invoice_num")
    if by_id:
        order = ctx.order(ctx.query_int("order_id"))
    else:
        found = [o for o in ctx.state.orders.values() if o["invoice_num"] == by_invoice]
        if not found:
            raise ApiError(400, "ORD_API_008", "Data Not Found")
        order = found[0]
    return views.single_order_view(order, ctx.state.shops[order["shop_id"]])


async def list_orders(ctx: Ctx) -> object:
    """GET /v2/order/list: paid orders created within [from_date, to_date], < 3 days wide."""
    fs_id = ctx.query_int("fs_id")
    from_date, to_date = ctx.query_int("from_date"), ctx.query_int("to_date")
    page, per_page = ctx.query_int("page"), ctx.query_int("per_page")
    if fs_id != ctx.state.fs_id:
        raise forbidden()
    params = ctx.request.query_params
    if params.get("shop_id") and params.get("warehouse_id"):
        raise ApiError(400, "ORD_DLV_008", "use either shop_id or warehouse_id, not both")
    if to_date < from_date:
        raise bad_request("from_date must not be after to_date")
    if to_date - from_date >= _MAX_RANGE_S:
        raise ApiError(400, "ORD_DLV_013", "Date Range must be less than 3 days")
    if page < 1 or per_page < 1:
        raise bad_request("page and per_page must be >= 1")
    orders = [
        o
        for o in ctx.state.orders.values()
        if payloads.reached_payment(o) and from_date <= o["create_time"] <= to_date
    ]
    if params.get("shop_id"):
        shop_id = ctx.query_int("shop_id")
        ctx.own_shop(shop_id)
        orders = [o for o in orders if o["shop_id"] == shop_id]
    if params.get("warehouse_id"):
        warehouse_id = ctx.query_int("warehouse_id")
        owned = {w["warehouse_id"] for s in ctx.state.shops.values() for w in s["warehouses"]}
        if warehouse_id not in owned:
            raise forbidden()
        orders = [o for o in orders if o["warehouse_id"] == warehouse_id]
    if params.get("status"):
        status = ctx.query_int("status")
        orders = [o for o in orders if o["order_status"] == status]
    orders.sort(key=lambda o: (o["create_time"], o["order_id"]))
    start = (page - 1) * per_page
    return [views.list_order_view(o) for o in orders[start : start + per_page]]


async def accept_order(ctx: Ctx) -> object:
    """POST /v1/order/{order_id}/fs/{fs_id}/ack: 220 -> 400, anything else not eligible."""
    order = ctx.order(ctx.path_int("order_id"))
    if ctx.request.query_params.get("warehouse_id"):
        ctx.query_int("warehouse_id")
    if order["order_status"] != 220:
        raise ApiError(400, "ORD_USC_001", "Order Status not eligible to accept")
    ctx.state.change_status(order, 400, "Seller accepted order", "seller")
    return "success"


def _check_close_date(raw: object, now: float) -> None:
    try:
        day = datetime.strptime(str(raw), "%d/%m/%Y").replace(tzinfo=_JAKARTA).date()
    except ValueError:
        raise ApiError(400, "ORD_USC_013", "invalid shop_close_end_date") from None
    # A shop cannot be "closed until" a day that has already passed (Jakarta calendar).
    if day < datetime.fromtimestamp(now, tz=_JAKARTA).date():
        raise ApiError(400, "ORD_USC_013", "shop_close_end_date is in the past")


async def reject_order(ctx: Ctx) -> object:
    """POST /v1/order/{order_id}/fs/{fs_id}/nack, with the reason-code rules of §8.4."""
    order = ctx.order(ctx.path_int("order_id"))
    body = ctx.json_object()
    code = body.get("reason_code", 0)
    if code in (None, ""):
        code = 0  # "0 or empty"
    if not isinstance(code, int) or isinstance(code, bool) or code not in _REASON_CODES:
        raise bad_request(f"invalid reason_code {code!r}")
    reason = body.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise ApiError(400, "ORD_USC_009", "reason is mandatory")
    limit = _REASON_LIMITS.get(code)
    if limit is not None and len(reason) > limit:
        raise bad_request(f"reason must be at most {limit} characters for reason_code {code}")
    if code == 4:
        end_date, note = body.get("shop_close_end_date"), body.get("shop_close_note")
        if not end_date or not isinstance(note, str) or not note.strip():
            raise ApiError(400, "ORD_USC_012", "shop_close_end_date and shop_close_note needed")
        _check_close_date(end_date, ctx.state.clock())
    empty = body.get("empty_products", [])
    if not isinstance(empty, list) or not all(isinstance(i, int) for i in empty):
        raise bad_request("empty_products must be an array of product ids")
    status = order["order_status"]
    if code == 8:
        # Inferred in the doc (§8.5): code 8 approves a pending buyer cancellation request.
        if not order["cancel_request_info"]:
            raise ApiError(
                400, "ORD_USC_019", "Order need to get request cancellation first from buyer"
            )
        if not 220 <= status < 600:
            raise ApiError(400, "ORD_USC_008", "Order Status not eligible to reject")
        order["cancel_request_info"] = None
        new_status = ctx.state.approve_cancel_status
        ctx.state.change_status(order, new_status, "Buyer cancellation approved", "seller")
    elif status == 220:
        ctx.state.change_status(order, 10, "Order rejected by seller", "seller")
    else:
        raise ApiError(400, "ORD_USC_008", "Order Status not eligible to reject")
    order["reject_info"] = {"reason_code": code, "reason": reason, "empty_products": empty}
    return "success"


async def reject_cancel_request(ctx: Ctx) -> object:
    """POST .../reject-cancel?shop_id=: keep the order, drop the buyer's pending request."""
    shop_id = ctx.query_int("shop_id")
    ctx.own_shop(shop_id)
    order = ctx.order(ctx.path_int("order_id"))
    if order["shop_id"] != shop_id:
        raise ApiError(400, "ORD_API_008", "Data Not Found")
    if not order["cancel_request_info"]:
        raise bad_request("order has no pending cancellation request")
    if not 400 <= order["order_status"] < 600:
        raise bad_request("order status not eligible to reject a cancellation request")
    order["cancel_request_info"] = None
    return {"success": True}


async def webhook_payload(ctx: Ctx) -> object:
    """GET /v1/order/{order_id}/fs/{fs_id}/webhook?type=order_status|order_notification."""
    order = ctx.order(ctx.path_int("order_id"))
    kind = ctx.request.query_params.get("type", "")
    if kind == "order_notification":
        return views.webhook_payload_variant(order)
    if kind == "order_status":
        return views.order_status_payload(order)
    raise bad_request("type must be order_status or order_notification")
