"""What tokobot sent the marketplaces, for the page: an ASGI wrapper and the log's wording.

The sandboxes record requests but not how they answered them; the demo page wants both ("the
reply arrived", "ack refused: ORD_USC_001"), so ``PostRecorder`` watches the bytes go by and
``describe_post`` (Tokopedia) and ``describe_tts_post`` (Tokopedia & Shop) name each write in
the page's language. Tokopedia & Shop refuses business actions with HTTP 200 and a non-zero
``code``, so ``tts_error`` reads the envelope rather than the status.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.demo.views import order_label, tts_order_label
from bot.marketplaces.tiktokshop.errors import brand_safe
from bot.sandbox.tiktokshop import TikTokSandboxState
from bot.sandbox.tiktokshop.catalogue import reason_text
from bot.sandbox.tiktokshop.return_desk import REJECT_REASONS, text_of
from bot.sandbox.tokopedia import SandboxState

_REPLY = re.compile(r"/messages/(\d+)/reply$")
_ORDER_CALL = re.compile(r"^/v1/order/(\d+)/fs/\d+/(ack|nack|reject-cancel)$")
_TTS_SEND = re.compile(r"^/customer_service/\d{6}/conversations/(\d+)/messages$")
_TTS_ANSWER = re.compile(r"^/return_refund/\d{6}/cancellations/(\d+)/(approve|reject)$")
_TTS_CANCEL = re.compile(r"^/return_refund/\d{6}/cancellations$")
_TTS_RETURN = re.compile(r"^/return_refund/\d{6}/returns/(\d+)/(approve|reject)$")

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


def _tts_order(state: TikTokSandboxState, order_id: object) -> str:
    order = state.orders.get(str(order_id))
    return tts_order_label(order) if order else f"pesanan {order_id}"


def _reason(name: object) -> str:
    return brand_safe(reason_text(str(name), "id-ID")) if name else ""


def describe_tts_post(state: TikTokSandboxState, path: str, raw: bytes) -> tuple[str, str] | None:
    """Return (title, detail) for a Tokopedia & Shop write tokobot made, or None otherwise."""
    body = _json(raw)
    fields = body if isinstance(body, dict) else {}
    send = _TTS_SEND.match(path)
    if send is not None:
        conversation = state.conversations.get(send[1])
        name = conversation.buyer.nickname if conversation else f"chat {send[1]}"
        content = _json(str(fields.get("content", "")).encode())
        text = content.get("content", "") if isinstance(content, dict) else ""
        return f"← balasan ke {name}", str(text)
    answer = _TTS_ANSWER.match(path)
    if answer is not None:
        cancel = state.cancellations.get(answer[1])
        about = _tts_order(state, cancel.order_id) if cancel else f"pembatalan {answer[1]}"
        if answer[2] == "approve":
            return "← pembatalan disetujui", about
        return "← permintaan batal ditolak", f"{about} · {_reason(fields.get('reject_reason'))}"
    returned = _TTS_RETURN.match(path)
    if returned is not None:
        case = state.returns.cases.get(returned[1])
        about = _tts_order(state, case.order_id) if case else f"retur {returned[1]}"
        if returned[2] == "approve":
            return "← retur disetujui", about
        reason = text_of(REJECT_REASONS, str(fields.get("reject_reason", "")), "id-ID")
        return "← retur ditolak", f"{about} · {brand_safe(reason)}"
    if _TTS_CANCEL.match(path):
        about = _tts_order(state, fields.get("order_id", "?"))
        return "← pesanan dibatalkan penjual", f"{about} · {_reason(fields.get('cancel_reason'))}"
    return None  # searches, marking read, the token exchange: housekeeping


def tts_error(status: int, answer: bytes) -> str | None:
    """Return why Tokopedia & Shop refused a write ("code message"), or None if it took it."""
    body = _json(answer)
    code = body.get("code") if isinstance(body, dict) else None
    if 200 <= status < 300 and code == 0:
        return None
    if isinstance(body, dict) and code:
        return brand_safe(f"{code} {body.get('message') or ''}".strip())
    return f"HTTP {status}" if status else "tanpa jawaban"
