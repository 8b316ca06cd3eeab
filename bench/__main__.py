"""``python -m bench [--only ingest|burst|bulk-accept|fuzz] [-n N] [-c C]``: run, print, save.

Without ``--only`` the performance benchmarks run (ingest, burst, bulk-accept); ``fuzz`` runs
on its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.bulk_accept import run_bulk_accept
from bench.burst import run_burst
from bench.chat_burst import run_chat_burst
from bench.fuzz import run_fuzz
from bench.ingest import run_ingest
from bench.report import correctness_failures, print_report

RESULTS = Path(__file__).with_name("results") / "latest.json"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--only",
        choices=["ingest", "burst", "bulk-accept", "chat-burst", "fuzz"],
        help="run one benchmark",
    )
    parser.add_argument("-n", type=int, default=10_000, help="ingest: webhooks per route")
    parser.add_argument("-c", type=int, default=32, help="concurrent connections")
    parser.add_argument("--orders", type=int, default=1_000, help="burst: new orders")
    parser.add_argument(
        "--limit", type=float, default=300.0, help="burst: give up after this many seconds"
    )
    parser.add_argument(
        "--bodies", type=int, default=10_000, help="fuzz: signed hostile bodies to send"
    )
    parser.add_argument(
        "--quiet-interval",
        type=float,
        default=4.5,
        help="chat-burst C: seconds between the quiet hour's 30 messages (compressed)",
    )
    parser.add_argument(
        "--no-freeze-gc",
        dest="freeze_gc",
        action="store_false",
        help="ingest: skip the gc.freeze() that tokobot run does before serving",
    )
    return parser


def _machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": _machine()}
    if args.only in (None, "ingest"):
        results["ingest"] = await run_ingest(
            count=args.n, concurrency=args.c, freeze_gc=args.freeze_gc
        )
    if args.only in (None, "burst"):
        results["burst"] = await run_burst(count=args.orders, concurrency=args.c, limit=args.limit)
    if args.only in (None, "bulk-accept"):
        results["bulk_accept"] = await run_bulk_accept(limit=args.limit)
    if args.only == "chat-burst":
        results["chat_burst"] = await run_chat_burst(quiet_interval=args.quiet_interval)
    if args.only == "fuzz":
        results["fuzz"] = await run_fuzz(count=args.bodies, concurrency=min(args.c, 16))
    return results


def main() -> int:
    args = _parser().parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    results = asyncio.run(_run(args))
    # The fuzz run is kept apart, so it never replaces the performance figures.
    # So are the chat-burst scenarios: a run of their own.
    apart = {"fuzz": "fuzz.json", "chat-burst": "chat_burst.json"}
    saved = RESULTS.with_name(apart[args.only]) if args.only in apart else RESULTS
    saved.parent.mkdir(exist_ok=True)
    saved.write_text(json.dumps(results, indent=2) + "\n")
    print_report(results)
    print(f"\nsaved {saved}")
    failures = correctness_failures(results)
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
