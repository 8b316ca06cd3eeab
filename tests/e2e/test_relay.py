"""Webhooks in, staff-group messages out: the relay end to end."""

from __future__ import annotations

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
        assert CHAT_ID
