"""``GET /healthz`` for monitors and anyone; ``/healthz/details`` and ``/metrics`` kept private.

``/healthz`` says only ``ok``, ``degraded`` (parked events, or a group that refuses the
bot: webhooks are still taken) or ``down`` (the database is unreachable: 503). Everything
else, the backlog, parked events and the last errors, is for the operator
(``bot.http.private``), with anything that may be buyer data scrubbed from the error texts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock, system_clock
from bot.http.private import private_access
from bot.metrics import Metrics
from bot.relay.health import TelegramHealth
from storage import inbox
from storage.db import ping

MAX_ERROR = 300
# SQLAlchemy appends the statement and its parameters (buyer names, message texts) to errors.
_SQL_TAIL = re.compile(r"\s*\[(?:SQL|parameters|Background on this error)[:\s].*", re.DOTALL)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\d)(?:\+?62|0)8\d{7,12}(?!\d)")
_QUOTED = re.compile(r"'[^']{4,}'|\"[^\"]{4,}\"")


def scrub(error: str | None) -> str | None:
    """An error text without SQL parameters, quoted values, e-mail addresses or phone numbers."""
    if not error:
        return error
    text = _SQL_TAIL.sub("", error)
    text = _EMAIL.sub("[email]", text)
    text = _PHONE.sub("[phone]", text)
    text = _QUOTED.sub("[…]", text)
    return text if len(text) <= MAX_ERROR else text[: MAX_ERROR - 1] + "…"


def health_router(
    *,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    telegram: TelegramHealth,
    extra: Callable[[], Mapping[str, object]] | None = None,
    clock: Clock = system_clock,
    metrics: Metrics | None = None,
    token: str = "",
) -> APIRouter:
    router = APIRouter()
    private = Depends(private_access(token))

    async def status() -> tuple[str, inbox.Backlog | None]:
        if not await ping(engine):
            return "down", None
        async with sessions() as session:
            backlog = await inbox.backlog(session=session)
        if metrics is not None:
            metrics.inbox_events.labels(state="pending").set(backlog.pending)
            metrics.inbox_events.labels(state="parked").set(backlog.parked)
        # A moved group works, but the configuration must follow it before the next restart.
        trouble = backlog.parked or telegram.forbidden or telegram.migrated_to is not None
        return ("degraded" if trouble else "ok"), backlog

    @router.get("/healthz")
    async def healthz() -> Response:
        state, _ = await status()
        return JSONResponse({"status": state}, status_code=503 if state == "down" else 200)

    @router.get("/healthz/details", dependencies=[private])
    async def details() -> Response:
        state, backlog = await status()
        body: dict[str, object] = {
            "status": state,
            "database": "unreachable" if backlog is None else "ok",
            "telegram": {
                "reachable": telegram.reachable,
                "forbidden": telegram.forbidden,
                "migrated_to": telegram.migrated_to,
                "last_error": scrub(telegram.last_error),
                "last_ok_at": telegram.last_ok_at.isoformat() if telegram.last_ok_at else None,
            },
        }
        if extra is not None:
            body.update(extra())
        if backlog is None:
            return JSONResponse(body, status_code=503)
        async with sessions() as session:
            parked = await inbox.parked_events(session=session)
        oldest = backlog.oldest_received_at
        body |= {
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
                        "error": scrub(row.last_error),
                    }
                    for row in parked
                ],
            },
        }
        return JSONResponse(body)

    if metrics is not None:

        @router.get("/metrics", dependencies=[private])
        async def scrape() -> Response:
            await status()  # refreshes the inbox gauges from the database
            content, media_type = metrics.render()
            return Response(content, media_type=media_type)

    return router
