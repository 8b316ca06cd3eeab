"""Get Product for chat product cards: the request, the parsing, the cache and its failures."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from bot.domain.values import ProductInfo
from bot.marketplaces.products import DescribesProducts
from bot.marketplaces.tiktokshop.products import (
    ProductLookup,
    TtsProduct,
    product_info,
    product_page,
)
from tests.tiktokshop.conftest import ACCESS_TOKEN, CIPHER, SHOP_ID, fail, ok

PRODUCT_ID = "1729382256910274567"
PATH = f"/product/202309/products/{PRODUCT_ID}"


def product_data(
    title: str = "Kaos Polos Katun Combed 30s",
    prices: tuple[str, ...] = ("125000",),
    status: str = "ACTIVATE",
) -> dict[str, Any]:
    """Get Product's ``data`` as the public SDKs describe it, trimmed to what matters."""
    return {
        "id": PRODUCT_ID,
        "status": status,
        "title": title,
        "main_images": [{"urls": ["https://img/1.jpeg"], "thumb_urls": ["https://img/t.jpeg"]}],
        "skus": [
            {"id": str(n), "price": {"sale_price": p, "currency": "IDR",
                                     "tax_exclusive_price": p}}
            for n, p in enumerate(prices)
        ],
    }  # fmt: skip


class TestProductInfo:
    def test_one_price(self):
        """A product with one SKU has one price, in whole Rupiah, and its title as the name."""
        info = product_info(TtsProduct.model_validate(product_data(prices=("125000.00",))))
        assert info == ProductInfo(
            name="Kaos Polos Katun Combed 30s", price_min=125_000, price_max=125_000
        )

    def test_price_range_ignores_other_currencies_and_unreadable_prices(self):
        """Variants give the lowest and highest Rupiah price; the rest is skipped."""
        data = product_data(prices=("125000", "99000", "abc", ""))
        data["skus"].append({"id": "9", "price": {"sale_price": "5", "currency": "USD"}})
        data["skus"].append({"id": "10", "price": None})
        info = product_info(TtsProduct.model_validate(data))
        assert (info.price_min, info.price_max) == (99_000, 125_000)

    @pytest.mark.parametrize(
        ("status", "available"),
        [("ACTIVATE", True), ("", True), ("SELLER_DEACTIVATED", False), ("DELETED", False)],
    )
    def test_status(self, status, available):
        """Only a live product (or one whose status is not given) counts as on sale."""
        info = product_info(TtsProduct.model_validate(product_data(status=status)))
        assert info.available is available


class TestProductPage:
    def test_link_of_a_product_id(self):
        assert product_page(PRODUCT_ID) == f"https://shop.tiktok.com/view/product/{PRODUCT_ID}"

    @pytest.mark.parametrize("value", ["", "12 34", "../x", "1729<b>", "javascript:alert(1)"])
    def test_no_link_for_anything_but_digits(self, value):
        """A card whose id is not the platform's digits gets no link at all."""
        assert product_page(value) == ""


