"""The Tokopedia simulator behaves as tokopedia-api.md says, driven over raw HTTP."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bot.sandbox.tokopedia import SandboxState, create_app, demo_state, send_webhook, serve

FS_ID = 13000
SHOP_ID = 479573
OTHER_SHOP_ID = 479574
CLIENT_ID = "client-x"
CLIENT_SECRET = "secret-x"
WEBHOOK_SECRET = "hook-secret"
T0 = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC
DAY = 86400


class FakeClock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def state(clock: FakeClock) -> SandboxState:
    state = SandboxState(
        FS_ID, CLIENT_ID, CLIENT_SECRET, WEBHOOK_SECRET, token_ttl=1000, clock=clock
    )
    state.add_shop(SHOP_ID, "Toko Maju Jaya")
    state.add_product(SHOP_ID, "Kopi Gayo 250g", 85000, sku="KOPI-250")
    state.add_shop(OTHER_SHOP_ID, "Batik Sekar")
    return state


@pytest.fixture
async def client(state: SandboxState) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(state))
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
        yield client


def basic(client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


async def get_token(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.post(
        "/token", params={"grant_type": "client_credentials"}, headers=basic()
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
async def api(client: httpx.AsyncClient) -> httpx.AsyncClient:
    token = (await get_token(client))["access_token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def error_code(response: httpx.Response) -> str:
    return str(response.json()["header"]["error_code"])


# --- authentication -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, basic(secret="wrong"), basic(client_id="other"), {"Authorization": "Bearer abc"}],
)
async def test_token_requires_basic_auth_with_the_client_credentials(client, state, headers):
    """POST /token answers 401 unless Basic auth carries client_id:client_secret."""
    response = await client.post(
        "/token", params={"grant_type": "client_credentials"}, headers=headers
    )
    assert response.status_code == 401
    assert state.tokens_issued == 0


async def test_token_response_has_the_documented_fields(client):
    """A token response carries access_token, expires_in and token_type Bearer."""
    body = await get_token(client)
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 1000
    assert isinstance(body["access_token"], str)
    assert body["access_token"]


async def test_same_token_until_expiry_then_a_new_one(client, state, clock):
    """While a token is valid /token returns it again; only after expiry is a new one issued."""
    first = await get_token(client)
    clock.advance(400)
    second = await get_token(client)
    assert second["access_token"] == first["access_token"]
    assert second["expires_in"] == 600
    assert state.tokens_issued == 1
    clock.advance(600)
    third = await get_token(client)
    assert third["access_token"] != first["access_token"]
    assert third["expires_in"] == 1000
    assert state.tokens_issued == 2


async def test_fs_endpoints_require_a_valid_bearer_token(client, state, clock):
    """fs endpoints answer 401 without a bearer token, with a wrong one, and once it expired."""
    path = f"/v1/shop/fs/{FS_ID}/shop-info"
    assert (await client.get(path)).status_code == 401
    assert (await client.get(path, headers={"Authorization": "Bearer nope"})).status_code == 401
    token = (await get_token(client))["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert (await client.get(path, headers=bearer)).status_code == 200
    clock.advance(1000)
    assert (await client.get(path, headers=bearer)).status_code == 401


async def test_expire_tokens_invalidates_the_current_token(api, state):
    """After expire_tokens() the old token is refused and /token issues a new one."""
    path = f"/v1/shop/fs/{FS_ID}/shop-info"
    state.expire_tokens()
    assert (await api.get(path)).status_code == 401
    await get_token(api)
    assert state.tokens_issued == 2


async def test_other_fs_id_or_foreign_shop_is_forbidden(api):
    """A wrong fs_id in the path, or a shop not connected to it, gives 403 RBAC_MDLW_001."""
    response = await api.get("/v1/shop/fs/999/shop-info")
    assert response.status_code == 403
    assert error_code(response) == "RBAC_MDLW_001"
    response = await api.get(f"/v1/chat/fs/{FS_ID}/messages", params={"shop_id": 1})
    assert response.status_code == 403
    assert error_code(response) == "RBAC_MDLW_001"


async def test_calls_are_recorded_without_credentials(api, state):
    """Recorded calls keep method, path, query and body but redact the credentials."""
    await api.get(f"/v1/chat/fs/{FS_ID}/messages", params={"shop_id": SHOP_ID})
    token_call, chat_call = state.calls
    assert token_call.headers["authorization"] == "Basic <redacted>"
    assert chat_call.method == "GET"
    assert chat_call.path == f"/v1/chat/fs/{FS_ID}/messages"
    assert chat_call.query == {"shop_id": str(SHOP_ID)}
    assert chat_call.headers["authorization"] == "Bearer <redacted>"
    assert CLIENT_SECRET not in repr(state.calls)


async def test_unknown_path_or_method_is_a_recorded_404(api, state):
    """A path or method the API does not have answers 404 and still shows up in calls."""
    path = f"/v1/chat/fs/{FS_ID}/messages/1/reply"
    response = await api.get(path, params={"shop_id": SHOP_ID})  # the docs' curl says GET
    assert response.status_code == 404
    assert error_code(response) == "NOT_FOUND"
    assert state.calls[-1].path == path


# --- orders ---------------------------------------------------------------------------------


def ack_path(order_id: int) -> str:
    return f"/v1/order/{order_id}/fs/{FS_ID}/ack"


def nack_path(order_id: int) -> str:
    return f"/v1/order/{order_id}/fs/{FS_ID}/nack"


async def test_ack_accepts_a_new_order_once(api, state):
    """ACK moves 220 to 400; a second ACK fails with ORD_USC_001."""
    order = state.add_order(SHOP_ID)
    response = await api.post(ack_path(order["order_id"]))
    assert response.status_code == 200
    assert response.json()["data"] == "success"
    assert response.json()["header"]["messages"] == "Your request has been processed successfully"
    assert state.orders[order["order_id"]]["order_status"] == 400
    again = await api.post(ack_path(order["order_id"]))
    assert again.status_code == 400
    assert error_code(again) == "ORD_USC_001"
    assert again.json()["data"] is None


async def test_nack_rejects_a_new_order(api, state):
    """NACK with a reason moves 220 to 10."""
    order = state.add_order(SHOP_ID)
    body = {"reason_code": 1, "reason": "Stok habis"}
    response = await api.post(nack_path(order["order_id"]), json=body)
    assert response.status_code == 200
    assert response.json()["data"] == "success"
    assert state.orders[order["order_id"]]["order_status"] == 10


async def test_nack_of_an_accepted_order_is_not_eligible(api, state):
    """NACK of an order past 220 (without a buyer request) fails with ORD_USC_008."""
    order = state.add_order(SHOP_ID, status=400)
    response = await api.post(nack_path(order["order_id"]), json={"reason_code": 1, "reason": "x"})
    assert response.status_code == 400
    assert error_code(response) == "ORD_USC_008"
    assert state.orders[order["order_id"]]["order_status"] == 400


async def test_unknown_order_is_data_not_found(api):
    """ACK of an order that does not exist fails with ORD_API_008."""
    response = await api.post(ack_path(1))
    assert response.status_code == 400
    assert error_code(response) == "ORD_API_008"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"reason_code": 1}, "ORD_USC_009"),
        ({"reason_code": 1, "reason": "  "}, "ORD_USC_009"),
        ({"reason_code": 4, "reason": "Tutup"}, "ORD_USC_012"),
        (
            {"reason_code": 4, "reason": "Tutup", "shop_close_end_date": "20/11/2023"},
            "ORD_USC_012",
        ),
        (
            {
                "reason_code": 4,
                "reason": "Tutup",
                "shop_close_end_date": "2023-11-20",
                "shop_close_note": "Libur",
            },
            "ORD_USC_013",
        ),
        (
            {
                "reason_code": 4,
                "reason": "Tutup",
                "shop_close_end_date": "01/11/2023",
                "shop_close_note": "Libur",
            },
            "ORD_USC_013",
        ),
        ({"reason_code": 0, "reason": "x" * 513}, "BAD_REQUEST"),
        ({"reason_code": 7, "reason": "x" * 491}, "BAD_REQUEST"),
        ({"reason_code": 8, "reason": "Pembeli minta batal"}, "ORD_USC_019"),
        ({"reason_code": 6, "reason": "no such code"}, "BAD_REQUEST"),
    ],
)
async def test_nack_validation_codes(api, state, body, code):
    """Invalid NACK bodies fail with the documented error code and leave the order at 220."""
    order = state.add_order(SHOP_ID)
    response = await api.post(nack_path(order["order_id"]), json=body)
    assert response.status_code == 400
    assert error_code(response) == code
    assert state.orders[order["order_id"]]["order_status"] == 220


@pytest.mark.parametrize(
    "body",
    [
        {"reason_code": 0, "reason": "x" * 512},
        {"reason_code": 7, "reason": "x" * 490},
        {
            "reason_code": 4,
            "reason": "Tutup",
            "shop_close_end_date": "20/11/2023",
            "shop_close_note": "Libur",
        },
    ],
)
async def test_nack_accepts_bodies_at_the_limits(api, state, body):
    """Reasons at the length limit and a future shop-close date are accepted."""
    order = state.add_order(SHOP_ID)
    response = await api.post(nack_path(order["order_id"]), json=body)
    assert response.status_code == 200, response.text
    assert state.orders[order["order_id"]]["order_status"] == 10


async def get_order(api: httpx.AsyncClient, **params: Any) -> httpx.Response:
    return await api.get(f"/v2/fs/{FS_ID}/order", params=params)


async def test_buyer_cancel_request_can_be_rejected(api, state):
    """reject-cancel clears a pending request on an accepted order and keeps it at 400."""
    order = state.add_order(SHOP_ID, status=400)
    order_id = order["order_id"]
    state.request_cancellation(order_id, "Salah pilih warna")
    info = (await get_order(api, order_id=order_id)).json()["data"]["cancel_request_info"]
    assert info["reason"] == "Salah pilih warna"
    path = f"/v1/order/{order_id}/fs/{FS_ID}/reject-cancel"
    response = await api.post(path, params={"shop_id": SHOP_ID})
    assert response.status_code == 200
    assert response.json()["data"] == {"success": True}
    data = (await get_order(api, order_id=order_id)).json()["data"]
    assert data["cancel_request_info"] is None
    assert data["order_status"] == 400
    again = await api.post(path, params={"shop_id": SHOP_ID})
    assert again.status_code == 400


async def test_reject_cancel_needs_an_accepted_order(api, state):
    """reject-cancel on a 220 order with a request is refused and keeps the request."""
    order = state.add_order(SHOP_ID)
    state.request_cancellation(order["order_id"], "Berubah pikiran")
    path = f"/v1/order/{order['order_id']}/fs/{FS_ID}/reject-cancel"
    response = await api.post(path, params={"shop_id": SHOP_ID})
    assert response.status_code == 400
    assert state.orders[order["order_id"]]["cancel_request_info"] is not None


async def test_buyer_cancel_request_is_approved_by_nack_code_8(api, state):
    """NACK code 8 on a 400 order with a pending request cancels it and clears the request."""
    order = state.add_order(SHOP_ID, status=400)
    state.request_cancellation(order["order_id"], "Salah alamat")
    body = {"reason_code": 8, "reason": "Sesuai permintaan pembeli"}
    response = await api.post(nack_path(order["order_id"]), json=body)
    assert response.status_code == 200
    stored = state.orders[order["order_id"]]
    assert stored["order_status"] in (0, 15)
    assert stored["cancel_request_info"] is None


async def test_single_order_by_id_or_invoice(api, state):
    """Get Single Order finds an order by order_id or by invoice_num with the documented keys."""
    order = state.add_order(SHOP_ID, buyer_name="Siti Aminah", city="Bandung")
    by_id = (await get_order(api, order_id=order["order_id"])).json()["data"]
    by_invoice = (await get_order(api, invoice_num=order["invoice_num"])).json()["data"]
    assert by_id == by_invoice
    assert by_id["invoice_number"] == order["invoice_num"]
    assert by_id["order_status"] == 220
    assert by_id["order_info"]["destination"]["address_city"] == "Bandung"
    assert by_id["order_info"]["order_detail"][0]["product_name"] == "Kopi Gayo 250g"
    assert by_id["order_info"]["shipping_info"]["logistic_name"]
    assert by_id["shipment_fulfillment"]["accept_deadline"] == "2023-11-16T22:13:20Z"
    assert by_id["cancel_request_info"] is None


@pytest.mark.parametrize(
    ("params", "code"),
    [({}, "ORD_DLV_003"), ({"order_id": 1, "invoice_num": "INV/1"}, "ORD_DLV_004"),
     ({"order_id": 42}, "ORD_API_008"), ({"invoice_num": "INV/nope"}, "ORD_API_008")],
)  # fmt: skip
async def test_single_order_errors(api, state, params, code):
    """Get Single Order needs exactly one known key."""
    state.add_order(SHOP_ID)
    response = await get_order(api, **params)
    assert response.status_code == 400
    assert error_code(response) == code


def list_params(**overrides: Any) -> dict[str, Any]:
    params = {"fs_id": FS_ID, "from_date": int(T0) - DAY, "to_date": int(T0) + DAY, "page": 1}
    params["per_page"] = 50
    params.update(overrides)
    return params


async def test_order_list_filters_by_window_and_payment(api, state):
    """Get All Orders returns paid orders created in the window, with lowercase name keys."""
    inside = state.add_order(SHOP_ID)
    rejected = state.add_order(SHOP_ID, status=10)
    state.add_order(SHOP_ID, status=100)  # not paid yet
    state.add_order(SHOP_ID, create_time=T0 - 2 * DAY)  # before the window
    response = await api.get("/v2/order/list", params=list_params())
    assert response.status_code == 200
    rows = response.json()["data"]
    assert [r["order_id"] for r in rows] == [inside["order_id"], rejected["order_id"]]
    assert rows[0]["fs_id"] == str(FS_ID)
    assert rows[0]["invoice_ref_num"] == inside["invoice_num"]
    assert rows[0]["products"][0]["name"] == "Kopi Gayo 250g"
    assert rows[0]["buyer"]["name"] == "Budi Santoso"
    assert "accept_deadline" in rows[0]["shipment_fulfillment"]


async def test_order_list_rejects_windows_of_three_days(api, state):
    """A from/to range of 3 days or more fails with ORD_DLV_013; just under is fine."""
    too_wide = list_params(from_date=int(T0), to_date=int(T0) + 3 * DAY)
    response = await api.get("/v2/order/list", params=too_wide)
    assert response.status_code == 400
    assert error_code(response) == "ORD_DLV_013"
    ok = list_params(from_date=int(T0), to_date=int(T0) + 3 * DAY - 1)
    assert (await api.get("/v2/order/list", params=ok)).status_code == 200


async def test_order_list_rejects_shop_and_warehouse_together(api, state):
    """Passing both shop_id and warehouse_id fails with ORD_DLV_008."""
    warehouse_id = state.shops[SHOP_ID]["warehouses"][0]["warehouse_id"]
    params = list_params(shop_id=SHOP_ID, warehouse_id=warehouse_id)
    response = await api.get("/v2/order/list", params=params)
    assert error_code(response) == "ORD_DLV_008"


async def test_order_list_requires_its_parameters(api):
    """Get All Orders without per_page is a bad request."""
    params = list_params()
    del params["per_page"]
    response = await api.get("/v2/order/list", params=params)
    assert response.status_code == 400


# --- chat -----------------------------------------------------------------------------------


async def test_chat_rooms_replies_and_read_state(api, state):
    """Buyer messages share one room per buyer; a reply is recorded and marks the room read."""
    msg_id = state.add_chat(SHOP_ID, 654321, "Budi Santoso", "Halo, ready?")
    assert state.add_chat(SHOP_ID, 654321, "Budi Santoso", "Kak?") == msg_id
    base = f"/v1/chat/fs/{FS_ID}/messages"
    unread = (await api.get(base, params={"shop_id": SHOP_ID, "filter": "unread"})).json()["data"]
    assert [room["msg_id"] for room in unread] == [msg_id]
    assert unread[0]["attributes"]["unreads"] == 2
    assert unread[0]["attributes"]["contact"]["attributes"]["Name"] == "Budi Santoso"
    reply = await api.post(
        f"{base}/{msg_id}/reply", json={"shop_id": SHOP_ID, "message": "Ready kak"}
    )
    assert reply.status_code == 200
    assert reply.json()["data"]["msg"] == "Ready kak"
    assert state.replies == [
        {"shop_id": SHOP_ID, "msg_id": msg_id, "message": "Ready kak", "time": T0}
    ]
    unread = (await api.get(base, params={"shop_id": SHOP_ID, "filter": "unread"})).json()["data"]
    assert unread == []
    bubbles = (await api.get(f"{base}/{msg_id}/replies", params={"shop_id": SHOP_ID})).json()
    assert [b["msg"] for b in bubbles["data"]] == ["Halo, ready?", "Kak?", "Ready kak"]
    assert [b["is_opposite"] for b in bubbles["data"]] == [True, True, False]


@pytest.mark.parametrize("suffix", ["", "/{msg_id}/replies"])
async def test_chat_per_page_above_15_is_rejected(api, state, suffix):
    """List Messages and List Replies refuse per_page above 15 but accept 15."""
    msg_id = state.add_chat(SHOP_ID, 1, "Ani", "Halo")
    path = f"/v1/chat/fs/{FS_ID}/messages" + suffix.format(msg_id=msg_id)
    response = await api.get(path, params={"shop_id": SHOP_ID, "per_page": 16})
    assert response.status_code == 400
    assert response.json()["header"]["reason"]
    assert (await api.get(path, params={"shop_id": SHOP_ID, "per_page": 15})).status_code == 200


async def test_reply_to_a_room_of_another_shop_is_not_found(api, state):
    """Replying in a room that belongs to a different shop fails and records nothing."""
    msg_id = state.add_chat(OTHER_SHOP_ID, 1, "Ani", "Halo")
    path = f"/v1/chat/fs/{FS_ID}/messages/{msg_id}/reply"
    response = await api.post(path, json={"shop_id": SHOP_ID, "message": "Hi"})
    assert response.status_code == 400
    assert error_code(response) == "SHP_GRPC_003"
    assert state.replies == []


async def test_initiate_chat_returns_the_buyers_room(api, state):
    """Initiate Chat for an order returns the room the buyer already has with the shop."""
    msg_id = state.add_chat(SHOP_ID, 777, "Rina", "Halo")
    order = state.add_order(SHOP_ID, buyer_id=777, buyer_name="Rina")
    response = await api.get(
        f"/v1/chat/fs/{FS_ID}/initiate", params={"order_id": order["order_id"]}
    )
    data = response.json()["data"]
    assert data["msg_id"] == msg_id
    assert data["is_success"] is True
    assert data["contact"]["id"] == 777


# --- webhook registration -------------------------------------------------------------------


async def test_register_replaces_the_whole_set(api, state):
    """Register overwrites every field; fields left out become empty strings."""
    urls = {"order_status_url": "https://bot/status", "chat_notification_url": "https://bot/chat"}
    first = await api.post(
        f"/v1/fs/{FS_ID}/register", json={"fs_id": FS_ID, **urls, "webhook_secret": "s1"}
    )
    assert first.json() == {"data": "success", "status": "200 Ok", "error_message": []}
    await api.post(f"/v1/fs/{FS_ID}/register", json={"order_status_url": "https://bot/new"})
    listed = (await api.get(f"/v1/fs/{FS_ID}")).json()
    assert listed["status"] == "200 Ok"
    data = listed["data"]
    assert data["fs_id"] == FS_ID
    assert data["order_status_url"] == "https://bot/new"
    assert data["chat_notification_url"] == ""
    assert data["webhook_secret"] == ""
    assert state.webhook_secret == ""


async def test_register_rejects_non_string_fields_with_the_legacy_envelope(api):
    """A malformed registration gets the legacy data/status/error_message envelope."""
    response = await api.post(f"/v1/fs/{FS_ID}/register", json={"order_status_url": 5})
    assert response.status_code == 400
    body = response.json()
    assert body["data"] is None
    assert body["status"] == "400 Bad Request"
    assert body["error_message"]


# --- rate limits and fault injection --------------------------------------------------------


async def test_rate_limit_gives_429_with_headers_and_recovers(api, state, clock):
    """Beyond the burst a limited path answers 429 with the headers, and recovers with time."""
    state.set_rate_limit(r"/shop-info$", per_second=2, burst=2)
    path = f"/v1/shop/fs/{FS_ID}/shop-info"
    first = await api.get(path)
    assert first.headers["X-Ratelimit-Limit"] == "2 req/s (burst 2)"
    assert first.headers["X-Ratelimit-Remaining"] == "1"
    assert first.headers["X-Ratelimit-Reset-After"] == "-0.000000"
    second = await api.get(path)
    assert second.status_code == 200
    assert second.headers["X-Ratelimit-Remaining"] == "0"
    limited = await api.get(path)
    assert limited.status_code == 429
    assert limited.headers["X-Ratelimit-Remaining"] == "0"
    assert limited.headers["X-Ratelimit-Reset-After"] == "0.500000"
    assert limited.headers["X-Ratelimit-Full-Reset-After"] == "1.000000"
    clock.advance(0.5)
    assert (await api.get(path)).status_code == 200


async def test_unlimited_paths_still_carry_rate_limit_headers(api, state):
    """Every response, even without a configured limit, has the four X-Ratelimit headers."""
    response = await api.get(f"/v1/chat/fs/{FS_ID}/messages", params={"shop_id": SHOP_ID})
    for name in ("Limit", "Remaining", "Reset-After", "Full-Reset-After"):
        assert f"X-Ratelimit-{name}" in response.headers


async def test_fail_next_injects_an_error_then_recovers(api, state):
    """fail_next answers the next matching call with the status and error_code, once."""
    order = state.add_order(SHOP_ID)
    state.fail_next(r"/ack$", 500, "ORD_USC_014")
    failed = await api.post(ack_path(order["order_id"]))
    assert failed.status_code == 500
    assert error_code(failed) == "ORD_USC_014"
    assert state.orders[order["order_id"]]["order_status"] == 220
    assert (await api.post(ack_path(order["order_id"]))).status_code == 200


async def test_fail_next_status_0_drops_the_connection(api, state):
    """fail_next with status 0 makes the client see a protocol error, not a response."""
    state.fail_next(r"/shop-info", 0)
    with pytest.raises(httpx.RemoteProtocolError):
        await api.get(f"/v1/shop/fs/{FS_ID}/shop-info")
    assert (await api.get(f"/v1/shop/fs/{FS_ID}/shop-info")).status_code == 200


async def test_fail_next_delay_holds_the_answer(api, state):
    """fail_next with a delay answers only after the delay, so a client timeout fires first."""
    state.fail_next(r"/shop-info", 200, delay=0.3)
    path = f"/v1/shop/fs/{FS_ID}/shop-info"
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(api.get(path), timeout=0.05)
    state.fail_next(r"/shop-info", 503, "SHP_GRPC_001", delay=0.2)
    started = time.monotonic()
    response = await api.get(path)
    assert time.monotonic() - started >= 0.2
    assert response.status_code == 503
    assert error_code(response) == "SHP_GRPC_001"


# --- webhooks -------------------------------------------------------------------------------


def make_receiver(secret: str, inbox: list[Any]) -> Starlette:
    """A tiny webhook receiver that checks Authorization-Hmac on the raw body."""

    async def hook(request: Request) -> PlainTextResponse:
        raw = await request.body()
        expected = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
        valid = hmac.compare_digest(request.headers.get("Authorization-Hmac", ""), expected)
        inbox.append((request.url.path, json.loads(raw), valid))
        return PlainTextResponse(
            "ok" if valid else "bad signature", status_code=200 if valid else 401
        )

    return Starlette(routes=[Route("/hook/{kind}", hook, methods=["POST"])])


async def test_send_webhook_signs_the_exact_bytes():
    """send_webhook's Authorization-Hmac is the lowercase hex HMAC-SHA256 of the body sent."""
    inbox: list[Any] = []
    transport = httpx.ASGITransport(app=make_receiver("k3y", inbox))
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as receiver:
        body = {"msg_id": 1, "message": "Halo kak 👋", "full_name": "Budi"}
        response = await send_webhook(receiver, "http://bot/hook/chat", body, "k3y")
        assert response.status_code == 200
        signature = response.request.headers["Authorization-Hmac"]
        raw = response.request.content
    assert inbox == [("/hook/chat", body, True)]
    assert signature == hmac.new(b"k3y", raw, hashlib.sha256).hexdigest()
    assert signature == signature.lower()
    assert response.request.headers["Content-Type"] == "application/json"


