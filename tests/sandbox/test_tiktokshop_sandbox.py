"""The TikTok Shop simulator behaves as tiktok-shop-api.md says, driven over raw HTTP.

Requests are signed here with a helper written from §5 of the doc, independently of the
sandbox's own signer, so a shared mistake in both cannot go unnoticed.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.sandbox.tiktokshop import (
    TikTokSandboxState,
    create_app,
    demo_state,
    request_sign,
    send_webhook,
    serve,
)
from bot.sandbox.tiktokshop.server import DEMO_SHOP_NAME
from bot.sandbox.tiktokshop.signing import string_to_sign

APP_KEY = "app-key-x"
APP_SECRET = "app-secret-x"
SERVICE_ID = "7000000000000000009"
SHOP_ID = "7495540735365777507"
OTHER_SHOP_ID = "7495540735365777508"
T0 = 1_718_305_585  # the doc's webhook example time, 2024-06-13 19:06:25 UTC
DAY = 86400
CS = "/customer_service/202309/conversations"
SHOPS = "/authorization/202309/shops"
ORDERS = "/order/202309/orders/search"
DETAIL = "/order/202507/orders"
CANCELS = "/return_refund/202602/cancellations"
RR = "/return_refund/202309"


def doc_sign(path: str, query: dict[str, str], body: bytes, secret: str) -> str:
    """§5.1, written out: path + sorted key/value pairs + body, wrapped in the secret."""
    pairs = "".join(k + query[k] for k in sorted(query) if k not in {"sign", "access_token"})
    message = secret.encode() + path.encode() + pairs.encode() + body + secret.encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class FakeClock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Api:
    """A minimal signed caller: common parameters, cipher, token header, exact body bytes."""

    def __init__(self, http: httpx.AsyncClient, clock: FakeClock, token: str, cipher: str):
        self.http, self.clock, self.token, self.cipher = http, clock, token, cipher

    async def call(
        self,
        method: str,
        path: str,
        params: dict[str, str] | None = None,
        body: Any = None,
        *,
        cipher: str | None = None,
        token: str | None = None,
        secret: str = APP_SECRET,
        timestamp: int | None = None,
        drop: str = "",
        sent_body: bytes | None = None,
    ) -> httpx.Response:
        query = {"app_key": APP_KEY, "timestamp": str(timestamp or int(self.clock()))}
        query.update(params or {})
        use_cipher = self.cipher if cipher is None else cipher
        if use_cipher:
            query["shop_cipher"] = use_cipher
        raw = b"" if body is None else json.dumps(body).encode()
        query["sign"] = doc_sign(path, query, raw, secret)
        query.pop(drop, None)
        headers = {"content-type": "application/json"}
        use_token = self.token if token is None else token
        if use_token:
            headers["x-tts-access-token"] = use_token
        content = raw if sent_body is None else sent_body
        return await self.http.request(
            method, path, params=query, content=content, headers=headers
        )

    async def ok(self, method: str, path: str, *args: Any, **kwargs: Any) -> Any:
        response = await self.call(method, path, *args, **kwargs)
        assert response.status_code == 200, response.text
        envelope = response.json()
        assert envelope["code"] == 0, envelope
        assert envelope["message"] == "Success"
        assert envelope["request_id"]
        return envelope["data"]


def code_of(response: httpx.Response) -> int:
    return int(response.json()["code"])


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def state(clock: FakeClock) -> TikTokSandboxState:
    state = TikTokSandboxState(APP_KEY, APP_SECRET, SERVICE_ID, clock=clock)
    state.add_shop(SHOP_ID, "Toko Maju Jaya (Tokopedia & Shop)")
    state.add_shop(OTHER_SHOP_ID, "Batik Sekar")
    return state


@pytest.fixture
async def http(state: TikTokSandboxState) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(state))
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
        yield client


async def token_get(http: httpx.AsyncClient, code: str, **extra: str) -> httpx.Response:
    params = {"app_key": APP_KEY, "app_secret": APP_SECRET, "auth_code": code,
              "grant_type": "authorized_code"} | extra  # fmt: skip
    return await http.get("/api/v2/token/get", params=params)


async def authorize(http: httpx.AsyncClient, state: TikTokSandboxState, **kw: Any) -> Any:
    response = await token_get(http, state.issue_auth_code([SHOP_ID], **kw))
    assert response.json()["code"] == 0, response.text
    return response.json()["data"]


@pytest.fixture
async def api(http, state, clock) -> Api:
    tokens = await authorize(http, state)
    return Api(http, clock, tokens["access_token"], state.shops[SHOP_ID]["cipher"])


# --- request signing (§5) -------------------------------------------------------------------


def test_documented_request_vector():
    """The doc's Get Authorized Shops example signs to b596b73e… with both signers."""
    query = {"app_key": "29a39d", "timestamp": "1623812664", "sign": "ignored"}
    expected = "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8"
    assert expected == request_sign(SHOPS, query, b"", "e59af819cc")
    assert expected == doc_sign(SHOPS, query, b"", "e59af819cc")


def test_documented_pre_wrap_string_vector():
    """Vector 2: shop_cipher sorts between app_key and timestamp; the body is appended as is."""
    body = b'{    "address":"https://partner.tiktokshop.com",    "event_type": "PACKAGE_UPDATE"}'
    query = {"timestamp": "1696909648", "shop_cipher": "ROW_xkMbgAAAeVAQra0eZWebFQq5aIK",
             "app_key": "68xu9ks5p4i8", "access_token": "TTP_x"}  # fmt: skip
    assert string_to_sign("/event/202309/webhooks", query, body) == (
        b"/event/202309/webhooksapp_key68xu9ks5p4i8shop_cipherROW_xkMbgAAAeVAQra0eZWebFQq5aIK"
        b"timestamp1696909648" + body
    )


