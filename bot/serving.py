"""Serving: the order things start and stop in, for ``tokobot run``, the demo and tests.

The web server starts first and accepts webhooks whatever else is down: the inbox needs only
the database. Telegram is then connected in the background, retried with a growing pause and
one log line per change of state (never a traceback), and only once it answers do the bot,
the JobQueue and the delivery worker start. A token Telegram rejects is the one failure that
ends the process (status 2): waiting would not fix it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any, Protocol

import uvicorn
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

from bot.config import Settings
from bot.context import Services
from bot.domain.values import Store
from bot.jobs.runner import schedule
from bot.relay.worker import Relay
from storage import locks, shops

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
RETRY_FIRST, RETRY_MAX = 1.0, 60.0  # seconds between attempts to reach Telegram
EXIT_CONFIG = 2  # the exit status, as for any other configuration error


class Running(Protocol):
    """What ``bot.app.runtime`` built (``bot.app.Runtime``), as this module uses it."""

    @property
    def settings(self) -> Settings: ...
    @property
    def engine(self) -> AsyncEngine: ...
    @property
    def application(self) -> Application[Any, Any, Any, Any, Any, Any]: ...
    @property
    def services(self) -> Services: ...
    @property
    def relay(self) -> Relay: ...
    @property
    def web(self) -> FastAPI: ...
    @property
    def store(self) -> Store: ...


class TokenRejected(Exception):
    """Telegram refused TELEGRAM_BOT_TOKEN (401); no retry will change that."""


def owner_name(settings: Settings) -> str:
    """This process's stable name in the inbox's leases: a restart has the same one."""
    return f"{socket.gethostname()}:{settings.http_port}"


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


def _reason(exc: BaseException, settings: Settings) -> str:
    """One line about a failure, without the token (PTB puts URLs in some messages)."""
    text = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return text.replace(settings.telegram_bot_token.get_secret_value(), "<TELEGRAM_BOT_TOKEN>")


async def _introduce(rt: Running, *, poll: bool) -> None:
    """getMe, then the webhook or the poller: everything that needs Telegram to answer."""
    application = rt.application
    settings = rt.settings
    await application.initialize()  # getMe; a no-op once it succeeded
    if settings.telegram_webhook_url:
        secret = settings.telegram_webhook_secret
        await application.bot.set_webhook(
            url=f"{settings.telegram_webhook_url.rstrip('/')}/telegram",
            secret_token=secret.get_secret_value() if secret else None,
            allowed_updates=ALLOWED_UPDATES,
        )
    elif poll and application.updater is not None and not application.updater.running:
        await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)


async def connect(rt: Running, stop: asyncio.Event | None = None, *, poll: bool = True) -> bool:
    """Reach Telegram, retrying until it answers; False if ``stop`` came first.

    Raises ``TokenRejected`` when Telegram says the token is not valid.
    """
    wait, down = RETRY_FIRST, ""
    while stop is None or not stop.is_set():
        try:
            await _introduce(rt, poll=poll)
        except InvalidToken as exc:
            raise TokenRejected from exc
        except (TelegramError, OSError) as exc:
            reason = _reason(exc, rt.settings)
            if reason != down:  # one line per change of state, not one per attempt
                log.warning(
                    "Telegram unreachable (%s); webhooks are still accepted, retrying", reason
                )
                down = reason
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await (stop.wait() if stop is not None else asyncio.Event().wait())
            wait = min(wait * 2, RETRY_MAX)
            continue
        if down:
            log.info("Telegram reachable again")
        log.info("connected to Telegram as @%s", rt.application.bot.username)
        return True
    return False


@contextlib.asynccontextmanager
async def started(
    rt: Running, *, poll: bool = True, connected: bool = False
) -> AsyncIterator[None]:
    """Run PTB (polling or webhook), the jobs and the delivery worker for the block.

    ``connected``: ``connect`` already reached Telegram (``serve`` does, before this).
    """
    application = rt.application
    stop = asyncio.Event()
    async with application:
        if not connected:
            await connect(rt, poll=poll)
        await refresh_shops(rt.services)
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
    kill the process before the relay and PTB have stopped. ``serve`` handles signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve(rt: Running) -> int:
    """``tokobot run``: serve until SIGINT/SIGTERM, then stop cleanly; the exit status."""
    settings = rt.settings
    polling = not settings.telegram_webhook_url
    bot_id = settings.telegram_bot_token.get_secret_value().split(":", 1)[0]
    # Telegram hands each update to one poller; a second one would fight it (409 Conflict).
    poller = await locks.hold(rt.engine, f"polling:{bot_id}") if polling else None
    if polling and poller is None:
        log.error(
            "another tokobot process is already polling Telegram for this bot on this "
            "database; run one process, or set TELEGRAM_WEBHOOK_URL to run several"
        )
        return EXIT_CONFIG
    stop = asyncio.Event()
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
        loop.add_signal_handler(sig, _stop_serving, server, stop, sig)
    web = asyncio.create_task(server.serve(), name="http")
    log.info("tokobot listening on %s:%d", settings.http_host, settings.http_port)
    settle_heap()
    try:
        return await _run_bot(rt, stop, web)
    finally:
        server.should_exit = True
        await web
        if poller is not None:
            await poller.close()


async def _run_bot(rt: Running, stop: asyncio.Event, web: asyncio.Task[None]) -> int:
    rejected = False
    try:
        if not await connect(rt, stop):
            return 0
    except TokenRejected:
        rejected = True  # said below, without the traceback an operator need not read
    if rejected:
        log.error(
            "Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized); "
            "copy the token @BotFather gave the bot into TELEGRAM_BOT_TOKEN"
        )
        return EXIT_CONFIG
    async with started(rt, connected=True):
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait({stopped, web}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
    log.info("tokobot stopped cleanly")
    return 0


def _stop_serving(server: uvicorn.Server, stop: asyncio.Event, sig: signal.Signals) -> None:
    log.info("%s received; finishing in-flight work", sig.name)
    server.should_exit = True
    stop.set()
