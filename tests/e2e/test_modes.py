"""Operating modes: English staff, Telegram webhook registration."""

from __future__ import annotations

from bot.app import started
from tests.harness import SHOP_ID, harness


async def test_english_staff_see_english(sqlite_url):
    """With BOT_LANGUAGE=en the alert and its buttons are in English."""
    async with harness(sqlite_url, bot_language="en") as h:
        order = h.sandbox.add_order(SHOP_ID)
        await h.webhook("order_notification", order["order_id"])
        await h.deliver()
        alert = h.last()
        assert "New order" in alert.plain_text
        h.button(alert, "Accept")
        await h.press(alert, "Accept", first_name="Rina")
        assert "Accepted by Rina" in h.group()[0].plain_text


async def test_webhook_mode_registers_the_url_with_its_secret(sqlite_url):
    """Starting in webhook mode calls setWebhook on /telegram with the secret token."""
    async with (
        harness(
            sqlite_url,
            telegram_webhook_url="https://bot.example.com",
            telegram_webhook_secret="s3cret_token",
        ) as h,
        started(h.rt, poll=False),
    ):
        pass
    assert h.fake.webhook.url == "https://bot.example.com/telegram"
    assert h.fake.webhook.secret_token == "s3cret_token"