async def test_correctly_signed_call_succeeds(api, state):
    """A signed Get Authorized Shops call returns the grant's shop with id, cipher and code."""
    data = await api.ok("GET", SHOPS, cipher="")
    assert data["shops"] == [state.shops[SHOP_ID]]
    assert set(data["shops"][0]) == {"id", "name", "region", "seller_type", "cipher", "code"}
    assert data["shops"][0]["region"] == "ID"


async def test_wrong_secret_gives_invalid_sign(api):
    """A request signed with another secret fails with 106001 and HTTP 401."""
    response = await api.call("GET", SHOPS, cipher="", secret="not-the-secret")
    assert response.status_code == 401
    assert code_of(response) == 106001


async def test_body_altered_after_signing_is_refused(api, state):
    """Sending other bytes than were signed (even re-spaced JSON) fails with 106001."""
    cid = state.add_conversation(SHOP_ID, "Siti")
    body = {"type": "TEXT", "content": json.dumps({"content": "Halo"})}
    respaced = json.dumps(body, indent=1).encode()
    response = await api.call("POST", f"{CS}/{cid}/messages", body=body, sent_body=respaced)
    assert code_of(response) == 106001
    assert state.sent_messages == []


async def test_access_token_in_the_signed_set_breaks_the_sign(api):
    """access_token is excluded from the signature: signing it in gives 106001 (§5.3)."""
    path = SHOPS
    query = {"app_key": APP_KEY, "timestamp": str(T0), "access_token": api.token}
    pairs = "".join(k + query[k] for k in sorted(query))
    message = (APP_SECRET + path + pairs + APP_SECRET).encode()
    query["sign"] = hmac.new(APP_SECRET.encode(), message, hashlib.sha256).hexdigest()
    headers = {"x-tts-access-token": api.token}
    response = await api.http.get(path, params=query, headers=headers)
    assert code_of(response) == 106001


@pytest.mark.parametrize(
    ("offset", "code"), [(-300, 0), (-301, 36009004), (30, 0), (31, 36009004)]
)
async def test_timestamp_window_is_minus_5_minutes_to_plus_30_seconds(api, offset, code):
    """Timestamps more than 5 minutes old or 30 seconds ahead fail with 36009004."""
    response = await api.call("GET", SHOPS, cipher="", timestamp=T0 + offset)
    assert code_of(response) == code
    if code:
        assert "timestamp" in response.json()["message"]
        assert response.status_code == 400


@pytest.mark.parametrize("missing", ["app_key", "timestamp", "sign"])
async def test_missing_common_parameter_is_refused(api, missing):
    """A request without app_key, timestamp or sign fails with 36009004 and HTTP 400."""
    response = await api.call("GET", SHOPS, cipher="", drop=missing)
    assert response.status_code == 400
    assert code_of(response) == 36009004


async def test_other_app_key_is_refused(api):
    """An app_key other than the app's fails with 36009004, even if signed consistently."""
    query = {"app_key": "someone-else", "timestamp": str(T0)}
    query["sign"] = doc_sign(SHOPS, query, b"", APP_SECRET)
    response = await api.http.get(SHOPS, params=query, headers={"x-tts-access-token": api.token})
    assert code_of(response) == 36009004
    assert "app_key" in response.json()["message"]


async def test_json_body_without_json_content_type_is_refused(api):
    """A signed POST body sent without content-type application/json fails with 36009004."""
    query = {"app_key": APP_KEY, "timestamp": str(T0), "shop_cipher": api.cipher,
             "page_size": "10"}  # fmt: skip
    raw = b"{}"
    query["sign"] = doc_sign(ORDERS, query, raw, APP_SECRET)
    headers = {"x-tts-access-token": api.token, "content-type": "text/plain"}
    response = await api.http.post(ORDERS, params=query, content=raw, headers=headers)
    assert code_of(response) == 36009004
    assert "content-type" in response.json()["message"]


# --- authorization and tokens (§4) ----------------------------------------------------------


async def test_token_get_returns_absolute_expiry_times(http, state):
    """token/get answers the documented fields; both expiries are absolute Unix times."""
    data = await authorize(http, state)
    assert data["access_token_expire_in"] == T0 + 7 * DAY
    assert data["refresh_token_expire_in"] == T0 + 365 * DAY
    assert data["seller_base_region"] == "ID"
    assert data["user_type"] == 0
    assert "seller.customer_service" in data["granted_scopes"]
    assert data["open_id"]
    assert data["seller_name"] == "Toko Maju Jaya (Tokopedia & Shop)"
    assert data["access_token"] != data["refresh_token"]


async def test_auth_code_is_single_use(http, state):
    """Exchanging the same auth code twice fails the second time with 36004004."""
    code = state.issue_auth_code([SHOP_ID])
    assert (await token_get(http, code)).json()["code"] == 0
    again = await token_get(http, code)
    assert again.json()["code"] == 36004004
    assert "data" not in again.json()


async def test_auth_code_expires_after_30_minutes(http, state, clock):
    """An auth code works 29:59 after issue and fails from 30:00 on."""
    early, late = state.issue_auth_code([SHOP_ID]), state.issue_auth_code([SHOP_ID])
    clock.advance(1799)
    assert (await token_get(http, early)).json()["code"] == 0
    clock.advance(1)
    assert (await token_get(http, late)).json()["code"] == 36004004


