"""``GET /healthz``: the database, the inbox backlog, parked events and Telegram's reach.

Answers 503 only when the database is unreachable; parked events or a group that refuses
the bot make it "degraded", which a monitor can alert on while webhooks are still taken.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock, system_clock
from bot.relay.health import TelegramHealth
from storage import inbox
from storage.db import ping


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
