"""``POST /webhooks/{marketplace}[/{topic}]``: verify -> parse -> store -> 200.

The route knows neither PTB nor the delivery worker: it is handed the marketplaces and a
``store`` coroutine, and answers 200 only after ``store`` returned, i.e. after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from bot.clock import Clock, system_clock
from bot.domain.values import Store
from bot.marketplaces import Marketplace, WebhookPayloadError

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024  # far above any real payload; bounds memory per request


class _TooLarge(Exception):
    pass


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _error(status: int, reason: str) -> Response:
    return JSONResponse({"ok": False, "error": reason}, status_code=status)


def build_router(
    marketplaces: Mapping[str, Marketplace],
    store: Store,
    *,
    clock: Clock = system_clock,
    max_body: int = MAX_BODY_BYTES,
) -> APIRouter:
    router = APIRouter()

    async def receive(request: Request, name: str, topic: str) -> Response:
        marketplace = marketplaces.get(name)
        if marketplace is None or topic not in marketplace.webhook_topics:
            return _error(404, "unknown webhook")
        try:
            body = await _read_body(request, max_body)
        except _TooLarge:
            return _error(413, f"body larger than {max_body} bytes")
        if not marketplace.verify_webhook(body, request.headers):
            log.warning("rejected %s/%s webhook: bad or missing signature", name, topic)
            return _error(401, "invalid or missing signature")
        received_at = clock()
        try:
            events = marketplace.parse_webhook(topic, body, received_at)
        except WebhookPayloadError as exc:
            return _error(400, str(exc))
        try:
            fresh = await store(events, received_at)
        except Exception:
            log.exception("could not store %s/%s webhook", name, topic)
            # Not acknowledged, so the marketplace keeps it and tries again later.
            return _error(503, "storage unavailable, try again")
        stored = sum(fresh)
        return JSONResponse({"ok": True, "stored": stored, "duplicates": len(fresh) - stored})

    @router.post("/webhooks/{name}/{topic}")
    async def with_topic(request: Request, name: str, topic: str) -> Response:
        return await receive(request, name, topic)

    @router.post("/webhooks/{name}")
    async def without_topic(request: Request, name: str) -> Response:
        return await receive(request, name, "")

    return router