@pytest.mark.parametrize(
    "extra", [{"app_secret": "wrong"}, {"grant_type": "authorization_code"}, {"auth_code": ""}]
)
async def test_token_get_checks_secret_and_grant_type(http, state, extra):
    """token/get needs the app secret, grant_type=authorized_code and a code; the code survives."""
    code = state.issue_auth_code([SHOP_ID])
    response = await token_get(http, code, **extra)
    assert response.json()["code"] == 36009004
    assert (await token_get(http, code)).json()["code"] == 0


async def test_refresh_issues_a_new_pair_and_retires_the_old_refresh_token(http, state, clock):
    """token/refresh returns a new pair, keeps the grant's end, and the old refresh token dies."""
    first = await authorize(http, state)
    clock.advance(DAY)
    params = {"app_key": APP_KEY, "app_secret": APP_SECRET, "grant_type": "refresh_token",
              "refresh_token": first["refresh_token"]}  # fmt: skip
    second = (await http.get("/api/v2/token/refresh", params=params)).json()
    assert second["code"] == 0
    assert second["data"]["access_token"] != first["access_token"]
    assert second["data"]["refresh_token"] != first["refresh_token"]
    assert second["data"]["access_token_expire_in"] == T0 + DAY + 7 * DAY
    assert second["data"]["refresh_token_expire_in"] == first["refresh_token_expire_in"]
    again = await http.get("/api/v2/token/refresh", params=params)
    assert again.json()["code"] == 36004004


async def test_expired_access_token_gives_105002_until_refreshed(api, http, state, clock):
    """After 7 days the token fails with 105002 (HTTP 401); a refreshed one works."""
    clock.advance(7 * DAY)
    response = await api.call("GET", SHOPS, cipher="")
    assert response.status_code == 401
    assert code_of(response) == 105002
    state_tokens = await authorize(http, state)
    api.token = state_tokens["access_token"]
    await api.ok("GET", SHOPS, cipher="")
    state.expire_access_tokens()
    assert code_of(await api.call("GET", SHOPS, cipher="")) == 105002


@pytest.mark.parametrize("token", ["", "TTP_not-a-real-token"])
async def test_missing_or_unknown_access_token_is_refused(api, token):
    """Without a valid x-tts-access-token header the call fails with 36009004."""
    api.token = token
    response = await api.call("GET", SHOPS, cipher="")
    assert response.status_code == 400
    assert code_of(response) == 36009004
    assert "x-tts-access-token" in response.json()["message"]


async def test_calls_are_recorded_with_secrets_redacted(api, state):
    """Recorded calls keep method, path and query keys, never the secret, sign or token."""
    await api.ok("GET", SHOPS, cipher="")
    token_call, shops_call = state.calls
    assert token_call.query["app_secret"] == "<redacted>"
    assert token_call.query["grant_type"] == "authorized_code"
    assert shops_call.method == "GET"
    assert shops_call.path == SHOPS
    assert shops_call.query["sign"] == "<redacted>"
    assert shops_call.headers["x-tts-access-token"] == "<redacted>"
    assert APP_SECRET not in repr(state.calls)
    assert api.token not in repr(state.calls)


# --- cipher, scopes, versions ---------------------------------------------------------------


async def test_shop_calls_need_the_cipher_of_an_authorized_shop(api, state):
    """No cipher gives 106013; an unknown one 106013; another shop's cipher 101000."""
    path = f"{CS}"
    missing = await api.call("GET", path, {"page_size": "5"}, cipher="")
    assert code_of(missing) == 106013
    unknown = await api.call("GET", path, {"page_size": "5"}, cipher="ROW_nope")
    assert code_of(unknown) == 106013
    foreign = await api.call(
        "GET", path, {"page_size": "5"}, cipher=state.shops[OTHER_SHOP_ID]["cipher"]
    )
    assert code_of(foreign) == 101000
    assert foreign.status_code == 401
    await api.ok("GET", path, {"page_size": "5"})


async def test_authorized_shops_refuses_a_cipher(api):
    """Get Authorized Shops is not shop-scoped: sending shop_cipher fails with 36009004."""
    response = await api.call("GET", SHOPS)
    assert code_of(response) == 36009004
    assert "shop_cipher" in response.json()["message"]


async def test_missing_scope_gives_105005(http, state, clock):
    """A grant without seller.customer_service gets 105005 on chat calls, orders still work."""
    tokens = await authorize(http, state, scopes=["seller.order.info"])
    api = Api(http, clock, tokens["access_token"], state.shops[SHOP_ID]["cipher"])
    response = await api.call("GET", CS, {"page_size": "5"})
    assert response.status_code == 401
    assert code_of(response) == 105005
    await api.ok("POST", ORDERS, {"page_size": "10"}, {})


async def test_wrong_version_and_unknown_path(api, state):
    """A known path under another version gives 36009014; an unknown path 404 / 36009009."""
    response = await api.call("POST", "/order/202401/orders/search", {"page_size": "10"}, {})
    assert code_of(response) == 36009014
    response = await api.call("GET", "/order/202309/nothing")
    assert response.status_code == 404
    assert code_of(response) == 36009009
    assert state.calls[-1].path == "/order/202309/nothing"


# --- Customer Service (§8) ------------------------------------------------------------------


