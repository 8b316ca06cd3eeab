"""Several ``tokobot run`` processes on one PostgreSQL database.

In webhook mode each process takes webhooks (a load balancer's choice) and Telegram updates;
together they deliver each event once, act on an order once and stay inside the group's
20-messages-a-minute budget, which lives in the database: a process killed and restarted in
the middle of a burst starts with what the group already spent. Long polling allows one
process only, and a second one says so and stops.

The full-size burst (300 orders, 300 chats: twenty minutes of the group's budget) is
``python -m bench --only processes``; here a burst larger than one minute's budget shows
the same limits in seconds.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
from collections import Counter

import pytest
from sqlalchemy import text

from bot.sandbox.telegram import FakeTelegram
from bot.sandbox.telegram.server import serve as serve_telegram
from storage.db import make_engine
from tests.e2e.procs import (
    TELEGRAM_SECRET,
    Tokobot,
    free_port,
    serving_sandbox,
    tokobot_env,
    wait_for,
)
from tests.harness import ADMIN_ID, CHAT_ID, SHOP_ID, default_sandbox

pytestmark = pytest.mark.postgres

CHATS, ORDERS = 20, 30
BULK_SLOTS = 16  # of the group's 20 a minute; 4 stay free for answers to staff


async def _inbox(database_url: str) -> dict[str, int]:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT status, count(*) FROM inbox_event GROUP BY status")
            )
            return {status: int(count) for status, count in rows}
    finally:
        await engine.dispose()


async def _recorded_messages(database_url: str) -> set[int]:
    """The ids of the group messages tokobot has a record of having sent."""
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            # Journalled chunks (until their event closes), links, order alerts and digests.
            found = await connection.execute(
                text(
                    "SELECT message_id FROM delivery_step UNION SELECT message_id FROM"
                    " telegram_link UNION SELECT alert_message_id FROM order_record"
                    " WHERE alert_message_id IS NOT NULL"
                )
            )
            return {int(message_id) for message_id in found.scalars()}
    finally:
        await engine.dispose()


async def _kill_between_records(bot: Tokobot, fake: FakeTelegram, database_url: str) -> None:
    """SIGKILL a process mid-burst, but not between Telegram's answer and its record.

    That gap is the one no process can close (the Bot API has no idempotency key; README's
    restart window): a message killed there is sent again once. Here the process is frozen
    (SIGSTOP) and killed only when every message in the group has its record; otherwise it
    runs on a moment and is tried again.
    """
    assert bot.process is not None
    for _ in range(100):
        bot.process.send_signal(signal.SIGSTOP)
        await asyncio.sleep(0.2)  # the other processes finish recording what they sent
        posted = {m.message_id for m in fake.messages(CHAT_ID) if m.from_id == fake.bot_id}
        if posted <= await _recorded_messages(database_url):
            await bot.kill()
            return
        bot.process.send_signal(signal.SIGCONT)
        await asyncio.sleep(0.05)
    missing = posted - await _recorded_messages(database_url)
    texts = [m.plain_text for m in fake.messages(CHAT_ID) if m.message_id in missing]
    raise AssertionError(f"never found a moment with every sent message recorded: {texts}")


async def _an_alerted_order(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            found = await connection.execute(
                text("SELECT order_id FROM order_record WHERE alert_message_id IS NOT NULL")
            )
            return int(found.scalars().first() or 0)
    finally:
        await engine.dispose()


async def _staff_says(fake: FakeTelegram, words: str) -> dict:
    """The update Telegram would POST for a staff message (the fake queues it for polling)."""
    fake.user_sends(CHAT_ID, ADMIN_ID, words)
    updates = await fake.world.updates.get(offset=None, limit=100, wait=0)
    await fake.world.updates.get(offset=updates[-1]["update_id"] + 1, limit=1, wait=0)
    return updates[-1]


async def test_three_processes_share_the_budget_deliver_once_and_act_once(pg_url, tmp_path):
    fake = FakeTelegram()  # strict: 20 messages a minute in the group, 429 beyond
    fake.add_chat(CHAT_ID, "Staff", members={ADMIN_ID: "administrator"})
    sandbox = default_sandbox()
    market_port = free_port()
    async with serving_sandbox(sandbox, market_port), serve_telegram(fake) as base_url:
        env = tokobot_env(
            telegram_url=base_url.removesuffix("/bot"),
            token=fake.token,
            market_port=market_port,
            database_url=pg_url,
            TELEGRAM_WEBHOOK_URL="https://tokobot.test",
            TELEGRAM_WEBHOOK_SECRET=TELEGRAM_SECRET,
        )
        bots = [Tokobot(env, tmp_path, name=f"tokobot{i}") for i in range(3)]
        try:
            await asyncio.gather(*(bot.start() for bot in bots))
            await asyncio.gather(*(bot.healthy() for bot in bots))
            await wait_for(lambda: all("connected to Telegram" in b.output for b in bots))
            # The start-up reconciliation has nothing to find yet; let it pass before the burst.
            await wait_for(
                lambda: all(
                    "reconciliation:" in b.output or "reconcile skipped" in b.output for b in bots
                )
            )
            # The burst: each webhook reaches one process, and a redelivery another.
            orders = [sandbox.add_order(SHOP_ID) for _ in range(ORDERS)]
            rooms = [
                sandbox.add_chat(SHOP_ID, 800000 + i, f"Pembeli {i}", f"chat-{i:03d}")
                for i in range(CHATS)
            ]
            turns = itertools.cycle(range(3))
            for work in (
                [("order_notification", o["order_id"]) for o in orders],
                [("chat", room) for room in rooms],
            ):
                posts = []
                for kind, ident in work:
                    turn = next(turns)
                    posts.append(bots[turn].webhook(sandbox, kind, ident))
                    posts.append(bots[(turn + 1) % 3].webhook(sandbox, kind, ident))
                assert {r.status_code for r in await asyncio.gather(*posts)} == {200}

            def shown() -> list[str]:
                return [
                    m.plain_text or "" for m in fake.messages(CHAT_ID) if m.from_id == fake.bot_id
                ]

            await wait_for(lambda: len(shown()) >= 1)
            # A crash in the middle of the burst; the restarted process knows the budget.
            await _kill_between_records(bots[1], fake, pg_url)
            await bots[1].start()
            await bots[1].healthy()
            await wait_for(lambda: "connected to Telegram" in bots[1].output)
            # Under the burst the relay combines: 50 events fit in the group's minute.
            await wait_for(
                lambda: all(any(f"chat-{i:03d}" in t for t in shown()) for i in range(CHATS)), 60
            )
            assert len(shown()) <= BULK_SLOTS
            # Staff accept one order twice, through two processes, at the same moment.
            target = sandbox.orders[await _an_alerted_order(pg_url)]
            updates = [await _staff_says(fake, f"/accept {target['order_id']}") for _ in range(2)]
            answers = await asyncio.gather(
                bots[0].telegram_update(updates[0]), bots[2].telegram_update(updates[1])
            )
            assert {a.status_code for a in answers} == {200}
            await wait_for(lambda: sandbox.orders[target["order_id"]]["order_status"] == 400)
            await asyncio.sleep(1.0)
            inbox = await _inbox(pg_url)
        finally:
            codes = await asyncio.gather(*(bot.stop() for bot in bots))
            for bot in bots:
                await bot.kill()
    assert codes == [0, 0, 0], [bot.output for bot in bots]
    assert [c for c in fake.calls if c.error_code == 429] == []
    texts = shown()
    for i in range(CHATS):
        assert sum(f"chat-{i:03d}" in t for t in texts) == 1, texts
    twice = [text for text, n in Counter(texts).items() if n > 1]
    assert twice == [], (twice, texts)  # no alert or digest went out twice
    acks = [
        c
        for c in sandbox.calls
        if f"/order/{target['order_id']}/" in c.path and c.path.endswith("/ack")
    ]
    assert len(acks) == 1
    # Nothing acknowledged is lost: every event is stored once and delivered.
    assert sum(inbox.values()) == ORDERS + CHATS, inbox
    assert inbox.get("pending", 0) == 0, inbox


async def test_a_second_long_polling_process_is_refused(pg_url, tmp_path):
    """Telegram gives each update to one poller; a second process says so and exits 2."""
    fake = FakeTelegram()
    fake.add_chat(CHAT_ID, "Staff", members={ADMIN_ID: "administrator"})
    market_port = free_port()
    async with serving_sandbox(default_sandbox(), market_port), serve_telegram(fake) as base_url:
        env = tokobot_env(
            telegram_url=base_url.removesuffix("/bot"),
            token=fake.token,
            market_port=market_port,
            database_url=pg_url,
        )
        first, second = Tokobot(env, tmp_path, name="first"), Tokobot(env, tmp_path, name="second")
        try:
            await first.start()
            await first.healthy()
            await second.start()
            assert await second.wait() == 2
            assert "already polling" in second.output
            assert "TELEGRAM_WEBHOOK_URL" in second.output
            assert first.process is not None
            assert first.process.returncode is None
            first.process.send_signal(signal.SIGTERM)
            assert await first.wait() == 0
        finally:
            await first.kill()
            await second.kill()
