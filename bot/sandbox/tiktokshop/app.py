"""The Starlette app: the auth host (/api/v2/token/*) and the API host on one base URL."""

from __future__ import annotations

import hmac
import re
from functools import partial

from starlette.applications import Starlette
from starlette.routing import Route

from bot.sandbox.tiktokshop import cancellations, catalogue, chat, media, orders, products, returns
from bot.sandbox.tiktokshop.gateway import ApiError, Ctx, Handler, invalid_params, route
from bot.sandbox.tiktokshop.state import TikTokSandboxState

_ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE"]
_CS = "seller.customer_service"
_ORDERS = "seller.order.info"
_RR = "seller.return_refund.basic"
_PRODUCTS = "seller.product.basic"
_CONV = "/customer_service/202309/conversations/{conversation_id}"

# (method, path template, handler, scope): the API host's shop-scoped endpoints (§8-§10).
_ENDPOINTS: list[tuple[str, str, Handler, str]] = [
    ("GET", "/customer_service/202309/conversations", chat.list_conversations, _CS),
    ("POST", "/customer_service/202309/conversations", chat.create_conversation, _CS),
    ("GET", "/customer_service/202601/conversations/{conversation_id}", chat.get_conversation,
     _CS),
    ("GET", f"{_CONV}/messages", chat.list_messages, _CS),
    ("POST", f"{_CONV}/messages", chat.send_message, _CS),
    ("POST", f"{_CONV}/messages/read", chat.read_messages, _CS),
    ("POST", "/customer_service/202309/images/upload", media.upload_image, _CS),
    ("POST", "/order/202309/orders/search", orders.search_orders, _ORDERS),
    ("GET", "/order/202507/orders", orders.order_detail, _ORDERS),
    ("GET", "/order/202309/orders", orders.order_detail, _ORDERS),
    ("POST", "/return_refund/202602/cancellations/search", cancellations.search, _RR),
    ("POST", "/return_refund/202602/cancellations", cancellations.cancel_order, _RR),
    ("POST", "/return_refund/202309/cancellations/{cancel_id}/approve", cancellations.approve,
     _RR),
    ("POST", "/return_refund/202309/cancellations/{cancel_id}/reject", cancellations.reject, _RR),
    ("GET", "/return_refund/202309/reject_reasons", returns.reject_reasons, _RR),
    ("POST", "/return_refund/202602/returns/search", returns.search, _RR),
    ("POST", "/return_refund/202309/returns/{return_id}/approve", returns.approve, _RR),
    ("POST", "/return_refund/202309/returns/{return_id}/reject", returns.reject, _RR),
    ("GET", "/return_refund/202309/returns/{return_id}/records", returns.return_records, _RR),
    ("GET", "/product/202309/products/{product_id}", products.get_product, _PRODUCTS),
]  # fmt: skip
_SHOPS = "/authorization/202309/shops"
_WEBHOOKS = "/event/202309/webhooks"
_AUTH_INFO = "seller.authorization.info"


def _check_app(ctx: Ctx, grant_type: str) -> None:
    state = ctx.state
    key, secret = ctx.query("app_key"), ctx.query("app_secret")
    if not (
        hmac.compare_digest(key.encode(), state.app_key.encode())
        and hmac.compare_digest(secret.encode(), state.app_secret.encode())
    ):
        raise ApiError(catalogue.INVALID_PARAMS, "Invalid credentials. Wrong app_key/app_secret.")
    if ctx.query("grant_type") != grant_type:
        raise invalid_params(f"grant_type must be {grant_type}.")


async def token_get(ctx: Ctx) -> object:
    """GET /api/v2/token/get?app_key&app_secret&auth_code&grant_type=authorized_code (§4.2)."""
    _check_app(ctx, "authorized_code")
    code = ctx.query("auth_code")
    if not code:
        raise invalid_params("auth_code is required.")
    try:
        return ctx.state.exchange_auth_code(code)
    except LookupError:
        raise ApiError(catalogue.INVALID_AUTH_CODE, "Invalid auth code.") from None


