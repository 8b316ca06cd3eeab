"""Chat burst: sale-day buyer chats at Telegram's real 20/min group limit (issue 12).

tokobot runs as ``tokobot run`` starts it, against the strict fake Telegram (real clock,
20 messages a minute per group) and the Tokopedia sandbox, over loopback sockets. Signed
chat (and order) webhooks are posted on a timetable; the fake's record of calls says when
each buyer text became visible in the group, and when each conversation got a button that
answers it (a callback token resolving to a Reply for that conversation).

* **A** 300 messages from 100 buyers within 20 s: all visible and answerable within 60 s.
* **B** 1,000 messages from 300 buyers and 1,000 new orders within 60 s: all visible
  within 3 min; no 429, nothing lost or shown twice (a digest entry counts as shown).
* **C** a quiet hour, 30 messages evenly spaced (compressed: one every ``quiet_interval``
  seconds, 4.5 by default, still well inside the budget; under the fake server's 5 s
  keep-alive, so an idle connection is not closed just as it is reused): each its own
  message within 2 s.
* **D** during B, staff press a digest's answer button and reply to the prompt: the
  buyer gets the answer and the staff message its 👍 within 10 s.

Each figure is reported beside its floor: what the budget alone allows.
"""

from __future__ import annotations

import asyncio
import html
import json
import math
import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from bench.bodies import Webhook, order_webhooks, sandbox_state
from bench.burst import Visibility, _after_first_reconcile, _calls_summary, _settled_inbox
from bench.common import (
    ADMIN_ID,
    BOT_TOKEN,
    CHAT_ID,
    SHOP_ID,
    WEBHOOK_SECRET,
    bench_settings,
    percentile,
    serving,
)
from bot.app import runtime, started
from bot.domain.values import BuyerMessage, Conversation, MarketplaceName
from bot.domain.vocab import ButtonAction
from bot.relay.pacer import GroupPacer
from bot.render.chat_digests import DigestEntry, pack
from bot.render.orders import DIGEST_MAX_ORDERS
from bot.sandbox.telegram import FakeTelegram
from bot.sandbox.telegram import serve as serve_telegram
from bot.sandbox.tokopedia import SandboxState, create_app, sign
from storage.models import CallbackToken

POLL = 0.2
_FIRST = ("Budi", "Siti", "Andi", "Dewi", "Rudi", "Ayu", "Joko", "Rina", "Agus", "Wati")
_ASKS = (
    "Kak, {p} ready stok?",
    "Bisa kirim hari ini nggak ya untuk {p}?",
    "Pesanan {p} saya kok belum diproses?",
    "Ada varian lain untuk {p}?",
    "Kalau beli 3 {p} dapat diskon kak?",
)
_PRODUCTS = ("kopi gayo 250g", "teh melati", "gula aren cair", "kaos polos hitam L")
FIRST_ORDER_ID = 910_000_001


@dataclass(frozen=True)
class ChatPost:
    """One buyer message to post: when (seconds after the start), its text and room."""

    offset: float
    hook: Webhook
    room: int
    text: str
    arrive: Callable[[], object]  # puts the message in the sandbox's chat room


def _chat_plan(
    state: SandboxState, *, messages: int, buyers: int, span: float, seed: int
) -> list[ChatPost]:
    """``messages`` from ``buyers`` spread evenly over ``span`` seconds, each text unique."""
    rng = random.Random(seed)
    buyer_list = [
        (700_000 + seed * 1_000 + n, f"{_FIRST[n % len(_FIRST)]} {seed:02d}{n:03d}")
        for n in range(buyers)
    ]
    plan = []
    for index in range(messages):
        buyer_id, name = buyer_list[index] if index < buyers else rng.choice(buyer_list)
        ask = rng.choice(_ASKS).format(p=rng.choice(_PRODUCTS))
        text = f"{ask} (no. {seed}-{index:04d})"
        # The room now; its message only when the webhook goes, or the start-up
        # reconciliation would find every message before its webhook.
        room = state.room_for(SHOP_ID, buyer_id, name).msg_id
        raw = _json(state.chat_webhook(room) | {"message": text})
        hook = Webhook("chat", str(room), raw, sign(raw, WEBHOOK_SECRET))
        offset = span * index / max(messages - 1, 1)
        arrive = partial(state.add_chat, SHOP_ID, buyer_id, name, text)
        plan.append(ChatPost(offset, hook, room, text, arrive))
    return plan


