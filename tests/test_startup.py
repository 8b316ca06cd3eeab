"""`tokobot run` with the world down: it serves webhooks at once and waits for Telegram."""

from __future__ import annotations

import asyncio

from bot.sandbox.telegram import FakeTelegram
from bot.sandbox.telegram.server import serve as serve_telegram
from tests.e2e.procs import Tokobot, free_port, serving_sandbox, tokobot_env, wait_for
from tests.harness import ADMIN_ID, CHAT_ID, SHOP_ID, default_sandbox


async def test_run_accepts_webhooks_while_telegram_and_tokopedia_are_down(tmp_path):
    """Started with both unreachable, it acknowledges webhooks, then delivers once they're up.

    The log says once that Telegram is unreachable (not once per retry) and once that it is
    back, with no traceback.
    """
    fake = FakeTelegram()
    fake.add_chat(CHAT_ID, "Staff", members={ADMIN_ID: "administrator"})
    sandbox = default_sandbox()
    telegram_port, market_port = free_port(), free_port()
    bot = Tokobot(
        tokobot_env(
            telegram_url=f"http://127.0.0.1:{telegram_port}",
            token=fake.token,
            market_port=market_port,
            database_url=f"sqlite+aiosqlite:///{tmp_path}/tokobot.db",
        ),
        tmp_path,
    )
    await bot.start()
    try:
        await bot.healthy()
        room = sandbox.add_chat(SHOP_ID, 654321, "Budi", "barangnya ready kak?")
        order = sandbox.add_order(SHOP_ID)
        assert (await bot.webhook(sandbox, "chat", room)).status_code == 200
        assert (
            await bot.webhook(sandbox, "order_notification", order["order_id"])
        ).status_code == 200
        await asyncio.sleep(1.5)  # attempts at 0 s and 1 s: one line in the log, not two
        assert bot.process is not None
        assert bot.process.returncode is None  # still up, still retrying
        async with (
            serving_sandbox(sandbox, market_port),
            serve_telegram(fake, port=telegram_port),
        ):
            texts = lambda: " ".join(m.plain_text or "" for m in fake.messages(CHAT_ID))  # noqa: E731
            await wait_for(lambda: "ready kak" in texts() and order["invoice_num"] in texts())
            assert await bot.stop() == 0
    finally:
        await bot.kill()
    output = bot.output
    assert "Traceback" not in output, output
    assert output.count("Telegram unreachable") == 1, output
    assert output.count("Telegram reachable again") == 1, output
    assert fake.token.split(":")[1] not in output


async def test_run_exits_2_naming_the_variable_when_telegram_rejects_the_token(tmp_path):
    """A revoked or mistyped token is the one failure waiting cannot fix: status 2, no secret."""
    fake = FakeTelegram(token="123456:THE-REAL-ONE")
    wrong = "123456:A-MISTYPED-ONE"
    async with serve_telegram(fake) as base_url:
        bot = Tokobot(
            tokobot_env(
                telegram_url=base_url.removesuffix("/bot"),
                token=wrong,
                market_port=free_port(),
                database_url=f"sqlite+aiosqlite:///{tmp_path}/tokobot.db",
            ),
            tmp_path,
        )
        await bot.start()
        try:
            assert await bot.wait() == 2
        finally:
            await bot.kill()
    output = bot.output
    assert "TELEGRAM_BOT_TOKEN" in output
    assert "A-MISTYPED-ONE" not in output
    assert "Traceback" not in output, output
