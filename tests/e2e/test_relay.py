"""Webhooks in, staff-group messages out: the relay end to end."""

from __future__ import annotations

import asyncio
import gc
import os
from datetime import timedelta

import pytest

from tests.harness import CHAT_ID, SHOP_ID, harness


async def test_signed_order_webhook_appears_in_the_group_with_buttons(sqlite_url):
    """A new order reaches the group with invoice, items, total and Accept/Reject."""
    async with harness(sqlite_url) as h:
        order = h.sandbox.add_order(SHOP_ID)
        await h.webhook("order_notification", order["order_id"])
        assert await h.deliver() == 1
        alert = h.last()
        assert order["invoice_num"] in alert.plain_text
        assert "Rp" in alert.plain_text
        h.button(alert, "Terima")
        h.button(alert, "Tolak")


async def test_chat_webhook_relays_buyer_text_intact(sqlite_url):
    """Buyer text with markup characters and emoji arrives exactly as written."""
    async with harness(sqlite_url) as h:
        text = 'Kak, harga <100rb & "gratis" ongkir? 😊 <3 x>y <script>'
        room = h.sandbox.add_chat(SHOP_ID, 654321, "Budi Santoso", text)
        await h.webhook("chat", room)
        await h.deliver()
        message = h.last()
        assert text in message.plain_text
        assert "Budi" in message.plain_text
        h.button(message, "Balas")


@pytest.mark.parametrize("signature", [None, "deadbeef", ""])
async def test_bad_or_missing_signature_is_refused_and_nothing_stored(sqlite_url, signature):
    """A webhook without a valid Authorization-Hmac gets 401 and sends nothing."""
    async with harness(sqlite_url) as h:
        order = h.sandbox.add_order(SHOP_ID)
        body = h.sandbox.webhook_body("order_notification", order["order_id"])
        response = await h.post_webhook("order", body, signature=signature)
        assert response.status_code == 401
        assert await h.deliver() == 0
        assert h.group() == []
        assert h.fake.messages(CHAT_ID) == []


async def test_malformed_bodies_get_400_with_a_reason(sqlite_url):
    """Non-JSON or a body missing required fields is refused with a JSON reason."""
    async with harness(sqlite_url) as h:
        not_json = await h.post_webhook("order", b"{not json")
        assert not_json.status_code == 400
        assert not_json.json()["error"]
        missing = await h.post_webhook("order-status", {"fs_id": 13000, "shop_id": 1})
        assert missing.status_code == 400
        assert "order_id" in missing.json()["error"]
        assert await h.deliver() == 0


async def test_unknown_fields_are_tolerated(sqlite_url):
    """A payload with extra, unexpected keys is accepted and relayed."""
    async with harness(sqlite_url) as h:
        room = h.sandbox.add_chat(SHOP_ID, 654321, "Budi", "Halo kak")
        body = h.sandbox.webhook_body("chat", room) | {"brand_new_field": {"x": 1}}
        assert (await h.post_webhook("chat", body)).status_code == 200
        assert await h.deliver() == 1


async def test_oversized_body_gets_413(sqlite_url):
    """A body far beyond any real payload is refused before it is read whole."""
    async with harness(sqlite_url) as h:
        response = await h.post_webhook("chat", b"x" * (300 * 1024))
        assert response.status_code == 413


async def test_repeated_order_notification_produces_one_message(sqlite_url):
    """Tokopedia delivering the same new-order event three times shows it once."""
    async with harness(sqlite_url) as h:
        order = h.sandbox.add_order(SHOP_ID)
        first = await h.webhook("order_notification", order["order_id"])
        again = await h.webhook("order_notification", order["order_id"])
        await h.webhook("order_notification", order["order_id"])
        assert first.json()["stored"] == 1
        assert again.json() == {"ok": True, "stored": 0, "duplicates": 1}
        await h.deliver()
        assert len(h.group()) == 1


async def test_same_status_twice_is_one_update(sqlite_url):
    """The same (order_id, order_status) delivered twice threads one update under the alert."""
    async with harness(sqlite_url) as h:
        order = h.sandbox.add_order(SHOP_ID)
        await h.webhook("order_notification", order["order_id"])
        await h.deliver()
        h.sandbox.set_status(order["order_id"], 450)
        await h.webhook("order_status", order["order_id"])
        await h.webhook("order_status", order["order_id"])
        await h.deliver()
        alert, update = h.group()
        assert update.reply_to_message_id == alert.message_id
        assert alert.edited
        assert alert.reply_markup is None or not alert.reply_markup.get("inline_keyboard")


async def test_chat_retry_within_window_is_one_message_but_a_later_repeat_is_shown(sqlite_url):
    """Same text in the same room within two minutes is a redelivery; later it is new."""
    async with harness(sqlite_url) as h:
        room = h.sandbox.add_chat(SHOP_ID, 654321, "Budi", "halo?")
        body = h.sandbox.webhook_body("chat", room)
        assert (await h.post_webhook("chat", body)).json()["stored"] == 1
        h.clock.advance(seconds=30)
        assert (await h.post_webhook("chat", body)).json()["duplicates"] == 1
        h.clock.advance(minutes=5)
        assert (await h.post_webhook("chat", body)).json()["stored"] == 1
        await h.deliver()
        assert len(h.group()) == 2


async def test_long_buyer_text_is_split_into_valid_messages(sqlite_url):
    """5,000 characters of buyer text arrive complete, split under Telegram's limit."""
    async with harness(sqlite_url) as h:
        text = ("Kak <tolong> & cek ya 😊 " * 250)[:5000]
        room = h.sandbox.add_chat(SHOP_ID, 654321, "Budi", text)
        await h.webhook("chat", room)
        await h.deliver()
        parts = h.group()
        assert len(parts) >= 2
        shown = "".join(p.plain_text for p in parts)
        assert text.split("😊")[0] in shown
        assert shown.count("😊") == text.count("😊")
        assert all(len(p.plain_text) <= 4096 for p in parts)
        h.button(parts[-1], "Balas")


