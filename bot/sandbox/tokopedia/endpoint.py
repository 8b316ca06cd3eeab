"""The gateway every sandbox endpoint runs behind: record, throttle, inject, authenticate.

Handlers return plain data (wrapped in the endpoint's envelope) or a ready Response, and
raise `ApiError` for Tokopedia-style failures.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Literal

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from bot.sandbox.tokopedia.payloads import JsonDict
from bot.sandbox.tokopedia.records import RecordedCall, redact
from bot.sandbox.tokopedia.state import SandboxState

SUCCESS = "Your request has been processed successfully"
MALFORMED = "We could not process your request due to malformed request, please check again"
BAD_PARAMS = "Your request format or parameters have some problem."
SERVER_ERROR = "Our server encounters an error, please try again later"
_MESSAGES = {401: "Unauthorized", 403: "Forbidden", 429: "Too Many Requests"}

Auth = Literal["basic", "bearer", "none"]


class ApiError(Exception):
    """A failure answered with an HTTP status and Tokopedia's error envelope."""

    def __init__(
        self, status: int, error_code: str, reason: str, messages: str | None = None
    ) -> None:
        super().__init__(f"{status} {error_code}: {reason}")
        self.status = status
        self.error_code = error_code
        self.reason = reason
        default = SERVER_ERROR if status >= 500 else _MESSAGES.get(status, MALFORMED)
        self.messages = messages or default


def bad_request(reason: str, messages: str = MALFORMED) -> ApiError:
    # Doc gives no error_code for plain parameter errors; this generic one is the sandbox's.
    return ApiError(400, "BAD_REQUEST", reason, messages)


def forbidden() -> ApiError:
    return ApiError(403, "RBAC_MDLW_001", "FS ID is not associated with Shop ID or Warehouse ID")


def order_not_found() -> ApiError:
    return ApiError(400, "ORD_API_008", "Data Not Found")


class _DropConnection(Response):
    """Start a response, then fail: uvicorn closes the socket, ASGITransport re-raises."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Content-Length promises a body that never comes, so a real client sees the peer
        # hang up mid-response (httpx.RemoteProtocolError), not a tidy 500.
        headers = [(b"content-type", b"application/json"), (b"content-length", b"1024")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        raise httpx.RemoteProtocolError("sandbox dropped the connection (fail_next status 0)")


@dataclass
class Ctx:
    """What a handler gets: the state, the request and its already-parsed JSON body."""

    state: SandboxState
    request: Request
    body: Any
    malformed: bool

    def path_int(self, name: str) -> int:
        return int(self.request.path_params[name])

    def query_int(
        self, name: str, default: int | None = None, *, messages: str = MALFORMED
    ) -> int:
        raw = self.request.query_params.get(name, "")
        if raw == "" and default is not None:
            return default
        try:
            return int(raw)
        except ValueError:
            reason = f"invalid {name} format" if raw else f"{name} is required"
            raise bad_request(reason, messages) from None

    def json_object(self) -> JsonDict:
        if self.malformed or not isinstance(self.body, dict):
            raise bad_request("request body must be a JSON object")
        return self.body

    def own_shop(self, shop_id: int) -> JsonDict:
        if shop_id not in self.state.shops:
            raise forbidden()
        return self.state.shops[shop_id]

    def order(self, order_id: int) -> JsonDict:
        if order_id not in self.state.orders:
            raise order_not_found()
        return self.state.orders[order_id]


Handler = Callable[[Ctx], Awaitable[object]]


def _status_line(status: int) -> str:
    return "200 Ok" if status == 200 else f"{status} {HTTPStatus(status).phrase}"


def _error_body(err: ApiError, legacy: bool, elapsed: float) -> JsonDict:
    if legacy:
        return {"data": None, "status": _status_line(err.status), "error_message": [err.reason]}
    header = {
        "process_time": elapsed,
        "messages": err.messages,
        "reason": err.reason,
        "error_code": err.error_code,
    }
    return {"header": header, "data": None}


def _success_body(data: object, legacy: bool, elapsed: float) -> JsonDict:
    if legacy:
        return {"data": data, "status": "200 Ok", "error_message": []}
    # reason/error_code are left out on success: the doc says they are set on errors.
    return {"header": {"process_time": elapsed, "messages": SUCCESS}, "data": data}


def _authenticate(ctx: Ctx, auth: Auth) -> None:
    state = ctx.state
    scheme, _, credential = ctx.request.headers.get("authorization", "").partition(" ")
    if auth == "none":
        return
    if auth == "basic":
        expected = f"{state.client_id}:{state.client_secret}".encode()
        try:
            given = base64.b64decode(credential.strip(), validate=True)
        except (binascii.Error, ValueError):
            given = b""
        if scheme.lower() != "basic" or not secrets.compare_digest(given, expected):
            raise ApiError(401, "UNAUTHORIZED", "invalid client credentials")
        return
    if scheme.lower() != "bearer" or not state.token_valid(credential.strip()):
        raise ApiError(401, "UNAUTHORIZED", "access token is missing, invalid or expired")
    fs_id = ctx.request.path_params.get("fs_id")
    if fs_id is not None and int(fs_id) != state.fs_id:
        raise forbidden()


def _parse(raw: bytes) -> tuple[Any, bool]:
    if not raw:
        return None, False
    try:
        return json.loads(raw), False
    except ValueError:
        return None, True


async def _gate(state: SandboxState, path: str, *, allowed: bool) -> bool:
    """Apply the rate limit and any injected fault; True means drop the connection."""
    if not allowed:
        raise ApiError(429, "ERR_TOO_MANY_REQUEST", "rate limit exceeded")
    injection = state.take_injection(path)
    if injection is None:
        return False
    if injection.delay > 0:
        await asyncio.sleep(injection.delay)
    if injection.status == 0:
        return True
    if not 200 <= injection.status < 300:
        raise ApiError(injection.status, injection.error_code, "injected failure")
    return False


def route(
    state: SandboxState,
    path: str,
    handler: Handler,
    *,
    method: str | list[str],
    auth: Auth = "bearer",
    legacy: bool = False,
) -> Route:
    """Wrap `handler` in the gateway steps and mount it at `path`."""

    async def endpoint(request: Request) -> Response:
        started = time.perf_counter()
        raw = await request.body()
        body, malformed = _parse(raw)
        state.calls.append(
            RecordedCall(
                method=request.method,
                path=request.url.path,
                query=dict(request.query_params),
                json=body,
                headers=redact(dict(request.headers)),
                time=state.clock(),
            )
        )
        allowed, limit_headers = state.rate_limit(request.url.path)
        response: Response
        try:
            if await _gate(state, request.url.path, allowed=allowed):
                return _DropConnection()
            ctx = Ctx(state, request, body, malformed)
            _authenticate(ctx, auth)
            result = await handler(ctx)
        except ApiError as err:
            elapsed = round(time.perf_counter() - started, 6)
            response = JSONResponse(_error_body(err, legacy, elapsed), status_code=err.status)
        else:
            elapsed = round(time.perf_counter() - started, 6)
            if isinstance(result, Response):
                response = result
            else:
                response = JSONResponse(_success_body(result, legacy, elapsed))
        response.headers.update(limit_headers)
        return response

    return Route(path, endpoint, methods=[method] if isinstance(method, str) else method)
