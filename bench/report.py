"""The printed table and the checks that make ``python -m bench`` fail."""

from __future__ import annotations

from typing import Any

from bench.chat_burst import chat_burst_failures, print_chat_burst

INGEST_RATE = 1_000  # acks/s
INGEST_P99_MS = 50.0
INGEST_RATIO = 0.5  # of the bare endpoint
BURST_SECONDS = 180.0


def _mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def _ingest(result: dict[str, Any]) -> None:
    bare, hook, inbox = result["bare"], result["webhook"], result["inbox"]
    print(
        f"\ningest: {result['count']:,} signed webhooks per route, {result['concurrency']} "
        f"connections, SQLite file (gc.freeze: {'yes' if result['freeze_gc'] else 'no'})"
    )
    print(f"  {'':22}{'acks/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'server CPU/req':>16}")
    for label, row in (("bare endpoint", bare), ("tokobot webhook", hook)):
        print(
            f"  {label:22}{row['per_second']:>9,.0f}{row['p50_ms']:>9.1f}{row['p99_ms']:>9.1f}"
            f"{row['server_cpu_us_per_request']:>13,} us"
        )
    print(
        f"  ratio webhook/bare: {result['ratio']:.2f} acks/s, "
        f"{hook['p99_ms'] / bare['p99_ms']:.1f}x p99, "
        f"{hook['server_cpu_us_per_request'] / bare['server_cpu_us_per_request']:.1f}x CPU"
    )
    print(
        f"  CPU busy (share of one core): server {bare['server_cpu_busy']} / "
        f"{hook['server_cpu_busy']}, load generator {bare.get('client_cpu_busy')} / "
        f"{hook.get('client_cpu_busy')} (bare / webhook)"
    )
    print(
        f"  inbox: {inbox['acked']:,} acked, {inbox['inbox_rows']:,} rows, "
        f"{inbox['missing']} missing, {inbox['duplicated']} duplicated"
    )
    print(
        f"  targets: >= {INGEST_RATE:,}/s {_mark(hook['per_second'] >= INGEST_RATE)}, "
        f"p99 < {INGEST_P99_MS:.0f} ms {_mark(hook['p99_ms'] < INGEST_P99_MS)}, "
        f">= {INGEST_RATIO} of bare {_mark(result['ratio'] >= INGEST_RATIO)}"
    )


def _burst(result: dict[str, Any]) -> None:
    seconds = result["all_visible_seconds"]
    print(f"\nburst: {result['orders']:,} new orders, fake Telegram at 20 msgs/min per group")
    print(f"  all acked after {result['all_acked_seconds']:.1f} s")
    if seconds is None:
        print(f"  NOT all visible: {result['visible']:,} of {result['orders']:,}")
    else:
        print(
            f"  all visible and actionable after {seconds:.1f} s "
            f"({seconds / result['floor_seconds']:.2f}x the limit's floor of "
            f"{result['floor_seconds']:.0f} s) {_mark(seconds < BURST_SECONDS)}"
            if result["floor_seconds"]
            else f"  all visible and actionable after {seconds:.1f} s"
        )
    print(
        f"  messages: {result['messages']} ({result['digests']} digests, "
        f"{result['single_alerts']} single alerts; floor {result['floor_messages']}); "
        f"Telegram calls {result['calls']} (+{result['get_updates_calls']} getUpdates)"
    )
    print(
        f"  429s {result['rate_limited_429']}, lost {result['lost']}, "
        f"duplicates {result['duplicates']}, inbox {result['inbox']}"
    )


def _bulk_accept(result: dict[str, Any]) -> None:
    seconds = result["all_accepted_seconds"]
    print(
        f"\nbulk-accept: {result['orders_in_digests']} orders in {result['digests']} digests "
        f"accepted with Terima semua, sandbox ACK limit {result['ack_limit']}"
    )
    if seconds is None:
        print("  NOT all accepted")
    else:
        after_yes, floor = result["accepted_after_first_yes_seconds"], result["floor_seconds"]
        print(
            f"  all accepted {after_yes:.1f} s after the first Yes "
            f"({after_yes / floor:.2f}x the ACK limit's floor of {floor:.1f} s); "
            f"{seconds:.1f} s after the first press"
        )
    print(f"  every tally shown after {result['tallies_shown_seconds']} s")
    print(
        f"  Telegram: {result['group_messages']} group messages and edits "
        f"({result['calls_by_method']}), 429s {result['telegram_429']}"
    )
    print(
        f"  marketplace: {result['ack_calls']} ACK calls, {result['marketplace_429']} met a 429; "
        f"double accepts {result['double_accepts']}, audit entries missing or repeated "
        f"{result['audit_missing_or_repeated']}"
    )


