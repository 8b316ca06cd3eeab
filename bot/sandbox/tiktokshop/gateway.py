"""The gateway every endpoint runs behind: record, inject faults, verify, wrap the envelope.

API-host checks, in order: `app_key`, `timestamp` window, `sign` (§5), the
`x-tts-access-token` header and its expiry, the endpoint's scope, `shop_cipher` (§4.4), the
Customer Service quota (§8.2) and the JSON body. Handlers return the `data` object and
raise `ApiError` for failures; both are wrapped in `{code, message, request_id[, data]}`.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.sandbox.tiktokshop import catalogue
from bot.sandbox.tiktokshop.records import (
    Grant,
    JsonDict,
    RecordedCall,
    redact_headers,
    redact_query,
)
from bot.sandbox.tiktokshop.signing import request_sign
from bot.sandbox.tiktokshop.state import TikTokSandboxState

TIMESTAMP_PAST = 5 * 60  # accepted window around the platform's clock (§4.4)
TIMESTAMP_FUTURE = 30
_DEFAULT_MESSAGES = {
    catalogue.TOO_MANY_REQUESTS: "Too many requests. Please try again later.",
    catalogue.INTERNAL_ERROR: "Internal error. Please try again.",
    catalogue.TIMEOUT: "Timeout. Please try again.",
}

T = TypeVar("T")
Auth = Literal["api", "none"]
ShopRule = Literal["required", "forbidden"]


class ApiError(Exception):
    """A failure: a non-zero `code`, its message and the HTTP status it travels with."""

    def __init__(self, code: int, message: str, http_status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status or catalogue.HTTP_STATUS.get(code, 200)


def invalid_params(detail: str) -> ApiError:
    return ApiError(catalogue.INVALID_PARAMS, f"Invalid params. {detail}")


def encode_page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"sandbox:{offset}".encode()).decode()


@dataclass
class Ctx:
    """What a handler gets: state, request, raw and parsed body, and the caller's grant/shop."""

    state: TikTokSandboxState
    request: Request
    raw: bytes
    body: Any
    grant: Grant | None = None
    shop: JsonDict | None = None

    def query(self, name: str, default: str = "") -> str:
        return self.request.query_params.get(name, default)

    @property
    def shop_id(self) -> str:
        assert self.shop is not None, "route declared without a shop"
        return str(self.shop["id"])

    def path(self, name: str) -> str:
        return str(self.request.path_params[name])

    def json_object(self) -> JsonDict:
        """The JSON body as an object; an empty body counts as `{}`."""
        if not self.raw.strip():
            return {}
        if not isinstance(self.body, dict):
            raise invalid_params("The request body must be a JSON object.")
        return self.body

    def no_body(self) -> None:
        """Refuse a body on an endpoint documented without one (Read Message, Approve).

        The official SDK sends nothing there and signs the empty body; a client that sends
        `{}` is signing and sending something the API does not expect.
        """
        if self.raw:
            raise invalid_params("This endpoint takes no request body.")

    def page(self, maximum: int) -> tuple[int, int]:
        """(offset, page_size) from the required `page_size` and optional `page_token`."""
        raw_size = self.query("page_size")
        if not raw_size:
            raise invalid_params("page_size is required.")
        if not raw_size.isdigit() or not 1 <= int(raw_size) <= maximum:
            raise invalid_params(f"page_size must be between 1 and {maximum}.")
        token = self.query("page_token")
        if not token:
            return 0, int(raw_size)
        try:
            prefix, _, offset = base64.urlsafe_b64decode(token).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            prefix, offset = "", ""
        if prefix != "sandbox" or not offset.isdigit():
            raise invalid_params("page_token is invalid.")
        return int(offset), int(raw_size)


Handler = Callable[[Ctx], Awaitable[object]]


def paginate(rows: list[T], offset: int, size: int) -> tuple[list[T], str]:
    """One page and the next token ("" on the last page, as the API does)."""
    page = rows[offset : offset + size]
    more = offset + size < len(rows)
    return page, encode_page_token(offset + size) if more else ""


def _request_id(state: TikTokSandboxState) -> str:
    stamp = datetime.fromtimestamp(state.now(), tz=UTC).strftime("%Y%m%d%H%M%S")
    return stamp + secrets.token_hex(10).upper()


def _check_timestamp(state: TikTokSandboxState, raw: str) -> None:
    prefix = "Invalid timestamp. The value of the `timestamp` query parameter must"
    if not raw:
        raise invalid_params("Missing credentials. The request does not include `timestamp`.")
    if not raw.isdigit():
        raise ApiError(catalogue.INVALID_PARAMS, f"{prefix} be Unix seconds.")
    now, timestamp = state.now(), int(raw)
    if timestamp < now - TIMESTAMP_PAST:
        raise ApiError(
            catalogue.INVALID_PARAMS,
            f"{prefix} not be earlier than 5 minutes before the current time.",
        )
    if timestamp > now + TIMESTAMP_FUTURE:
        raise ApiError(
            catalogue.INVALID_PARAMS,
            f"{prefix} not be later than 30 seconds after the current time.",
        )