async def test_conversations_page_with_participants_and_unread_counts(api, state, clock):
    """Get Conversations pages by token (max 20), newest activity first, with participants."""
    ids = []
    for name in ("Ani", "Budi", "Citra"):
        ids.append(
            state.add_conversation(SHOP_ID, name, "TIKTOK_SHOP" if name == "Ani" else "TOKOPEDIA")
        )
        clock.advance(10)
    state.buyer_says(ids[0], "Kak, ready?")
    state.buyer_says(ids[0], "Halo?")
    first = await api.ok("GET", CS, {"page_size": "2"})
    assert [c["id"] for c in first["conversations"]] == [ids[0], ids[2]]
    ani = first["conversations"][0]
    assert ani["unread_count"] == 2
    assert ani["can_send_message"] is True
    assert ani["participant_count"] == 2
    buyer = next(p for p in ani["participants"] if p["role"] == "BUYER")
    assert buyer["nickname"] == "Ani"
    assert buyer["buyer_platform"] == "TIKTOK_SHOP"
    assert {"im_user_id", "user_id", "avatar"} <= set(buyer)
    assert json.loads(ani["latest_message"]["content"]) == {"content": "Halo?"}
    assert first["next_page_token"]
    second = await api.ok("GET", CS, {"page_size": "2", "page_token": first["next_page_token"]})
    assert [c["id"] for c in second["conversations"]] == [ids[1]]
    assert second["next_page_token"] == ""
    for params in ({"page_size": "21"}, {}):
        assert code_of(await api.call("GET", CS, params)) == 36009004


async def test_get_conversation_202601_names_the_platform(api, state):
    """Get Conversation (202601) gives participants with `platform` for the buyer."""
    cid = state.add_conversation(SHOP_ID, "Dewi", "TOKOPEDIA")
    data = await api.ok("GET", f"/customer_service/202601/conversations/{cid}")
    buyer = next(p for p in data["participants"] if p["role"] == "BUYER")
    assert buyer["platform"] == "TOKOPEDIA"


async def test_messages_page_newest_first_and_reading_them_does_not_mark_read(api, state, clock):
    """Get Conversation Messages is DESC by default, max 10 a page, and leaves unread alone."""
    cid = state.add_conversation(SHOP_ID, "Eka")
    for n in range(3):
        state.buyer_says(cid, f"pesan {n}")
        clock.advance(1)
    data = await api.ok("GET", f"{CS}/{cid}/messages", {"page_size": "10"})
    texts = [json.loads(m["content"])["content"] for m in data["messages"]]
    assert texts == ["pesan 2", "pesan 1", "pesan 0"]
    first = data["messages"][0]
    assert first["sender"]["role"] == "BUYER"
    assert first["sender"]["nickname"] == "Eka"
    assert first["is_visible"] is True
    assert isinstance(first["index"], str)
    asc = await api.ok("GET", f"{CS}/{cid}/messages", {"page_size": "2", "sort_order": "ASC"})
    assert [json.loads(m["content"])["content"] for m in asc["messages"]] == ["pesan 0", "pesan 1"]
    assert state.conversations[cid].unread_count == 3
    assert code_of(await api.call("GET", f"{CS}/{cid}/messages", {"page_size": "11"})) == 36009004


async def test_read_marks_every_buyer_message_read(api, state):
    """Read Message sets unread_count to 0 for the conversation."""
    cid = state.add_conversation(SHOP_ID, "Fajar")
    state.buyer_says(cid, "Halo")
    state.buyer_says(cid, "Min?")
    await api.ok("POST", f"{CS}/{cid}/messages/read")
    data = await api.ok("GET", CS, {"page_size": "5"})
    assert data["conversations"][0]["unread_count"] == 0


async def test_read_and_approve_refuse_a_body_and_check_the_empty_body_signature(api, state):
    """Read Message and Approve take no body (as the official SDK sends them): a `{}` body is
    refused, and a sign computed over `{}` does not match an empty body that was sent."""
    cid = state.add_conversation(SHOP_ID, "Fajar")
    state.buyer_says(cid, "Halo")
    order = state.add_order(SHOP_ID)
    cancel_id = state.request_cancellation(order["id"], "x")
    read, approve = f"{CS}/{cid}/messages/read", f"{RR}/cancellations/{cancel_id}/approve"
    for path in (read, approve):
        assert code_of(await api.call("POST", path, body={})) == 36009004
        assert code_of(await api.call("POST", path, body={}, sent_body=b"")) == 106001
    assert state.conversations[cid].unread_count == 1
    assert state.cancellations[cancel_id].status == "CANCELLATION_REQUEST_PENDING"
    await api.ok("POST", read)
    await api.ok("POST", approve, {"idempotency_key": "k-1"})
    assert state.conversations[cid].unread_count == 0
    assert order["status"] == "CANCELLED"


