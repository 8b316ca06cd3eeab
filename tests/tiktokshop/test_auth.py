from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import httpx
import pytest

from bot.marketplaces.tiktokshop import AuthError, ServerError, TikTokShopTokens
from bot.marketplaces.tiktokshop.auth import SHOP_KEY, SHOPS_KEY, redact
from bot.marketplaces.tiktokshop.models import AuthorizedShop, TokenGrant
from tests.tiktokshop.conftest import (
    ACCESS_TOKEN,
    APP_KEY,
    APP_SECRET,
    NOW,
    REFRESH_TOKEN,
    SHOP_ID,
    credentials,
    ok,
    reply,
    sample,
)

TOKEN_GET = "/api/v2/token/get"
TOKEN_REFRESH = "/api/v2/token/refresh"


def grant(access: str = "TTP_new_access", refresh: str = "TTP_new_refresh") -> TokenGrant:
    return TokenGrant(
        access_token=access,
        access_token_expire_in=int((NOW + timedelta(days=7)).timestamp()),
        refresh_token=refresh,
        refresh_token_expire_in=int((NOW + timedelta(days=365)).timestamp()),
    )


class Renewer:
    """A Renew callable that counts refreshes and can fail."""

    def __init__(self, error: Exception | None = None) -> None:
        self.calls: list[str] = []
        self.error = error

    async def __call__(self, refresh_token: str) -> TokenGrant:
        self.calls.append(refresh_token)
        await asyncio.sleep(0)
        if self.error:
            raise self.error
        return grant(f"TTP_access_{len(self.calls)}", f"TTP_refresh_{len(self.calls)}")


class TestTokenEndpoints:
    async def test_exchange_sends_the_documented_query(self, api, client):
        """Token Get is a GET on the auth host with app_key, app_secret, auth_code, grant_type."""
        api.on("GET", TOKEN_GET, reply(sample("api_token_get.json")))
        got = await client.exchange_code("TTP_auth_code_1")
        (request,) = api.calls()
        assert request.url.host == "auth.tiktok-shops.com"
        assert dict(request.url.params) == {
            "app_key": APP_KEY,
            "app_secret": APP_SECRET,
            "auth_code": "TTP_auth_code_1",
            "grant_type": "authorized_code",
        }
        assert got.access_token == "TTP_NnTzgAAAAAB3dVbw_sample"
        assert got.access_token_expire_in == 1760324400  # absolute, kept as given
        assert "seller.customer_service" in got.granted_scopes

    async def test_refresh_sends_the_documented_query(self, api, client):
        """Token Refresh is a GET with app_key, app_secret, refresh_token, grant_type."""
        api.on("GET", TOKEN_REFRESH, reply(sample("api_token_refresh.json")))
        got = await client.refresh_grant("TTP_old_refresh")
        assert dict(api.calls()[0].url.params) == {
            "app_key": APP_KEY,
            "app_secret": APP_SECRET,
            "refresh_token": "TTP_old_refresh",
            "grant_type": "refresh_token",
        }
        assert got.refresh_token == "TTP_refreshed_refresh_sample"

    async def test_invalid_code_is_an_auth_error_without_secrets(self, api, client):
        """36004004 is an AuthError whose text holds neither the secret nor the code."""
        api.on("GET", TOKEN_GET, reply(sample("api_token_invalid_code.json"), 400))
        with pytest.raises(AuthError) as caught:
            await client.exchange_code("TTP_auth_code_secretish")
        assert caught.value.code == 36004004
        assert APP_SECRET not in str(caught.value)
        assert "TTP_auth_code_secretish" not in str(caught.value)
        assert "http" not in str(caught.value)

    async def test_an_echoed_secret_is_scrubbed(self, api, client):
        """Should the platform quote the secret in its message, it is masked."""
        api.on("GET", TOKEN_GET, reply({"code": 36009004, "message": f"bad {APP_SECRET}"}))
        with pytest.raises(AuthError) as caught:
            await client.exchange_code("c")
        assert APP_SECRET not in str(caught.value)
        assert APP_SECRET not in caught.value.detail

    async def test_connection_failure_keeps_the_url_out(self, api, client):
        """A transport error becomes ServerError with no chained cause holding the URL."""
        api.on("GET", TOKEN_GET, httpx.ConnectError("connection refused"))
        with pytest.raises(ServerError) as caught:
            await client.exchange_code("c")
        assert caught.value.__cause__ is None
        assert caught.value.__suppress_context__
        assert APP_SECRET not in str(caught.value)

    async def test_unreadable_answer(self, api, client):
        """A non-JSON page from a proxy is a ServerError, not a crash."""
        api.on("GET", TOKEN_REFRESH, httpx.Response(502, text="<html>Bad gateway</html>"))
        with pytest.raises(ServerError, match="unreadable"):
            await client.refresh_grant("r")

    async def test_success_without_tokens_is_an_auth_error(self, api, client):
        """code 0 without the token fields cannot be used."""
        api.on("GET", TOKEN_GET, ok({"open_id": "x"}))
        with pytest.raises(AuthError, match="unexpected answer"):
            await client.exchange_code("c")

    async def test_secrets_never_reach_the_logs(self, api, client, caplog):
        """httpx's request log line and ours hold no app secret, code or token."""
        caplog.set_level(logging.DEBUG)
        api.on("GET", TOKEN_GET, reply(sample("api_token_get.json")))
        api.on("GET", TOKEN_REFRESH, reply(sample("api_token_invalid_code.json")))
        await client.exchange_code("TTP_auth_code_1")
        with pytest.raises(AuthError):
            await client.refresh_grant(REFRESH_TOKEN)
        assert "HTTP Request" in caplog.text  # httpx did log the request ...
        for secret in (APP_SECRET, "TTP_auth_code_1", REFRESH_TOKEN, "TTP_NnTzgAAAAAB3dVbw"):
            assert secret not in caplog.text  # ... but masked

    def test_redact(self):
        """Secret-bearing query values are masked, other parameters kept."""
        url = "https://a/b?app_key=k&app_secret=s3cr3t&auth_code=c0de&grant_type=x"
        assert redact(url) == (
            "https://a/b?app_key=k&app_secret=[redacted]&auth_code=[redacted]&grant_type=x"
        )

    def test_reprs_hide_tokens(self):
        """Models holding tokens never show them in a repr."""
        text = repr(grant("TTP_a_secret", "TTP_r_secret")) + repr(credentials())
        assert "TTP_a_secret" not in text
        assert "TTP_r_secret" not in text
        assert ACCESS_TOKEN not in text
        assert REFRESH_TOKEN not in text


