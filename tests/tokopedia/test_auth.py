from __future__ import annotations

import asyncio
import base64
import logging
from datetime import timedelta

import httpx
import pytest

from bot.marketplaces.tokopedia import AuthError, ServerError
from tests.tokopedia.conftest import (
    API_URL,
    CLIENT_ID,
    CLIENT_SECRET,
    FS_ID,
    FakeApi,
    make_auth,
    make_client,
    reply,
    sample,
)

SHOPS = f"/v1/shop/fs/{FS_ID}/shop-info"


@pytest.fixture(autouse=True)
def _shop_route(api: FakeApi) -> None:
    api.on("GET", SHOPS, reply(sample("api_shop_info.json")))


class TestTokenRequest:
    async def test_token_request_is_basic_auth_with_an_empty_body(self, api, client):
        """The token call matches Tokopedia's spec: POST, grant_type, Basic, empty body, a UA."""
        await client.shop_info()
        (token_request,) = api.token_requests
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        assert token_request.method == "POST"
        assert token_request.url.host == "accounts.tokopedia.com"
        assert token_request.url.params["grant_type"] == "client_credentials"
        assert token_request.headers["Authorization"] == f"Basic {expected}"
        assert token_request.headers["Content-Length"] == "0"
        assert token_request.content == b""
        assert token_request.headers["User-Agent"].startswith("tokobot/")

    async def test_api_calls_carry_the_bearer_token(self, api, client):
        """Seller API requests are sent with the acquired token."""
        await client.shop_info()
        assert api.calls()[0].headers["Authorization"] == "Bearer token-1"

    async def test_token_is_cached_with_its_absolute_expiry(self, client, store, clock):
        """The store holds the token and when it expires, not a relative lifetime."""
        await client.shop_info()
        assert store.tokens[f"tokopedia:{CLIENT_ID}"] == (
            "token-1",
            clock.now + timedelta(seconds=1209600),
        )

    async def test_token_requested_once_across_two_client_lifetimes(self, api, store, clock):
        """A restarted bot reuses the stored token instead of asking Tokopedia again."""
        for _ in range(2):
            async with httpx.AsyncClient(transport=httpx.MockTransport(api.handler)) as http:
                client = make_client(http, store, clock, [])
                await client.shop_info()
                await client.shop_info()
        assert len(api.token_requests) == 1
        assert len(api.calls()) == 4

    async def test_expired_token_is_refreshed(self, api, client, clock):
        """Once the token's lifetime has passed a new one is fetched before the call."""
        await client.shop_info()
        clock.advance(seconds=1209600)
        await client.shop_info()
        assert len(api.token_requests) == 2
        assert api.calls()[-1].headers["Authorization"] == "Bearer token-2"

    async def test_concurrent_callers_share_one_token_request(self, api, client):
        """Ten simultaneous calls at start-up cause a single token request."""
        await asyncio.gather(*(client.shop_info() for _ in range(10)))
        assert len(api.token_requests) == 1
        assert len(api.calls()) == 10


class TestUnauthorized:
    async def test_401_refreshes_once_and_resends_once(self, api, client):
        """A revoked token costs one refresh and one resend, and the call succeeds."""
        api.on("GET", SHOPS, reply({"header": {}}, 401), reply(sample("api_shop_info.json")))
        shops = await client.shop_info()
        assert [s.shop_name for s in shops] == ["Aqua", "Fincook Store"]
        assert [r.headers["Authorization"] for r in api.calls()] == [
            "Bearer token-1",
            "Bearer token-2",
        ]
        assert len(api.token_requests) == 2

    async def test_a_second_401_is_an_auth_error(self, api, client):
        """If the fresh token is refused too, the call fails as AUTH without looping."""
        api.on("GET", SHOPS, reply({"header": {"messages": "unauthorized"}}, 401))
        with pytest.raises(AuthError):
            await client.shop_info()
        assert len(api.calls()) == 2
        assert len(api.token_requests) == 2

    async def test_concurrent_401s_share_one_refresh(self, api, client):
        """Several calls rejected with the same stale token trigger a single refresh."""
        await client.shop_info()

        def by_token(request: httpx.Request) -> httpx.Response:
            if request.headers["Authorization"] == "Bearer token-1":
                return reply({"header": {}}, 401)
            return reply(sample("api_shop_info.json"))

        api.on("GET", SHOPS, by_token)
        await asyncio.gather(*(client.shop_info() for _ in range(5)))
        assert len(api.token_requests) == 2


class TestTokenFailures:
    async def test_refused_credentials_raise_auth_error_without_leaking_the_secret(
        self, api, client, caplog
    ):
        """Wrong credentials fail as AUTH, and neither logs nor the error show the secret."""
        caplog.set_level(logging.DEBUG)
        api.on(
            "POST",
            "/token",
            reply({"error": "invalid_client", "error_description": "client not found"}, 401),
        )
        with pytest.raises(AuthError, match="client not found") as caught:
            await client.shop_info()
        assert api.calls() == []
        assert CLIENT_SECRET not in str(caught.value)
        assert CLIENT_SECRET not in caplog.text

    async def test_token_is_never_logged(self, client, caplog):
        """Acquiring a token logs its expiry but not the token itself."""
        caplog.set_level(logging.DEBUG, logger="bot.marketplaces.tokopedia")
        await client.shop_info()
        assert "token acquired" in caplog.text
        assert "token-1" not in caplog.text

    async def test_token_endpoint_outage_is_retried_then_unavailable(self, api, client, sleeps):
        """A 5xx from the accounts host is retried with backoff, then reported unavailable."""
        api.on("POST", "/token", reply({}, 503))
        with pytest.raises(ServerError):
            await client.shop_info()
        assert len(api.token_requests) == 3
        assert sleeps == [0.5, 1.0]
        assert api.calls() == []

    async def test_auth_repr_hides_the_secret(self, store, clock):
        """Printing the auth object never shows the client secret."""
        assert CLIENT_SECRET not in repr(make_auth(store, clock))


async def test_plain_httpx_requests_use_the_flow(api, http, store, clock):
    """The auth works as an ordinary httpx.Auth on any request to the API host."""
    response = await http.get(f"{API_URL}{SHOPS}", auth=make_auth(store, clock))
    assert response.status_code == 200
    assert response.request.headers["Authorization"] == "Bearer token-1"