async def test_send_text_message_appears_as_the_shop(api, state):
    """Send Message takes TEXT with a JSON-string content, returns message_id, records it."""
    cid = state.add_conversation(SHOP_ID, "Gita")
    body = {"type": "TEXT", "content": json.dumps({"content": "Siap kak, dikirim hari ini 🙏"})}
    data = await api.ok("POST", f"{CS}/{cid}/messages", body=body)
    sent = state.sent_messages[0]
    assert sent["message_id"] == data["message_id"]
    assert sent["conversation_id"] == cid
    assert sent["type"] == "TEXT"
    assert sent["content"] == "Siap kak, dikirim hari ini 🙏"
    assert sent["time"] == T0
    stored = state.conversations[cid].messages[-1]
    assert stored["sender"]["role"] == "SHOP"
    assert stored["id"] == data["message_id"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"type": "TEXT", "content": json.dumps({"content": "x" * 2000})}, 0),
        ({"type": "TEXT", "content": json.dumps({"content": "x" * 2001})}, 36009004),
        ({"type": "TEXT", "content": {"content": "not a string"}}, 36009004),
        ({"type": "TEXT", "content": json.dumps({"text": "wrong key"})}, 36009004),
        ({"type": "IMAGE", "content": json.dumps({"url": "https://x/y.png"})}, 36009004),
    ],
)
async def test_send_message_validates_type_content_and_length(api, state, body, code):
    """TEXT only, content a JSON string with key content, at most 2000 characters."""
    cid = state.add_conversation(SHOP_ID, "Hadi")
    response = await api.call("POST", f"{CS}/{cid}/messages", body=body)
    assert code_of(response) == code
    assert len(state.sent_messages) == (1 if code == 0 else 0)


async def test_sensitive_words_are_rejected_with_45101006(api, state):
    """A configured sensitive word rejects the message with 45101006 (HTTP 200): check code."""
    state.sensitive_words = ["rekening pribadi"]
    cid = state.add_conversation(SHOP_ID, "Indah")
    body = {"type": "TEXT", "content": json.dumps({"content": "Transfer ke Rekening Pribadi ya"})}
    response = await api.call("POST", f"{CS}/{cid}/messages", body=body)
    assert response.status_code == 200
    assert code_of(response) == 45101006
    assert state.sent_messages == []


async def test_messaging_outside_the_window_gives_45109001(api, state):
    """A conversation with can_send_message False refuses replies with 45109001."""
    cid = state.add_conversation(SHOP_ID, "Joko", can_send_message=False)
    body = {"type": "TEXT", "content": json.dumps({"content": "Halo"})}
    response = await api.call("POST", f"{CS}/{cid}/messages", body=body)
    assert code_of(response) == 45109001
    assert state.sent_messages == []


async def test_create_conversation_follows_the_eligibility_rules(api, state, clock):
    """Create Conversation opens a chat for a recent buyer, reopens one, else 45109003."""
    order = state.add_order(SHOP_ID, buyer_nickname="Kartika", commerce_platform="TIKTOK_SHOP")
    created = await api.ok("POST", CS, body={"buyer_user_id": order["user_id"]})
    conv = state.conversations[created["conversation_id"]]
    assert conv.buyer.nickname == "Kartika"
    assert conv.buyer_platform == "TIKTOK_SHOP"
    again = await api.ok("POST", CS, body={"buyer_user_id": order["user_id"]})
    assert again == created
    stale = state.add_order(SHOP_ID, buyer_nickname="Lama", create_time=T0 - 61 * DAY)
    response = await api.call("POST", CS, body={"buyer_user_id": stale["user_id"]})
    assert code_of(response) == 45109003
    response = await api.call("POST", CS, body={"buyer_user_id": "7494000000009999999"})
    assert code_of(response) == 45109003


async def test_customer_service_calls_are_counted_against_a_daily_quota(api, state, clock):
    """Chat calls count in cs_calls; past the daily quota they get 45101004 until the next day."""
    state.cs_daily_quota = 2
    await api.ok("POST", ORDERS, {"page_size": "10"}, {})
    for _ in range(2):
        await api.ok("GET", CS, {"page_size": "5"})
    over = await api.call("GET", CS, {"page_size": "5"})
    assert over.status_code == 429
    assert code_of(over) == 45101004
    assert state.cs_calls == 2
    clock.advance(DAY)
    await api.ok("GET", CS, {"page_size": "5"})
    assert state.cs_calls == 3


# --- orders (§9) ----------------------------------------------------------------------------


def test_add_order_builds_a_realistic_detail(state):
    """add_order gives string ids and amounts, per-unit line items and the ship-by deadline."""
    order = state.add_order(SHOP_ID, line_items=[{"product_name": "Teh", "sale_price": "18000",
                                                  "quantity": 2}])  # fmt: skip
    assert order["id"].isdigit()
    assert len(order["id"]) == 18
    assert order["status"] == "AWAITING_SHIPMENT"
    assert [i["sale_price"] for i in order["line_items"]] == ["18000", "18000"]
    assert order["payment"]["total_amount"] == str(36000 + int(order["payment"]["shipping_fee"]))
    assert order["commerce_platform"] == "TOKOPEDIA"
    assert order["rts_sla_time"] > order["create_time"] == T0
    assert order["shipping_provider"]
    with pytest.raises(TypeError):
        state.add_order(SHOP_ID, order_statuss="UNPAID")


async def test_search_orders_by_update_window_with_paging(api, state, clock):
    """Get Order List filters update_time_ge/lt (lt exclusive) and pages with a token."""
    early = state.add_order(SHOP_ID)
    clock.advance(100)
    middle = state.add_order(SHOP_ID)
    late = state.add_order(SHOP_ID)
    state.add_order(OTHER_SHOP_ID)
    state.set_order_status(late["id"], "AWAITING_COLLECTION")
    clock.advance(1)
    state.add_order(SHOP_ID)  # updated exactly at update_time_lt: left out
    body = {"update_time_ge": T0 + 100, "update_time_lt": T0 + 101}
    page = await api.ok("POST", ORDERS, {"page_size": "1", "sort_field": "update_time"}, body)
    assert page["total_count"] == 2
    rest = await api.ok(
        "POST", ORDERS, {"page_size": "1", "page_token": page["next_page_token"]}, body
    )
    assert {page["orders"][0]["id"], rest["orders"][0]["id"]} == {middle["id"], late["id"]}
    assert rest["next_page_token"] == ""
    everything = await api.ok("POST", ORDERS, {"page_size": "100"}, {})
    assert early["id"] in {o["id"] for o in everything["orders"]}
    assert everything["total_count"] == 4
    for params, filters in (({"page_size": "101"}, {}), ({"page_size": "5"}, {"updated_ge": 1})):
        assert code_of(await api.call("POST", ORDERS, params, filters)) == 36009004