class TestStorage:
    async def test_store_authorization_keeps_each_shop_whole(self, store, clock):
        """Each shop of one authorization is one JSON value with tokens, cipher and code."""
        tokens = TikTokShopTokens(store, clock=clock)
        shops = [AuthorizedShop(**s) for s in sample("api_authorized_shops.json")["data"]["shops"]]
        await tokens.store_authorization(grant(), shops)
        saved = store.json(SHOP_KEY.format(shop_id=SHOP_ID))
        assert saved["cipher"] == "ROW_xkMbgAAAeVAQra0eZWebFQq5aIK"
        assert saved["code"] == "IDLCABC123"
        assert (saved["access_token"], saved["refresh_token"]) == (
            "TTP_new_access",
            "TTP_new_refresh",
        )
        assert store.json(SHOPS_KEY) == [SHOP_ID, "7495540735365777508"]

    async def test_a_restarted_manager_reads_the_store(self, store, clock, tokens):
        """Credentials survive a restart: a new manager loads them from the store."""
        again = TikTokShopTokens(store, clock=clock)
        assert (await again.get(SHOP_ID)).access_token == ACCESS_TOKEN
        assert [c.shop_id for c in await again.all()] == [SHOP_ID]

    async def test_unknown_shop_is_an_auth_error(self, tokens):
        """A shop nobody authorized cannot be called."""
        with pytest.raises(AuthError, match="not authorized"):
            await tokens.get("123")

    async def test_reauthorizing_does_not_duplicate_the_index(self, store, tokens):
        """Saving a known shop again leaves the index as it was."""
        await tokens.save(credentials(name="Renamed"))
        assert store.json(SHOPS_KEY) == [SHOP_ID]
        assert [key for key, _ in store.puts] == [SHOP_KEY.format(shop_id=SHOP_ID)]


