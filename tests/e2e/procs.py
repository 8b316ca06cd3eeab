"""Real ``tokobot run`` processes for the process-level tests (start-up, crashes, several).

Each process gets its own port and log file; the strict fakes (Telegram, the Tokopedia
sandbox) run in the test's own event loop, over real sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bot.sandbox.tokopedia import SandboxState, sign
from bot.sandbox.tokopedia import serve as serve_tokopedia
from tests.harness import ADMIN_ID, CHAT_ID, TOPIC_OF_KIND

WEBHOOK_SECRET = "sandbox-webhook-secret"
TELEGRAM_SECRET = "telegram-webhook-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tokobot_env(
    *, telegram_url: str, token: str, market_port: int, database_url: str, **extra: str
) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin"),
        "PTB_TIMEDELTA": "true",
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_CHAT_ID": str(CHAT_ID),
        "TELEGRAM_API_URL": telegram_url,
        "TELEGRAM_ADMIN_IDS": str(ADMIN_ID),
        "MARKETPLACES": "tokopedia",
        "TOKOPEDIA_APP_ID": "13000",
        "TOKOPEDIA_CLIENT_ID": "sandbox-client",
        "TOKOPEDIA_CLIENT_SECRET": "sandbox-secret",
        "TOKOPEDIA_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "TOKOPEDIA_API_URL": f"http://127.0.0.1:{market_port}",
        "TOKOPEDIA_AUTH_URL": f"http://127.0.0.1:{market_port}",
        "HTTP_HOST": "127.0.0.1",
        "DATABASE_URL": database_url,
    }
    env.update(extra)
    return env


@dataclass
class Tokobot:
    """One ``tokobot run`` process; ``output`` is everything it logged."""

    env: dict[str, str]
    workdir: Path
    name: str = "tokobot"
    port: int = field(default_factory=free_port)
    process: asyncio.subprocess.Process | None = None
    logs: list[Path] = field(default_factory=list)

    async def start(self, **extra_env: str) -> Tokobot:
        log = self.workdir / f"{self.name}-{len(self.logs)}.log"
        self.logs.append(log)
        env = {**self.env, "HTTP_PORT": str(self.port), **extra_env}
        with log.open("wb") as out:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=self.workdir, env=env, stdout=out,
                stderr=asyncio.subprocess.STDOUT,
            )  # fmt: skip
        return self

    @property
    def output(self) -> str:
        return self.logs[-1].read_text(encoding="utf-8", errors="replace") if self.logs else ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def healthy(self, timeout: float = 30.0) -> None:
        """Wait until the web server answers (it does before Telegram is reached)."""
        async with httpx.AsyncClient(base_url=self.url) as web, asyncio.timeout(timeout):
            while True:
                assert self.process is not None
                if self.process.returncode is not None:
                    raise AssertionError(f"{self.name} exited early:\n{self.output}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await web.get("/healthz")).status_code in {200, 503}:
                        return
                await asyncio.sleep(0.05)

    async def wait(self, timeout: float = 30.0) -> int:
        assert self.process is not None
        async with asyncio.timeout(timeout):
            return await self.process.wait()

    async def stop(self) -> int:
        """SIGTERM, and the exit status."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await self.wait()

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    async def webhook(self, sandbox: SandboxState, kind: str, ident: int) -> httpx.Response:
        body = json.dumps(sandbox.webhook_body(kind, ident)).encode()
        async with httpx.AsyncClient(base_url=self.url) as web:
            return await web.post(
                f"/webhooks/tokopedia/{TOPIC_OF_KIND[kind]}",
                content=body,
                headers={"Authorization-Hmac": sign(body, WEBHOOK_SECRET)},
            )

    async def telegram_update(self, update: dict[str, Any]) -> httpx.Response:
        """What Telegram does in webhook mode: POST the update to ``/telegram``."""
        async with httpx.AsyncClient(base_url=self.url) as web:
            return await web.post(
                "/telegram",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
            )


@contextlib.asynccontextmanager
async def serving_sandbox(sandbox: SandboxState, port: int) -> AsyncIterator[None]:
    task = asyncio.create_task(serve_tokopedia(sandbox, port=port))
    try:
        async with httpx.AsyncClient() as probe, asyncio.timeout(10):
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    await probe.get(f"http://127.0.0.1:{port}/")
                    break
                await asyncio.sleep(0.05)
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def wait_for(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.05)
