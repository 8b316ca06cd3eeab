"""``python -m bench.processes``: a burst on three ``tokobot run`` processes sharing PostgreSQL.

The issue's full size: 300 new orders and 300 buyer chats in webhook mode, each webhook also
redelivered to a second process, and one process killed with SIGKILL and restarted once half
the events are delivered, against the strict fake Telegram (20 messages a minute in the
group, 429 beyond) and the Tokopedia sandbox, over loopback. Each chat is its own message,
so 300 chats take about twenty minutes of the group's budget: Telegram's limit, not tokobot's.

It prints the figures and exits 1 when a guarantee breaks: a webhook not acknowledged, a 429,
a chat shown twice or never, a message sent twice, an event not delivered. PostgreSQL comes
from ``TOKOBOT_TEST_PG`` (default ``postgresql://postgres@127.0.0.1:5432/test``); a scratch
database is created and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.bodies import Webhook, order_webhooks, sandbox_state
from bench.common import (
    ADMIN_ID,
    CHAT_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    FS_ID,
    SHOP_ID,
    WEBHOOK_SECRET,
)
from bot.render.orders import short_invoice
from bot.sandbox.telegram import FakeTelegram
from bot.sandbox.telegram import serve as serve_telegram
from bot.sandbox.tokopedia import SandboxState, sign
from bot.sandbox.tokopedia import serve as serve_tokopedia

ADMIN_PG = os.environ.get("TOKOBOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
ASYNC_PG = ADMIN_PG.replace("postgresql://", "postgresql+asyncpg://")


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def _scratch_database() -> AsyncIterator[str]:
    name = f"tokobot_bench_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(ASYNC_PG, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield f"{ASYNC_PG.rsplit('/', 1)[0]}/{name}"
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@dataclass
class Fleet:
    """The tokobot processes, one port and log each."""

    env: dict[str, str]
    ports: list[int]
    logs: Path
    procs: list[asyncio.subprocess.Process]

    async def start(self, index: int) -> None:
        with (self.logs / f"tokobot{index}.log").open("ab") as out:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                *("-m", "bot", "run"),
                env={**self.env, "HTTP_PORT": str(self.ports[index])},
                cwd=self.logs,
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
            )
        if index < len(self.procs):
            self.procs[index] = proc
        else:
            self.procs.append(proc)

    async def healthy(self, web: httpx.AsyncClient) -> None:
        async with asyncio.timeout(60):
            for port in self.ports:
                while True:
                    with contextlib.suppress(httpx.HTTPError):
                        if (await web.get(f"http://127.0.0.1:{port}/healthz")).is_success:
                            break
                    await asyncio.sleep(0.2)

    async def stop(self) -> None:
        for proc in self.procs:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(30):
                    await proc.wait()
            if proc.returncode is None:
                proc.kill()


def _chat_webhooks(state: SandboxState, count: int) -> list[Webhook]:
    hooks = []
    for i in range(count):
        room = state.add_chat(SHOP_ID, 900_000 + i, f"Pembeli {i}", f"bench-chat-{i:04d}")
        body = state.webhook_body("chat", room)
        raw = httpx.Request("POST", "/", json=body).content
        hooks.append(Webhook("chat", str(room), raw, sign(raw, WEBHOOK_SECRET)))
    return hooks


async def _delivered(database: str) -> tuple[int, int]:
    engine = create_async_engine(database)
    try:
        async with engine.connect() as connection:
            row = (
                await connection.execute(
                    text(
                        "SELECT count(*) FILTER (WHERE status = 'delivered'), count(*) "
                        "FROM inbox_event"
                    )
                )
            ).one()
    finally:
        await engine.dispose()
    return int(row[0]), int(row[1])


def _env(fake: FakeTelegram, bot_url: str, market_port: int, database: str) -> dict[str, str]:
    market = f"http://127.0.0.1:{market_port}"
    return {
        "PATH": os.environ.get("PATH", "/usr/bin"),
        "PTB_TIMEDELTA": "true",
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_CHAT_ID": str(CHAT_ID),
        "TELEGRAM_API_URL": bot_url.removesuffix("/bot"),
        "TELEGRAM_WEBHOOK_URL": "https://tokobot.test",
        "TELEGRAM_WEBHOOK_SECRET": "bench-telegram-secret",
        "MARKETPLACES": "tokopedia",
        "TOKOPEDIA_APP_ID": str(FS_ID),
        "TOKOPEDIA_CLIENT_ID": CLIENT_ID,
        "TOKOPEDIA_CLIENT_SECRET": CLIENT_SECRET,
        "TOKOPEDIA_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "TOKOPEDIA_API_URL": market,
        "TOKOPEDIA_AUTH_URL": market,
        "HTTP_HOST": "127.0.0.1",
        "DATABASE_URL": database,
    }


def _order_shown(order: dict[str, Any], texts: list[str]) -> int:
    """How many group messages show the order: an alert by its invoice, a digest by the
    line of its short number (the invoice's last four digits: unique among the bench's)."""
    invoice = str(order["invoice_num"])
    line = f"#{short_invoice(invoice)} "
    return sum(
        invoice in text or any(row.startswith(line) for row in text.splitlines()) for text in texts
    )


async def run(orders: int, chats: int, processes: int, limit: float) -> int:
    fake = FakeTelegram()
    fake.add_chat(CHAT_ID, "Staff", members={ADMIN_ID: "administrator"})
    state = sandbox_state()
    market_port = _port()
    market = asyncio.create_task(serve_tokopedia(state, port=market_port))
    logs = Path(tempfile.mkdtemp(prefix="tokobot-bench-"))
    async with (
        _scratch_database() as database,
        serve_telegram(fake) as bot_url,
        httpx.AsyncClient(timeout=60) as web,
    ):
        fleet = Fleet(_env(fake, bot_url, market_port, database), [], logs, [])
        fleet.ports = [_port() for _ in range(processes)]
        try:
            for index in range(processes):
                await fleet.start(index)
            await fleet.healthy(web)
            hooks = order_webhooks(state, orders, first_id=700_000_000)
            hooks += _chat_webhooks(state, chats)
            started = time.monotonic()
            answers = await asyncio.gather(
                *(
                    web.post(
                        f"http://127.0.0.1:{fleet.ports[(i + twice) % processes]}"
                        f"/webhooks/tokopedia/{hook.topic}",
                        content=hook.body,
                        headers={"Authorization-Hmac": hook.signature},
                    )
                    for i, hook in enumerate(hooks)
                    for twice in (0, 1)  # and a redelivery to the next process
                )
            )
            acked = time.monotonic() - started
            delivered, total, killed = 0, -1, False
            while time.monotonic() - started < limit:
                delivered, total = await _delivered(database)
                if not killed and delivered >= total // 2:
                    fleet.procs[1].send_signal(signal.SIGKILL)  # a crash mid-burst
                    await fleet.procs[1].wait()
                    await fleet.start(1)
                    killed = True
                if delivered == total:
                    break
                await asyncio.sleep(1.0)
            elapsed = time.monotonic() - started
        finally:
            await fleet.stop()
            market.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await market
    texts = [m.plain_text or "" for m in fake.messages(CHAT_ID) if m.from_id == fake.bot_id]
    shown = [sum(f"bench-chat-{i:04d}" in t for t in texts) for i in range(chats)]
    orders_shown = [_order_shown(order, texts) for order in state.orders.values()]
    too_many = [call for call in fake.calls if call.error_code == 429]
    lines = [
        f"{orders} orders + {chats} chats, {processes} processes, one killed and restarted",
        f"  acknowledged in {acked:.1f}s; delivered {delivered}/{total} in {elapsed:.0f}s",
        f"  group messages {len(texts)}, 429s {len(too_many)}",
        f"  chats shown twice {sum(n > 1 for n in shown)}, never {sum(n == 0 for n in shown)}",
        f"  orders shown twice {sum(n > 1 for n in orders_shown)},"
        f" never {sum(n == 0 for n in orders_shown)}",
        f"  logs in {logs}",
    ]
    print("\n".join(lines))
    broken = (
        {answer.status_code for answer in answers} != {200}
        or too_many
        or delivered != total
        or any(n != 1 for n in shown)
        or any(n != 1 for n in orders_shown)
        or len(set(texts)) != len(texts)
    )
    return 1 if broken else 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.processes", description=__doc__)
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--chats", type=int, default=300)
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--limit", type=float, default=1800.0, help="give up after (seconds)")
    args = parser.parse_args()
    return asyncio.run(run(args.orders, args.chats, args.processes, args.limit))


if __name__ == "__main__":
    raise SystemExit(main())
