"""Fuzz: signed hostile bodies at a real ``tokobot run``, with genuine webhooks in between.

``tokobot run`` runs as its own process on loopback, against the fake Telegram and the
Tokopedia sandbox, exactly as an operator starts it. The bodies come from the Hypothesis
strategies the route tests use (``tests/hostile_bodies.py``): arbitrary bytes and JSON,
mutated real payloads and structural attacks (nesting, invalid UTF-8, surrogates, NULs, huge
numbers, over-long ids), each correctly signed so it reaches parsing and storage. Every tenth
request is a genuine new-order or chat webhook. The targets: no 5xx at all, and every genuine
webhook answered 200 and found in the inbox after the process has stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sqlite3
import sys
import tempfile
import time
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.bodies import Webhook, mixed_webhooks, sandbox_state
from bench.common import (
    ADMIN_ID,
    BOT_TOKEN,
    CHAT_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    FS_ID,
    WEBHOOK_SECRET,
)
from bench.ingest import check_inbox
from bot.http.webhooks import MAX_BODY_BYTES
from bot.sandbox.telegram import FakeTelegram
from bot.sandbox.telegram.server import serve as serve_telegram
from bot.sandbox.tokopedia import serve as serve_tokopedia
from bot.sandbox.tokopedia import sign

SAMPLES = Path(__file__).resolve().parent.parent / "tests" / "samples" / "tokopedia"
TOPIC_SAMPLES = {
    "chat": ["webhook_chat.json", "webhook_chat_string_ids.json"],
    "order": ["webhook_order_notification.json", "webhook_order_notification_variant.json"],
    "order-status": ["webhook_order_status.json", "webhook_order_status_shipped.json"],
    "order-cancellation": ["webhook_order_cancellation.json"],
    "order-request-cancellation": [
        "webhook_request_cancellation.json",
        "webhook_request_cancellation_string.json",
    ],
}
GENUINE_EVERY = 10
BATCH = 250  # examples per Hypothesis run
GENUINE_OFFSET = 900_000  # ids far from the ingest benchmark's and the samples'


def hostile_bodies(count: int) -> list[tuple[str, bytes]]:
    """``count`` (topic, body) pairs drawn from the route tests' strategies, reproducibly."""
    from hypothesis import HealthCheck, Phase, given, settings  # noqa: PLC0415 - dev only
    from hypothesis import seed as hypothesis_seed  # noqa: PLC0415
    from hypothesis import strategies as st  # noqa: PLC0415

    from tests.hostile_bodies import json_objects, mutated, structural  # noqa: PLC0415

    documents = {
        topic: [json.loads((SAMPLES / name).read_text()) for name in names]
        for topic, names in TOPIC_SAMPLES.items()
    }
    keys = sorted({key for docs in documents.values() for doc in docs for key in doc})
    topics = st.sampled_from(sorted(documents))
    body = topics.flatmap(
        lambda topic: st.tuples(
            st.just(topic),
            st.one_of(
                mutated(documents[topic]),
                structural(documents[topic]),
                json_objects(keys),
                st.binary(max_size=2048),
            ),
        )
    )
    drawn: list[tuple[str, bytes]] = []

    def collect_batch(seed: int, size: int) -> None:
        # Small separate runs: one run of 10,000 examples makes Hypothesis keep a choice
        # tree that grows past the machine's memory.
        @hypothesis_seed(seed)
        @settings(
            max_examples=size,
            database=None,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(body)
        def collect(pair: tuple[str, bytes]) -> None:
            if len(drawn) < count:
                drawn.append(pair)

        collect()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seed = 0
        while len(drawn) < count:
            collect_batch(seed, min(BATCH, count - len(drawn)))
            seed += 1
    return drawn


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(telegram_url: str, market_url: str, http_port: int, database: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin"),
        "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
        "TELEGRAM_CHAT_ID": str(CHAT_ID),
        "TELEGRAM_API_URL": telegram_url,
        "TELEGRAM_ADMIN_IDS": str(ADMIN_ID),
        "MARKETPLACES": "tokopedia",
        "TOKOPEDIA_APP_ID": str(FS_ID),
        "TOKOPEDIA_CLIENT_ID": CLIENT_ID,
        "TOKOPEDIA_CLIENT_SECRET": CLIENT_SECRET,
        "TOKOPEDIA_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "TOKOPEDIA_API_URL": market_url,
        "TOKOPEDIA_AUTH_URL": market_url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "HTTP_HOST": "127.0.0.1",  # loopback only
        "HTTP_PORT": str(http_port),
        "LOG_FORMAT": "text",
    }


class _Tally:
    def __init__(self) -> None:
        self.hostile: Counter[int] = Counter()
        self.genuine: Counter[int] = Counter()
        self.acked: list[tuple[str, str]] = []
        self.failed: Counter[str] = Counter()  # transport failures: no answer at all


async def _send(
    client: httpx.AsyncClient,
    plan: list[tuple[str, bytes, Webhook | None]],
    tally: _Tally,
    concurrency: int,
) -> None:
    queue = iter(plan)

    async def worker() -> None:
        for topic, body, genuine in queue:
            headers = {"Authorization-Hmac": sign(body, WEBHOOK_SECRET)}
            try:
                response = await client.post(
                    f"/webhooks/tokopedia/{topic}", content=body, headers=headers
                )
            except httpx.HTTPError as exc:
                tally.failed[f"{type(exc).__name__} ({_size(body)})"] += 1
                continue
            if genuine is None:
                tally.hostile[response.status_code] += 1
                continue
            tally.genuine[response.status_code] += 1
            if response.status_code == 200 and response.json().get("stored") == 1:
                tally.acked.append((genuine.topic, genuine.ident))

    await asyncio.gather(*(worker() for _ in range(concurrency)))


@dataclass(frozen=True)
class _Row:
    kind: str
    order_id: str
    payload: str


def _size(body: bytes) -> str:
    return "over the size cap" if len(body) > MAX_BODY_BYTES else f"{len(body)} bytes"


def _inbox(database: Path) -> list[Any]:
    """New-order and chat rows, read after the process stopped (nothing else has it open).

    Hostile bodies that were valid enough to store are among them; ``check_inbox`` counts
    those as rows nobody acknowledged, and looks for each acknowledged genuine webhook.
    """
    with contextlib.closing(sqlite3.connect(database)) as db:
        rows = db.execute(
            "SELECT kind, order_id, payload FROM inbox_event"
            " WHERE kind IN ('order_created', 'buyer_message')"
        ).fetchall()
    return [_Row(*row) for row in rows]


async def run_fuzz(*, count: int, concurrency: int) -> dict[str, Any]:
    started = time.perf_counter()
    bodies = hostile_bodies(count)
    generated = time.perf_counter() - started
    genuine = mixed_webhooks(count // GENUINE_EVERY, offset=GENUINE_OFFSET)
    plan: list[tuple[str, bytes, Webhook | None]] = []
    for index, (topic, body) in enumerate(bodies):
        if index % GENUINE_EVERY == 0 and index // GENUINE_EVERY < len(genuine):
            hook = genuine[index // GENUINE_EVERY]
            plan.append((hook.topic, hook.body, hook))
        plan.append((topic, body, None))
    sandbox = sandbox_state()
    fake = FakeTelegram(token=BOT_TOKEN)
    fake.add_chat(CHAT_ID, "Staff Toko Maju", members={ADMIN_ID: "administrator"})
    tally = _Tally()
    with tempfile.TemporaryDirectory(prefix="tokobot-fuzz-") as tmp:
        database = Path(tmp) / "tokobot.db"
        market_port, http_port = _free_port(), _free_port()
        market = asyncio.create_task(serve_tokopedia(sandbox, port=market_port))
        try:
            async with serve_telegram(fake) as telegram_url:
                env = _env(
                    telegram_url.removesuffix("/bot"),
                    f"http://127.0.0.1:{market_port}",
                    http_port,
                    database,
                )
                health, seconds, exit_code = await _against_process(
                    env, tmp, http_port, plan, tally, concurrency
                )
        finally:
            market.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await market
        rows = _inbox(database)
    inbox = check_inbox(rows, tally.acked)
    genuine_sent = len(genuine)
    lost = genuine_sent - len(tally.acked) + inbox["missing"]
    return {
        "hostile": count,
        "genuine": genuine_sent,
        "concurrency": concurrency,
        "generate_seconds": round(generated, 1),
        "send_seconds": round(seconds, 1),
        "hostile_statuses": {str(k): v for k, v in sorted(tally.hostile.items())},
        "genuine_statuses": {str(k): v for k, v in sorted(tally.genuine.items())},
        "no_answer": dict(tally.failed),
        "server_errors": sum(
            n for c in (tally.hostile, tally.genuine) for s, n in c.items() if s >= 500
        ),
        "lost_genuine": lost,
        "inbox": inbox,
        "healthy_after": health,
        "exit_code": exit_code,
    }


async def _against_process(
    env: dict[str, str],
    cwd: str,
    port: int,
    plan: list[tuple[str, bytes, Webhook | None]],
    tally: _Tally,
    concurrency: int,
) -> tuple[bool, float, int | None]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=cwd, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        limits = httpx.Limits(max_connections=concurrency)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=30
        ) as client:
            async with asyncio.timeout(60):
                while True:
                    with contextlib.suppress(httpx.HTTPError):
                        if (await client.get("/healthz")).status_code == 200:
                            break
                    await asyncio.sleep(0.1)
            start = time.perf_counter()
            await _send(client, plan, tally, concurrency)
            seconds = time.perf_counter() - start
            healthy = (await client.get("/healthz")).status_code == 200
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(60):
            code = await process.wait()
        return healthy, seconds, code
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
