"""Tokopedia & Shop in the demo: the page's actions against the TikTok Shop sandbox, over HTTP.

The demo runs tokobot with ``MARKETPLACES=tokopedia,tiktokshop``; the sandbox posts signed
notifications to tokobot's ``/webhooks/tiktokshop`` and tokobot calls the sandbox back.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import select

from bot.demo.cast import BUYERS, TTS_SHOP_ID
from bot.demo.persist import STATE_NAME
from bot.demo.run import Demo, DemoOptions, demo
from storage.models import AuditEntry
from tests.demo.conftest import Client, bot_message, button, eventually, group, titles

SITI, ANDI = BUYERS[0].user_id, BUYERS[1].user_id
SHOP = "tiktokshop"
CONNECT = "→ tokobot: penjual menghubungkan toko"
TIKTOK = re.compile("tik ?tok", re.IGNORECASE)


def _token_exchanges(running: Demo) -> int:
    return sum(1 for call in running.stage.tts.calls if call.path == "/api/v2/token/get")


async def _order(client: Client, running: Demo, **body: object) -> tuple[dict, object]:
    """A new paid order and tokobot's alert for it."""
    order = await client.post("market/order", {"market": SHOP, **body})
    assert order["webhook_status"] == 200
    alert = await eventually(lambda: bot_message(running, order["order_id"]))
    return order, alert


async def _press(client: Client, message, label: str) -> None:
    data = button(message, label)
    await client.post(
        "telegram/press", {"user": "rina", "message_id": message.message_id, "data": data}
    )


def _entry(running: Demo, title: str) -> dict | None:
    found = [e for e in running.stage.log if e["market"] == SHOP and e["title"] == title]
    return found[-1] if found else None


def _current(running: Demo, message_id: int):
    return next(m for m in group(running) if m.message_id == message_id)


def _with_button(running: Demo, message_id: int, label: str):
    message = _current(running, message_id)
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return message if any(label in key["text"] for row in rows for key in row) else None


def _reasons_shown(running: Demo, message_id: int):
    message = _current(running, message_id)
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return message if rows and not _with_button(running, message_id, "Proses") else None


class TestStartUp:
    async def test_the_shop_is_authorized_through_tokobots_callback(self, running: Demo):
        """At start the seller's code and a signed state reach tokobot's callback, once."""
        assert _token_exchanges(running) == 1
        assert running.stage.tiktok.connected
        shops = await running.runtime.services.marketplaces[SHOP].list_shops()
        assert [(s.shop_id, s.name) for s in shops] == [(TTS_SHOP_ID, "Toko Maju Jaya")]
        [entry] = running.stage.log
        assert (entry["market"], entry["title"], entry["ok"]) == (SHOP, CONNECT, True)

    async def test_labels_never_name_the_platform(self, client: Client):
        """Every label and log line the page shows says "Tokopedia & Shop", never TikTok."""
        state = await client.state()
        shown = [m["label"] for m in state["markets"]]
        shown += [f"{e['title']} {e['detail']}" for e in state["market"]["log"]]
        assert "Tokopedia & Shop" in shown
        assert not [text for text in shown if TIKTOK.search(text)]
        page = (await client.http.get("/demo")).text
        script = (await client.http.get("/demo/static/demo.js")).text
        visible = re.sub(r"<[^>]*>", " ", page)  # attribute values (data-market) are not text
        assert not TIKTOK.search(visible)
        assert not TIKTOK.search(script.replace('"tiktokshop"', ""))  # the key, not a label