def _check_signature(ctx: Ctx, query: dict[str, str]) -> None:
    state = ctx.state
    app_key = query.get("app_key", "")
    if not app_key:
        raise ApiError(catalogue.INVALID_PARAMS, "Missing credentials. No `app_key` in the query.")
    if not hmac.compare_digest(app_key.encode(), state.app_key.encode()):
        raise ApiError(
            catalogue.INVALID_PARAMS, "Invalid credentials. Invalid `app_key` query parameter."
        )
    _check_timestamp(state, query.get("timestamp", ""))
    sign = query.get("sign", "")
    if not sign:
        raise ApiError(
            catalogue.INVALID_PARAMS,
            "Missing credentials. The request does not include a required signature in the query.",
        )
    content_type = ctx.request.headers.get("content-type", "")
    signed_body = b"" if content_type.startswith("multipart/form-data") else ctx.raw
    expected = request_sign(ctx.request.url.path, query, signed_body, state.app_secret)
    if not hmac.compare_digest(sign.encode(), expected.encode()):
        raise ApiError(catalogue.INVALID_SIGN, "Invalid credentials. The `sign` is invalid.")


def _check_token(ctx: Ctx, scope: str | None) -> Grant:
    token = ctx.request.headers.get("x-tts-access-token", "")
    if not token:
        where = (
            " (found in the query instead)" if "access_token" in ctx.request.query_params else ""
        )
        raise ApiError(
            catalogue.INVALID_PARAMS,
            f"Missing credentials. The `x-tts-access-token` header is required{where}.",
        )
    entry = ctx.state.access_token(token)
    if entry is None:
        raise ApiError(
            catalogue.INVALID_PARAMS,
            "Invalid credentials. The `x-tts-access-token` header is invalid.",
        )
    if ctx.state.clock() >= entry.expires_at:
        raise ApiError(catalogue.TOKEN_EXPIRED, "Expired credentials. Refresh the access token.")
    if scope is not None and scope not in entry.grant.scopes:
        raise ApiError(
            catalogue.MISSING_SCOPE,
            f"Access denied. The app has not been granted the `{scope}` scope.",
        )
    return entry.grant


def _check_shop(ctx: Ctx, grant: Grant, rule: ShopRule) -> JsonDict | None:
    cipher = ctx.query("shop_cipher")
    if rule == "forbidden":
        if cipher:
            raise invalid_params(
                "Unexpected identifier. The `shop_cipher` query parameter is not required "
                "for this request."
            )
        return None
    if not cipher:
        raise ApiError(catalogue.MISSING_CIPHER, "Missing `shop_cipher` query parameter.")
    shop = ctx.state.shop_by_cipher(cipher)
    if shop is None:
        raise ApiError(catalogue.MISSING_CIPHER, "Invalid `shop_cipher` query parameter.")
    if shop["id"] not in grant.shop_ids:
        raise ApiError(catalogue.SHOP_MISMATCH, "The access token does not match the shop.")
    return shop


def _authenticate(ctx: Ctx, scope: str | None, rule: ShopRule) -> None:
    query = dict(ctx.request.query_params)
    _check_signature(ctx, query)
    ctx.grant = _check_token(ctx, scope)
    ctx.shop = _check_shop(ctx, ctx.grant, rule)
    if ctx.request.url.path.startswith("/customer_service/") and not ctx.state.count_cs_call():
        quota = ctx.state.cs_daily_quota
        raise ApiError(catalogue.CS_QUOTA, f"query quota reached ({quota} request per day)")
    content_type = ctx.request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        return  # an upload: its handler reads the form
    if ctx.raw.strip() and ctx.request.method in {"POST", "PUT"}:
        if not content_type.startswith("application/json"):
            raise invalid_params("content-type must be application/json.")
        if ctx.body is None:
            raise invalid_params("The request body is not valid JSON.")


def _inject(state: TikTokSandboxState, path: str) -> None:
    """Raise the fault `fail_next` queued for this path, if any."""
    injection = state.take_injection(path)
    if injection is not None:
        message = injection.message or _DEFAULT_MESSAGES.get(injection.code, "Injected failure.")
        raise ApiError(injection.code, message, injection.http_status)


def _throttle(state: TikTokSandboxState, api: str, request: Request) -> None:
    """Refuse a request over the API's QPS for this app and shop (§11): 429, 36009002."""
    if not state.qps.allow(api, request.query_params.get("shop_cipher", "")):
        raise ApiError(catalogue.TOO_MANY_REQUESTS, _DEFAULT_MESSAGES[catalogue.TOO_MANY_REQUESTS])


def _parse(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _record(state: TikTokSandboxState, request: Request, raw: bytes, body: Any) -> None:
    state.calls.append(
        RecordedCall(
            method=request.method,
            path=request.url.path,
            query=redact_query(dict(request.query_params)),
            json=body,
            headers=redact_headers(dict(request.headers)),
            time=state.clock(),
            content=raw,
        )
    )


def route(
    state: TikTokSandboxState,
    path: str,
    handler: Handler,
    *,
    method: str | list[str],
    scope: str | None = None,
    shop: ShopRule = "required",
    auth: Auth = "api",
) -> Route:
    """Mount `handler` at `path` behind the gateway steps."""

    async def endpoint(request: Request) -> Response:
        raw = await request.body()
        body = _parse(raw)
        _record(state, request, raw, body)
        request_id = _request_id(state)
        payload: JsonDict
        try:
            _inject(state, request.url.path)
            if auth == "api":
                _throttle(state, path, request)
            ctx = Ctx(state, request, raw, body)
            if auth == "api":
                _authenticate(ctx, scope, shop)
            data = await handler(ctx)
        except ApiError as err:
            payload = {"code": err.code, "message": err.message, "request_id": request_id}
            status = err.http_status
        else:
            payload = {"code": 0, "message": "Success", "request_id": request_id, "data": data}
            status = 200
        response = JSONResponse(payload, status_code=status)
        response.headers["x-tt-logid"] = request_id
        return response

    return Route(path, endpoint, methods=[method] if isinstance(method, str) else method)