async def test_send_webhook_with_a_wrong_secret_fails_verification():
    """A receiver with a different secret rejects the signature."""
    inbox: list[Any] = []
    transport = httpx.ASGITransport(app=make_receiver("right", inbox))
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as receiver:
        response = await send_webhook(receiver, "http://bot/hook/x", {"order_id": 1}, "wrong")
    assert response.status_code == 401
    assert inbox[0][2] is False


async def test_trigger_posts_the_signed_payload_to_the_registered_url(api, state):
    """Trigger posts the order's current status payload to the registered URL, signed."""
    inbox: list[Any] = []
    state.webhook_transport = httpx.ASGITransport(app=make_receiver("s3", inbox))
    await api.post(
        f"/v1/fs/{FS_ID}/register",
        json={"order_status_url": "http://bot/hook/status", "webhook_secret": "s3"},
    )
    order = state.add_order(SHOP_ID, status=400)
    body = {"order_id": order["order_id"], "Type": "order_status", "url": ""}
    response = await api.post(f"/v1/fs/{FS_ID}/trigger", json=body)
    assert response.status_code == 200
    assert response.json()["data"] == "success"
    assert inbox == [("/hook/status", state.order_status_webhook(order["order_id"]), True)]
    assert inbox[0][1]["order_status"] == 400
    assert state.deliveries[0].status_code == 200