def _fuzz(result: dict[str, Any]) -> None:
    print(
        f"\nfuzz: {result['hostile']:,} signed hostile bodies and {result['genuine']:,} genuine "
        f"webhooks at a running `tokobot run`, {result['concurrency']} connections"
    )
    print(f"  hostile answers by status: {result['hostile_statuses']}")
    print(f"  genuine answers by status: {result['genuine_statuses']}")
    if result["no_answer"]:
        print(f"  no answer at all: {result['no_answer']}")
    print(f"  {_mark(result['server_errors'] == 0)} 5xx answers: {result['server_errors']}")
    print(
        f"  {_mark(result['lost_genuine'] == 0)} genuine webhooks lost: {result['lost_genuine']}"
    )
    healthy, code = result["healthy_after"], result["exit_code"]
    print(f"  {_mark(healthy and code == 0)} /healthz 200 afterwards; exit code {code}")
    seconds, generated = result["send_seconds"], result["generate_seconds"]
    print(f"  sent in {seconds} s (bodies generated in {generated} s)")


def print_report(results: dict[str, Any]) -> None:
    machine = results["machine"]
    print(
        f"tokobot benchmarks: {machine['cpus']} CPUs, Python {machine['python']}, "
        f"SQLite {machine['sqlite']}, {machine['at']}"
    )
    if "ingest" in results:
        _ingest(results["ingest"])
    if "burst" in results:
        _burst(results["burst"])
    if "bulk_accept" in results:
        _bulk_accept(results["bulk_accept"])
    if "chat_burst" in results:
        print_chat_burst(results["chat_burst"])
    if "fuzz" in results:
        _fuzz(results["fuzz"])


def correctness_failures(results: dict[str, Any]) -> list[str]:
    """Broken guarantees (not missed speed targets, which depend on the machine)."""
    failures = []
    if "ingest" in results:
        inbox = results["ingest"]["inbox"]
        if inbox["missing"] or inbox["duplicated"] or inbox["unacked_rows"]:
            failures.append(f"ingest: inbox does not hold each acked webhook once: {inbox}")
        for name in ("bare", "webhook"):
            if results["ingest"][name]["errors"]:
                failures.append(f"ingest: {name} answered {results['ingest'][name]['errors']}")
    if "fuzz" in results:
        fuzz = results["fuzz"]
        if fuzz["server_errors"] or fuzz["no_answer"]:
            failures.append(
                f"fuzz: {fuzz['server_errors']} answers were 5xx ({fuzz['no_answer']})"
            )
        if fuzz["lost_genuine"]:
            failures.append(f"fuzz: {fuzz['lost_genuine']} genuine webhooks lost")
        if not fuzz["healthy_after"] or fuzz["exit_code"] != 0:
            failures.append("fuzz: tokobot was not healthy afterwards or did not stop cleanly")
    if "burst" in results:
        burst = results["burst"]
        if burst["acked"] != burst["orders"]:
            failures.append(f"burst: {burst['orders'] - burst['acked']} webhooks not acked")
        for key in ("lost", "duplicates", "rate_limited_429"):
            if burst[key]:
                failures.append(f"burst: {key} = {burst[key]}")
    chats = results.get("chat_burst")
    failures += chat_burst_failures(chats) if chats else []
    bulk = results.get("bulk_accept")
    return failures + (_bulk_failures(bulk) if bulk else [])


def _bulk_failures(bulk: dict[str, Any]) -> list[str]:
    failures = [] if bulk["all_accepted"] else ["bulk-accept: not every order was accepted"]
    for key in ("double_accepts", "audit_missing_or_repeated", "telegram_429"):
        if bulk[key]:
            failures.append(f"bulk-accept: {key} = {bulk[key]}")
    return failures
