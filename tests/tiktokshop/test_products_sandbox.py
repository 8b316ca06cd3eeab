"""Get Product against the sandbox, which checks signature, token, scope and cipher."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.domain.values import ProductInfo
from bot.marketplaces.tiktokshop import sign
from bot.sandbox.tiktokshop import TikTokSandboxState, create_app
from tests.tiktokshop.conftest import MemoryStateStore
from tests.tiktokshop.test_client_sandbox import (
    APP_KEY,
    APP_SECRET,
    SERVICE_ID,
    SHOP_ID,
    SharedClock,
    build,
    build_client,
)

OTHER_SHOP_ID = "7495540735365777508"


@pytest.fixture(name="clock")
def _clock() -> SharedClock:
    return SharedClock()


@pytest.fixture(name="state")
def _state(clock: SharedClock) -> TikTokSandboxState:
    state = TikTokSandboxState(APP_KEY, APP_SECRET, SERVICE_ID, clock=clock.unix)
    state.add_shop(SHOP_ID, "Toko Maju Jaya")
    state.add_shop(OTHER_SHOP_ID, "Batik Sekar")
    return state


@pytest.fixture(name="http")
async def _http(state: TikTokSandboxState) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(state))
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as http:
        yield http


@pytest.fixture(name="market")
async def _market(http, state, clock):
    """An adapter whose seller has authorized the shop through the sandbox."""
    market = build(build_client(http, MemoryStateStore(), clock), MemoryStateStore(), clock)
    await market.complete_authorization(state.issue_auth_code([SHOP_ID]))
    return market


def product_calls(state: TikTokSandboxState) -> list[str]:
    return [call.path for call in state.calls if call.path.startswith("/product/")]


async def token_for(http: httpx.AsyncClient, state: TikTokSandboxState, **kw: Any) -> str:
    params = {"app_key": APP_KEY, "app_secret": APP_SECRET, "grant_type": "authorized_code",
              "auth_code": state.issue_auth_code([SHOP_ID], **kw)}  # fmt: skip
    response = await http.get("/api/v2/token/get", params=params)
    return str(response.json()["data"]["access_token"])


async def raw_get(
    http: httpx.AsyncClient,
    state: TikTokSandboxState,
    clock: SharedClock,
    path: str,
    *,
    token: str,
    signed: bool = True,
    cipher: bool = True,
) -> dict[str, Any]:
    query = {"app_key": APP_KEY, "timestamp": str(int(clock.t))}
    if cipher:
        query["shop_cipher"] = state.shops[SHOP_ID]["cipher"]
    if signed:
        query["sign"] = sign(path, query, b"", APP_SECRET)
    response = await http.get(path, params=query, headers={"x-tts-access-token": token})
    return {"status": response.status_code, **response.json()}


class TestGetProduct:
    async def test_a_seeded_product_is_named_and_priced(self, market, state):
        """The adapter's signed call passes the sandbox's checks and reads name and prices."""
        product = state.add_product(SHOP_ID, "Kemeja Batik Parang", (245_000, 225_000))
        info = await market.describe_product(SHOP_ID, product["id"])
        assert info == ProductInfo(
            name="Kemeja Batik Parang", price_min=225_000, price_max=245_000
        )

    async def test_another_shops_product_is_none(self, market, state):
        """A product id of a shop the card's conversation is not in gives no details."""
        other = state.add_product(OTHER_SHOP_ID, "Batik Tulis")
        assert await market.describe_product(SHOP_ID, other["id"]) is None
        assert await market.describe_product(SHOP_ID, "1729000000000009999") is None

    async def test_the_same_card_twice_costs_one_call(self, market, state):
        product = state.add_product(SHOP_ID, "Kopi Gayo Arabika 250g", (85_000,))
        for _ in range(5):
            await market.describe_product(SHOP_ID, product["id"])
        assert product_calls(state) == [f"/product/202309/products/{product['id']}"]

    async def test_an_injected_failure_is_none(self, market, state):
        """A 500 from the platform gives no details, and no retry storm."""
        product = state.add_product(SHOP_ID, "Teh Melati Tubruk 100g", (18_000,))
        state.fail_next(r"^/product/", 500)
        assert await market.describe_product(SHOP_ID, product["id"]) is None
        assert len(product_calls(state)) == 1


class TestSandboxRefuses:
    async def test_an_unsigned_call(self, http, state, clock):
        product = state.add_product(SHOP_ID, "Kopi")
        token = await token_for(http, state)
        path = f"/product/202309/products/{product['id']}"
        answer = await raw_get(http, state, clock, path, token=token, signed=False)
        assert (answer["status"], answer["code"]) == (400, 36009004)
        assert "signature" in answer["message"]
        assert "data" not in answer

    async def test_a_wrong_signature(self, http, state, clock):
        product = state.add_product(SHOP_ID, "Kopi")
        token = await token_for(http, state)
        path = f"/product/202309/products/{product['id']}"
        query = {"app_key": APP_KEY, "timestamp": str(int(clock.t)),
                 "shop_cipher": state.shops[SHOP_ID]["cipher"]}  # fmt: skip
        query["sign"] = sign(path, query, b"", "not-the-secret")
        response = await http.get(path, params=query, headers={"x-tts-access-token": token})
        assert response.json()["code"] == 106001

    @pytest.mark.parametrize("token", ["", "TTP_not-a-real-token"])
    async def test_a_missing_or_wrong_token(self, http, state, clock, token):
        product = state.add_product(SHOP_ID, "Kopi")
        path = f"/product/202309/products/{product['id']}"
        answer = await raw_get(http, state, clock, path, token=token)
        assert (answer["status"], answer["code"]) == (400, 36009004)
        assert "x-tts-access-token" in answer["message"]

    async def test_no_cipher(self, http, state, clock):
        product = state.add_product(SHOP_ID, "Kopi")
        token = await token_for(http, state)
        path = f"/product/202309/products/{product['id']}"
        answer = await raw_get(http, state, clock, path, token=token, cipher=False)
        assert answer["code"] == 106013

    async def test_no_product_scope(self, http, state, clock):
        product = state.add_product(SHOP_ID, "Kopi")
        token = await token_for(http, state, scopes=["seller.customer_service"])
        path = f"/product/202309/products/{product['id']}"
        answer = await raw_get(http, state, clock, path, token=token)
        assert (answer["status"], answer["code"]) == (401, 105005)

    async def test_a_signed_call_gets_the_product(self, http, state, clock):
        """The documented shape: title, status, SKUs with a string sale price in IDR."""
        product = state.add_product(SHOP_ID, "Kopi", (85_000,))
        token = await token_for(http, state)
        path = f"/product/202309/products/{product['id']}"
        answer = await raw_get(http, state, clock, path, token=token)
        assert answer["code"] == 0
        data = answer["data"]
        assert (data["id"], data["title"], data["status"]) == (product["id"], "Kopi", "ACTIVATE")
        assert data["skus"][0]["price"] == {
            "currency": "IDR",
            "sale_price": "85000",
            "tax_exclusive_price": "85000",
        }
        assert "shop_id" not in data