async def test_trigger_without_a_url_to_post_to_is_a_bad_request(api, state):
    """Trigger with no url and nothing registered for that type fails."""
    order = state.add_order(SHOP_ID)
    body = {"order_id": order["order_id"], "type": "order_notification"}
    response = await api.post(f"/v1/fs/{FS_ID}/trigger", json=body)
    assert response.status_code == 400
    assert state.deliveries == []


def test_webhook_bodies_have_the_documented_shapes(state):
    """Webhook helpers build §6 payloads: capital Name, int ids, invoice_num, amt, city."""
    order = state.add_order(SHOP_ID, buyer_name="Siti Aminah", city="Surabaya")
    order_id = order["order_id"]
    notification = state.order_notification_webhook(order_id)
    assert notification["fs_id"] == FS_ID
    assert notification["order_id"] == order_id
    assert notification["invoice_num"].startswith("INV/20231114/")
    assert notification["products"][0]["Name"] == "Kopi Gayo 250g"
    assert notification["customer"]["Name"] == "Siti Aminah"
    assert notification["recipient"]["address"]["city"] == "Surabaya"
    assert notification["amt"]["ttl_amount"] == 85000 + notification["amt"]["shipping_cost"]
    assert notification["logistics"]["shipping_agency"]
    assert notification["order_status"] == 220
    status = state.order_status_webhook(order_id)
    assert set(status) == {"order_status", "fs_id", "shop_id", "order_id", "warehouse_id",
                           "product_details"}  # fmt: skip
    assert status["product_details"][0]["Name"] == "Kopi Gayo 250g"
    assert state.order_cancellation_webhook(order_id)["order_id"] == order_id
    assert state.request_cancellation_webhook(order_id) == {"order_id": order_id}
    msg_id = state.add_chat(SHOP_ID, 654321, "Budi Santoso", "Hello World")
    assert state.chat_webhook(msg_id) == {
        "msg_id": msg_id,
        "buyer_id": 654321,
        "message": "Hello World",
        "thumbnail": state.rooms[msg_id].thumbnail,
        "full_name": "Budi",
        "shop_id": SHOP_ID,
    }
    assert state.webhook_body("order_status", order_id) == status


