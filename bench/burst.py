"""Burst: 1,000 new orders at once, relayed under Telegram's real 20/min group limit.

Everything runs over loopback sockets: the strict fake Telegram (``enforce_limits=True``,
real clock), the Tokopedia sandbox holding the orders, and tokobot as ``tokobot run`` starts
it (``runtime`` + ``started``: polling, JobQueue and the delivery worker). The sandbox's
signed order notifications are posted to tokobot's webhook route, and the clock runs until
every order is visible in the group on a message with a button whose callback token
resolves to that order.
"""

from __future__ import annotations

import asyncio
import math
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from bench.bodies import Webhook, order_webhooks, sandbox_state
from bench.common import ADMIN_ID, BOT_TOKEN, CHAT_ID, bench_settings, serving
from bot.app import Runtime, runtime, started
from bot.domain.vocab import ButtonAction
from bot.relay.pacer import GroupPacer
from bot.render.orders import DIGEST_MAX_ORDERS
from bot.sandbox.telegram import Call, FakeTelegram
from bot.sandbox.telegram import serve as serve_telegram
from bot.sandbox.tokopedia import SandboxState, create_app
from storage.models import CallbackToken, InboxEvent

# An alert's buttons that act on its order.
ORDER_ACTIONS = frozenset({ButtonAction.ACCEPT, ButtonAction.REJECT})
FIRST_ORDER_ID = 900_000_001
POLL_SECONDS = 0.2


def _tokens(markup: object) -> list[str]:
    if not isinstance(markup, dict):
        return []
    return [
        str(button["callback_data"])
        for row in markup.get("inline_keyboard", [])
        for button in row
        if "callback_data" in button
    ]


@dataclass
class Visibility:
    """Which orders the group can see and act on, from the fake's record of sent messages."""

    sessions: async_sessionmaker[AsyncSession]
    seen_calls: int = 0
    meaning: dict[str, tuple[str, str]] = field(default_factory=dict)  # token -> (action, ref)
    first_seen: dict[str, float] = field(default_factory=dict)  # order id -> call time
    shown: Counter[str] = field(default_factory=Counter)  # order id -> times shown
    orders_per_message: list[int] = field(default_factory=list)

    async def update(self, calls: Sequence[Call]) -> None:
        fresh = [
            call
            for call in calls[self.seen_calls :]
            if call.ok and call.method == "sendMessage" and call.params.get("chat_id") == CHAT_ID
        ]
        self.seen_calls = len(calls)
        markups = [_tokens(call.params.get("reply_markup")) for call in fresh]
        await self._resolve(token for tokens in markups for token in tokens)
        for call, tokens in zip(fresh, markups, strict=True):
            # A digest has one "order" button per order; an alert has accept and reject.
            meanings = [self.meaning[token] for token in tokens if token in self.meaning]
            opens = Counter(ref for action, ref in meanings if action == ButtonAction.ORDER)
            acts = {ref for action, ref in meanings if action in ORDER_ACTIONS} - opens.keys()
            opens.update(acts)
            self.orders_per_message.append(len(opens))
            self.shown.update(opens)
            for order_id in opens:
                self.first_seen.setdefault(order_id, call.at)

    async def _resolve(self, tokens: Iterable[str]) -> None:
        wanted = [token for token in set(tokens) if token not in self.meaning]
        if not wanted:
            return
        async with self.sessions() as session:
            query = select(
                col(CallbackToken.token), col(CallbackToken.action), col(CallbackToken.ref)
            )
            rows = await session.execute(query.where(col(CallbackToken.token).in_(wanted)))
            for token, action, ref in rows:
                self.meaning[token] = (action, ref)


async def _post_all(port: int, hooks: Sequence[Webhook], concurrency: int) -> int:
    """Post the webhooks as Tokopedia would, ``concurrency`` at a time; returns the 200s."""
    pending = iter(hooks)
    acked = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal acked
        for hook in pending:
            response = await client.post(
                f"/webhooks/tokopedia/{hook.topic}",
                content=hook.body,
                headers={"Content-Type": "application/json", "Authorization-Hmac": hook.signature},
            )
            acked += response.status_code == 200

    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=30) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return acked


async def _inbox_counts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessions() as session:
        status = col(InboxEvent.status)
        rows = await session.execute(select(status, func.count()).group_by(status))
        return {str(status): int(count) for status, count in rows}


