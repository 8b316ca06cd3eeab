"""The web app: marketplace webhooks and ``/healthz``, plus the routers the root adds.

Each route lives with its concern: ``webhooks`` (marketplaces), ``health``, ``telegram``
(webhook mode) and ``oauth`` (seller authorization); this module only assembles them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fastapi import APIRouter, FastAPI

from bot.clock import Clock, system_clock
from bot.domain.values import Store
from bot.http.webhooks import build_router
from bot.marketplaces import Marketplace


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