async def test_order_detail_by_ids_hides_the_address_before_shipment(api, state):
    """Get Order Detail takes comma-separated ids, omits other shops, hides UNPAID addresses."""
    paid = state.add_order(SHOP_ID)
    unpaid = state.add_order(SHOP_ID, status="UNPAID")
    foreign = state.add_order(OTHER_SHOP_ID)
    ids = ",".join([paid["id"], unpaid["id"], foreign["id"]])
    data = await api.ok("GET", DETAIL, {"ids": ids})
    by_id = {o["id"]: o for o in data["orders"]}
    assert set(by_id) == {paid["id"], unpaid["id"]}
    assert by_id[paid["id"]]["recipient_address"]["region_code"] == "ID"
    assert "recipient_address" not in by_id[unpaid["id"]]
    assert isinstance(by_id[paid["id"]]["payment"]["total_amount"], str)
    too_many = ",".join(str(576653688135300001 + n) for n in range(51))
    assert code_of(await api.call("GET", DETAIL, {"ids": too_many})) == 36009004


# --- cancellations (§10) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "reason", "code"),
    [
        ("AWAITING_SHIPMENT", "seller_cancel_reason_out_of_stock", 0),
        ("ON_HOLD", "seller_cancel_reason_wrong_price", 0),
        ("UNPAID", "seller_cancel_unpaid_reason_buyer_hasnt_paid_within_time_allowed", 0),
        ("AWAITING_SHIPMENT", "seller_cancel_unpaid_reason_out_of_stock", 25001021),
        ("UNPAID", "seller_cancel_reason_out_of_stock", 25001021),
        ("AWAITING_SHIPMENT", "seller_cancel_paid_reason_address_not_deliver", 25001021),
        ("AWAITING_SHIPMENT", "toko_tutup", 25001021),
        ("IN_TRANSIT", "seller_cancel_reason_out_of_stock", 25001003),
        ("CANCELLED", "seller_cancel_reason_out_of_stock", 25020009),
    ],
)
async def test_cancel_order_reason_must_fit_the_order_status(api, state, status, reason, code):
    """Cancel Order accepts only the ID reason names valid for the status, else 25001021."""
    order = state.add_order(SHOP_ID, status=status)
    response = await api.call(
        "POST", CANCELS, body={"order_id": order["id"], "cancel_reason": reason}
    )
    assert code_of(response) == code, response.text
    if code:
        assert order["status"] == status
        return
    assert order["status"] == "CANCELLED"
    assert order["cancellation_initiator"] == "SELLER"
    assert order["cancel_reason"] == reason
    cancel_id = response.json()["data"]["cancel_id"]
    assert state.cancellations[cancel_id].role == "SELLER"


async def test_search_cancellations_shows_the_deadline_and_indonesian_text(api, state):
    """A buyer request is pending with a +48h deadline and an id-ID reason text."""
    order = state.add_order(SHOP_ID)
    cancel_id = state.request_cancellation(
        order["id"], "ecom_order_to_ship_canceled_reason_wrong_delivery_info"
    )
    body = {"cancel_status": ["CANCELLATION_REQUEST_PENDING"], "locale": "id-ID"}
    data = await api.ok("POST", f"{CANCELS}/search", {"page_size": "50"}, body)
    (found,) = data["cancellations"]
    assert found["cancel_id"] == cancel_id
    assert found["order_id"] == order["id"]
    assert found["cancel_type"] == "BUYER_CANCEL"
    assert found["cancel_reason_text"] == "Informasi pengiriman salah"
    assert found["seller_next_action_response"] == [
        {"action": "SELLER_RESPOND_CANCEL", "deadline": T0 + 2 * DAY}
    ]
    assert order["is_buyer_request_cancel"] is True
    assert (
        code_of(await api.call("POST", f"{CANCELS}/search", {"page_size": "51"}, {})) == 36009004
    )


async def test_approve_honours_the_idempotency_key(api, state):
    """Approving twice with one key succeeds twice and cancels once; without a key 25020010."""
    order = state.add_order(SHOP_ID)
    cancel_id = state.request_cancellation(
        order["id"], "ecom_order_to_ship_canceled_reason_not_shipped_on_time"
    )
    path = f"{RR}/cancellations/{cancel_id}/approve"
    first = await api.ok("POST", path, {"idempotency_key": "k-1"})
    update_time = order["update_time"]
    api.clock.advance(5)
    assert await api.ok("POST", path, {"idempotency_key": "k-1"}) == first
    assert order["update_time"] == update_time
    assert order["status"] == "CANCELLED"
    assert state.cancellations[cancel_id].status == "CANCELLATION_REQUEST_SUCCESS"
    assert code_of(await api.call("POST", path)) == 25020010
    other = state.add_order(SHOP_ID)
    other_cancel = state.request_cancellation(other["id"], "x")
    reused = await api.call(
        "POST", f"{RR}/cancellations/{other_cancel}/approve", {"idempotency_key": "k-1"}
    )
    assert code_of(reused) == 36009004
    assert other["status"] == "AWAITING_SHIPMENT"


