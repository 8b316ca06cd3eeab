"""Bulk accept: the orders of a 200-order burst accepted from its digests, against the limits.

Everything runs over loopback sockets as in the burst benchmark: the strict fake Telegram
(20 messages a minute per group, edits included), the Tokopedia sandbox and tokobot as
``tokobot run`` starts it. The sandbox limits the accept endpoint (ACK) to the figure the
Tokopedia doc gives as its example, 5 requests a second with a burst of 5 (numbers for the
order endpoints are not published; tokobot reads them from the headers), and answers 429
beyond it. Once every order is in a digest, an admin presses **Terima semua** and **Ya** on
each digest, as staff would; the clock runs until the sandbox has accepted every order and
every digest shows its tally.

Reported: the time to all accepted against the floor the limit allows, the Telegram calls
the bulk phase used, 429s met, and double actions (an order accepted twice, or an audit
entry missing or repeated): these must be 0.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from bench.bodies import order_webhooks, sandbox_state
from bench.burst import POLL_SECONDS, _post_all, _tokens, running_bot
from bench.common import ADMIN_ID, BOT_TOKEN, CHAT_ID
from bot.domain.vocab import ButtonAction
from bot.sandbox.telegram import Call, FakeMessage, FakeTelegram
from bot.sandbox.tokopedia import SandboxState
from storage.models import AuditEntry, CallbackToken, OrderRow

FIRST_ORDER_ID = 910_000_001
ACK_PATH = r"/ack$"
ACK_PER_SECOND = 5.0  # the doc's example limit ("5 req/s (burst 5)", §10.4)
ACK_BURST = 5
ACCEPTED = "Seller accepted order"


async def _actions(
    sessions: async_sessionmaker[AsyncSession], message: FakeMessage
) -> dict[str, str]:
    """The message's buttons as action -> token."""
    tokens = _tokens(message.reply_markup)
    if not tokens:
        return {}
    async with sessions() as session:
        rows = await session.execute(
            select(col(CallbackToken.token), col(CallbackToken.action)).where(
                col(CallbackToken.token).in_(tokens)
            )
        )
        return {str(action): str(token) for token, action in rows}


async def _until(check: Any, limit: float) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(POLL_SECONDS)
    return False


async def _all_shown(sessions: async_sessionmaker[AsyncSession], count: int) -> bool:
    async with sessions() as session:
        shown = await session.execute(
            select(func.count()).where(col(OrderRow.alert_message_id).is_not(None))
        )
        return int(shown.scalar_one()) >= count


async def _digested(sessions: async_sessionmaker[AsyncSession]) -> list[int]:
    """The orders listed in digests (the first few of a burst may get alerts of their own)."""
    async with sessions() as session:
        rows = await session.execute(select(col(OrderRow.order_id)).where(col(OrderRow.in_digest)))
        return sorted(int(order_id) for order_id in rows.scalars())


def _accepts(state: SandboxState, order_ids: Sequence[int]) -> Counter[int]:
    return Counter(
        {
            order_id: sum(
                1
                for entry in state.orders[order_id]["order_history"]
                if entry["message"] == ACCEPTED
            )
            for order_id in order_ids
        }
    )


def _digests(fake: FakeTelegram) -> list[FakeMessage]:
    return [m for m in fake.messages(CHAT_ID) if "pesanan baru" in (m.plain_text or "")]


async def _press(
    fake: FakeTelegram,
    sessions: async_sessionmaker[AsyncSession],
    message_id: int,
    action: ButtonAction,
) -> bool:
    """Press the button for ``action`` on the message as it is now, once it shows one."""

    async def shown() -> bool:
        message = next(m for m in fake.messages(CHAT_ID) if m.message_id == message_id)
        token = (await _actions(sessions, message)).get(action)
        if token is None:
            return False
        fake.user_presses(CHAT_ID, ADMIN_ID, message_id, token)
        return True

    return await _until(shown, 30.0)