def _json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass
class ChatVisibility:
    """Which buyer texts the group shows, and which conversations have an answer button."""

    sessions: async_sessionmaker[AsyncSession]
    texts: set[str]
    seen_calls: int = 0
    meaning: dict[str, tuple[str, str]] = field(default_factory=dict)
    text_seen: dict[str, float] = field(default_factory=dict)
    text_shown: Counter[str] = field(default_factory=Counter)
    answerable: dict[str, float] = field(default_factory=dict)  # conversation id -> time
    texts_per_message: list[int] = field(default_factory=list)
    digest_message_ids: list[tuple[int, str, str]] = field(default_factory=list)

    async def update(self, calls: Sequence[Any]) -> None:
        fresh = [
            call
            for call in calls[self.seen_calls :]
            if call.ok and call.method == "sendMessage" and call.params.get("chat_id") == CHAT_ID
        ]
        self.seen_calls = len(calls)
        for call in fresh:
            shown = html.unescape(str(call.params.get("text", "")))
            found = [text for text in self.texts if text in shown]
            if found:
                self.texts_per_message.append(len(found))
            for text in found:
                self.text_shown[text] += 1
                self.text_seen.setdefault(text, call.at)
            markup = call.params.get("reply_markup")
            tokens = [
                str(button["callback_data"])
                for row in (markup or {}).get("inline_keyboard", [])
                for button in row
                if "callback_data" in button
            ]
            await self._resolve(tokens)
            for token in tokens:
                action, ref = self.meaning.get(token, ("", ""))
                if action == ButtonAction.REPLY:
                    self.answerable.setdefault(ref, call.at)

    async def _resolve(self, tokens: list[str]) -> None:
        wanted = [token for token in set(tokens) if token not in self.meaning]
        if not wanted:
            return
        async with self.sessions() as session:
            query = select(
                col(CallbackToken.token), col(CallbackToken.action), col(CallbackToken.ref)
            )
            for token, action, ref in await session.execute(
                query.where(col(CallbackToken.token).in_(wanted))
            ):
                self.meaning[token] = (action, ref)


Timed = tuple[float, Webhook, Callable[[], object] | None]


async def _post_on_time(port: int, timed: Sequence[Timed], start: float) -> dict[int, float]:
    """Post each webhook at its offset; returns index -> when it was acknowledged."""
    acked: dict[int, float] = {}
    gate = asyncio.Semaphore(16)
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=30) as client:

        async def post(index: int, offset: float, hook: Webhook, arrive: Any) -> None:
            await asyncio.sleep(max(0.0, start + offset - time.monotonic()))
            if arrive is not None:
                arrive()
            async with gate:
                response = await client.post(
                    f"/webhooks/tokopedia/{hook.topic}",
                    content=hook.body,
                    headers={
                        "Content-Type": "application/json",
                        "Authorization-Hmac": hook.signature,
                    },
                )
            if response.status_code == 200:
                acked[index] = time.monotonic()

        await asyncio.gather(*(post(i, *entry) for i, entry in enumerate(timed)))
    return acked


