"""A buyer's product card through the whole bot: webhook, Get Product, staff's message."""

from __future__ import annotations

import json

from bot.sandbox.telegram.models import FakeMessage
from tests.harness import TTS_SHOP_ID, Harness, harness

BOTH = "tokopedia,tiktokshop"


def _product_calls(h: Harness) -> list[str]:
    return [c.path for c in h.tts.calls if c.path.startswith("/product/")]


async def _send_card(h: Harness, product_id: str, buyer: str = "Dewi Lestari") -> FakeMessage:
    conversation = h.tts.add_conversation(TTS_SHOP_ID, buyer)
    h.tts.add_message(conversation, "BUYER", json.dumps({"product_id": product_id}),
                      "PRODUCT_CARD")  # fmt: skip
    response = await h.post_tts(h.tts.webhook_body(14, conversation_id=conversation))
    assert response.status_code == 200, response.text
    await h.deliver()
    return h.last()


def _text(message: FakeMessage) -> str:
    return message.plain_text or ""


class TestProductCards:
    async def test_staff_see_the_name_price_and_link(self, sqlite_url):
        """The card names the product, prices it in Rupiah and links to its page."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            await h.authorize_tts()
            product = h.tts.add_product(TTS_SHOP_ID, "Kemeja Batik Parang", (225_000, 245_000))
            shown = await _send_card(h, product["id"])
            assert "Kartu produk: Kemeja Batik Parang · Rp225.000\u2013245.000" in _text(shown)
            assert product["id"] in _text(shown)
            links = [e["url"] for e in shown.entities if e["type"] == "text_link"]
            assert links == [f"https://shop.tiktok.com/view/product/{product['id']}"]
            assert "TikTok" not in _text(shown)

    async def test_an_api_failure_still_relays_the_card_with_its_id(self, sqlite_url):
        """Get Product failing costs staff the name, never the buyer's message."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            await h.authorize_tts()
            product = h.tts.add_product(TTS_SHOP_ID, "Kopi Gayo Arabika 250g", (85_000,))
            h.tts.fail_next(r"^/product/", 500)
            shown = await _send_card(h, product["id"])
            assert f"Kartu produk: {product['id']}" in _text(shown)
            assert "Kopi Gayo" not in _text(shown)

    async def test_the_same_card_from_many_buyers_costs_one_call(self, sqlite_url):
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            await h.authorize_tts()
            product = h.tts.add_product(TTS_SHOP_ID, "Teh Melati Tubruk 100g", (18_000,))
            for buyer in ("Dewi", "Sari", "Budi"):
                shown = await _send_card(h, product["id"], buyer)
                assert "Teh Melati Tubruk 100g · Rp18.000" in _text(shown)
            assert len(_product_calls(h)) == 1
