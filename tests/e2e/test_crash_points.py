"""Crash-point proof: kill ``tokobot run`` at each boundary of delivery, restart, count.

A scenario (two orders, one of them then cancelled, two chats, one long enough to be split)
is acknowledged while Telegram is down. Then a chain of real processes on one database
delivers it, each armed to SIGKILL itself at the next boundary (``bot.relay.crashpoints``):
right after its claim, after a commit, after Telegram accepted a message, after an edit.
Each restart takes back its own leases at once and carries on. The last process, unarmed,
finishes. Every item must be shown exactly once, except the single message Telegram had
accepted when a process died after ``sendMessage`` and before recording it: that window is
the one a bot cannot close (Telegram has no idempotency key), and at most one copy of the
message in flight may appear. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import signal

from bot.relay.crashpoints import CRASH_AT, CRASH_TRACE
from bot.sandbox.telegram import FakeMessage, FakeTelegram
from bot.sandbox.telegram.server import serve as serve_telegram
from tests.e2e.procs import Tokobot, free_port, serving_sandbox, tokobot_env, wait_for
from tests.harness import ADMIN_ID, CHAT_ID, SHOP_ID, default_sandbox

# Each process of the chain dies at the n-th time it reaches this boundary while delivering
# that event (1: the first order's alert, 4: the long chat, 5: the cancellation), counted
# from the process's start. The first order's alert commits three times before it is sent
# (TOKOBOT_CRASH_TRACE lists every boundary reached).
CHAIN = (
    "after-commit@1:1",
    "after-commit@1:3",
    "after-sendMessage@1:1",  # accepted by Telegram, not yet recorded: the one window
    "after-commit@1:4",  # the sent message recorded
    "after-commit@1:2",  # (restarted) the commit that closes the event
    "chunk-recorded@4:1",  # between the two chunks of the long chat
    "after-editMessageText@5:1",
)
LONG_CHAT = "awal-pesan " + "kalimat panjang dari pembeli. " * 160 + " akhir-pesan"


def _shown(messages: list[FakeMessage], needle: str, *, reply: bool | None = None) -> int:
    return sum(
        1
        for m in messages
        if needle in (m.plain_text or "")
        and (reply is None or (m.reply_to_message_id is not None) == reply)
    )


async def test_every_boundary_killed_and_restarted_shows_each_event_once(db_url, tmp_path):
    fake = FakeTelegram()
    fake.add_chat(CHAT_ID, "Staff", members={ADMIN_ID: "administrator"})
    sandbox = default_sandbox()
    first, second = sandbox.add_order(SHOP_ID), sandbox.add_order(SHOP_ID)
    short_room = sandbox.add_chat(SHOP_ID, 700001, "Budi", "apakah ready stok kak?")
    long_room = sandbox.add_chat(SHOP_ID, 700002, "Sari", LONG_CHAT)
    telegram_port, market_port = free_port(), free_port()
    trace = tmp_path / "trace.log"
    bot = Tokobot(
        tokobot_env(
            telegram_url=f"http://127.0.0.1:{telegram_port}",
            token=fake.token,
            market_port=market_port,
            database_url=db_url,
            **{CRASH_TRACE: str(trace)},
        ),
        tmp_path,
    )
    try:
        async with serving_sandbox(sandbox, market_port):
            # Acknowledged while Telegram is down: the whole scenario waits in the inbox.
            await bot.start(**{CRASH_AT: "after-claim:1"})
            await bot.healthy()
            for kind, ident in [
                ("order_notification", first["order_id"]),
                ("order_notification", second["order_id"]),
                ("chat", short_room),
                ("chat", long_room),
            ]:
                assert (await bot.webhook(sandbox, kind, ident)).status_code == 200
            sandbox.set_status(first["order_id"], 15)  # the buyer cancels at once
            assert (
                await bot.webhook(sandbox, "order_status", first["order_id"])
            ).status_code == 200
            async with serve_telegram(fake, port=telegram_port):
                assert await bot.wait() == -signal.SIGKILL, bot.output
                for boundary in CHAIN:
                    await bot.start(**{CRASH_AT: boundary})
                    try:
                        code = await bot.wait(timeout=20)
                    except TimeoutError:
                        raise AssertionError(
                            f"never reached {boundary}:\n{trace.read_text()}"
                        ) from None
                    assert code == -signal.SIGKILL, (boundary, bot.output)
                await bot.start()
                group = lambda: [m for m in fake.messages(CHAT_ID) if not m.deleted]  # noqa: E731
                await wait_for(
                    lambda: (
                        all(
                            _shown(group(), needle) >= 1
                            for needle in (
                                first["invoice_num"],
                                second["invoice_num"],
                                "ready stok",
                            )
                        )
                        and _shown(group(), "akhir-pesan") >= 1
                        and _shown(group(), first["invoice_num"], reply=True) >= 1
                    )
                )
                assert await bot.stop() == 0
    finally:
        await bot.kill()
    crashes = [
        line.split()[1] for line in trace.read_text().splitlines() if line.startswith("crash")
    ]
    assert crashes == ["after-claim", *(b.split("@")[0] for b in CHAIN)]
    messages = group()
    counts = {
        "alert 1": _shown(messages, first["invoice_num"], reply=False),
        "cancel 1": _shown(messages, first["invoice_num"], reply=True),
        "alert 2": _shown(messages, second["invoice_num"]),
        "short chat": _shown(messages, "ready stok"),
        "long chat, first chunk": _shown(messages, "awal-pesan"),
        "long chat, last chunk": _shown(messages, "akhir-pesan"),
    }
    # One process died after Telegram accepted a message and before recording it.
    assert sum(counts.values()) - len(counts) <= 1, counts
    assert min(counts.values()) == 1, counts
    # The alert tokobot keeps (the later one, if the copy in flight was this alert) shows the
    # cancellation in place, and the notice of it answers that alert.
    alerts = [
        m
        for m in messages
        if first["invoice_num"] in (m.plain_text or "") and m.reply_to_message_id is None
    ]
    assert alerts[-1].edited
    notice = next(m for m in messages if m.reply_to_message_id is not None)
    assert notice.reply_to_message_id == alerts[-1].message_id
    assert sandbox.orders[first["order_id"]]["order_status"] == 15  # nothing acted on it
    assert sandbox.orders[second["order_id"]]["order_status"] == 220
