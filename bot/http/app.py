"""The HTTP app: marketplace webhooks, the Telegram webhook and ``/healthz``."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock, system_clock
from bot.http.webhooks import Store, build_router
from bot.marketplaces import Marketplace
from bot.relay.health import TelegramHealth
from storage import inbox
from storage.db import ping

log = logging.getLogger(__name__)

TelegramSink = Callable[[dict[str, Any]], Awaitable[None]]


def health_router(
    *,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    telegram: TelegramHealth,
    extra: Callable[[], Mapping[str, object]] | None = None,
    clock: Clock = system_clock,
) -> APIRouter:
    router = APIRouter()

    @router.get("/healthz")
    async def healthz() -> Response:
        body: dict[str, object] = {
            "telegram": {
                "reachable": telegram.reachable,
                "forbidden": telegram.forbidden,
                "last_error": telegram.last_error,
                "last_ok_at": telegram.last_ok_at.isoformat() if telegram.last_ok_at else None,
            }
        }
        if extra is not None:
            body.update(extra())
        if not await ping(engine):
            body |= {"status": "error", "database": "unreachable"}
            return JSONResponse(body, status_code=503)
        async with sessions() as session:
            backlog = await inbox.backlog(session=session)
            parked = await inbox.parked_events(session=session)
        oldest = backlog.oldest_received_at
        body |= {
            "status": "degraded" if (parked or telegram.forbidden) else "ok",
            "database": "ok",
            "backlog": {
                "pending": backlog.pending,
                "oldest_age_seconds": (
                    round((clock() - oldest).total_seconds(), 1) if oldest else None
                ),
            },
            "parked": {
                "count": backlog.parked,
                "events": [
                    {
                        "id": row.id,
                        "kind": row.kind,
                        "marketplace": row.marketplace,
                        "order_id": row.order_id,
                        "attempts": row.attempts,
                        "error": row.last_error,
                    }
                    for row in parked
                ],
            },
        }
        return JSONResponse(body)

    return router


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


def build_web_app(
    *,
    marketplaces: Mapping[str, Marketplace],
    store: Store,
    health: APIRouter,
    routers: Sequence[APIRouter] = (),
    clock: Clock = system_clock,
) -> FastAPI:
    """Marketplace webhooks and /healthz, plus optional routers (Telegram webhook, OAuth, demo)."""
    app = FastAPI(title="tokobot", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(build_router(marketplaces, store, clock=clock))
    app.include_router(health)
    for router in routers:
        app.include_router(router)
    return app
