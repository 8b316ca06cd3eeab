"""Ingest: signed webhooks -> tokobot's HTTP app -> the SQLite inbox, over real sockets.

tokobot's web app runs under uvicorn in this process, built by ``bot.app.runtime`` exactly
as ``tokobot run`` builds it, with one extra route: ``POST /bench/bare/{name}/{topic}``
reads the body and answers 200 without verifying or storing anything. The load generator
runs in a separate process (``bench.loadgen``) and times both routes in the same run. The
delivery worker is not started, so the figures are the receiving path alone.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select

from bench.common import bench_settings, serving
from bench.loadgen import BARE_PATH
from bot.app import runtime, settle_heap
from storage.models import InboxEvent


def bare_router() -> APIRouter:
    """The baseline: routed like the webhook route (path parameters and all), no work."""
    router = APIRouter()

    @router.post(BARE_PATH + "/{name}/{topic}")
    async def bare(request: Request, name: str, topic: str) -> Response:
        body = await request.body()
        return JSONResponse({"ok": bool(body), "stored": 0, "duplicates": 0})

    return router


async def _load(job: dict[str, Any]) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.loadgen",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate(json.dumps(job).encode())
    if process.returncode != 0:
        raise RuntimeError(f"load generator failed with exit code {process.returncode}")
    result: dict[str, Any] = json.loads(out)
    return result


def _ident(row: InboxEvent) -> tuple[str, str]:
    if row.kind == "order_created":
        return "order", row.order_id
    payload = json.loads(row.payload)
    return "chat", str(payload["message"]["conversation"]["conversation_id"])


def check_inbox(rows: list[InboxEvent], acked: list[tuple[str, str]]) -> dict[str, int]:
    """Every acknowledged webhook must be in the inbox exactly once."""
    wanted = set(acked)
    stored: dict[tuple[str, str], int] = {}
    for row in rows:
        key = _ident(row)
        stored[key] = stored.get(key, 0) + 1
    return {
        "acked": len(acked),
        "inbox_rows": len(rows),
        "missing": sum(1 for key in wanted if key not in stored),
        "duplicated": sum(1 for n in stored.values() if n > 1),
        "unacked_rows": sum(1 for key in stored if key not in wanted),
    }


async def _phase(
    port: int, *, count: int, offset: int, concurrency: int, bare: bool
) -> dict[str, Any]:
    """Run one load phase; adds the server's CPU time per answered request."""
    job = {
        "host": "127.0.0.1",
        "port": port,
        "count": count,
        "offset": offset,
        "concurrency": concurrency,
        "bare": bare,
    }
    before = resource.getrusage(resource.RUSAGE_SELF)  # this process only, not the client
    result = await _load(job)
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    result["server_cpu_us_per_request"] = round(cpu / max(result["ok"], 1) * 1e6)
    # Includes the idle time before the client's first request; fine over thousands.
    result["server_cpu_busy"] = round(cpu / result["seconds"], 2) if result["seconds"] else 0
    return result


async def run_ingest(
    *, count: int, concurrency: int, warmup: int = 500, freeze_gc: bool = True
) -> dict[str, Any]:
    """Warm both routes up, then time the bare route and the webhook route in turn."""
    phases: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="tokobot-bench-") as tmp:
        settings = bench_settings(
            database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'tokobot.db'}",
            telegram_api_url="http://127.0.0.1:9",  # never called: the relay is not started
            tokopedia_url="http://127.0.0.1:9",
        )
        async with runtime(settings, extra=bare_router()) as rt:
            if freeze_gc:
                settle_heap()  # exactly what bot.app.run does before serving
            async with serving(rt.web) as port:
                plan = [
                    ("warmup_bare", warmup, 0, True),
                    ("warmup_webhook", warmup, 0, False),
                    ("bare", count, warmup, True),
                    ("webhook", count, warmup, False),
                ]
                for name, n, offset, to_bare in plan:
                    phases[name] = await _phase(
                        port, count=n, offset=offset, concurrency=concurrency, bare=to_bare
                    )
            async with rt.sessions() as session:
                rows = list((await session.execute(select(InboxEvent))).scalars())
    acked = [(topic, ident) for phase in phases.values() for topic, ident in phase.pop("acked")]
    bare, hooks = phases["bare"], phases["webhook"]
    return {
        "count": count,
        "concurrency": concurrency,
        "freeze_gc": freeze_gc,
        "bare": bare,
        "webhook": hooks,
        "ratio": round(hooks["per_second"] / bare["per_second"], 3) if bare["per_second"] else 0,
        "inbox": check_inbox(rows, acked),
    }