async def token_refresh(ctx: Ctx) -> object:
    """GET /api/v2/token/refresh?app_key&app_secret&refresh_token&grant_type=refresh_token."""
    _check_app(ctx, "refresh_token")
    token = ctx.query("refresh_token")
    if not token:
        raise invalid_params("refresh_token is required.")
    try:
        return ctx.state.refresh_tokens(token)
    except LookupError:
        # Doc silent on this code; the auth-code one is the nearest documented (§4.3).
        raise ApiError(catalogue.INVALID_AUTH_CODE, "Invalid or expired refresh token.") from None


async def authorized_shops(ctx: Ctx) -> object:
    """GET /authorization/202309/shops: the shops of the caller's grant, with ciphers."""
    assert ctx.grant is not None
    return {"shops": [dict(ctx.state.shops[shop_id]) for shop_id in ctx.grant.shop_ids]}


async def shop_webhooks(ctx: Ctx) -> object:
    """GET /event/202309/webhooks: the address each event type of this shop goes to (§7.1)."""
    hooks = ctx.state.shop_webhooks.get(ctx.shop_id, {})
    return {
        "webhooks": [
            {"event_type": event_type, "address": address, "create_time": 0, "update_time": 0}
            for event_type, address in sorted(hooks.items())
        ]
    }


async def update_shop_webhook(ctx: Ctx) -> object:
    """PUT /event/202309/webhooks: subscribe one event type of this shop to ``address``."""
    body = ctx.json_object()
    address, event_type = body.get("address"), body.get("event_type")
    if not isinstance(event_type, str) or event_type not in catalogue.EVENT_TYPES:
        raise invalid_params("event_type is invalid.")
    if not isinstance(address, str) or not address.startswith("https://") or len(address) > 255:
        raise invalid_params("address must be an https URL of at most 255 characters.")
    ctx.state.shop_webhooks.setdefault(ctx.shop_id, {})[event_type] = address
    return {}


def _pattern(template: str, *, any_version: bool) -> re.Pattern[str]:
    parts = []
    for segment in template.strip("/").split("/"):
        if segment.startswith("{"):
            parts.append("[^/]+")
        elif any_version and re.fullmatch(r"\d{6}", segment):
            parts.append(r"\d{6}")
        else:
            parts.append(re.escape(segment))
    return re.compile("^/" + "/".join(parts) + "$")


_KNOWN = [
    (_pattern(path, any_version=False), _pattern(path, any_version=True))
    for path in (_SHOPS, _WEBHOOKS, *(endpoint[1] for endpoint in _ENDPOINTS))
]


async def unknown_endpoint(ctx: Ctx) -> object:
    """Anything unrouted: a known path under another version is 36009014, else 404."""
    path = ctx.request.url.path
    exact = any(exact.match(path) for exact, _ in _KNOWN)
    if not exact and any(family.match(path) for _, family in _KNOWN):
        raise ApiError(catalogue.INVALID_VERSION, "Invalid API version for this path.")
    raise ApiError(
        catalogue.INVALID_PATH, f"Invalid path: {ctx.request.method} {path}", http_status=404
    )


def create_app(state: TikTokSandboxState) -> Starlette:
    """Build the simulator over `state`; auth_url and api_url may both point at it."""
    routes: list[Route] = [
        route(state, "/api/v2/token/get", token_get, method="GET", auth="none"),
        route(state, "/api/v2/token/refresh", token_refresh, method="GET", auth="none"),
        # Authorization endpoints refuse shop_cipher (§4.4).
        route(
            state,
            _SHOPS,
            authorized_shops,
            method="GET",
            scope=_AUTH_INFO,
            shop="forbidden",
        ),
        route(state, _WEBHOOKS, shop_webhooks, method="GET", scope=_AUTH_INFO),
        route(state, _WEBHOOKS, update_shop_webhook, method="PUT", scope=_AUTH_INFO),
    ]
    for method, path, handler, scope in _ENDPOINTS:
        routes.append(route(state, path, handler, method=method, scope=scope))
    routes.append(
        Route("/media/{kind}/{file}", partial(media.serve_media, state), methods=["GET"])
    )
    # Last, so it only catches what nothing above matched (a wrong method included).
    routes.append(route(state, "/{path:path}", unknown_endpoint, method=_ANY_METHOD, auth="none"))
    return Starlette(routes=routes)