def _floor(
    plan: Sequence[ChatPost], orders: int, pacer: GroupPacer, span: float
) -> dict[str, Any]:
    """The fewest messages that carry everything, and the least time the budget allows."""
    entries: dict[int, list[BuyerMessage]] = {}
    for post in plan:
        conv = Conversation(
            marketplace=MarketplaceName.TOKOPEDIA,
            shop_id=str(SHOP_ID),
            conversation_id=str(post.room),
            buyer_id="",
            buyer_name="Budi 00000",
        )
        message = BuyerMessage(conversation=conv, text=post.text, received_at=datetime.now(UTC))
        entries.setdefault(post.room, []).append(message)
    digests = pack(
        [
            DigestEntry(messages[0].conversation, "Toko Maju Jaya", tuple(messages))
            for messages in entries.values()
        ],
        lang="id",
    )
    messages = len(digests) + math.ceil(orders / DIGEST_MAX_ORDERS)
    per_window = pacer.bulk_capacity
    budget = (math.ceil(messages / per_window) - 1) * pacer.period
    return {"floor_messages": messages, "floor_seconds": round(max(span, budget), 1)}


async def _answer_through_digest(
    fake: FakeTelegram, state: SandboxState, seen: ChatVisibility, limit: float
) -> dict[str, Any]:
    """D: press a chat digest's first answer button, reply to the prompt, time the 👍."""
    digest = next(
        (
            m
            for m in reversed(fake.messages(CHAT_ID))
            if "pembeli" in (m.plain_text or "") and (m.reply_markup or {}).get("inline_keyboard")
        ),
        None,
    )
    if digest is None:
        return {"answered": False, "why": "no chat digest was shown"}
    button = (digest.reply_markup or {})["inline_keyboard"][0][0]
    known = {m.message_id for m in fake.messages(CHAT_ID)}
    pressed = time.monotonic()
    fake.user_presses(CHAT_ID, ADMIN_ID, digest.message_id, button["callback_data"])
    prompt = None
    while prompt is None and time.monotonic() - pressed < limit:
        await asyncio.sleep(0.05)
        prompt = next(
            (
                m
                for m in fake.messages(CHAT_ID)
                if m.message_id not in known and "force_reply" in (m.reply_markup or {})
            ),
            None,
        )
    if prompt is None:
        return {"answered": False, "why": "no reply prompt"}
    prompted = time.monotonic()
    replies_before = len(state.replies)
    text = "Ready kak, silakan diorder"
    reply_id = fake.user_sends(CHAT_ID, ADMIN_ID, text, reply_to=prompt.message_id)
    written = time.monotonic()
    thumbs = None
    while time.monotonic() - written < limit:
        await asyncio.sleep(0.05)
        message = next((m for m in fake.messages(CHAT_ID) if m.message_id == reply_id), None)
        if message is not None and "👍" in message.reactions:
            thumbs = time.monotonic()
            break
    delivered = [r for r in state.replies[replies_before:] if r["message"] == text]
    return {
        "answered": thumbs is not None and len(delivered) == 1,
        "button": button["text"],
        "prompt_seconds": round(prompted - pressed, 2),
        "reply_to_thumbs_seconds": None if thumbs is None else round(thumbs - written, 2),
        "press_to_thumbs_seconds": None if thumbs is None else round(thumbs - pressed, 2),
        "reached_buyer": len(delivered) == 1,
    }


