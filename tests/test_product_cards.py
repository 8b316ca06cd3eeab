"""A buyer's product card as staff read it, and the relay's lookup that feeds it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast
from zoneinfo import ZoneInfo

from bot.domain.values import BuyerMessage, Conversation, MarketplaceName, ProductInfo
from bot.marketplaces import Marketplace
from bot.relay.product_cards import with_product
from bot.render.chats import render_buyer_message
from bot.sandbox.telegram import parse_html

TZ = ZoneInfo("Asia/Jakarta")
PRODUCT_ID = "1729382256910274567"
LINK = f"https://shop.tiktok.com/view/product/{PRODUCT_ID}"


def _card(
    text: str = PRODUCT_ID, product: ProductInfo | None = None, url: str = LINK
) -> BuyerMessage:
    return BuyerMessage(
        conversation=Conversation(
            marketplace=MarketplaceName.TIKTOKSHOP,
            shop_id="7495540735365777507",
            conversation_id="c1",
            buyer_id="b",
            buyer_name="Dewi",
        ),
        text=text,
        received_at=datetime(2026, 12, 6, 3, tzinfo=UTC),
        attachment_kind="product",
        attachment_url=url,
        attachment_ref=PRODUCT_ID,
        product=product,
    )


def _shown(message: BuyerMessage, lang: str = "id") -> tuple[str, str]:
    """(plain text as Telegram shows it, HTML source)."""
    html = render_buyer_message(message, "Toko", "c1", lang=lang, tz=TZ).text
    return parse_html(html).plain, html


class TestProductCardText:
    def test_name_price_id_and_link(self):
        """Staff read the product's name, its price in Rupiah, its id and a link to open it."""
        product = ProductInfo(name="Kaos Polos <Combed>", price_min=125_000, price_max=125_000)
        plain, html = _shown(_card(product=product))
        assert (
            f"🛍️ Kartu produk: Kaos Polos <Combed> · Rp125.000 · {PRODUCT_ID} · Buka produk"
            in plain
        )
        assert "<b>Kaos Polos &lt;Combed&gt;</b>" in html
        assert f"<code>{PRODUCT_ID}</code>" in html
        assert f'<a href="{LINK}">Buka produk</a>' in html
        assert "TikTok" not in plain

    def test_a_price_range(self):
        """Variants of different prices show the lowest and the highest."""
        product = ProductInfo(name="Kemeja Batik", price_min=99_000, price_max=125_000)
        plain, _ = _shown(_card(product=product))
        assert "Kemeja Batik · Rp99.000\u2013125.000 ·" in plain

    def test_an_inactive_product_says_so(self):
        product = ProductInfo(name="Kaos", price_min=1, price_max=1, available=False)
        plain, _ = _shown(_card(product=product))
        assert "produk tidak aktif" in plain

    def test_without_details_the_id_and_link_remain(self):
        """When the lookup failed the card still shows its id, once, and its link."""
        plain, html = _shown(_card())
        assert f"Kartu produk: {PRODUCT_ID} · Buka produk" in plain
        assert html.count(PRODUCT_ID) == 2  # the line and the link, not the id twice
        assert "Rp" not in plain

    def test_the_platforms_text_names_it_when_the_api_did_not(self):
        plain, _ = _shown(_card(text="[Produk] Kaos Polos"))
        assert f"Kartu produk: [Produk] Kaos Polos · {PRODUCT_ID}" in plain

    def test_a_product_without_prices_shows_no_price(self):
        plain, _ = _shown(_card(product=ProductInfo(name="Kaos")))
        assert "Rp" not in plain
        assert "Kartu produk: Kaos ·" in plain

    def test_english(self):
        product = ProductInfo(name="Kaos", price_min=125_000, price_max=125_000)
        plain, _ = _shown(_card(product=product), lang="en")
        assert "Product card: Kaos · Rp125.000" in plain
        assert "Open product" in plain

    def test_an_unsafe_link_is_not_made_clickable(self):
        plain, html = _shown(_card(url="javascript:alert(1)"))
        assert "javascript" not in html
        assert "Buka produk" not in plain


def _market(fake: object) -> Marketplace:
    return cast(Marketplace, fake)


class Describing:
    """A marketplace with a product lookup, recording what it was asked."""

    def __init__(self, answer: ProductInfo | None = None, error: Exception | None = None):
        self.answer, self.error = answer, error
        self.asked: list[tuple[str, str]] = []

    async def describe_product(self, shop_id: str, product_id: str) -> ProductInfo | None:
        self.asked.append((shop_id, product_id))
        if self.error is not None:
            raise self.error
        return self.answer


class TestWithProduct:
    async def test_a_card_gets_its_product(self):
        product = ProductInfo(name="Kaos", price_min=1, price_max=1)
        market = Describing(product)
        enriched = await with_product(_market(market), _card())
        assert enriched.product == product
        assert market.asked == [("7495540735365777507", PRODUCT_ID)]

    async def test_a_failed_lookup_leaves_the_card_as_it_was(self):
        message = _card()
        assert await with_product(_market(Describing(None)), message) is message
        assert (
            await with_product(_market(Describing(error=RuntimeError("boom"))), message) is message
        )

    async def test_nothing_is_asked_for_other_messages(self):
        market = Describing(ProductInfo(name="x"))
        text = _card().model_copy(update={"attachment_kind": "", "attachment_ref": ""})
        assert await with_product(_market(market), text) is text
        order = _card().model_copy(update={"attachment_kind": "order"})
        assert await with_product(_market(market), order) is order
        assert market.asked == []

    async def test_a_marketplace_without_a_lookup_is_not_asked(self):
        message = _card()
        assert await with_product(_market(object()), message) is message
