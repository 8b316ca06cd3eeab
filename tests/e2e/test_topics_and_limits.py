"""Forum topics per buyer, digests under a burst, Telegram webhook mode."""

from __future__ import annotations

from bot.jobs.reconcile import reconcile
from bot.relay.pacer import GroupPacer
from bot.sandbox.telegram import FakeTelegram
from tests.harness import CHAT_ID, SHOP_ID, harness


async def test_each_buyer_gets_one_topic_even_in_a_burst(sqlite_url):
    """Four quick messages from one buyer and one from another open exactly two topics."""
    async with harness(sqlite_url, topics=True) as h:
        budi = h.sandbox.add_chat(SHOP_ID, 1001, "Budi", "halo")
        for text in ("satu", "dua", "tiga", "empat"):
            h.sandbox.add_chat(SHOP_ID, 1001, "Budi", text)
            await h.post_webhook("chat", h.sandbox.webhook_body("chat", budi) | {"message": text})
        sari = h.sandbox.add_chat(SHOP_ID, 1002, "Sari", "permisi")
        await h.webhook("chat", sari)
        await h.deliver()
        topics = h.fake.topics(CHAT_ID)
        assert len(topics) == 2
        assert any("Budi" in t.name and "Toko Maju Jaya" in t.name for t in topics)
        budi_thread = next(t for t in topics if "Budi" in t.name).thread_id
        texts = [m.plain_text for m in h.group(budi_thread) if not m.is_service]
        assert len(texts) == 4


async def test_deleted_topic_is_recreated_without_losing_the_message(sqlite_url):
    """A message for a deleted topic opens a new topic, re-links it and arrives there."""
    async with harness(sqlite_url, topics=True) as h:
        room = h.sandbox.add_chat(SHOP_ID, 1001, "Budi", "halo")
        await h.webhook("chat", room)
        await h.deliver()
        old = h.fake.topics(CHAT_ID)[0].thread_id
        h.fake.delete_topic(CHAT_ID, old)
        h.clock.advance(minutes=5)
        await h.post_webhook("chat", h.sandbox.webhook_body("chat", room) | {"message": "masih?"})
        await h.deliver()
        live = [t for t in h.fake.topics(CHAT_ID) if not t.deleted]
        assert len(live) == 1
        new_thread = live[0].thread_id
        assert any("masih?" in (m.plain_text or "") for m in h.group(new_thread))
        await h.say("dijawab di topik baru", thread_id=new_thread)
        assert h.sandbox.replies[-1]["message"] == "dijawab di topik baru"


async def test_burst_of_orders_becomes_actionable_digests_without_429(sqlite_url):
    """200 new orders at Telegram's real limits arrive as digests, every order one tap away."""
    fake = FakeTelegram(enforce_limits=True)
    async with harness(sqlite_url, fake=fake, pacer=GroupPacer()) as h:
        orders = [h.sandbox.add_order(SHOP_ID) for _ in range(200)]
        for order in orders:
            await h.webhook("order_notification", order["order_id"])
        await h.deliver()
        sent = [c for c in fake.calls if c.method == "sendMessage"]
        assert all(c.ok for c in fake.calls), [c for c in fake.calls if not c.ok][:1]
        assert len(sent) <= 16
        digests = h.group()
        buttons = [b for m in digests for row in m.reply_markup["inline_keyboard"] for b in row]
        buttons = [b for b in buttons if b["text"].startswith("#")]  # not "Terima semua"
        assert len(buttons) == 200
        shown = "".join(m.plain_text for m in digests)
        for order in orders:
            assert order["invoice_num"][-4:] in shown
        await h.press(digests[0], buttons[0]["text"])
        card = h.last()
        await h.press(card, "Terima")
        accepted = [o for o in orders if h.sandbox.orders[o["order_id"]]["order_status"] == 400]
        assert len(accepted) == 1


async def test_telegram_webhook_route_checks_the_secret(sqlite_url):
    """In webhook mode /telegram refuses a wrong secret and feeds a good update to PTB."""
    async with harness(
        sqlite_url,
        telegram_webhook_url="https://bot.example.com",
        telegram_webhook_secret="s3cret_token",
    ) as h:
        update = {
            "update_id": 1,
            "message": {
                "message_id": 5,
                "date": 1700000000,
                "chat": {"id": CHAT_ID, "type": "supergroup"},
                "from": {"id": 111, "is_bot": False, "first_name": "Rina"},
                "text": "/help",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
        }
        bad = await h.web.post(
            "/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}
        )
        missing = await h.web.post("/telegram", json=update)
        assert (bad.status_code, missing.status_code) == (403, 403)
        good = await h.web.post(
            "/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret_token"}
        )
        assert good.status_code == 200
        queued = await h.rt.application.update_queue.get()
        assert queued.message.text == "/help"


async def test_order_seen_by_webhook_and_reconciliation_shows_once_in_a_digest(sqlite_url):
    """During a burst the poll finds the same new orders again; each is listed once."""
    fake = FakeTelegram(enforce_limits=True)
    async with harness(sqlite_url, fake=fake, pacer=GroupPacer()) as h:
        await reconcile(h.rt.services, h.rt.store, h.clock.now)  # start-up catch-up
        placed = [h.sandbox.add_order(SHOP_ID) for _ in range(30)]
        for order in placed:
            await h.webhook("order_notification", order["order_id"])
        h.clock.advance(minutes=1)
        await reconcile(h.rt.services, h.rt.store, h.clock.now)
        await h.deliver()
        buttons = [b for m in h.group() for row in m.reply_markup["inline_keyboard"] for b in row]
        assert [b["text"] for b in buttons if not b["text"].startswith("#")] == [
            "✅ Terima semua (30)"
        ]
        buttons = [b for b in buttons if b["text"].startswith("#")]
        assert len(buttons) == 30
        assert len({b["text"] for b in buttons}) == 30
