"""Tokopedia & Shop (TikTok Shop Partner API) through the same core, end to end."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.app import oauth_secret
from bot.http.oauth import make_state
from bot.jobs.reconcile import reconcile
from bot.jobs.token_refresh import refresh_tokens
from bot.relay.pacer import GroupPacer
from bot.sandbox.telegram import FakeTelegram
from storage.models import MarketplaceState, ShopRow
from tests.harness import ADMIN_ID, CHAT_ID, TTS_SHOP_ID, harness

BOTH = "tokopedia,tiktokshop"


async def _connected(h):
    response = await h.authorize_tts()
    assert response.status_code == 200, response.text
    return response


async def _order_alert(h, **overrides):
    order = h.tts.add_order(TTS_SHOP_ID, **overrides)
    body = h.tts.webhook_body(1, order_id=order["id"])
    assert (await h.post_tts(body)).status_code == 200
    await h.deliver()
    return order, h.last()


class TestAuthorization:
    async def test_callback_connects_the_shop_and_stores_its_token(self, sqlite_url):
        """A genuine callback exchanges the code, lists the shop and stores its credentials."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            page = await _connected(h)
            assert "Toko Maju Jaya" in page.text
            assert "TikTok" not in page.text
            async with h.rt.sessions() as session:
                shops = list((await session.execute(select(ShopRow))).scalars())
                stored = list((await session.execute(select(MarketplaceState))).scalars())
            assert ("tiktokshop", TTS_SHOP_ID) in {(s.marketplace, s.shop_id) for s in shops}
            credentials = next(r for r in stored if TTS_SHOP_ID in r.key and "shop:" in r.key)
            assert "access_token" in credentials.value

    async def test_forged_missing_or_replayed_state_is_refused(self, sqlite_url):
        """Only a state tokobot issued, used once, completes an authorization."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            code = h.tts.issue_auth_code([TTS_SHOP_ID])
            missing = await h.web.get("/oauth/tiktokshop/callback", params={"code": code})
            forged = await h.web.get(
                "/oauth/tiktokshop/callback", params={"code": code, "state": "abc.9999999999.x"}
            )
            assert (missing.status_code, forged.status_code) == (400, 400)
            assert not [c for c in h.tts.calls if "token/get" in c.path]
            state = make_state(oauth_secret(h.rt.settings, "tiktokshop"), h.clock.now)
            first = await h.web.get(
                "/oauth/tiktokshop/callback", params={"code": code, "state": state}
            )
            again = await h.web.get(
                "/oauth/tiktokshop/callback",
                params={"code": h.tts.issue_auth_code([TTS_SHOP_ID]), "state": state},
            )
            assert (first.status_code, again.status_code) == (200, 400)

    async def test_deauthorization_alerts_the_group(self, sqlite_url):
        """Webhook 6 becomes a plain-words alert naming the shop, without 'TikTok'."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            await _connected(h)
            body = h.tts.webhook_body(6, shop_id=TTS_SHOP_ID)
            assert (await h.post_tts(body)).status_code == 200
            await h.deliver()
            alert = h.last().plain_text
            assert "Toko Maju Jaya" in alert
            assert "Tokopedia & Shop" in alert
            assert "TikTok" not in alert

    async def test_token_is_refreshed_before_it_expires(self, sqlite_url):
        """The token job renews a shop's token once it is within a day of expiry."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            await _connected(h)
            h.clock.advance(days=6, hours=12)
            await refresh_tokens(h.rt.services, h.clock.now)
            assert [c for c in h.tts.calls if "token/refresh" in c.path]


class TestWebhooks:
    async def test_bad_signature_is_401_and_duplicates_are_stored_once(self, sqlite_url):
        """A wrong signature is refused; the same notification twice is one event."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            await _connected(h)
            order = h.tts.add_order(TTS_SHOP_ID)
            body = h.tts.webhook_body(1, order_id=order["id"])
            assert (await h.post_tts(body, signature="0" * 64)).status_code == 401
            assert (await h.post_tts(body, signature=None)).status_code == 401
            first = await h.post_tts(body)
            again = await h.post_tts(body)
            assert first.json()["stored"] == 1
            assert again.json()["duplicates"] == 1

    async def test_tokopedia_mirror_notification_is_acknowledged_and_shows_nothing(
        self, sqlite_url
    ):
        """Type 35 (shop mirrored onto Tokopedia) is signed and accepted, and ignored."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            await _connected(h)
            before = len(h.group())
            body = h.tts.webhook_body(35)
            assert "shop_id" not in body
            response = await h.post_tts(body)
            assert response.status_code == 200, response.text
            assert response.json()["stored"] == 0
            assert await h.deliver() == 0
            assert len(h.group()) == before

    async def test_chat_relayed_then_reply_delivered_and_echo_ignored(self, sqlite_url):
        """A buyer message shows the buyer's name; a reply reaches the conversation once."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            await _connected(h)
            conversation = h.tts.add_conversation(TTS_SHOP_ID, "Dewi Lestari")
            h.tts.buyer_says(conversation, "Kak, ukuran M ready?")
            body = h.tts.webhook_body(14, conversation_id=conversation)
            assert (await h.post_tts(body)).status_code == 200
            await h.deliver()
            relayed = h.last()
            assert "Dewi" in relayed.plain_text
            assert "ukuran M ready?" in relayed.plain_text
            assert "TikTok" not in relayed.plain_text
            await h.say("Ready kak 🙏", reply_to=relayed.message_id)
            assert [m["content"] for m in h.tts.sent_messages] == ["Ready kak 🙏"]
            h.tts.add_message(conversation, "SHOP", "Ready kak 🙏")
            echo = h.tts.webhook_body(14, conversation_id=conversation)
            assert (await h.post_tts(echo)).json()["stored"] == 0
            assert await h.deliver() == 0

    async def test_reply_over_2000_characters_goes_as_ordered_parts_with_one_thumbs_up(
        self, sqlite_url
    ):
        """A TEXT message holds 2000 characters: a longer reply is split at sentence ends."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            await _connected(h)
            conversation = h.tts.add_conversation(TTS_SHOP_ID, "Dewi")
            h.tts.buyer_says(conversation, "halo")
            await h.post_tts(h.tts.webhook_body(14, conversation_id=conversation))
            await h.deliver()
            text = "Pesanan kakak sudah kami kirim hari ini. " * 100  # 4,100 characters
            mid = await h.say(text, reply_to=h.last().message_id)
            sent = [m["content"] for m in h.tts.sent_messages]
            assert [len(part) for part in sent] == [1967, 1967, 164]
            assert " ".join(sent) == text
            staff = next(m for m in h.fake.messages(CHAT_ID) if m.message_id == mid)
            assert staff.reactions == ("👍",)

    async def test_partly_sent_reply_retry_sends_only_the_missing_parts(self, sqlite_url):
        """Part 2 of 3 is refused: Retry sends parts 2 and 3 once, never part 1 again."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            await _connected(h)
            conversation = h.tts.add_conversation(TTS_SHOP_ID, "Dewi")
            h.tts.buyer_says(conversation, "halo")
            await h.post_tts(h.tts.webhook_body(14, conversation_id=conversation))
            await h.deliver()
            first, second, third = ("a" * 1999 + ".", "b" * 1990 + " whatsapp.", "c" * 10)
            h.tts.sensitive_words = ["whatsapp"]
            mid = await h.say(f"{first} {second}\n{third}", reply_to=h.last().message_id)
            assert [m["content"] for m in h.tts.sent_messages] == [first]
            failure = h.last()
            staff = next(m for m in h.fake.messages(CHAT_ID) if m.message_id == mid)
            assert staff.reactions != ("👍",)
            h.tts.sensitive_words = []  # the word is allowed after all (a stricter list)
            data = h.button(failure, "Kirim ulang")
            h.fake.user_presses(CHAT_ID, ADMIN_ID, failure.message_id, data)
            h.fake.user_presses(CHAT_ID, ADMIN_ID, failure.message_id, data)
            await h.updates()
            assert [m["content"] for m in h.tts.sent_messages] == [first, second, third]