async def test_telegram_outage_then_recovery_loses_nothing(sqlite_url):
    """While Telegram fails, events wait; afterwards every one is delivered once."""
    async with harness(sqlite_url) as h:
        orders = [h.sandbox.add_order(SHOP_ID) for _ in range(3)]
        for order in orders:
            await h.webhook("order_notification", order["order_id"])
        h.fake.fail_next("sendMessage", 502, "Bad Gateway")
        assert await h.rt.relay.run_once() == 0
        assert await h.rt.relay.run_once() == 0  # paused: nothing hammers Telegram
        health = (await h.web.get("/healthz/details")).json()
        assert health["backlog"]["pending"] == 3
        assert health["telegram"]["reachable"] is False
        h.clock.advance(minutes=1)
        await h.deliver()
        sent = [m.plain_text for m in h.group()]
        assert len(sent) == 3
        for order in orders:
            assert sum(order["invoice_num"] in text for text in sent) == 1
        health = (await h.web.get("/healthz/details")).json()
        assert health["backlog"]["pending"] == 0
        assert health["parked"]["count"] == 0
        assert health["telegram"]["reachable"] is True


async def test_pending_events_are_delivered_after_a_restart(sqlite_url):
    """Events acknowledged before a stop are posted by the next process."""
    async with harness(sqlite_url) as h:
        sandbox, fake = h.sandbox, h.fake
        order = sandbox.add_order(SHOP_ID)
        await h.webhook("order_notification", order["order_id"])
    async with harness(sqlite_url, sandbox=sandbox, fake=fake) as again:
        assert again.group() == []
        assert await again.deliver() == 1
        assert order["invoice_num"] in again.last().plain_text


async def test_bot_removed_from_group_is_reported_without_hot_loop(sqlite_url):
    """A 403 pauses delivery, shows in /healthz, and is not retried in a tight loop."""
    async with harness(sqlite_url) as h:
        room = h.sandbox.add_chat(SHOP_ID, 654321, "Budi", "halo")
        await h.webhook("chat", room)
        h.fake.kick_bot(CHAT_ID)
        await h.rt.relay.run_once()
        for _ in range(5):
            await h.rt.relay.run_once()
        assert len(h.fake.calls_to("sendMessage")) == 1
        health = (await h.web.get("/healthz/details")).json()
        assert health["telegram"]["forbidden"] is True
        assert health["backlog"]["pending"] == 1
        assert health["status"] == "degraded"
        assert (await h.web.get("/healthz")).json() == {"status": "degraded"}


async def test_event_telegram_keeps_refusing_is_parked_and_reported_once(sqlite_url):
    """An event Telegram keeps rejecting is retried for hours, then parked and reported once."""
    async with harness(sqlite_url) as h:
        room = h.sandbox.add_chat(SHOP_ID, 654321, "Budi", "halo")
        await h.webhook("chat", room)
        started = h.clock.now
        while True:
            h.fake.fail_next("sendMessage", 400, "Bad Request: can't parse entities: boom")
            await h.rt.relay.run_once()
            h.clock.advance(minutes=31)  # past the longest backoff
            health = (await h.web.get("/healthz/details")).json()
            if health["parked"]["count"]:
                break
        assert h.clock.now - started > timedelta(hours=6)
        assert health["parked"]["count"] == 1
        assert "can't parse entities" in health["parked"]["events"][0]["error"].lower()
        # Anyone may ask /healthz; it says something is wrong, never what.
        assert (await h.web.get("/healthz")).json() == {"status": "degraded"}
        assert health["backlog"]["pending"] == 0
        reports = [m for m in h.group() if "#1" in (m.plain_text or "")]
        assert len(reports) == 1
        h.clock.advance(minutes=10)
        await h.deliver()
        assert len([m for m in h.group() if "#1" in (m.plain_text or "")]) == 1


async def test_healthz_answers_503_when_the_database_is_unreachable(sqlite_url, tmp_path):
    """With the database gone /healthz answers 503 and names the database."""
    async with harness(sqlite_url) as h:
        path = sqlite_url.split("///", 1)[1]
        await h.rt.engine.dispose()
        os.rename(path, f"{path}.moved")
        os.mkdir(path)  # a directory where the database file was: cannot be opened
        response = await h.web.get("/healthz")
        assert response.status_code == 503
        assert response.json() == {"status": "down"}
        details = await h.web.get("/healthz/details")
        assert details.status_code == 503
        assert details.json()["database"] == "unreachable"
        # aiosqlite leaves the failed connection's worker thread to the garbage collector;
        # let it finish while this test's event loop still runs.
        gc.collect()
        await asyncio.sleep(0.2)


async def test_stopping_hands_undelivered_events_back_at_once(sqlite_url):
    """A pass that finds tokobot stopping leaves its events pending and due at once."""
    async with harness(sqlite_url) as h:
        for buyer in range(5):
            room = h.sandbox.add_chat(SHOP_ID, buyer + 1, f"Buyer {buyer}", f"halo {buyer}")
            await h.webhook("chat", room)
        h.rt.relay.stopping.set()
        assert await h.rt.relay.run_once() == 0
        assert (await h.web.get("/healthz/details")).json()["backlog"]["pending"] == 5
        h.rt.relay.stopping.clear()
        assert await h.rt.relay.run_once() == 5  # due now, not two minutes later