class TestRoundTrips:
    async def test_buyer_message_reaches_the_group_and_a_reply_reaches_the_sandbox(
        self, running: Demo, client: Client
    ):
        """A signed new-message notification is relayed; replying sends it to the buyer."""
        answer = await client.post(
            "market/chat", {"buyer": SITI, "text": "Kak, batik L ready?", "market": SHOP}
        )
        assert answer["webhook_status"] == 200
        relayed = await eventually(lambda: bot_message(running, "batik L ready?"))
        assert "Siti Aminah" in relayed.plain_text
        assert "Tokopedia & Shop" in relayed.plain_text
        assert not TIKTOK.search(relayed.plain_text)

        sent = await client.post(
            "telegram/send",
            {"user": "rina", "text": "Ready kak 🙏", "reply_to": relayed.message_id},
        )
        await eventually(lambda: running.stage.tts.sent_messages)
        reply = running.stage.tts.sent_messages[-1]
        assert (reply["content"], reply["conversation_id"]) == (
            "Ready kak 🙏",
            answer["conversation_id"],
        )
        mine = await eventually(
            lambda: next(
                (m for m in group(running) if m.message_id == sent["message_id"] and m.reactions),
                None,
            )
        )
        assert mine.reactions == ("👍",)
        assert titles(running, SHOP) == [
            CONNECT,
            "→ tokobot: webhook pesan pembeli",
            "← balasan ke Siti Aminah",
        ]
        again = await client.post(
            "market/chat", {"buyer": SITI, "text": "Makasih", "market": SHOP}
        )
        assert again["conversation_id"] == answer["conversation_id"]

    async def test_order_alert_offers_process_and_pressing_it_records_the_claim(
        self, running: Demo, client: Client
    ):
        """A paid order alerts with Proses; Rina's press is kept, with no marketplace call."""
        order, alert = await _order(client, running, buyer=ANDI)
        assert isinstance(order["order_id"], str)
        assert order["status_label"] == "Perlu dikirim"
        assert "Andi Wijaya" in alert.plain_text
        log_before = len(running.stage.log)

        await client.post(
            "telegram/press",
            {"user": "rina", "message_id": alert.message_id, "data": button(alert, "Proses")},
        )
        edited = await eventually(lambda: bot_message(running, "Diproses oleh Rina"))
        assert edited.message_id == alert.message_id
        async with running.runtime.sessions() as session:
            rows = (
                await session.execute(
                    select(AuditEntry).where(AuditEntry.order_id == order["order_id"])
                )
            ).scalars()
            audit = [(r.marketplace, r.action, r.actor_name, r.result) for r in rows]
        assert audit == [(SHOP, "process", "Rina", "ok")]
        assert running.stage.tts.orders[order["order_id"]]["status"] == "AWAITING_SHIPMENT"
        assert len(running.stage.log) == log_before  # nothing went to the marketplace

    async def test_cancellation_request_is_approved_from_the_group(
        self, running: Demo, client: Client
    ):
        """The buyer's request reaches the group; approving it cancels the order."""
        order, _ = await _order(client, running, buyer=SITI)
        asked = await client.post(
            "market/cancel-request",
            {"order_id": order["order_id"], "reason": "Salah pilih varian", "market": SHOP},
        )
        assert (asked["cancel_requested"], asked["webhook_status"]) == (True, 200)
        again = {"order_id": order["order_id"], "market": SHOP}
        await client.post("market/cancel-request", again, status=409)

        request = await eventually(lambda: bot_message(running, "Salah pilih varian"))
        await client.post(
            "telegram/press",
            {"user": "rina", "message_id": request.message_id, "data": button(request, "Setujui")},
        )
        await eventually(
            lambda: running.stage.tts.orders[order["order_id"]]["status"] == "CANCELLED"
        )
        await eventually(lambda: "← pembatalan disetujui" in titles(running, SHOP))
        state = await client.state()
        [shown] = state["market"][SHOP]["orders"]
        assert (shown["status_label"], shown["can_pickup"]) == ("Dibatalkan", False)

    async def test_rejected_request_and_seller_cancellation_are_logged(
        self, running: Demo, client: Client
    ):
        """What tokobot sends back is named in Indonesian: a refused request, a cancellation."""
        kept, _ = await _order(client, running)
        ref = {"order_id": kept["order_id"], "reason": "Berubah pikiran", "market": SHOP}
        await client.post("market/cancel-request", ref)
        request = await eventually(lambda: bot_message(running, "Berubah pikiran"))
        await _press(client, request, "Tolak permintaan")
        refused = await eventually(lambda: _entry(running, "← permintaan batal ditolak"))
        assert refused["detail"].startswith(kept["order_id"])
        assert refused["ok"]
        assert running.stage.tts.orders[kept["order_id"]]["status"] == "AWAITING_SHIPMENT"

        dropped, alert = await _order(client, running)
        await _press(client, alert, "Batalkan")
        alert = await eventually(lambda: _reasons_shown(running, alert.message_id))
        first_reason = alert.reply_markup["inline_keyboard"][0][0]["text"]
        await _press(client, alert, first_reason)
        alert = await eventually(lambda: _with_button(running, alert.message_id, "Tolak:"))
        await _press(client, alert, "Tolak:")
        cancelled = await eventually(lambda: _entry(running, "← pesanan dibatalkan penjual"))
        assert cancelled["detail"].startswith(dropped["order_id"])
        assert "Stok habis" in cancelled["detail"] or "Harga salah" in cancelled["detail"]
        assert running.stage.tts.orders[dropped["order_id"]]["status"] == "CANCELLED"

    async def test_courier_pickup_moves_the_order_on(self, running: Demo, client: Client):
        """To be collected, then in transit, each with its notification; then refused."""
        order, _ = await _order(client, running)
        ref = {"order_id": order["order_id"], "market": SHOP}
        first = await client.post("market/pickup", ref)
        assert (first["status"], first["webhook_status"]) == ("AWAITING_COLLECTION", 200)
        second = await client.post("market/pickup", ref)
        assert (second["status"], second["status_label"]) == ("IN_TRANSIT", "Dikirim")
        refused = await client.post("market/pickup", ref, status=409)
        assert "perlu dikirim" in refused["error"]
        await client.post("market/cancel-request", ref, status=409)
        assert titles(running, SHOP).count("→ tokobot: webhook status pesanan") == 2
        await eventually(lambda: bot_message(running, "Dikirim"))

    async def test_burst_delivers_every_notification(self, running: Demo, client: Client):
        """A burst creates the orders and tokobot acknowledges every notification."""
        result = await client.post("market/burst", {"count": 12, "market": SHOP})
        assert result == {"ok": True, "created": 12, "accepted": 12}
        market = (await client.state())["market"]
        assert market[SHOP]["order_count"] == 12
        assert market["tokopedia"]["order_count"] == 0
        assert (market["log"][0]["market"], market["log"][0]["title"]) == (
            SHOP,
            "→ tokobot: 12 webhook pesanan baru",
        )


