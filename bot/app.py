"""Composition root: builds every service from ``Settings`` and owns their lifecycles.

Only ``bot.cli`` and tests import this module. One asyncio loop runs uvicorn, PTB (polling
or webhook), the inbox writer, the delivery worker and the JobQueue.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import Application, Defaults, ExtBot
from telegram.request import BaseRequest, HTTPXRequest

import handlers
from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.context import CONTEXT_TYPES, Services
from bot.domain.values import ParsedEvent, Shop, Store
from bot.http.app import build_web_app
from bot.http.health import health_router
from bot.http.oauth import oauth_router
from bot.http.telegram import telegram_router
from bot.marketplaces import Authorizing, Marketplace
from bot.marketplaces.tiktokshop import (
    TikTokShopClient,
    TikTokShopMarketplace,
    TikTokShopTokens,
)
from bot.marketplaces.tokopedia import TokopediaAuth, TokopediaClient, TokopediaMarketplace
from bot.metrics import (
    CountingRequest,
    Metrics,
    WebhookMetrics,
    marketplace_hooks,
    marketplace_hosts,
    watch_audit,
)
from bot.relay.away import AwayRules
from bot.relay.config import RelayConfig
from bot.relay.health import TelegramHealth
from bot.relay.pacer import DbSendLog, GroupPacer
from bot.relay.sender import Sender
from bot.relay.worker import Relay
from bot.serving import owner_name, serve
from bot.serving import refresh_shops as refresh_shops  # noqa: PLC0414 - re-exported for
from bot.serving import settle_heap as settle_heap  # noqa: PLC0414 - the entry points,
from bot.serving import started as started  # noqa: PLC0414 - the bench and tests
from storage import notices, shops
from storage.db import make_engine, make_sessionmaker, upgrade
from storage.inbox import InboxWriter, inbox_item
from storage.kv import DbStateStore
from storage.tokens import DbTokenStore

log = logging.getLogger(__name__)


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""


def build_marketplaces(
    settings: Settings,
    http: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock = system_clock,
) -> dict[str, Marketplace]:
    """One adapter per marketplace enabled in MARKETPLACES (validated by Settings)."""
    found: dict[str, Marketplace] = {}
    if "tokopedia" in settings.marketplaces:
        auth = TokopediaAuth(
            auth_url=settings.tokopedia_auth_url,
            client_id=settings.tokopedia_client_id,
            client_secret=_secret(settings.tokopedia_client_secret),
            store=DbTokenStore(sessions, clock),
            clock=clock,
        )
        client = TokopediaClient(
            http,
            api_url=settings.tokopedia_api_url,
            fs_id=settings.tokopedia_app_id or 0,
            auth=auth,
            clock=clock,
        )
        found["tokopedia"] = TokopediaMarketplace(
            client, webhook_secret=_secret(settings.tokopedia_webhook_secret), clock=clock
        )
    if "tiktokshop" in settings.marketplaces:
        state = DbStateStore(sessions, clock)
        app_secret = _secret(settings.tiktokshop_app_secret)
        tts_client = TikTokShopClient(
            http,
            app_key=settings.tiktokshop_app_key,
            app_secret=app_secret,
            tokens=TikTokShopTokens(state, clock=clock),
            api_url=settings.tiktokshop_api_url,
            auth_url=settings.tiktokshop_auth_url,
            clock=clock,
        )
        found["tiktokshop"] = TikTokShopMarketplace(
            tts_client,
            app_key=settings.tiktokshop_app_key,
            app_secret=app_secret,
            service_id=settings.tiktokshop_service_id,
            store=state,
            authorize_base=settings.tiktokshop_authorize_url,
            clock=clock,
        )
    return found


def build_application(
    settings: Settings,
    *,
    pacer: GroupPacer,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The PTB application; ``request`` is the only test seam (a transport to a fake)."""
    builder = (
        Application.builder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(f"{settings.telegram_api_url.rstrip('/')}/bot")
        .base_file_url(f"{settings.telegram_api_url.rstrip('/')}/file/bot")
        .context_types(CONTEXT_TYPES)
        .rate_limiter(pacer)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                tzinfo=settings.zone,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                do_quote=False,
            )
        )
    )
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    if settings.telegram_webhook_url:
        builder = builder.updater(None)
    application = builder.build()
    handlers.register(application, settings)
    return application


