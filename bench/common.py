"""Pieces both benchmarks share: settings, a loopback uvicorn server, percentiles."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import uvicorn
from starlette.types import ASGIApp

from bot.config import Settings

CHAT_ID = -1001000000001
SHOP_ID = 479573
ADMIN_ID = 111
FS_ID = 13000
CLIENT_ID = "sandbox-client"
CLIENT_SECRET = "sandbox-secret"  # noqa: S105 - the sandbox's public demo credential
WEBHOOK_SECRET = "sandbox-webhook-secret"  # noqa: S105 - same
BOT_TOKEN = "123456:BENCH"  # noqa: S105 - the fake Telegram's dummy token


def bench_settings(
    *, database_url: str, telegram_api_url: str, tokopedia_url: str, port: int = 0
) -> Settings:
    """Settings as ``tokobot run`` would read them, pointed at loopback fakes."""
    return Settings(
        _env_file=None,
        telegram_bot_token=BOT_TOKEN,
        telegram_chat_id=CHAT_ID,
        telegram_api_url=telegram_api_url,
        telegram_admin_ids=[ADMIN_ID],
        marketplaces=["tokopedia"],
        tokopedia_app_id=FS_ID,
        tokopedia_client_id=CLIENT_ID,
        tokopedia_client_secret=CLIENT_SECRET,
        tokopedia_webhook_secret=WEBHOOK_SECRET,
        tokopedia_api_url=tokopedia_url,
        tokopedia_auth_url=tokopedia_url,
        database_url=database_url,
        http_host="127.0.0.1",
        http_port=port or 8080,
    )


@asynccontextmanager
async def serving(app: ASGIApp, host: str = "127.0.0.1") -> AsyncIterator[int]:
    """Serve ``app`` under uvicorn exactly as ``bot.app.run`` configures it; yield the port."""
    config = uvicorn.Config(
        app, host=host, port=0, log_config=None, access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(), name="bench-uvicorn")
    while not server.started:
        if task.done():
            await task
            raise RuntimeError(f"uvicorn could not serve on {host}")
        await asyncio.sleep(0.01)
    port: int = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield port
    finally:
        server.should_exit = True
        await task


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]