class TestRestart:
    async def test_second_run_keeps_the_authorization_and_the_conversations(self, tmp_path: Path):
        """No second authorization; old tokens and ids stay valid; a reply still arrives."""
        async with demo(DemoOptions(tmp_path, port=0)) as first:
            market = first.stage.tiktok
            written = await market.buyer_writes(SITI, "Kak, ready?")
            relayed = await eventually(lambda: bot_message(first, "Kak, ready?"))
            order = await market.new_order(ANDI)
            await eventually(lambda: bot_message(first, order["order_id"]))
            assert _token_exchanges(first) == 1

        async with demo(DemoOptions(tmp_path, port=0)) as second:
            assert _token_exchanges(second) == 0
            assert titles(second, SHOP).count(CONNECT) == 1
            second.stage.staff_sends("rina", "Ready kak", reply_to=relayed.message_id)
            await eventually(lambda: second.stage.tts.sent_messages[-1:])
            reply = second.stage.tts.sent_messages[-1]
            assert (reply["content"], reply["conversation_id"]) == (
                "Ready kak",
                written["conversation_id"],
            )
            later = await second.stage.tiktok.new_order(ANDI)
            assert int(later["order_id"]) == int(order["order_id"]) + 1
            alert = await eventually(lambda: bot_message(second, later["order_id"]))
            assert button(alert, "Proses")

    async def test_a_lost_authorization_is_made_again(self, tmp_path: Path):
        """A state file from before Tokopedia & Shop (version 1) means authorizing again."""
        async with demo(DemoOptions(tmp_path, port=0)):
            pass
        saved = json.loads((tmp_path / STATE_NAME).read_text())
        del saved["tiktokshop"]
        (tmp_path / STATE_NAME).write_text(json.dumps(saved | {"version": 1}))
        async with demo(DemoOptions(tmp_path, port=0)) as again:
            assert _token_exchanges(again) == 1
            assert titles(again, SHOP).count(CONNECT) == 2
            written = await again.stage.tiktok.buyer_writes(SITI, "Halo lagi")
            assert written["webhook_status"] == 200
            await eventually(lambda: bot_message(again, "Halo lagi"))


class TestPhotos:
    async def test_buyer_photo_shows_as_a_photo_and_staff_answer_with_one(
        self, client: Client, running: Demo
    ):
        """The buyer panel sends a photo; tokobot posts it; a staff photo reaches the buyer."""
        sent = await client.post("market/photo", {"buyer": SITI, "market": SHOP})
        assert sent["webhook_status"] == 200
        bot_id = running.stage.fake.bot_id

        def relayed_photo():
            found = [m for m in group(running) if m.from_id == bot_id and "photo" in m.content]
            return found[-1] if found else None

        photo = await eventually(relayed_photo)
        state = await client.state()
        shown = next(m for m in state["messages"] if m["id"] == photo.message_id)
        assert shown["photo"]
        picture = await client.http.get(shown["photo"])
        assert picture.content == running.stage.fake.photo_bytes(photo)
        await client.post(
            "telegram/photo", {"user": "rina", "caption": "Ini kak", "reply_to": photo.message_id}
        )
        images = await eventually(
            lambda: [m for m in running.stage.tts.sent_messages if m["type"] == "IMAGE"]
        )
        assert running.stage.tts.media.image(images[0]["content"])[:8] == b"\x89PNG\r\n\x1a\n"

    async def test_tokopedia_buyers_send_no_photos_in_the_demo(self, client: Client):
        await client.post("market/photo", {"buyer": SITI, "market": "tokopedia"}, status=400)


class TestProductCards:
    async def test_buyer_panel_sends_a_card_that_staff_see_named_and_priced(
        self, client: Client, running: Demo
    ):
        """The panel's product card reaches staff with the product's name and price."""
        sent = await client.post("market/product", {"buyer": SITI, "market": SHOP})
        assert sent["webhook_status"] == 200
        shown = await eventually(lambda: bot_message(running, "Kartu produk"))
        assert " · Rp" in shown.plain_text
        assert any(p["title"] in shown.plain_text for p in running.stage.tts.products.values())
        assert not TIKTOK.search(shown.plain_text)

    async def test_tokopedia_buyers_send_no_product_cards_in_the_demo(self, client: Client):
        await client.post("market/product", {"buyer": SITI, "market": "tokopedia"}, status=400)
