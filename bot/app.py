"""Composition root: builds every service from ``Settings`` and owns their lifecycles.

Only ``bot.cli`` and tests import this module. One asyncio loop runs uvicorn, PTB (polling
or webhook), the inbox writer, the delivery worker and the JobQueue.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import uvicorn
from fastapi import APIRouter, FastAPI
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import Application, Defaults, ExtBot
from telegram.request import BaseRequest

import handlers
from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.context import CONTEXT_TYPES, Services
from bot.domain.values import ParsedEvent, Shop, Store
from bot.http.app import build_web_app
from bot.http.health import health_router
from bot.http.oauth import oauth_router
from bot.http.telegram import telegram_router
from bot.jobs.runner import schedule
from bot.marketplaces import Authorizing, Marketplace
from bot.marketplaces.tiktokshop import (
    TikTokShopClient,
    TikTokShopMarketplace,
    TikTokShopTokens,
)
from bot.marketplaces.tokopedia import TokopediaAuth, TokopediaClient, TokopediaMarketplace
from bot.relay.config import RelayConfig
from bot.relay.health import TelegramHealth
from bot.relay.pacer import GroupPacer
from bot.relay.sender import Sender
from bot.relay.worker import Relay
from storage import notices, shops
from storage.db import make_engine, make_sessionmaker, upgrade
from storage.inbox import InboxWriter, inbox_item
from storage.kv import DbStateStore
from storage.tokens import DbTokenStore

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]


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
    try:
        await upgrade(engine)
        sessions = make_sessionmaker(engine)
        timeout = httpx.Timeout(20.0, connect=5.0)
        async with httpx.AsyncClient(timeout=timeout, transport=marketplace_transport) as http:
            marketplaces = build_marketplaces(settings, http, sessions, clock)
            pacer = pacer or GroupPacer()
            application = build_application(
                settings,
                pacer=pacer,
                request=telegram_request,
                get_updates_request=telegram_updates_request,
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
                ),
                health=health,
                pacer=pacer,
                clock=clock,
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
                )
    finally:
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


async def refresh_shops(services: Services) -> None:
    """Learn shop names for messages; a marketplace that is down must not stop start-up."""
    for name, marketplace in services.marketplaces.items():
        try:
            found = await marketplace.list_shops()
        except Exception as exc:
            log.warning("could not list %s shops: %s", name, exc)
            continue
        async with services.sessions() as session, session.begin():
            await shops.save_shops(
                session=session,
                shops=[(name, shop.shop_id, shop.name) for shop in found],
                now=services.clock(),
            )


@contextlib.asynccontextmanager
async def started(rt: Runtime, *, poll: bool = True) -> AsyncIterator[None]:
    """Run PTB (polling or webhook) and the delivery worker for the block's duration."""
    settings = rt.settings
    application = rt.application
    stop = asyncio.Event()
    async with application:
        await refresh_shops(rt.services)
        if settings.telegram_webhook_url:
            secret = settings.telegram_webhook_secret
            await application.bot.set_webhook(
                url=f"{settings.telegram_webhook_url.rstrip('/')}/telegram",
                secret_token=secret.get_secret_value() if secret else None,
                allowed_updates=ALLOWED_UPDATES,
            )
        elif poll and application.updater is not None:
            await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
        if application.job_queue is not None:
            schedule(application.job_queue, rt.services, rt.store)
        await application.start()
        worker = asyncio.create_task(rt.relay.run(stop), name="relay")
        try:
            yield
        finally:
            stop.set()
            await worker
            if application.updater is not None and application.updater.running:
                await application.updater.stop()
            await application.stop()


def settle_heap() -> None:
    """Move start-up objects out of the garbage collector's way before serving.

    Everything built at start-up (PTB, SQLAlchemy, FastAPI, pydantic schemas) lives for the
    whole process; frozen, it is no longer rescanned by every full collection, which
    otherwise stalled webhook answers by ~70 ms about once a second under load (bench/).
    """
    gc.collect()
    gc.freeze()


class _Server(uvicorn.Server):
    """uvicorn, minus its signal capture: it re-raises SIGTERM after serving, which would
    kill the process before the relay and PTB have stopped. ``run`` handles signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def run(settings: Settings) -> None:
    """``tokobot run``: serve until SIGINT/SIGTERM, then stop cleanly."""
    async with runtime(settings) as rt, started(rt):
        server = _Server(
            uvicorn.Config(
                rt.web,
                host=settings.http_host,
                port=settings.http_port,
                log_config=None,
                access_log=False,
                lifespan="off",
            )
        )
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, _stop_serving, server, sig)
        log.info("tokobot listening on %s:%d", settings.http_host, settings.http_port)
        settle_heap()
        await server.serve()
    log.info("tokobot stopped cleanly")


def _stop_serving(server: uvicorn.Server, sig: signal.Signals) -> None:
    log.info("%s received; finishing in-flight work", sig.name)
    server.should_exit = True