async def test_reject_needs_a_listed_reason_and_honours_the_idempotency_key(api, state):
    """Reject takes a name from Get Reject Reasons; a repeat with the key changes nothing."""
    order = state.add_order(SHOP_ID)
    cancel_id = state.request_cancellation(
        order["id"], "ecom_order_to_ship_canceled_reason_change_payment_method"
    )
    reasons = await api.ok(
        "GET", f"{RR}/reject_reasons", {"return_or_cancel_id": cancel_id, "locale": "id-ID"}
    )
    names = {r["name"]: r["text"] for r in reasons["reasons"]}
    packed = "seller_reject_apply_product_has_been_packed"
    assert names[packed] == "Produk sudah dikemas"
    path = f"{RR}/cancellations/{cancel_id}/reject"
    bogus = await api.call("POST", path, body={"reject_reason": "stok_masih_ada"})
    assert code_of(bogus) == 36009004
    assert code_of(await api.call("POST", path, body={})) == 36009004
    body = {"reject_reason": packed, "comment": "Sudah dikemas kak"}
    await api.ok("POST", path, {"idempotency_key": "r-1"}, body)
    await api.ok("POST", path, {"idempotency_key": "r-1"}, body)
    cancel = state.cancellations[cancel_id]
    assert cancel.status == "CANCELLATION_REQUEST_CANCELLED"
    assert cancel.reject_reason == packed
    assert order["status"] == "AWAITING_SHIPMENT"
    assert order["is_buyer_request_cancel"] is False
    assert code_of(await api.call("POST", path, body=body)) == 25011011
    approve = await api.call("POST", f"{RR}/cancellations/{cancel_id}/approve")
    assert code_of(approve) == 25011012


async def test_a_reason_dropped_from_the_list_is_refused(api, state):
    """Reject checks the reasons current for that cancellation, not a fixed table."""
    order = state.add_order(SHOP_ID)
    cancel_id = state.request_cancellation(order["id"], "x")
    delivered = "order_manage_list_action_respond_popup_reject_reason_delivered"
    state.cancellations[cancel_id].reject_reasons.remove(delivered)
    reasons = await api.ok("GET", f"{RR}/reject_reasons", {"return_or_cancel_id": cancel_id})
    assert delivered not in {r["name"] for r in reasons["reasons"]}
    response = await api.call(
        "POST", f"{RR}/cancellations/{cancel_id}/reject", body={"reject_reason": delivered}
    )
    assert code_of(response) == 36009004


async def test_unanswered_request_is_approved_after_48_hours(api, state, clock):
    """A pending buyer request not answered in 48 hours is approved and the order cancelled."""
    order = state.add_order(SHOP_ID)
    cancel_id = state.request_cancellation(order["id"], "x")
    clock.advance(2 * DAY)
    data = await api.ok(
        "POST", f"{CANCELS}/search", {"page_size": "10"}, {"cancel_ids": [cancel_id]}
    )
    assert data["cancellations"][0]["cancel_status"] == "CANCELLATION_REQUEST_SUCCESS"
    assert data["cancellations"][0]["seller_next_action_response"] == []
    assert order["status"] == "CANCELLED"


async def test_approve_after_shipment_gives_25001045(api, state):
    """Once the parcel is in transit a pending request can no longer be approved."""
    order = state.add_order(SHOP_ID)
    cancel_id = state.request_cancellation(order["id"], "x")
    state.set_order_status(order["id"], "IN_TRANSIT")
    response = await api.call("POST", f"{RR}/cancellations/{cancel_id}/approve")
    assert code_of(response) == 25001045
    assert order["status"] == "IN_TRANSIT"


# --- faults ---------------------------------------------------------------------------------


async def test_fail_next_injects_429_503_and_an_error_code_in_a_200(api, state):
    """fail_next answers matching calls with the status and code, then the API recovers."""
    state.fail_next(r"/shops$", 429, times=2)
    state.fail_next(r"/orders/search$", 503)
    state.fail_next(r"/conversations$", 200, code=36009003)
    for _ in range(2):
        throttled = await api.call("GET", SHOPS, cipher="")
        assert throttled.status_code == 429
        assert code_of(throttled) == 36009002
    await api.ok("GET", SHOPS, cipher="")
    unavailable = await api.call("POST", ORDERS, {"page_size": "10"}, {})
    assert (unavailable.status_code, code_of(unavailable)) == (503, 36009003)
    hidden = await api.call("GET", CS, {"page_size": "5"})
    assert (hidden.status_code, code_of(hidden)) == (200, 36009003)
    assert state.cs_calls == 0
    await api.ok("GET", CS, {"page_size": "5"})


# --- webhooks (§7) --------------------------------------------------------------------------


DOC_BODY = (
    b'{"type":1,"tts_notification_id":"7380066284010030890","shop_id":"7495540735365777507",'
    b'"timestamp":1718305585,"data":{"is_on_hold_order":true,"order_id":"576653688135258178",'
    b'"order_status":"UNPAID","update_time":1718305585}}'
)
DOC_SIGNATURE = "5dec0f11ec2f6783b8deee53c9ffbf8d024302f7c7e7fa55a35d17629031ac05"


