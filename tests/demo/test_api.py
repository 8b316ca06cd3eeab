"""The demo's endpoints, driven over HTTP against the real wiring (fakes + tokobot)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from bot.demo.cast import BUYERS, CHAT_ID, TTS_SHOP_ID
from bot.demo.run import Demo, DemoOptions, demo
from tests.demo.conftest import Client, bot_message, button, eventually, group, titles
from tests.harness import harness

SITI = BUYERS[0].user_id


class TestPage:
    async def test_page_and_assets_are_served_with_a_strict_policy(self, client: Client):
        """/demo is the page; its script and style come from the package."""
        page = await client.http.get("/demo")
        assert page.status_code == 200
        assert "/demo/static/demo.js" in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        script = await client.http.get("/demo/static/demo.js")
        assert script.status_code == 200
        assert script.headers["content-type"].startswith("text/javascript")
        assert (await client.http.get("/demo/static/demo.css")).status_code == 200
        assert (await client.http.get("/demo/static/persist.py")).status_code == 404

    async def test_state_names_the_group_people_and_shops(self, client: Client):
        """The initial state has the group, staff, buyers and both marketplaces' shops."""
        state = await client.state()
        assert state["chat"] == {"id": CHAT_ID, "title": "Staf Toko Maju Jaya", "topics": False}
        assert [s["key"] for s in state["staff"]] == ["rina", "budi"]
        assert state["buyers"]
        tokopedia, shop = state["markets"]
        assert (tokopedia["key"], tokopedia["label"]) == ("tokopedia", "Tokopedia")
        names = [s["name"] for s in tokopedia["shops"]]
        assert names == ["Toko Maju Jaya", "Batik Sekar Official"]
        assert (shop["key"], shop["label"]) == ("tiktokshop", "Tokopedia & Shop")
        assert shop["shops"] == [{"id": TTS_SHOP_ID, "name": "Toko Maju Jaya"}]
        assert state["messages"] == []
        market = state["market"]
        assert market["tokopedia"] == {"orders": [], "order_count": 0}
        assert market["tiktokshop"] == {"orders": [], "order_count": 0, "connected": True}
        # Only the start-up authorization has happened.
        assert [e["market"] for e in market["log"]] == ["tiktokshop"]


class TestRoundTrips:
    async def test_buyer_message_reaches_the_group_and_a_reply_reaches_the_buyer(
        self, running: Demo, client: Client
    ):
        """A signed chat webhook is relayed; replying to it sends the text to that buyer."""
        answer = await client.post("market/chat", {"buyer": SITI, "text": "Kak, harga <100rb?"})
        assert answer["webhook_status"] == 200
        relayed = await eventually(lambda: bot_message(running, "harga <100rb?"))
        messages = (await client.state())["messages"]
        shown = next(m for m in messages if m["id"] == relayed.message_id)
        assert "harga &lt;100rb?" in shown["html"]
        assert shown["buttons"][0][0]["text"].endswith("Balas")

        sent = await client.post(
            "telegram/send",
            {"user": "rina", "text": "Ada kak 😊", "reply_to": relayed.message_id},
        )
        await eventually(lambda: running.stage.sandbox.replies)
        assert running.stage.sandbox.replies[-1]["message"] == "Ada kak 😊"
        staff_message = await eventually(
            lambda: next(
                (m for m in group(running) if m.message_id == sent["message_id"] and m.reactions),
                None,
            )
        )
        assert staff_message.reactions == ("👍",)
        assert titles(running, "tokopedia") == [
            "→ tokobot: webhook pesan pembeli",
            "← balasan ke Siti Aminah",
        ]

    async def test_only_the_admin_may_accept_an_order(self, running: Demo, client: Client):
        """Budi's press is refused with a toast; Rina's accepts the order at the marketplace."""
        order = await client.post("market/order", {})
        alert = await eventually(lambda: bot_message(running, order["invoice"]))
        accept = button(alert, "Terima")
        fake = running.stage.fake

        refused = await client.post(
            "telegram/press", {"user": "budi", "message_id": alert.message_id, "data": accept}
        )
        query = await eventually(
            lambda: (
                fake.callback_query(refused["query_id"]).answered
                and fake.callback_query(refused["query_id"])
            )
        )
        assert query.answer_text
        assert running.stage.sandbox.orders[order["order_id"]]["order_status"] == 220

        await client.post(
            "telegram/press", {"user": "rina", "message_id": alert.message_id, "data": accept}
        )
        edited = await eventually(lambda: bot_message(running, "Diterima oleh Rina"))
        assert edited.message_id == alert.message_id
        assert running.stage.sandbox.orders[order["order_id"]]["order_status"] == 400
        assert "← pesanan diterima (ack)" in titles(running)

    async def test_cancellation_request_and_courier_pickup(self, running: Demo, client: Client):
        """Each marketplace step changes the sandbox and posts its webhook; misuse is refused."""
        order = await client.post("market/order", {"buyer": SITI})
        order_id = order["order_id"]
        refused = await client.post("market/pickup", {"order_id": order_id}, status=409)
        assert "diterima penjual" in refused["error"]

        asked = await client.post("market/cancel-request", {"order_id": order_id})
        assert asked["cancel_requested"] is True
        assert asked["webhook_status"] == 200
        await client.post("market/cancel-request", {"order_id": order_id}, status=409)

        running.stage.sandbox.set_status(order_id, 400)
        assert (await client.post("market/pickup", {"order_id": order_id}))["status"] == 450
        assert (await client.post("market/pickup", {"order_id": order_id}))["status"] == 500
        await client.post("market/pickup", {"order_id": order_id}, status=409)
        logged = titles(running)
        assert logged.count("→ tokobot: webhook status pesanan") == 2
        assert "→ tokobot: webhook permintaan batal" in logged

    async def test_burst_delivers_every_order_webhook(self, running: Demo, client: Client):
        """A burst creates the orders and tokobot acknowledges every webhook."""
        assert await client.post("market/burst", {"count": 30}) == {
            "ok": True,
            "created": 30,
            "accepted": 30,
        }
        market = (await client.state())["market"]
        assert market["tokopedia"]["order_count"] == 30
        assert len(market["tokopedia"]["orders"]) == 25
        assert market["log"][0]["title"] == "→ tokobot: 30 webhook pesanan baru"
        assert market["log"][0]["market"] == "tokopedia"