def test_add_order_completes_partial_products(state):
    """Products given to add_order get ids, quantities and totals, and amt adds them up."""
    order = state.add_order(
        SHOP_ID, products=[{"Name": "Teh", "price": 18000, "quantity": 2}, {"name": "Gula"}]
    )
    teh, gula = order["products"]
    assert teh["total_price"] == 36000
    assert gula["Name"] == "Gula"
    assert gula["quantity"] == 1
    assert isinstance(teh["id"], int)
    assert teh["id"] != gula["id"]
    assert order["amt"]["ttl_product_price"] == 36000 + gula["total_price"]


def test_add_order_rejects_unknown_overrides(state):
    """A misspelt add_order override is an error, not silently ignored."""
    with pytest.raises(TypeError):
        state.add_order(SHOP_ID, invoice_numbr="INV/1")


# --- serving --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_serve_answers_on_a_real_loopback_port():
    """serve() runs the demo state under uvicorn; /token works over TCP; cancelling stops it."""
    port = free_port()
    task = asyncio.create_task(serve(demo_state(), port=port))
    auth = base64.b64encode(b"sandbox-client:sandbox-secret").decode()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", trust_env=False) as http:
            for _ in range(100):
                try:
                    response = await http.post(
                        "/token",
                        params={"grant_type": "client_credentials"},
                        headers={"Authorization": f"Basic {auth}"},
                    )
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.05)
            else:
                pytest.fail("sandbox did not start listening")
            assert response.status_code == 200
            assert response.json()["token_type"] == "Bearer"
            assert response.headers["X-Ratelimit-Remaining"]
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))  # the port was released


async def test_status_0_closes_a_real_connection():
    """Over uvicorn, fail_next status 0 makes httpx see the peer hang up."""
    state = demo_state()
    state.fail_next(r"^/token$", 0)
    port = free_port()
    task = asyncio.create_task(serve(state, port=port))
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", trust_env=False) as http:
            for _ in range(100):
                try:
                    await http.post("/token")
                except httpx.ConnectError:
                    await asyncio.sleep(0.05)
                    continue
                except httpx.RemoteProtocolError:
                    break
                pytest.fail("expected the connection to drop")
            else:
                pytest.fail("sandbox did not start listening")
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
