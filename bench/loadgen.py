"""The load generator, run as its own process so its CPU never competes with the server's loop.

``python -m bench.loadgen`` reads a JSON job on stdin and writes JSON results on stdout. It
keeps ``concurrency`` HTTP/1.1 keep-alive connections busy (closed loop: each sends its next
request when the previous answer arrived) with prebuilt requests, so that per request it
spends little more than a socket write and a read; a general-purpose client such as httpx
would cap the measurement at its own speed.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from bench.bodies import Webhook, mixed_webhooks
from bench.common import percentile

BARE_PATH = "/bench/bare"


def request_bytes(hook: Webhook, *, host: str, port: int, bare: bool) -> bytes:
    path = f"{BARE_PATH if bare else '/webhooks'}/tokopedia/{hook.topic}"
    head = (
        f"POST {path} HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\n"
        "Content-Type: application/json\r\n"
        f"Authorization-Hmac: {hook.signature}\r\n"
        f"Content-Length: {len(hook.body)}\r\n"
        "\r\n"
    )
    return head.encode() + hook.body


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    if length is None:
        raise RuntimeError(f"response without Content-Length: {lines[0]}")
    return status, await reader.readexactly(length)


class _Phase:
    def __init__(self, hooks: Sequence[Webhook], requests: Sequence[bytes]) -> None:
        self.hooks = hooks
        self.requests = requests
        self.next: Iterator[int] = iter(range(len(requests)))
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.acked: list[tuple[str, str]] = []


async def _connection(host: str, port: int, phase: _Phase) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for index in phase.next:
            start = time.perf_counter()
            writer.write(phase.requests[index])
            status, body = await _response(reader)
            phase.latencies.append(time.perf_counter() - start)
            phase.statuses[status] += 1
            if status == 200 and b'"stored":1' in body:
                hook = phase.hooks[index]
                phase.acked.append((hook.topic, hook.ident))
    finally:
        writer.close()
        await writer.wait_closed()


async def run_phase(
    hooks: Sequence[Webhook], *, host: str, port: int, concurrency: int, bare: bool
) -> dict[str, Any]:
    requests = [request_bytes(hook, host=host, port=port, bare=bare) for hook in hooks]
    phase = _Phase(hooks, requests)
    start, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(_connection(host, port, phase) for _ in range(concurrency)))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    ok = phase.statuses[200]
    ms = [value * 1000 for value in phase.latencies]
    return {
        "requests": len(requests),
        "ok": ok,
        "errors": {str(code): n for code, n in phase.statuses.items() if code != 200},
        "seconds": round(seconds, 3),
        "per_second": round(ok / seconds, 1) if seconds else 0.0,
        "p50_ms": round(percentile(ms, 50), 2),
        "p90_ms": round(percentile(ms, 90), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "max_ms": round(max(ms, default=0.0), 2),
        # Share of a core the client used; near 1.0 it would be measuring itself.
        "client_cpu_busy": round(cpu / seconds, 2) if seconds else 0.0,
        "acked": [] if bare else phase.acked,
    }


async def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """One phase: ``count`` webhooks from id ``offset`` on, to the bare route or the real one."""
    hooks = mixed_webhooks(int(job["count"]), offset=int(job["offset"]))
    return await run_phase(
        hooks,
        host=job["host"],
        port=int(job["port"]),
        concurrency=int(job["concurrency"]),
        bare=bool(job["bare"]),
    )


def main() -> None:
    job = json.load(sys.stdin)
    json.dump(asyncio.run(run_job(job)), sys.stdout)


if __name__ == "__main__":
    main()