class TestRefresh:
    async def test_no_refresh_while_more_than_a_day_is_left(self, tokens, clock):
        """A token with days to live is used as it is."""
        renew = Renewer()
        clock.advance(days=4, hours=23)
        assert (await tokens.current(SHOP_ID, renew)).access_token == ACCESS_TOKEN
        assert renew.calls == []

    async def test_refresh_within_a_day_of_expiry_persists_the_pair_in_one_put(
        self, tokens, clock, store
    ):
        """Inside the last day the pair is refreshed and written whole, in one put."""
        renew = Renewer()
        clock.advance(days=5, hours=1)
        fresh = await tokens.current(SHOP_ID, renew)
        assert renew.calls == [REFRESH_TOKEN]
        assert (fresh.access_token, fresh.refresh_token) == ("TTP_access_1", "TTP_refresh_1")
        ((key, value),) = store.puts
        assert key == SHOP_KEY.format(shop_id=SHOP_ID)
        assert '"TTP_access_1"' in value
        assert '"TTP_refresh_1"' in value
        assert '"ROW_xkMbgAAAeVAQra0eZWebFQq5aIK"' in value  # the rest of the record kept

    async def test_refresh_ahead_is_configurable(self, store, clock):
        """With a 2-day margin the refresh starts a day earlier."""
        tokens = TikTokShopTokens(store, clock=clock, refresh_ahead=timedelta(days=2))
        await tokens.save(credentials())
        renew = Renewer()
        clock.advance(days=4, hours=1)
        await tokens.current(SHOP_ID, renew)
        assert len(renew.calls) == 1

    async def test_one_refresh_under_concurrency(self, tokens, clock):
        """Ten concurrent callers near expiry cause one refresh and all get the new token."""
        renew = Renewer()
        clock.advance(days=5, hours=12)
        got = await asyncio.gather(*(tokens.current(SHOP_ID, renew) for _ in range(10)))
        assert renew.calls == [REFRESH_TOKEN]
        assert {c.access_token for c in got} == {"TTP_access_1"}

    async def test_renew_after_105002_refreshes_once_for_all(self, tokens):
        """Callers refused with the same stale token share one refresh."""
        renew = Renewer()
        got = await asyncio.gather(
            *(tokens.renew(SHOP_ID, renew, stale_token=ACCESS_TOKEN) for _ in range(5))
        )
        assert len(renew.calls) == 1
        assert {c.access_token for c in got} == {"TTP_access_1"}

    async def test_renew_with_an_already_replaced_token_does_nothing(self, tokens):
        """A 105002 for a token already replaced uses the replacement without a call."""
        renew = Renewer()
        got = await tokens.renew(SHOP_ID, renew, stale_token="TTP_older")
        assert renew.calls == []
        assert got.access_token == ACCESS_TOKEN

    async def test_failed_early_refresh_keeps_the_valid_token(self, tokens, clock, caplog):
        """A refresh failing while the token still lives is logged, not raised."""
        renew = Renewer(ServerError(36009003, "Internal error"))
        clock.advance(days=5, hours=12)
        assert (await tokens.current(SHOP_ID, renew)).access_token == ACCESS_TOKEN
        assert "early token refresh" in caplog.text

    async def test_failed_refresh_after_expiry_raises(self, tokens, clock):
        """Once the token has expired a failed refresh is the caller's error."""
        renew = Renewer(ServerError(36009003, "Internal error"))
        clock.advance(days=6, seconds=1)
        with pytest.raises(ServerError):
            await tokens.current(SHOP_ID, renew)

    async def test_expired_authorization_is_not_refreshed(self, tokens, clock):
        """After the refresh token's expiry the shop must re-authorize; no call is made."""
        renew = Renewer()
        clock.advance(days=301)
        with pytest.raises(AuthError, match="re-authorize"):
            await tokens.current(SHOP_ID, renew)
        assert renew.calls == []

    async def test_refreshed_scopes_replace_the_stored_ones_only_when_given(self, tokens):
        """A refresh answer without granted_scopes keeps the scopes already stored."""
        renew = Renewer()
        fresh = await tokens.renew(SHOP_ID, renew, stale_token=ACCESS_TOKEN)
        assert fresh.granted_scopes == ("seller.order.info", "seller.customer_service")