class TestOrders:
    async def test_new_order_alert_and_process_claim(self, sqlite_url):
        """A paid order alerts with Process; Process is recorded with no marketplace call."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            await _connected(h)
            order, alert = await _order_alert(h)
            assert "Tokopedia & Shop" in alert.plain_text
            calls_before = len(h.tts.calls)
            await h.press(alert, "Proses", first_name="Rina")
            assert len(h.tts.calls) == calls_before
            alert = next(m for m in h.group() if m.message_id == alert.message_id)
            assert "Rina" in alert.plain_text
            assert not (alert.reply_markup or {}).get("inline_keyboard")
            assert order["id"]

    async def test_unpaid_order_is_not_alerted(self, sqlite_url):
        """UNPAID orders stay out of the group."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            await _connected(h)
            order = h.tts.add_order(TTS_SHOP_ID, status="UNPAID")
            response = await h.post_tts(h.tts.webhook_body(1, order_id=order["id"]))
            assert response.status_code == 200
            assert await h.deliver() == 0
            assert h.group() == []

    async def test_cancel_order_with_a_valid_reason(self, sqlite_url):
        """Cancel offers only reasons valid for the order's status and cancels it."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            await _connected(h)
            order, alert = await _order_alert(h)
            await h.press(alert, "Batalkan")
            alert = next(m for m in h.group() if m.message_id == alert.message_id)
            labels = [b["text"] for row in alert.reply_markup["inline_keyboard"] for b in row]
            assert len(labels) >= 2
            await h.press(alert, labels[0])
            alert = next(m for m in h.group() if m.message_id == alert.message_id)
            await h.press(alert, "Tolak:")
            assert h.tts.order(order["id"])["status"] == "CANCELLED"

    async def test_invalid_cancel_reason_is_refused_before_any_call(self, sqlite_url):
        """/reject with a reason name the marketplace does not offer is explained, not sent."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            await _connected(h)
            order, _ = await _order_alert(h)
            await h.say(f"/reject {order['id']} no_such_reason")
            assert not [c for c in h.tts.calls if "cancel" in c.path]
            assert h.tts.order(order["id"])["status"] != "CANCELLED"

    async def test_buyer_cancellation_request_approved_and_rejected(self, sqlite_url):
        """A buyer request shows Approve and Reject; each is sent once by cancel id."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            await _connected(h)
            first, _ = await _order_alert(h)
            second, _ = await _order_alert(h)
            for order, button in ((first, "Setujui"), (second, "Tolak permintaan")):
                cancel_id = h.tts.request_cancellation(order["id"], "Berubah pikiran")
                body = h.tts.webhook_body(11, cancel_id=cancel_id)
                assert (await h.post_tts(body)).status_code == 200
                await h.deliver()
                request = h.last()
                assert "Berubah pikiran" in request.plain_text
                await h.press(request, button)
            statuses = {c.cancel_id: c.status for c in h.tts.cancellations.values()}
            assert sorted(statuses.values()) == [
                "CANCELLATION_REQUEST_CANCELLED",
                "CANCELLATION_REQUEST_SUCCESS",
            ]

    async def test_reconciliation_relays_a_missed_order(self, sqlite_url):
        """An order whose webhook never came is found by the order search and alerted."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            await _connected(h)
            await reconcile(h.rt.services, h.rt.store, h.clock.now)
            missed = h.tts.add_order(TTS_SHOP_ID)
            h.clock.advance(minutes=5)
            figures = await reconcile(h.rt.services, h.rt.store, h.clock.now)
            await h.deliver()
            assert figures.relayed >= 1
            assert any(missed["id"] in (m.plain_text or "") for m in h.group())
            health = (await h.web.get("/healthz/details")).json()
            assert "tiktokshop" in health["marketplaces"]
            assert h.tts.app_secret not in json.dumps(health)