class TestRefusals:
    async def test_bad_requests_get_a_reason(self, running: Demo, client: Client):
        """Unknown people, orders and messages, and empty text, are refused plainly."""
        await client.post("telegram/send", {"user": "eve", "text": "hai"}, status=400)
        await client.post("telegram/send", {"user": "rina", "text": "  "}, status=400)
        await client.post("telegram/send", {"user": "rina", "text": ""}, status=422)
        missing = await client.post(
            "telegram/send", {"user": "rina", "text": "x", "reply_to": 999}, status=400
        )
        assert "999" in missing["error"]
        await client.post(
            "telegram/press", {"user": "rina", "message_id": 999, "data": "x"}, status=400
        )
        await client.post("market/chat", {"buyer": 1, "text": "hai"}, status=404)
        await client.post("market/order", {"shop": 1}, status=404)
        await client.post("market/pickup", {"order_id": 1}, status=404)
        await client.post("market/burst", {"count": 0}, status=422)
        await client.post("market/order", {"shop": "x"}, status=404)
        await client.post("market/pickup", {"order_id": "1", "market": "tiktokshop"}, status=404)
        await client.post("market/order", {"market": "shopee"}, status=422)
        assert running.stage.sandbox.orders == {}
        assert running.stage.tts.orders == {}


async def test_event_stream_starts_with_the_state_then_follows_changes(client: Client):
    """The page gets the whole state first, then each new message and marketplace change."""
    seen: list[dict] = []
    async with asyncio.timeout(15), client.http.stream("GET", "/demo/api/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        async for line in stream.aiter_lines():
            if not line.startswith("data: "):
                continue
            seen.append(json.loads(line.removeprefix("data: ")))
            if len(seen) == 1:
                assert seen[0]["type"] == "state"
                await client.post("market/chat", {"buyer": SITI, "text": "Halo kak"})
            types = {item["type"] for item in seen}
            if {"message", "market"} <= types:
                break
    message = next(item["message"] for item in seen if item["type"] == "message")
    assert "Halo kak" in message["html"]
    market = next(item["market"] for item in seen if item["type"] == "market")
    assert market["log"][0]["title"] == "→ tokobot: webhook pesan pembeli"
    assert market["log"][0]["market"] == "tokopedia"


async def test_topic_mode_gives_each_buyer_a_topic(tmp_path: Path):
    """With --topics the group is a forum; writing in a buyer's topic answers that buyer."""
    async with demo(DemoOptions(tmp_path, port=0, topics=True)) as running:
        stage = running.stage
        await stage.buyer_writes(SITI, "Kak, ready?")
        topics = await eventually(stage.topics)
        assert topics[0]["name"].startswith("Siti")
        relayed = await eventually(lambda: bot_message(running, "Kak, ready?"))
        assert relayed.thread_id == topics[0]["id"]
        stage.staff_sends("rina", "Ready kak", thread=topics[0]["id"])
        await eventually(lambda: stage.sandbox.replies)
        assert stage.sandbox.replies[-1]["message"] == "Ready kak"


async def test_tokobot_run_serves_no_demo_page(sqlite_url: str):
    """The web app ``tokobot run`` builds has no /demo routes."""
    async with harness(sqlite_url) as h:
        for path in ("/demo", "/demo/", "/demo/api/state", "/demo/static/demo.js"):
            assert (await h.web.get(path)).status_code == 404
        post = await h.web.post("/demo/api/market/order", json={})
        assert post.status_code in {404, 405}