def _telegram(calls: Sequence[Call]) -> dict[str, Any]:
    used = [call for call in calls if call.method != "getUpdates"]
    return {
        "calls_by_method": dict(Counter(call.method for call in used)),
        # What counts against the group's 20 a minute: messages and edits.
        "group_messages": sum(
            1 for call in used if call.method in {"sendMessage", "editMessageText"}
        ),
        "telegram_429": sum(1 for call in calls if call.error_code == 429),
    }


async def _audit(sessions: async_sessionmaker[AsyncSession]) -> Counter[str]:
    async with sessions() as session:
        rows = await session.execute(
            select(col(AuditEntry.order_id)).where(
                col(AuditEntry.action) == "bulk_accept", col(AuditEntry.result) == "ok"
            )
        )
        return Counter(str(order_id) for order_id in rows.scalars())


async def run_bulk_accept(*, count: int = 200, limit: float = 300.0) -> dict[str, Any]:
    fake = FakeTelegram(token=BOT_TOKEN, enforce_limits=True)
    fake.add_chat(CHAT_ID, "Staff Toko Maju", members={ADMIN_ID: "administrator"})
    state = sandbox_state()
    state.set_rate_limit(ACK_PATH, per_second=ACK_PER_SECOND, burst=ACK_BURST)
    async with running_bot(fake, state) as (rt, port):
        hooks = order_webhooks(state, count, first_id=FIRST_ORDER_ID)
        await _post_all(port, hooks, 16)
        if not await _until(lambda: _all_shown(rt.sessions, count), limit):
            raise RuntimeError("the orders never reached the group")
        ids = await _digested(rt.sessions)
        digests = _digests(fake)
        before = len(fake.calls)
        acks_before = sum(1 for call in state.calls if call.path.endswith("/ack"))
        start = time.monotonic()
        for digest in digests:
            await _press(fake, rt.sessions, digest.message_id, ButtonAction.BULK_OFFER)
        confirmed = 0.0
        for digest in digests:
            await _press(fake, rt.sessions, digest.message_id, ButtonAction.BULK_GO)
            confirmed = confirmed or time.monotonic()

        async def all_accepted() -> bool:
            return all(state.orders[i]["order_status"] == 400 for i in ids)

        accepted = await _until(all_accepted, limit)
        accepted_at = time.monotonic() - start

        async def all_shown() -> bool:
            texts = [
                m.plain_text or ""
                for m in fake.messages(CHAT_ID)
                if m.message_id in {d.message_id for d in digests}
            ]
            return all("diterima," in text and "⏳" not in text for text in texts)

        shown = await _until(all_shown, limit)
        shown_at = time.monotonic() - start
        ack_calls = sum(1 for call in state.calls if call.path.endswith("/ack"))
        audits = await _audit(rt.sessions)
        accepts = _accepts(state, ids)
        telegram = _telegram(fake.calls[before:])
    floor = max(0.0, (len(ids) - ACK_BURST) / ACK_PER_SECOND)
    return {
        "orders": count,
        "orders_in_digests": len(ids),
        "digests": len(digests),
        "ack_limit": f"{ACK_PER_SECOND:g} req/s (burst {ACK_BURST})",
        "all_accepted": accepted,
        "all_accepted_seconds": round(accepted_at, 1) if accepted else None,
        # From the first Yes: the first digest's question may wait for the group's budget.
        "accepted_after_first_yes_seconds": (
            round(accepted_at - (confirmed - start), 1) if accepted else None
        ),
        "floor_seconds": round(floor, 1),
        "tallies_shown_seconds": round(shown_at, 1) if shown else None,
        "ack_calls": ack_calls - acks_before,
        "marketplace_429": ack_calls - acks_before - len(ids),
        "double_accepts": sum(n - 1 for n in accepts.values() if n > 1),
        "audit_missing_or_repeated": sum(1 for i in ids if audits[str(i)] != 1),
        **telegram,
    }
