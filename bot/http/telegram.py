"""``POST /telegram``: Telegram's updates in webhook mode, handed to a sink.

The route checks the secret header and that the body is a JSON object; it knows nothing of
PTB, which the composition root plugs in as the sink (it puts the update on PTB's queue).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

TelegramSink = Callable[[dict[str, Any]], Awaitable[None]]


def telegram_router(sink: TelegramSink, secret: str) -> APIRouter:
    """``POST /telegram`` for webhook mode; the secret header is compared in constant time."""
    router = APIRouter()

    @router.post("/telegram")
    async def telegram_update(request: Request) -> Response:
        given = request.headers.get("x-telegram-bot-api-secret-token", "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return JSONResponse({"ok": False, "error": "forbidden"}, status_code=403)
        try:
            update = json.loads(await request.body())
        except ValueError:
            return JSONResponse({"ok": False, "error": "body is not JSON"}, status_code=400)
        if not isinstance(update, dict):
            return JSONResponse(
                {"ok": False, "error": "update must be an object"}, status_code=400
            )
        await sink(update)
        return Response(status_code=200)

    return router