def test_documented_webhook_vector(clock):
    """Key abcdef, secret 123 sign the doc body to 5dec0f11…; webhook_body rebuilds its bytes."""
    state = TikTokSandboxState("abcdef", "123", SERVICE_ID, clock=clock)
    state.add_shop(SHOP_ID, "Toko")
    assert state.sign_webhook(DOC_BODY) == DOC_SIGNATURE
    assert state.sign_webhook(DOC_BODY + b" ") != DOC_SIGNATURE
    state.add_order(SHOP_ID, id="576653688135258178", status="UNPAID", is_on_hold_order=True)
    body = state.webhook_body(1, order_id="576653688135258178",
                              tts_notification_id="7380066284010030890")  # fmt: skip
    raw = json.dumps(body, separators=(",", ":")).encode()
    assert raw == DOC_BODY


async def test_send_webhook_posts_the_exact_signed_bytes(state):
    """send_webhook's Authorization is HMAC(secret, app_key + the bytes on the wire)."""
    inbox: list[tuple[bytes, str]] = []

    async def hook(request: Request) -> Response:
        inbox.append((await request.body(), request.headers["authorization"]))
        return Response(status_code=200)

    receiver = Starlette(routes=[Route("/tts", hook, methods=["POST"])])
    cid = state.add_conversation(SHOP_ID, "Maya")
    state.buyer_says(cid, "Apakah bisa COD? 😊")
    body = state.webhook_body(14, conversation_id=cid)
    transport = httpx.ASGITransport(app=receiver)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
        response = await send_webhook(client, "http://bot/tts", body, state)
    assert response.status_code == 200
    ((raw, signature),) = inbox
    expected = hmac.new(APP_SECRET.encode(), APP_KEY.encode() + raw, hashlib.sha256).hexdigest()
    assert signature == expected
    assert json.loads(raw) == body


def test_webhook_bodies_follow_each_topic(state):
    """Bodies for topics 1, 3, 6, 7, 11 and 14 carry the documented fields and ids as strings."""
    order = state.add_order(SHOP_ID)
    cancel_id = state.request_cancellation(order["id"], "x")
    cancel = state.webhook_body(11, order_id=order["id"])
    assert cancel["shop_id"] == SHOP_ID
    assert cancel["data"] == {"order_id": order["id"], "cancellations_role": "BUYER",
                              "cancel_status": "CANCELLATION_REQUEST_PENDING",
                              "cancel_id": cancel_id, "create_time": T0}  # fmt: skip
    assert (
        cancel["tts_notification_id"]
        != state.webhook_body(11, order_id=order["id"])["tts_notification_id"]
    )
    state.set_order_status(order["id"], "CANCELLED")
    assert state.webhook_body(1, order_id=order["id"])["data"]["order_status"] == "CANCEL"
    cid = state.add_conversation(SHOP_ID, "Nina")
    message = state.buyer_says(cid, "Halo kak")
    chat = state.webhook_body(14, conversation_id=cid)["data"]
    assert chat["message_id"] == message["id"]
    assert json.loads(chat["content"]) == {"content": "Halo kak"}
    assert chat["sender"] == {"im_user_id": state.buyers["Nina"].im_user_id, "role": "BUYER"}
    echo = state.add_message(cid, "SHOP", "Siap")
    assert state.webhook_body(14, conversation_id=cid)["data"]["sender"]["role"] == "SHOP"
    assert (
        state.webhook_body(14, conversation_id=cid, message_id=message["id"])["data"]["message_id"]
        != echo["id"]
    )
    assert "tts_notification_id" not in state.webhook_body(3, order_id=order["id"])
    assert state.webhook_body(6, shop_id=SHOP_ID)["data"]["message"]
    expiring = state.webhook_body(7, shop_id=SHOP_ID, expiration_time=T0 + 30 * DAY)
    assert expiring["data"]["expiration_time"] == T0 + 30 * DAY
    assert expiring["timestamp"] == T0


# --- serving --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_serve_answers_signed_calls_on_a_real_loopback_port():
    """serve() runs the demo state under uvicorn: token/get and a signed call work over TCP."""
    state = demo_state()
    shop_id = next(iter(state.shops))
    code = state.issue_auth_code([shop_id])
    port = free_port()
    task = asyncio.create_task(serve(state, port=port))
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", trust_env=False) as http:
            params = {"app_key": "sandbox-app-key", "app_secret": "sandbox-app-secret",
                      "auth_code": code, "grant_type": "authorized_code"}  # fmt: skip
            for _ in range(100):
                try:
                    response = await http.get("/api/v2/token/get", params=params)
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.05)
            else:
                pytest.fail("sandbox did not start listening")
            token = response.json()["data"]["access_token"]
            query = {"app_key": "sandbox-app-key", "timestamp": str(int(state.clock()))}
            query["sign"] = doc_sign(SHOPS, query, b"", "sandbox-app-secret")
            shops = await http.get(SHOPS, params=query, headers={"x-tts-access-token": token})
            assert shops.json()["data"]["shops"][0]["name"] == DEMO_SHOP_NAME
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))  # the port was released


# --- rate limit (§11) -----------------------------------------------------------------------


async def test_51st_call_to_one_api_within_a_second_is_throttled_per_shop(api, state):
    """50 requests a second per API for an app and shop; the next is 429 / 36009002."""
    ticks = FakeClock()
    state.qps.clock = ticks
    for _ in range(50):
        await api.ok("GET", DETAIL, {"ids": "1"})
    refused = await api.call("GET", DETAIL, {"ids": "1"})
    assert (refused.status_code, code_of(refused)) == (429, 36009002)
    await api.ok("POST", ORDERS, {"page_size": "10"}, {})  # another API has its own budget
    ticks.advance(1.0)
    await api.ok("GET", DETAIL, {"ids": "1"})  # a second later there is room again
    assert state.qps.refused == 1