async def _settled_inbox(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """Inbox rows by status, once the relay has recorded what it last sent (a few seconds)."""
    for _ in range(50):
        counts = await _inbox_counts(sessions)
        if not counts.get("pending"):
            break
        await asyncio.sleep(POLL_SECONDS)
    return counts


def _calls_summary(calls: Sequence[Call]) -> dict[str, Any]:
    to_telegram = [call for call in calls if call.method != "getUpdates"]
    methods: dict[str, int] = {}
    for call in to_telegram:
        methods[call.method] = methods.get(call.method, 0) + 1
    return {
        "calls": len(to_telegram),
        "calls_by_method": methods,
        "get_updates_calls": len(calls) - len(to_telegram),
        "rate_limited_429": sum(1 for call in calls if call.error_code == 429),
        "failed_calls": sum(1 for call in to_telegram if not call.ok),
    }


def _floor(count: int, pacer: GroupPacer) -> dict[str, float]:
    """The baseline: the fewest messages and least time the flood limit allows.

    Every order in a full digest, and bulk traffic's share of the rolling window used to
    the last slot: only the messages beyond the first window have to wait out a period.
    """
    messages = math.ceil(count / DIGEST_MAX_ORDERS)
    per_window = pacer.group_limit - pacer.bulk_reserve
    return {
        "floor_messages": messages,
        "floor_seconds": (math.ceil(messages / per_window) - 1) * pacer.period,
    }


@asynccontextmanager
async def running_bot(
    fake: FakeTelegram, state: SandboxState
) -> AsyncIterator[tuple[Runtime, int]]:
    """tokobot as ``tokobot run`` starts it, on a throw-away SQLite database, talking to
    ``fake`` and the Tokopedia sandbox over loopback; yields it and its web port once the
    start-up reconciliation has polled, so that what a benchmark times is its own load."""
    with tempfile.TemporaryDirectory(prefix="tokobot-bench-") as tmp:
        async with serve_telegram(fake) as telegram_url, serving(create_app(state)) as sandbox:
            settings = bench_settings(
                database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'tokobot.db'}",
                telegram_api_url=telegram_url.removesuffix("/bot"),
                tokopedia_url=f"http://127.0.0.1:{sandbox}",
            )
            async with runtime(settings) as rt, started(rt), serving(rt.web) as port:
                await _after_first_reconcile(state)
                yield rt, port


async def _after_first_reconcile(state: SandboxState, wait: float = 15.0) -> None:
    """Wait for the start-up reconciliation's order poll, so the burst is webhooks alone."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if any(call.path == "/v2/order/list" for call in state.calls):
            return
        await asyncio.sleep(0.1)


async def run_burst(*, count: int, concurrency: int, limit: float = 300.0) -> dict[str, Any]:
    """Post ``count`` new orders; wait at most ``limit`` seconds for all to be visible."""
    fake = FakeTelegram(token=BOT_TOKEN, enforce_limits=True)
    fake.add_chat(CHAT_ID, "Staff Toko Maju", members={ADMIN_ID: "administrator"})
    state = sandbox_state()
    async with running_bot(fake, state) as (rt, port):
        hooks = order_webhooks(state, count, first_id=FIRST_ORDER_ID)
        expected = {hook.ident for hook in hooks}
        visible = Visibility(rt.sessions)
        start = time.monotonic()
        acked = await _post_all(port, hooks, concurrency)
        acked_at = time.monotonic() - start
        while time.monotonic() - start < limit:
            await visible.update(fake.calls)
            if expected <= visible.first_seen.keys():
                break
            await asyncio.sleep(POLL_SECONDS)
        inbox = await _settled_inbox(rt.sessions)
        retries = rt.pacer.retry_after_seen
        floor = _floor(count, rt.pacer)
    shown = {order: at for order, at in visible.first_seen.items() if order in expected}
    sizes = visible.orders_per_message
    return {
        "orders": count,
        "acked": acked,
        "all_acked_seconds": round(acked_at, 2),
        "visible": len(shown),
        "all_visible_seconds": (
            round(max(shown.values()) - start, 1) if len(shown) == count else None
        ),
        "lost": count - len(shown),
        "duplicates": sum(n - 1 for n in visible.shown.values() if n > 1),
        "messages": len(sizes),
        "digests": sum(1 for n in sizes if n > 1),
        "single_alerts": sum(1 for n in sizes if n == 1),
        "inbox": inbox,
        "pacer_retries": retries,
        **floor,
        **_calls_summary(fake.calls),
    }