async def run_scenario(
    name: str,
    *,
    messages: int,
    buyers: int,
    span: float,
    orders: int = 0,
    limit: float,
    answer_after: float | None = None,
) -> dict[str, Any]:
    """Post the timetable, watch the group until everything is visible or ``limit`` passes."""
    fake = FakeTelegram(token=BOT_TOKEN, enforce_limits=True)
    fake.add_chat(CHAT_ID, "Staff Toko Maju", members={ADMIN_ID: "administrator"})
    state = sandbox_state()
    with tempfile.TemporaryDirectory(prefix="tokobot-bench-") as tmp:
        async with serve_telegram(fake) as telegram_url, serving(create_app(state)) as sandbox:
            settings = bench_settings(
                database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'tokobot.db'}",
                telegram_api_url=telegram_url.removesuffix("/bot"),
                tokopedia_url=f"http://127.0.0.1:{sandbox}",
            )
            async with runtime(settings) as rt, started(rt), serving(rt.web) as port:
                await _after_first_reconcile(state)
                plan = _chat_plan(
                    state, messages=messages, buyers=buyers, span=span, seed=ord(name[0]) - 60
                )
                order_hooks = order_webhooks(state, orders, first_id=FIRST_ORDER_ID)
                timed: list[Timed] = [(post.offset, post.hook, post.arrive) for post in plan]
                timed += [
                    (span * i / max(orders - 1, 1), hook, None)
                    for i, hook in enumerate(order_hooks)
                ]
                chats = ChatVisibility(rt.sessions, {post.text for post in plan})
                order_seen = Visibility(rt.sessions)
                rooms = {str(post.room) for post in plan}
                start = time.monotonic()
                poster = asyncio.create_task(_post_on_time(port, timed, start))
                answer: dict[str, Any] | None = None
                while time.monotonic() - start < limit:
                    await chats.update(fake.calls)
                    if orders:
                        await order_seen.update(fake.calls)
                    due = answer_after is not None and time.monotonic() - start >= answer_after
                    if due and answer is None:
                        answer = await _answer_through_digest(fake, state, chats, 15.0)
                    done = (
                        poster.done()
                        and len(chats.text_seen) == len(plan)
                        and rooms <= chats.answerable.keys()
                        and len(order_seen.first_seen) >= orders
                    )
                    if done and (answer_after is None or answer is not None):
                        break
                    await asyncio.sleep(POLL)
                acked = await poster
                inbox = await _settled_inbox(rt.sessions)
                floor = _floor(plan, orders, rt.pacer, span)
    return _summary(
        name, plan, acked, start, chats, order_seen, orders, rooms, inbox, floor, fake, answer
    )


def _summary(
    name: str,
    plan: Sequence[ChatPost],
    acked: dict[int, float],
    start: float,
    chats: ChatVisibility,
    order_seen: Visibility,
    orders: int,
    rooms: set[str],
    inbox: dict[str, int],
    floor: dict[str, Any],
    fake: FakeTelegram,
    answer: dict[str, Any] | None,
) -> dict[str, Any]:
    visible = len(chats.text_seen)
    answerable = rooms & chats.answerable.keys()
    latencies = [
        chats.text_seen[post.text] - acked[i]
        for i, post in enumerate(plan)
        if post.text in chats.text_seen and i in acked
    ]
    last_text = max(chats.text_seen.values(), default=start) - start
    last_answer = max((chats.answerable[r] for r in answerable), default=start) - start
    order_times = [at for order, at in order_seen.first_seen.items()]
    result: dict[str, Any] = {
        "scenario": name,
        "messages": len(plan),
        "buyers": len(rooms),
        "orders": orders,
        "acked": len(acked),
        "visible": visible,
        "answerable": len(answerable),
        "all_visible_seconds": round(last_text, 1) if visible == len(plan) else None,
        "all_answerable_seconds": (
            round(last_answer, 1) if len(answerable) == len(rooms) else None
        ),
        "orders_visible": len(order_seen.first_seen),
        "orders_all_visible_seconds": (
            round(max(order_times) - start, 1)
            if orders and len(order_seen.first_seen) >= orders
            else None
        ),
        "latency_p50_seconds": round(percentile(latencies, 50), 2),
        "latency_max_seconds": round(max(latencies, default=0.0), 2),
        "lost": len(plan) - visible,
        "duplicates": sum(n - 1 for n in chats.text_shown.values() if n > 1),
        "order_duplicates": sum(n - 1 for n in order_seen.shown.values() if n > 1),
        "group_messages": len(chats.texts_per_message),
        "own_messages": sum(1 for n in chats.texts_per_message if n == 1),
        "inbox": inbox,
        **floor,
        **_calls_summary(fake.calls),
    }
    if answer is not None:
        result["answer"] = answer
    return result


