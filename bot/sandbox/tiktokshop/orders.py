"""Order API handlers (§9): Get Order List (search) and Get Order Detail."""

from __future__ import annotations

from typing import Any

from bot.sandbox.tiktokshop import catalogue, views
from bot.sandbox.tiktokshop.gateway import Ctx, invalid_params, paginate
from bot.sandbox.tiktokshop.records import JsonDict

MAX_SEARCH_PAGE = 100
MAX_DETAIL_IDS = 50
_TIME_FILTERS = ("create_time_ge", "create_time_lt", "update_time_ge", "update_time_lt")
# Every filter the doc lists (§9.1); anything else is refused so a misspelt filter shows.
_FILTERS = frozenset(
    {"order_status", "shipping_type", "buyer_user_id", "is_buyer_request_cancel",
     "warehouse_ids", *_TIME_FILTERS}
)  # fmt: skip


def time_filters(body: JsonDict, rows: list[Any], get: Any) -> list[Any]:
    """Apply the `*_time_ge` (inclusive) / `*_time_lt` (exclusive) bounds present in `body`."""
    for name in _TIME_FILTERS:
        if name not in body:
            continue
        bound = body[name]
        if not isinstance(bound, int) or isinstance(bound, bool):
            raise invalid_params(f"{name} must be Unix seconds (an integer).")
        field, op = name.rsplit("_", 1)
        if op == "ge":
            rows = [r for r in rows if get(r, field) >= bound]
        else:
            rows = [r for r in rows if get(r, field) < bound]
    return rows


def _matches(order: JsonDict, body: JsonDict) -> bool:
    if "order_status" in body and order["status"] != body["order_status"]:
        return False
    if "buyer_user_id" in body and order["user_id"] != body["buyer_user_id"]:
        return False
    if "shipping_type" in body and order["shipping_type"] != body["shipping_type"]:
        return False
    if "warehouse_ids" in body and order["warehouse_id"] not in body["warehouse_ids"]:
        return False
    wanted = body.get("is_buyer_request_cancel")
    return wanted is None or order["is_buyer_request_cancel"] is wanted


async def search_orders(ctx: Ctx) -> object:
    """POST /order/202309/orders/search?page_size&page_token&sort_field&sort_order."""
    offset, size = ctx.page(MAX_SEARCH_PAGE)
    body = ctx.json_object()
    unknown = sorted(set(body) - _FILTERS)
    if unknown:
        raise invalid_params(f"unknown filters {unknown}.")
    status = body.get("order_status")
    if status is not None and status not in catalogue.ORDER_STATUSES:
        raise invalid_params(f"order_status must be one of {list(catalogue.ORDER_STATUSES)}.")
    field = ctx.query("sort_field", "create_time")
    order = ctx.query("sort_order", "DESC").upper()
    if field not in {"create_time", "update_time"} or order not in {"ASC", "DESC"}:
        raise invalid_params("sort_field must be create_time|update_time, sort_order ASC|DESC.")
    rows = [o for o in ctx.state.orders.values() if o["shop_id"] == ctx.shop_id]
    rows = [o for o in time_filters(body, rows, lambda o, f: o[f]) if _matches(o, body)]
    rows.sort(key=lambda o: (o[field], o["id"]), reverse=order == "DESC")
    page, next_token = paginate(rows, offset, size)
    return {
        "orders": [views.order_view(o) for o in page],
        "next_page_token": next_token,
        "total_count": len(rows),
    }


async def order_detail(ctx: Ctx) -> object:
    """GET /order/202507/orders?ids=a,b (max 50); ids of other shops are left out."""
    raw = ctx.query("ids")
    ids = [part.strip() for part in raw.split(",") if part.strip()]
    if not ids:
        raise invalid_params("ids is required.")
    if len(ids) > MAX_DETAIL_IDS:
        raise invalid_params(f"ids takes at most {MAX_DETAIL_IDS} order ids.")
    if not all(order_id.isdigit() for order_id in ids):
        raise invalid_params("ids must be comma-separated order ids.")
    orders = ctx.state.orders
    found = [orders[i] for i in ids if i in orders and orders[i]["shop_id"] == ctx.shop_id]
    return {"orders": [views.order_view(o) for o in found]}