@dataclass
class Runtime:
    """Everything ``run`` starts, exposed so end-to-end tests can drive the same wiring."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    application: Application[Any, Any, Any, Any, Any, Any]
    services: Services
    relay: Relay
    writer: InboxWriter
    web: FastAPI
    pacer: GroupPacer
    store: Store
    metrics: Metrics


@contextlib.asynccontextmanager
async def runtime(
    settings: Settings,
    *,
    telegram_request: BaseRequest | None = None,
    telegram_updates_request: BaseRequest | None = None,
    marketplace_transport: httpx.AsyncBaseTransport | None = None,
    pacer: GroupPacer | None = None,
    clock: Clock = system_clock,
    relay_config: RelayConfig | None = None,
    extra: APIRouter | None = None,
) -> AsyncIterator[Runtime]:
    """Open the database, clients and PTB application; close them all on exit."""
    engine = make_engine(settings.database_url)
    metrics = Metrics()
    stop_watching = watch_audit(metrics, engine)
    try:
        await upgrade(engine)
        sessions = make_sessionmaker(engine)
        timeout = httpx.Timeout(20.0, connect=5.0)
        hooks = marketplace_hooks(metrics, marketplace_hosts(settings))
        async with httpx.AsyncClient(
            timeout=timeout, transport=marketplace_transport, event_hooks=hooks
        ) as http:
            marketplaces = build_marketplaces(settings, http, sessions, clock)
            # The group's budget lives in the database: shared by processes, kept by restarts.
            pacer = pacer or GroupPacer(log=DbSendLog(sessions), groups=settings.groups.all)
            application = build_application(
                settings,
                pacer=pacer,
                # PTB's own defaults (256 connections; 1 for getUpdates), counted.
                request=CountingRequest(
                    telegram_request or HTTPXRequest(connection_pool_size=256), metrics
                ),
                get_updates_request=CountingRequest(
                    telegram_updates_request or HTTPXRequest(), metrics
                ),
            )
            bot: ExtBot[Any] = application.bot
            health = TelegramHealth()
            sender = Sender(bot, sessions, clock)
            services = Services(
                settings=settings,
                sessions=sessions,
                marketplaces=marketplaces,
                sender=sender,
                health=health,
                clock=clock,
            )
            application.bot_data["services"] = services
            relay = Relay(
                sessions=sessions,
                sender=sender,
                marketplaces=marketplaces,
                config=relay_config
                or RelayConfig(
                    chat_id=settings.telegram_chat_id,
                    topics=settings.telegram_topics,
                    lang=settings.bot_language,
                    tz=settings.zone,
                    shop_groups=settings.groups,
                    away=AwayRules(settings.auto_reply_text, settings.hours, settings.zone),
                ),
                health=health,
                pacer=pacer,
                clock=clock,
                metrics=metrics,
                owner=owner_name(settings),
            )
            writer = InboxWriter(sessions, on_stored=relay.wake)

            async def store(events: Sequence[ParsedEvent], received_at: datetime) -> list[bool]:
                return await writer.store([inbox_item(event, received_at) for event in events])

            async def to_ptb(update: dict[str, Any]) -> None:
                await application.update_queue.put(Update.de_json(update, application.bot))

            webhook_secret = settings.telegram_webhook_secret
            web = build_web_app(
                marketplaces=marketplaces,
                store=store,
                clock=clock,
                health=health_router(
                    engine=engine,
                    sessions=sessions,
                    telegram=health,
                    clock=clock,
                    metrics=metrics,
                    token=_secret(settings.health_token),
                    extra=lambda: {
                        "marketplaces": {
                            name: dict(marketplace.status())
                            for name, marketplace in marketplaces.items()
                        }
                    },
                ),
                routers=[
                    router
                    for router in (
                        telegram_router(to_ptb, webhook_secret.get_secret_value())
                        if settings.telegram_webhook_url and webhook_secret is not None
                        else None,
                        _oauth(settings, marketplaces, sessions, clock),
                        extra,
                    )
                    if router is not None
                ],
            )
            web.add_middleware(
                WebhookMetrics,
                metrics=metrics,
                routes={name: m.webhook_topics for name, m in marketplaces.items()},
            )
            async with writer:
                yield Runtime(
                    settings=settings,
                    engine=engine,
                    sessions=sessions,
                    application=application,
                    services=services,
                    relay=relay,
                    writer=writer,
                    web=web,
                    pacer=pacer,
                    store=store,
                    metrics=metrics,
                )
    finally:
        stop_watching()
        await engine.dispose()


def _oauth(
    settings: Settings,
    marketplaces: dict[str, Marketplace],
    sessions: async_sessionmaker[AsyncSession],
    clock: Callable[[], datetime],
) -> APIRouter | None:
    """The seller-authorization callback, for marketplaces that authorize by redirect."""
    authorizing = {
        name: marketplace
        for name, marketplace in marketplaces.items()
        if isinstance(marketplace, Authorizing)
    }
    if not authorizing:
        return None

    async def claim(key: str) -> bool:
        async with sessions() as session, session.begin():
            return await notices.claim_notice(session=session, key=key, now=clock())

    async def save(name: str, found: list[Shop]) -> None:
        async with sessions() as session, session.begin():
            await shops.save_shops(
                session=session,
                shops=[(name, shop.shop_id, shop.name) for shop in found],
                now=clock(),
            )

    return oauth_router(
        authorizing,
        {name: oauth_secret(settings, name) for name in authorizing},
        claim_nonce=claim,
        save_shops=save,
        clock=clock,
    )


def oauth_secret(settings: Settings, marketplace: str) -> str:
    """The key that signs authorization ``state`` values for a marketplace."""
    if marketplace == "tiktokshop":
        return _secret(settings.tiktokshop_app_secret)
    raise ValueError(f"{marketplace} does not authorize sellers by redirect")


async def run(settings: Settings) -> int:
    """``tokobot run``: serve until SIGINT/SIGTERM, then stop cleanly; the exit status."""
    async with runtime(settings) as rt:
        return await serve(rt)
