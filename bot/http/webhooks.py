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
from bot.marketplaces import MAX_REASON, Marketplace, WebhookPayloadError
from storage.inbox import UnstorableEvent

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024  # far above any real payload; bounds memory per request
DRAIN_BYTES = 4 * 1024 * 1024  # a larger body is refused unread, and the connection closed


class _TooLarge(Exception):
    pass


async def _read_body(request: Request, limit: int) -> bytes:
    drain = max(limit, DRAIN_BYTES)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > drain:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > drain:
            raise _TooLarge
        if size <= limit:
            chunks.append(chunk)
    if size > limit:
        # Read to the end (discarding) before answering: closing on a sender still writing
        # resets the connection, and it would never see the 413.
        raise _TooLarge
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
        try:
            verified = marketplace.verify_webhook(body, request.headers)
        except Exception:
            log.exception("%s/%s webhook: signature check failed", name, topic)
            verified = False
        if not verified:
            log.warning("rejected %s/%s webhook: bad or missing signature", name, topic)
            return _error(401, "invalid or missing signature")
        received_at = clock()
        try:
            events = marketplace.parse_webhook(topic, body, received_at)
        except WebhookPayloadError as exc:
            return _error(400, str(exc)[:MAX_REASON])
        except Exception as exc:
            # parse_webhook is meant to be total; a gap in it must not make the marketplace
            # retry a body that will fail the same way forever.
            cause = type(exc).__name__
            log.warning("%s/%s webhook: unexpected %s while parsing", name, topic, cause)
            return _error(400, f"unreadable body ({cause})")
        try:
            fresh = await store(events, received_at)
        except UnstorableEvent as exc:
            return _error(400, str(exc)[:MAX_REASON])
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
