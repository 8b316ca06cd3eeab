"""``tokobot demo``: the fakes and tokobot in one process, on loopback, until Ctrl-C.

tokobot is built exactly as ``tokobot run`` builds it (``runtime`` then ``started``) from an
ordinary ``Settings`` whose URLs point at the fakes: it long-polls the fake Bot API with real
getUpdates calls and talks to both sandboxes (``MARKETPLACES=tokopedia,tiktokshop``) over
HTTP. The only difference is the ``/demo`` router handed to ``runtime``. Once tokobot
listens, the Tokopedia & Shop seller authorizes the demo shop as a real one would, unless
tokobot and the sandbox both still hold that authorization from an earlier run.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.app import Runtime, oauth_secret, runtime, started
from bot.config import Settings
from bot.demo.api import demo_router
from bot.demo.cast import (
    BOT_TOKEN,
    CHAT_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    FS_ID,
    HOST,
    STAFF,
    TIKTOKSHOP,
    TOKOPEDIA,
    TTS_APP_KEY,
    TTS_APP_SECRET,
    TTS_SERVICE_ID,
    TTS_SHOP_ID,
    WEBHOOK_SECRET,
)
from bot.demo.closed_hours import AWAY_TEXT, ClosedSwitch, relay_config, seed_templates
from bot.demo.persist import DemoFiles, autosave, save
from bot.demo.serving import bind, serving
from bot.demo.stage import Stage
from bot.http.oauth import make_state


class PortBusy(Exception):
    """The demo page's port is taken."""


@dataclass(frozen=True)
class DemoOptions:
    directory: Path
    port: int = 8080
    fresh: bool = False
    topics: bool = False


@dataclass(frozen=True)
class Demo:
    """A running demo: the page's address and what tests may inspect."""

    url: str
    stage: Stage
    runtime: Runtime
    files: DemoFiles


def demo_settings(
    files: DemoFiles,
    *,
    telegram_port: int,
    tokopedia_port: int,
    tiktokshop_port: int,
    web_port: int,
    topics: bool,
) -> Settings:
    """tokobot's ordinary settings, pointing at the fakes on loopback."""
    tokopedia = f"http://{HOST}:{tokopedia_port}"
    tiktokshop = f"http://{HOST}:{tiktokshop_port}"
    # Given values win over the environment; .env is not read (it may hold live credentials).
    return Settings(  # type: ignore[call-arg,unused-ignore]
        _env_file=None,
        telegram_bot_token=BOT_TOKEN,
        telegram_chat_id=CHAT_ID,
        telegram_api_url=f"http://{HOST}:{telegram_port}",
        telegram_admin_ids=[member.user_id for member in STAFF if member.admin],
        telegram_webhook_url="",
        telegram_topics=topics,
        marketplaces=[TOKOPEDIA, TIKTOKSHOP],
        tokopedia_app_id=FS_ID,
        tokopedia_client_id=CLIENT_ID,
        tokopedia_client_secret=CLIENT_SECRET,
        tokopedia_webhook_secret=WEBHOOK_SECRET,
        tokopedia_api_url=tokopedia,
        tokopedia_auth_url=tokopedia,
        tiktokshop_app_key=TTS_APP_KEY,
        tiktokshop_app_secret=TTS_APP_SECRET,
        tiktokshop_service_id=TTS_SERVICE_ID,
        tiktokshop_api_url=tiktokshop,
        tiktokshop_auth_url=tiktokshop,
        tiktokshop_authorize_url=f"{tiktokshop}/open/authorize",  # nothing leaves loopback
        public_url=f"http://{HOST}:{web_port}",
        database_url=files.database_url,
        http_host=HOST,
        http_port=web_port,
        auto_reply_text=AWAY_TEXT,
    )


async def connect_shop(rt: Runtime, stage: Stage) -> bool:
    """Authorize the Tokopedia & Shop demo shop as its seller would, unless already done.

    Done means tokobot lists the shop (its token is stored) and the sandbox still holds the
    grant behind that token. Returns True if an authorization was made now.
    """
    known = await rt.services.marketplaces[TIKTOKSHOP].list_shops()
    if stage.tiktok.connected and any(shop.shop_id == TTS_SHOP_ID for shop in known):
        return False
    state = make_state(oauth_secret(rt.settings, TIKTOKSHOP), datetime.now(UTC))
    return await stage.tiktok.authorize(state)


@contextlib.asynccontextmanager
async def demo(options: DemoOptions) -> AsyncIterator[Demo]:
    """Start the fakes, then tokobot and its web app with ``/demo``; stop all in reverse."""
    try:
        web_socket = bind(options.port)  # first, so a busy port fails before anything starts
    except OSError as exc:
        raise PortBusy(f"{HOST}:{options.port} is not available ({exc.strerror})") from None
    files = DemoFiles(options.directory)
    with web_socket:
        stage = files.open(fresh=options.fresh, topics=options.topics)
        try:
            async with (
                serving(stage.fake.app, bind(0)) as telegram_port,
                serving(stage.market_app(), bind(0)) as tokopedia_port,
                serving(stage.tiktok.app(), bind(0)) as tiktokshop_port,
            ):
                # Buyer media URLs name the sandbox where tokobot reaches it.
                stage.tiktok.state.media.base_url = f"http://{HOST}:{tiktokshop_port}"
                settings = demo_settings(
                    files,
                    telegram_port=telegram_port,
                    tokopedia_port=tokopedia_port,
                    tiktokshop_port=tiktokshop_port,
                    web_port=web_socket.getsockname()[1],
                    topics=options.topics,
                )
                switch = ClosedSwitch()
                async with (
                    runtime(
                        settings,
                        relay_config=relay_config(settings, switch),
                        extra=demo_router(stage, switch),
                    ) as rt,
                    started(rt),
                    serving(rt.web, web_socket) as port,
                    stage.running(),
                    autosave(stage, files.state),
                ):
                    stage.receiver = f"http://{HOST}:{port}"
                    await connect_shop(rt, stage)
                    await seed_templates(rt)
                    url = f"http://{HOST}:{port}/demo"
                    yield Demo(url=url, stage=stage, runtime=rt, files=files)
        finally:
            await save(stage, files.state)  # after tokobot stopped: nothing changes any more


async def serve_until_stopped(
    options: DemoOptions, announce: Callable[[str], None] = print
) -> None:
    """Run the demo until SIGINT or SIGTERM; a second signal acts as usual (it forces)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)

    def on_signal() -> None:
        stop.set()
        for sig in signals:
            loop.remove_signal_handler(sig)

    with contextlib.suppress(NotImplementedError):  # no loop signal handlers on Windows
        for sig in signals:
            loop.add_signal_handler(sig, on_signal)
    try:
        async with demo(options) as running:
            announce(f"tokobot demo: {running.url}  (Ctrl-C to stop)")
            await stop.wait()
    finally:
        with contextlib.suppress(NotImplementedError):
            for sig in signals:
                loop.remove_signal_handler(sig)


def main(options: DemoOptions) -> int:
    """The ``tokobot demo`` command; returns the exit status."""

    def announce(line: str) -> None:
        print(line, flush=True)  # noqa: T201 - the command's one line of output

    try:
        asyncio.run(serve_until_stopped(options, announce))
    except PortBusy as exc:
        print(f"tokobot demo: {exc}; choose another with --port", file=sys.stderr)  # noqa: T201
        return 1
    except KeyboardInterrupt:
        return 130  # a second Ctrl-C while stopping
    return 0
