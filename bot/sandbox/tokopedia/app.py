"""The Starlette app: the accounts host (POST /token) and fs.tokopedia.net on one base URL."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import JSONResponse

from bot.sandbox.tokopedia import chat, orders
from bot.sandbox.tokopedia.endpoint import ApiError, Ctx, bad_request, order_not_found, route
from bot.sandbox.tokopedia.state import WEBHOOK_KINDS, WEBHOOK_URL_FIELDS, SandboxState

_ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE"]

# Trigger's `type` values: the two documented ones, then sandbox extensions named after
# the hints in §4.3 so tests can push every webhook kind through one endpoint.
_TRIGGER_TYPES = {
    "order_status": "order_status",
    "order_notification": "order_notification",
    "order_cancellation": "order_cancellation",
    "order_request_cancellation": "request_cancellation",
    "buyer_order_cancellation": "request_cancellation",
}


async def token(ctx: Ctx) -> object:
    """POST /token?grant_type=client_credentials (Basic auth already checked)."""
    if ctx.request.query_params.get("grant_type") != "client_credentials":
        raise bad_request("grant_type must be client_credentials")
    access_token, expires_in = ctx.state.issue_token()
    # The accounts host answers with bare fields, not the fs envelope (§3.2).
    return JSONResponse(
        {"access_token": access_token, "expires_in": expires_in, "token_type": "Bearer"}
    )


async def shop_info(ctx: Ctx) -> object:
    """GET /v1/shop/fs/{fs_id}/shop-info[?shop_id=&page=&per_page=]."""
    shops = list(ctx.state.shops.values())
    if ctx.request.query_params.get("shop_id"):
        shops = [ctx.own_shop(ctx.query_int("shop_id"))]
    page, per_page = ctx.query_int("page", 1), ctx.query_int("per_page", 50)
    if page < 1 or per_page < 1:
        raise bad_request("page and per_page must be >= 1")
    start = (page - 1) * per_page
    return [dict(s) for s in shops[start : start + per_page]]


async def list_webhooks(ctx: Ctx) -> object:
    """GET /v1/fs/{fs_id}: the registration, secret in clear (legacy envelope)."""
    return dict(ctx.state.webhooks)


async def register_webhooks(ctx: Ctx) -> object:
    """POST /v1/fs/{fs_id}/register: replaces the whole set; omitted fields become ""."""
    body = ctx.json_object()
    if "fs_id" in body and body["fs_id"] != ctx.state.fs_id:
        raise bad_request("bad input data")
    fields = (*WEBHOOK_URL_FIELDS, "webhook_secret")
    if any(not isinstance(body.get(name, ""), str) for name in fields):
        raise bad_request("bad input data")
    ctx.state.webhooks = {"fs_id": ctx.state.fs_id} | {name: body.get(name, "") for name in fields}
    return "success"


async def trigger_webhook(ctx: Ctx) -> object:
    """POST /v1/fs/{fs_id}/trigger {order_id, type|Type, url}: deliver it now, signed."""
    body = ctx.json_object()
    raw_id = body.get("order_id")
    if isinstance(raw_id, str) and raw_id.isdigit():
        raw_id = int(raw_id)  # the Java SDK sends some order ids as strings
    if not isinstance(raw_id, int) or isinstance(raw_id, bool):
        raise bad_request("order_id is required")
    if raw_id not in ctx.state.orders:
        raise order_not_found()
    kind = _TRIGGER_TYPES.get(str(body.get("type") or body.get("Type") or ""))
    if kind is None:
        raise bad_request(f"type must be one of {sorted(_TRIGGER_TYPES)}")
    url = body.get("url") or ""
    if not isinstance(url, str):
        raise bad_request("url must be a string")
    try:
        await ctx.state.deliver(kind, raw_id, url)
    except LookupError:
        raise bad_request(f"no {WEBHOOK_KINDS[kind]} registered and no url given") from None
    # is_encrypted is ignored: the sandbox always sends plain payloads.
    return "success"


async def unknown_endpoint(ctx: Ctx) -> object:
    """Anything unrouted: recorded like any call, answered 404 so a wrong path is obvious."""
    request = ctx.request
    raise ApiError(404, "NOT_FOUND", f"no such endpoint: {request.method} {request.url.path}")


def create_app(state: SandboxState) -> Starlette:
    """Build the simulator app over `state`; serve it at any base URL."""
    fs = "/v1/fs/{fs_id:int}"
    order = "/v1/order/{order_id:int}/fs/{fs_id:int}"
    chat_base = "/v1/chat/fs/{fs_id:int}"
    routes = [
        route(state, "/token", token, method="POST", auth="basic"),
        route(state, fs, list_webhooks, method="GET", legacy=True),
        route(state, f"{fs}/register", register_webhooks, method="POST", legacy=True),
        route(state, f"{fs}/trigger", trigger_webhook, method="POST"),
        route(state, "/v1/shop/fs/{fs_id:int}/shop-info", shop_info, method="GET"),
        route(state, f"{chat_base}/messages", chat.list_messages, method="GET"),
        route(
            state, f"{chat_base}/messages/{{msg_id:int}}/replies", chat.list_replies, method="GET"
        ),
        route(state, f"{chat_base}/messages/{{msg_id:int}}/reply", chat.send_reply, method="POST"),
        route(state, f"{chat_base}/initiate", chat.initiate_chat, method="GET"),
        route(state, "/v2/fs/{fs_id:int}/order", orders.get_single_order, method="GET"),
        route(state, "/v2/order/list", orders.list_orders, method="GET"),
        route(state, f"{order}/ack", orders.accept_order, method="POST"),
        route(state, f"{order}/nack", orders.reject_order, method="POST"),
        route(state, f"{order}/reject-cancel", orders.reject_cancel_request, method="POST"),
        route(state, f"{order}/webhook", orders.webhook_payload, method="GET"),
        # Last, so it only catches what nothing above matched (a wrong method included).
        route(state, "/{path:path}", unknown_endpoint, method=_ANY_METHOD, auth="none"),
    ]
    return Starlette(routes=routes)
