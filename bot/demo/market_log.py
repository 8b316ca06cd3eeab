"""What tokobot sent the marketplace, for the page: an ASGI wrapper and the log's wording.

The sandbox records requests but not how it answered them; the demo page wants both ("the
reply arrived", "ack refused: ORD_USC_001"), so ``PostRecorder`` watches the bytes go by and
``describe_post`` names each write in the page's language.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.demo.views import order_label
from bot.sandbox.tokopedia import SandboxState

_REPLY = re.compile(r"/messages/(\d+)/reply$")
_ORDER_CALL = re.compile(r"^/v1/order/(\d+)/fs/\d+/(ack|nack|reject-cancel)$")

OnPost = Callable[[str, bytes, int, bytes], None]
"""Called with (path, request body, response status (0: no answer), response body)."""


class PostRecorder:
    """Pass requests through to ``app``; call ``on_post`` after each POST is answered."""

    def __init__(self, app: ASGIApp, on_post: OnPost) -> None:
        self.app = app
        self.on_post = on_post

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        request = bytearray()
        response = bytearray()
        status = 0

        async def receive_and_keep() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                request.extend(message.get("body", b""))
            return message

        async def send_and_keep(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                response.extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive_and_keep, send_and_keep)
        finally:
            self.on_post(str(scope["path"]), bytes(request), status, bytes(response))


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def describe_post(sandbox: SandboxState, path: str, raw: bytes) -> tuple[str, str] | None:
    """Return (title, detail) for a write tokobot made, or None for anything else."""
    body = _json(raw)
    fields = body if isinstance(body, dict) else {}
    reply = _REPLY.search(path)
    if reply is not None:
        room = sandbox.rooms.get(int(reply[1]))
        name = room.buyer_name if room else f"chat {reply[1]}"
        return f"← balasan ke {name}", str(fields.get("message", ""))
    call = _ORDER_CALL.match(path)
    if call is None:
        return None
    order = sandbox.orders.get(int(call[1]))
    about = order_label(order) if order else f"pesanan {call[1]}"
    if call[2] == "ack":
        return "← pesanan diterima (ack)", about
    if call[2] == "reject-cancel":
        return "← permintaan batal ditolak", about
    if fields.get("reason_code") == 8:
        return "← pembatalan disetujui (nack, kode 8)", about
    code, reason = fields.get("reason_code", 0), fields.get("reason", "")
    return f"← pesanan ditolak (nack, kode {code})", f"{about} · {reason}"


def error_reason(answer: bytes) -> str | None:
    """Return the error code and reason of a sandbox error answer, if it has them."""
    body = _json(answer)
    if not isinstance(body, dict):
        return None
    header = body.get("header")
    if isinstance(header, dict):
        return " ".join(str(header.get(k) or "") for k in ("error_code", "reason")).strip() or None
    messages = body.get("error_message")
    return str(messages) if messages else None