class TestDescribeProduct:
    async def test_request_is_signed_for_the_shop(self, market, api):
        """Get Product goes out as a signed shop call: cipher, token header, sign."""
        api.on("GET", PATH, ok(product_data()))
        assert isinstance(market, DescribesProducts)
        info = await market.describe_product(SHOP_ID, PRODUCT_ID)
        assert info is not None
        assert info.name == "Kaos Polos Katun Combed 30s"
        (request,) = api.calls("GET", PATH)
        assert request.url.params["shop_cipher"] == CIPHER
        assert request.url.params["sign"]
        assert request.headers["x-tts-access-token"] == ACCESS_TOKEN

    async def test_the_same_card_twice_costs_one_call(self, market, api):
        """A buyer sending the same card again is answered from the cache."""
        api.on("GET", PATH, ok(product_data()))
        first = await market.describe_product(SHOP_ID, PRODUCT_ID)
        second = await market.describe_product(SHOP_ID, PRODUCT_ID)
        assert first == second
        assert len(api.calls("GET", PATH)) == 1

    async def test_many_buyers_at_once_cost_one_call(self, market, api):
        """300 cards of the same product arriving together wait on one call."""
        api.on("GET", PATH, ok(product_data()))
        found = await asyncio.gather(
            *(market.describe_product(SHOP_ID, PRODUCT_ID) for _ in range(300))
        )
        assert {info.name for info in found if info} == {"Kaos Polos Katun Combed 30s"}
        assert len(api.calls("GET", PATH)) == 1

    async def test_asked_again_after_an_hour(self, market, api, clock):
        """A name or price changed by the seller shows within the hour."""
        api.on("GET", PATH, ok(product_data()), ok(product_data(title="Kaos Baru")))
        await market.describe_product(SHOP_ID, PRODUCT_ID)
        clock.advance(minutes=59)
        assert (await market.describe_product(SHOP_ID, PRODUCT_ID)).name != "Kaos Baru"
        clock.advance(minutes=2)
        assert (await market.describe_product(SHOP_ID, PRODUCT_ID)).name == "Kaos Baru"
        assert len(api.calls("GET", PATH)) == 2

    @pytest.mark.parametrize(
        "failure",
        [
            fail(36009003, "Internal error", 500),
            fail(12052048, "product not found", 404),
            fail(36009002, "Too many requests", 429),
            httpx.ReadTimeout("slow"),
            ok({"skus": "not a list"}),
        ],
    )
    async def test_failure_is_none_not_retried_and_remembered_briefly(
        self, market, api, clock, sleeps, failure
    ):
        """A failed lookup gives None at once (no backoff) and is asked again minutes later."""
        api.on("GET", PATH, failure, ok(product_data()))
        assert await market.describe_product(SHOP_ID, PRODUCT_ID) is None
        assert sleeps == []
        assert await market.describe_product(SHOP_ID, PRODUCT_ID) is None
        assert len(api.calls("GET", PATH)) == 1
        clock.advance(minutes=6)
        assert await market.describe_product(SHOP_ID, PRODUCT_ID) is not None

    async def test_unknown_shop_is_none(self, market, api):
        """A shop tokobot holds no token for is no reason to fail the card."""
        assert await market.describe_product("7495540735365779999", PRODUCT_ID) is None
        assert api.calls("GET", PATH) == []


class SlowClient:
    """A ``get_product`` that answers only when told to."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.calls: list[str] = []

    async def get_product(self, shop_id: str, product_id: str) -> TtsProduct:
        self.calls.append(product_id)
        await self.release.wait()
        return TtsProduct.model_validate(product_data())


class TestLookup:
    async def test_a_slow_api_does_not_hold_the_card_back(self, clock):
        """After the timeout the card goes without details; the answer still fills the cache."""
        client = SlowClient()
        lookup = ProductLookup(client, clock=clock, timeout=0.01)
        assert await lookup.get_product(SHOP_ID, PRODUCT_ID) is None
        client.release.set()
        await asyncio.sleep(0)
        found = await lookup.get_product(SHOP_ID, PRODUCT_ID)
        assert found is not None
        assert client.calls == [PRODUCT_ID]

    async def test_the_cache_is_bounded(self, clock):
        """Past its size the least recently used product is dropped and asked again."""
        client = SlowClient()
        client.release.set()
        lookup = ProductLookup(client, clock=clock, size=2)
        for product_id in ("1", "2", "1", "3", "1", "2"):
            await lookup.get_product(SHOP_ID, product_id)
        assert client.calls == ["1", "2", "3", "2"]

    async def test_a_bug_in_the_client_is_none(self, clock, caplog):
        """Whatever breaks inside, the card is shown; the log says what broke."""

        class Broken:
            async def get_product(self, shop_id: str, product_id: str) -> TtsProduct:
                raise RuntimeError("boom")

        lookup = ProductLookup(Broken(), clock=clock)
        assert await lookup.get_product(SHOP_ID, PRODUCT_ID) is None
        assert "boom" in caplog.text