async def run_chat_burst(*, quiet_interval: float = 4.5) -> dict[str, Any]:
    """Scenarios A, B (with D during it) and C, each on a fresh tokobot and fake."""
    return {
        "A": await run_scenario("A", messages=300, buyers=100, span=20.0, limit=90.0),
        "B": await run_scenario(
            "B",
            messages=1_000,
            buyers=300,
            orders=1_000,
            span=60.0,
            limit=240.0,
            answer_after=40.0,
        ),
        "C": await run_scenario(
            "C", messages=30, buyers=30, span=29 * quiet_interval, limit=29 * quiet_interval + 20
        ),
    }


# --- report ----------------------------------------------------------------------------------

TARGETS = {"A": 60.0, "B": 180.0}  # seconds until everything is visible
QUIET_SECONDS = 2.0  # C: each message delivered within this of its webhook
ANSWER_SECONDS = 10.0  # D: a staff answer reaches the buyer and gets its 👍


def _ok(good: bool) -> str:
    return "ok" if good else "MISSED"


def print_chat_burst(results: dict[str, Any]) -> None:
    print("\nchat-burst: buyer chats at Telegram's real 20 msgs/min per group")
    for name in ("A", "B"):
        r = results[name]
        seen, floor = r["all_visible_seconds"], r["floor_seconds"]
        what = f"{r['messages']:,} messages from {r['buyers']} buyers"
        what += f" + {r['orders']:,} orders" if r["orders"] else ""
        print(f"  {name}: {what}, posted over the first {'20' if name == 'A' else '60'} s")
        if seen is None:
            print(f"     NOT all visible: {r['visible']} of {r['messages']} texts")
        else:
            print(
                f"     all texts visible after {seen:.1f} s, all {r['buyers']} conversations "
                f"answerable after {r['all_answerable_seconds']} s; floor {floor:.0f} s "
                f"({r['floor_messages']} messages) {_ok(seen <= TARGETS[name])}"
            )
        if r["orders"]:
            print(f"     all orders visible after {r['orders_all_visible_seconds']} s")
        print(
            f"     {r['group_messages']} messages with buyer text ({r['own_messages']} single), "
            f"{r['calls']} Telegram calls, {r['rate_limited_429']} x 429, "
            f"{r['lost']} lost, {r['duplicates']} duplicated"
        )
    answer = results["B"].get("answer") or {}
    took = answer.get("reply_to_thumbs_seconds")
    print(
        f"  D: during B, a reply via the digest button {answer.get('button', '?')!r}: prompt "
        f"after {answer.get('prompt_seconds')} s, reached the buyer: "
        f"{answer.get('reached_buyer')}, 👍 {took} s after the reply "
        f"({answer.get('press_to_thumbs_seconds')} s after the press); floor 0 s "
        f"{_ok(took is not None and took <= ANSWER_SECONDS)}"
    )
    c = results["C"]
    print(
        f"  C: {c['messages']} quiet messages: {c['own_messages']} as their own message, "
        f"latency p50 {c['latency_p50_seconds']} s, max {c['latency_max_seconds']} s; floor 0 s "
        f"{_ok(c['own_messages'] == c['messages'] and c['latency_max_seconds'] <= QUIET_SECONDS)}"
    )


def chat_burst_failures(results: dict[str, Any]) -> list[str]:
    """Broken guarantees: something lost, shown twice, refused with 429, or not answered."""
    failures = []
    for name in ("A", "B", "C"):
        r = results[name]
        for key in ("lost", "duplicates", "order_duplicates", "rate_limited_429"):
            if r[key]:
                failures.append(f"chat-burst {name}: {key} = {r[key]}")
        if r["acked"] != r["messages"] + r["orders"]:
            failures.append(f"chat-burst {name}: {r['acked']} acked of {r['messages']}")
    if not (results["B"].get("answer") or {}).get("answered"):
        failures.append(f"chat-burst D: not answered: {results['B'].get('answer')}")
    return failures