async def test_expiring_authorization_warns_with_the_date(sqlite_url):
    """Webhook 7 tells staff when the authorization ends and what to do."""
    async with harness(sqlite_url, marketplaces=BOTH) as h:
        await _connected(h)
        body = h.tts.webhook_body(7, shop_id=TTS_SHOP_ID)
        assert (await h.post_tts(body)).status_code == 200
        await h.deliver()
        text = h.last().plain_text
        assert "berakhir" in text
        assert "Toko Maju Jaya" in text


async def test_burst_of_status_announced_orders_becomes_digests(sqlite_url):
    """Orders announced only by status webhooks are coalesced into digests too."""
    fake = FakeTelegram(enforce_limits=True)
    async with harness(sqlite_url, marketplaces=BOTH, fake=fake, pacer=GroupPacer()) as h:
        await _connected(h)
        placed = [h.tts.add_order(TTS_SHOP_ID) for _ in range(60)]
        for order in placed:
            assert (
                await h.post_tts(h.tts.webhook_body(1, order_id=order["id"]))
            ).status_code == 200
        await h.deliver()
        assert all(call.ok for call in fake.calls)
        messages = h.group()
        assert len(messages) <= 3
        buttons = [b for m in messages for row in m.reply_markup["inline_keyboard"] for b in row]
        buttons = [b for b in buttons if b["text"].startswith("#")]  # not "Proses semua"
        assert len(buttons) == 60
