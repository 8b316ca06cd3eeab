"""The TikTok Shop client, token manager and adapter against the HTTP simulator in ``bot.sandbox``.

The sandbox verifies every signature, timestamp, token, cipher and scope as documented, so
each passing call here is also a check of the signer and of the request shapes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from bot.domain.errors import ErrorKind, MarketplaceError
from bot.domain.values import (
    AuthorizationChanged,
    BuyerMessage,
    BuyerMessageReceived,
    CancellationRequested,
    MarketplaceName,
    OrderState,
    OrderStatusChanged,
    ParsedEvent,
    Rejection,
)
from bot.marketplaces.tiktokshop import (
    OutcomeUnknown,
    RateLimited,
    TikTokShopClient,
    TikTokShopMarketplace,
    TikTokShopTokens,
)
from bot.sandbox.tiktokshop import TikTokSandboxState, create_app
from tests.tiktokshop.conftest import MemoryStateStore

APP_KEY = "sandbox-app-key"
APP_SECRET = "sandbox-app-secret"
SERVICE_ID = "7000000000000000001"
SHOP_ID = "7495540735365777507"
BASE = "http://sandbox"
T0 = 1_759_719_600.0  # 2025-10-06 03:00 UTC


class SharedClock:
    """One time for the sandbox (Unix float) and the bot (aware datetime); sleeping moves it."""

    def __init__(self) -> None:
        self.t = T0
        self.sleeps: list[float] = []

    def unix(self) -> float:
        return self.t

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.t, UTC)

    def advance(self, seconds: float) -> None:
        self.t += seconds

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


@pytest.fixture(name="clock")
def _clock() -> SharedClock:
    return SharedClock()


@pytest.fixture(name="state")
def _state(clock: SharedClock) -> TikTokSandboxState:
    state = TikTokSandboxState(APP_KEY, APP_SECRET, SERVICE_ID, clock=clock.unix)
    state.add_shop(SHOP_ID, "Toko Maju Jaya")
    return state


@pytest.fixture(name="http")
async def _http(state: TikTokSandboxState) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(state))) as http:
        yield http


@pytest.fixture(name="store")
def _store() -> MemoryStateStore:
    return MemoryStateStore()


def build_client(
    http: httpx.AsyncClient, store: MemoryStateStore, clock: SharedClock
) -> TikTokShopClient:
    return TikTokShopClient(
        http,
        app_key=APP_KEY,
        app_secret=APP_SECRET,
        tokens=TikTokShopTokens(store, clock=clock.now),
        api_url=BASE,
        auth_url=BASE,
        sleep=clock.sleep,
        jitter=lambda: 1.0,
        clock=clock.now,
    )


def build(
    client: TikTokShopClient, store: MemoryStateStore, clock: SharedClock
) -> TikTokShopMarketplace:
    return TikTokShopMarketplace(
        client,
        app_key=APP_KEY,
        app_secret=APP_SECRET,
        service_id=SERVICE_ID,
        store=store,
        clock=clock.now,
    )


@pytest.fixture(name="client")
def _client(
    http: httpx.AsyncClient, store: MemoryStateStore, clock: SharedClock
) -> TikTokShopClient:
    return build_client(http, store, clock)


@pytest.fixture(name="market")
async def _market(
    client: TikTokShopClient,
    store: MemoryStateStore,
    clock: SharedClock,
    state: TikTokSandboxState,
) -> TikTokShopMarketplace:
    """An adapter whose seller has authorized the shop through the sandbox."""
    market = build(client, store, clock)
    await market.complete_authorization(state.issue_auth_code([SHOP_ID]))
    return market


def webhook(
    state: TikTokSandboxState, market: TikTokShopMarketplace, type_: int, **fields: object
) -> list[ParsedEvent]:
    """Have the sandbox build and sign a notification; verify and parse it like the route."""
    raw = json.dumps(state.webhook_body(type_, **fields), separators=(",", ":")).encode()
    assert market.verify_webhook(raw, {"Authorization": state.sign_webhook(raw)})
    return market.parse_webhook("", raw, datetime.fromtimestamp(T0, UTC))


class TestAuthorization:
    async def test_authorize_url(self, client, store, clock):
        """The authorization link carries the sandbox app's service_id and our state."""
        market = build(client, store, clock)
        assert market.authorize_url("st8") == (
            f"https://services.tiktokshop.com/open/authorize?service_id={SERVICE_ID}&state=st8"
        )

    async def test_code_exchange_stores_shops_with_cipher(self, client, store, clock, state):
        """Exchanging a code stores each shop with the sandbox's cipher and code."""
        second = "7495540735365777508"
        state.add_shop(second, "Maju Jaya Outlet")
        market = build(client, store, clock)
        shops = await market.complete_authorization(state.issue_auth_code([SHOP_ID, second]))
        assert [(s.shop_id, s.name) for s in shops] == [
            (SHOP_ID, "Toko Maju Jaya"),
            (second, "Maju Jaya Outlet"),
        ]
        saved = store.json(f"tiktokshop:shop:{second}")
        assert (saved["cipher"], saved["code"]) == (
            state.shops[second]["cipher"],
            state.shops[second]["code"],
        )
        assert market.status()["shops"] == 2

    async def test_code_is_single_use(self, client, store, clock, state):
        """A code used once is refused the second time (36004004), as AUTH."""
        market = build(client, store, clock)
        code = state.issue_auth_code([SHOP_ID])
        await market.complete_authorization(code)
        with pytest.raises(MarketplaceError) as caught:
            await market.complete_authorization(code)
        assert (caught.value.kind, caught.value.code) == (ErrorKind.AUTH, "36004004")

    async def test_expired_token_is_refreshed_and_rotated_pair_kept(
        self, market, state, store, http, clock
    ):
        """After 105002 the pair is refreshed once and stored; a restart uses the new pair."""
        order = state.add_order(SHOP_ID)
        before = store.json(f"tiktokshop:shop:{SHOP_ID}")
        state.expire_access_tokens()
        await market.get_order(SHOP_ID, order["id"])
        after = store.json(f"tiktokshop:shop:{SHOP_ID}")
        assert after["access_token"] != before["access_token"]
        assert after["refresh_token"] != before["refresh_token"]  # the sandbox rotates it
        assert [c.path for c in state.calls][-3:] == [
            "/order/202507/orders",
            "/api/v2/token/refresh",
            "/order/202507/orders",
        ]
        state.expire_access_tokens()
        # A restart reads the store; the old refresh token is dead, so it must use the new.
        restarted = build(build_client(http, store, clock), store, clock)
        assert (await restarted.get_order(SHOP_ID, order["id"])).order_id == order["id"]

    async def test_refresh_ahead_of_expiry(self, market, state, clock):
        """Six and a half days on, the token is refreshed before the call, not after a 105002."""
        order = state.add_order(SHOP_ID)
        clock.advance(6.5 * 86400)
        await market.get_order(SHOP_ID, order["id"])
        assert [c.path for c in state.calls][-2:] == [
            "/api/v2/token/refresh",
            "/order/202507/orders",
        ]

    async def test_no_secret_in_logs(self, market, client, state, caplog):
        """A whole flow with a refresh logs neither the app secret nor any token."""
        caplog.set_level(logging.DEBUG)
        conv = state.add_conversation(SHOP_ID, "Rina")
        state.buyer_says(conv, "Halo")
        state.expire_access_tokens()
        await market.unread_messages(SHOP_ID)
        creds = await client.tokens.get(SHOP_ID)
        assert "token/refresh" in caplog.text
        for secret in (APP_SECRET, creds.access_token, creds.refresh_token):
            assert secret not in caplog.text


class TestChat:
    async def test_buyer_message_relay_and_reply(self, market, state):
        """A buyer's message is parsed, named, answered and marked read; our echo is dropped."""
        conv = state.add_conversation(SHOP_ID, "Rina Susanti", buyer_platform="TIKTOK_SHOP")
        state.buyer_says(conv, "Kak, ukuran L ada?")
        (parsed,) = webhook(state, market, 14, conversation_id=conv)
        assert isinstance(parsed.event, BuyerMessageReceived)
        message = await market.complete_message(parsed.event.message)
        assert message.text == "Kak, ukuran L ada?"
        assert (message.conversation.buyer_name, message.conversation.buyer_platform) == (
            "Rina Susanti",
            "Tokopedia & Shop",
        )
        assert message.avatar_url.startswith("https://")
        sent = await market.send_reply(message.conversation, "Ada kak, silakan diorder 🙏")
        assert state.sent_messages[-1]["content"] == "Ada kak, silakan diorder 🙏"
        assert sent.message_id == state.sent_messages[-1]["message_id"]
        assert state.conversation(conv).unread_count == 0
        assert webhook(state, market, 14, conversation_id=conv) == []  # the SHOP echo

    async def test_buyer_lookup_happens_once(self, market, state):
        """Two messages in one conversation cost one Get Conversation."""
        conv = state.add_conversation(SHOP_ID, "Rina")
        for text in ("satu", "dua"):
            state.buyer_says(conv, text)
            await market.complete_message(_parsed_message(state, market, conv))
        lookups = [c for c in state.calls if c.path.startswith("/customer_service/202601/")]
        assert len(lookups) == 1

    async def test_unread_messages(self, market, state):
        """Only unread conversations are reported, with their latest buyer message."""
        read = state.add_conversation(SHOP_ID, "Budi")
        state.buyer_says(read, "sudah dibaca")
        state.conversation(read).read_ids.update(
            m["id"] for m in state.conversation(read).messages
        )
        unread = state.add_conversation(SHOP_ID, "Sari")
        state.buyer_says(unread, "halo?")
        messages = await market.unread_messages(SHOP_ID)
        assert [(m.conversation.conversation_id, m.text) for m in messages] == [(unread, "halo?")]
        assert messages[0].conversation.buyer_name == "Sari"

    async def test_quota_counts_match_the_platform(self, market, state):
        """tokobot's Customer Service count equals the requests the platform charged."""
        conv = state.add_conversation(SHOP_ID, "Rina")
        state.buyer_says(conv, "halo")
        await market.unread_messages(SHOP_ID)
        message = await market.complete_message(_parsed_message(state, market, conv))
        await market.send_reply(message.conversation, "Halo kak")
        used = market.status()["customer_service_quota"]["used_today"]
        # list, send, read: the poll already named the buyer, so no Get Conversation
        assert used == state.cs_calls == 3

    async def test_platform_quota_exhaustion(self, market, state):
        """When the platform's quota is gone, polling stops locally for the day."""
        state.cs_daily_quota = 1
        await market.unread_messages(SHOP_ID)
        with pytest.raises(MarketplaceError) as caught:
            await market.unread_messages(SHOP_ID)
        assert caught.value.kind is ErrorKind.RATE_LIMITED
        calls = len(state.calls)
        with pytest.raises(MarketplaceError):
            await market.unread_messages(SHOP_ID)
        assert len(state.calls) == calls

    @pytest.mark.parametrize(
        ("status", "error"), [(429, RateLimited), (500, OutcomeUnknown), (504, OutcomeUnknown)]
    )
    async def test_send_is_never_retried(self, market, client, state, clock, status, error):
        """A failed send is tried once: refused (429) or of unknown outcome (5xx)."""
        conv = state.add_conversation(SHOP_ID, "Rina")
        state.fail_next(r"/messages$", status)
        with pytest.raises(error):
            await client.send_text(SHOP_ID, conv, "Halo")
        sends = [c for c in state.calls if c.method == "POST" and c.path.endswith("/messages")]
        assert len(sends) == 1
        assert clock.sleeps == []

    async def test_sensitive_words_and_eligibility(self, market, state):
        """Sensitive words are INVALID and a closed chat window NOT_ELIGIBLE, both explained."""
        conv = state.add_conversation(SHOP_ID, "Rina")
        closed = state.add_conversation(SHOP_ID, "Budi", can_send_message=False)
        conversation = (await market.complete_message(_message(state, market, conv))).conversation
        with pytest.raises(MarketplaceError) as caught:
            await market.send_reply(conversation, "Transfer di luar aplikasi via WhatsApp ya")
        assert caught.value.kind is ErrorKind.INVALID
        assert "kata yang tidak diizinkan" in caught.value.detail
        other = (await market.complete_message(_message(state, market, closed))).conversation
        with pytest.raises(MarketplaceError) as caught:
            await market.send_reply(other, "Halo")
        assert caught.value.kind is ErrorKind.NOT_ELIGIBLE
        assert state.sent_messages == []

    async def test_over_2000_characters_never_reaches_the_platform(self, market, state):
        """The length check runs before anything is sent."""
        conv = state.add_conversation(SHOP_ID, "Rina")
        conversation = _message(state, market, conv).conversation
        calls = len(state.calls)
        with pytest.raises(MarketplaceError) as caught:
            await market.send_reply(conversation, "x" * 2001)
        assert caught.value.kind is ErrorKind.INVALID
        assert len(state.calls) == calls


def _message(state: TikTokSandboxState, market: TikTokShopMarketplace, conv: str) -> BuyerMessage:
    """A new buyer message in ``conv``, as the adapter parses its webhook."""
    state.buyer_says(conv, "halo")
    return _parsed_message(state, market, conv)


def _parsed_message(
    state: TikTokSandboxState, market: TikTokShopMarketplace, conv: str
) -> BuyerMessage:
    """The latest message in ``conv``, as the adapter parses its webhook."""
    (parsed,) = webhook(state, market, 14, conversation_id=conv)
    assert isinstance(parsed.event, BuyerMessageReceived)
    return parsed.event.message


class TestOrders:
    async def test_new_paid_order_webhook_and_detail(self, market, state):
        """AWAITING_SHIPMENT is a new order for staff; the detail fills the card."""
        order = state.add_order(
            SHOP_ID, line_items=[{"product_name": "Kopi", "sale_price": "85000", "quantity": 2}]
        )
        (parsed,) = webhook(state, market, 1, order_id=order["id"])
        event = parsed.event
        assert isinstance(event, OrderStatusChanged)
        assert event.status.state is OrderState.AWAITING_ACCEPTANCE
        got = await market.get_order(SHOP_ID, order["id"])
        assert [(x.name, x.quantity, x.total_price) for x in got.lines] == [("Kopi", 2, 170000)]
        assert got.total == 180000
        assert got.destination_city == "Jakarta Pusat"
        assert got.ship_deadline == datetime.fromtimestamp(order["rts_sla_time"], UTC)
        assert got.buyer_platform == "Tokopedia"
        assert got.shop_name == "Toko Maju Jaya"

    async def test_unpaid_webhook_is_ignored_and_cancel_mapped(self, market, state):
        """UNPAID yields nothing; the webhook's CANCEL is a cancelled status."""
        order = state.add_order(SHOP_ID, status="UNPAID")
        assert webhook(state, market, 1, order_id=order["id"]) == []
        state.set_order_status(order["id"], "CANCELLED")
        (parsed,) = webhook(state, market, 1, order_id=order["id"])
        assert isinstance(parsed.event, OrderStatusChanged)
        assert (parsed.event.status.code, parsed.event.status.state) == (
            "CANCEL",
            OrderState.CANCELLED,
        )

    async def test_list_orders_by_update_time(self, market, client, state, clock):
        """Orders updated in the window are listed, across pages."""
        old = state.add_order(SHOP_ID)
        clock.advance(3600)
        since = datetime.fromtimestamp(clock.t, UTC)
        fresh = [state.add_order(SHOP_ID)["id"] for _ in range(3)]
        clock.advance(60)
        orders = await market.list_orders(SHOP_ID, since, datetime.fromtimestamp(clock.t, UTC))
        assert sorted(o.order_id for o in orders) == sorted(fresh)
        assert old["id"] not in {o.order_id for o in orders}
        paged = await client.search_orders(
            SHOP_ID,
            update_time_ge=since,
            update_time_lt=datetime.fromtimestamp(clock.t, UTC),
            page_size=2,
        )
        assert sorted(o.id for o in paged) == sorted(fresh)

    async def test_reject_order_cancels_with_reason(self, market, state):
        """Reject is Cancel Order with a paid-order reason; the order ends up cancelled."""
        order = state.add_order(SHOP_ID)
        reasons = market.reject_reasons(await market.get_order(SHOP_ID, order["id"]))
        await market.reject_order(
            SHOP_ID, order["id"], Rejection(reason_code=reasons[0].code, reason_text="")
        )
        assert state.orders[order["id"]]["status"] == "CANCELLED"
        assert state.orders[order["id"]]["cancel_reason"] == "seller_cancel_reason_out_of_stock"

    async def test_wrong_reason_for_status(self, market, state):
        """An UNPAID reason on a paid order is INVALID and names what would work."""
        order = state.add_order(SHOP_ID)
        rejection = Rejection(
            reason_code="seller_cancel_unpaid_reason_wrong_price", reason_text=""
        )
        with pytest.raises(MarketplaceError) as caught:
            await market.reject_order(SHOP_ID, order["id"], rejection)
        assert (caught.value.kind, caught.value.code) == (ErrorKind.INVALID, "25001021")
        assert "Stok habis" in caught.value.detail
        assert state.orders[order["id"]]["status"] == "AWAITING_SHIPMENT"

    async def test_shipped_order_cannot_be_cancelled(self, market, state):
        """Once collection is arranged, cancelling is NOT_ELIGIBLE and no reasons are offered."""
        order = state.add_order(SHOP_ID, status="AWAITING_COLLECTION")
        assert market.reject_reasons(await market.get_order(SHOP_ID, order["id"])) == ()
        rejection = Rejection(reason_code="seller_cancel_reason_out_of_stock", reason_text="")
        with pytest.raises(MarketplaceError) as caught:
            await market.reject_order(SHOP_ID, order["id"], rejection)
        assert caught.value.kind is ErrorKind.NOT_ELIGIBLE

    @pytest.mark.parametrize(("status", "code"), [(503, 0), (429, 0), (200, 36009003)])
    async def test_reads_are_retried_with_backoff(self, market, state, clock, status, code):
        """503, 429 and a 200 carrying 36009003 are retried after backoff, then succeed."""
        order = state.add_order(SHOP_ID)
        state.fail_next(r"^/order/202507/orders$", status, code, times=2)
        assert (await market.get_order(SHOP_ID, order["id"])).order_id == order["id"]
        assert clock.sleeps == [1.0, 2.0]


class TestCancellations:
    async def test_buyer_request_then_approve(self, market, state):
        """Webhook 11 gives the cancel id; approving cancels the order, idempotently."""
        order = state.add_order(SHOP_ID)
        cancel_id = state.request_cancellation(
            order["id"], "ecom_order_to_ship_canceled_reason_change_payment_method"
        )
        (parsed,) = webhook(state, market, 11, cancel_id=cancel_id)
        assert parsed.event == CancellationRequested(
            marketplace=MarketplaceName.TIKTOKSHOP,
            shop_id=SHOP_ID,
            order_id=order["id"],
            cancel_id=cancel_id,
        )
        request = await market.get_cancellation_request(SHOP_ID, order["id"])
        assert request.cancel_id == cancel_id
        assert request.deadline == datetime.fromtimestamp(T0 + 2 * 86400, UTC)
        assert request.reason
        await market.approve_cancellation(request)
        await market.approve_cancellation(request)  # same key: the platform repeats its answer
        assert state.orders[order["id"]]["status"] == "CANCELLED"
        (done,) = webhook(state, market, 11, cancel_id=cancel_id)
        assert isinstance(done.event, OrderStatusChanged)
        assert (done.event.status.state, done.event.cancelled) == (OrderState.CANCELLED, True)

    async def test_buyer_request_then_reject(self, market, state):
        """Rejecting uses a reason the platform offered for this request."""
        order = state.add_order(SHOP_ID)
        cancel_id = state.request_cancellation(
            order["id"], "ecom_order_to_ship_canceled_reason_not_shipped_on_time"
        )
        request = await market.get_cancellation_request(SHOP_ID, order["id"])
        await market.reject_cancellation(request)
        cancel = state.cancellations[cancel_id]
        assert cancel.status == "CANCELLATION_REQUEST_CANCELLED"
        assert cancel.reject_reason in cancel.reject_reasons
        assert state.orders[order["id"]]["status"] == "AWAITING_SHIPMENT"

    async def test_no_pending_request(self, market, state):
        """An order without a request is NOT_FOUND."""
        order = state.add_order(SHOP_ID)
        with pytest.raises(MarketplaceError) as caught:
            await market.get_cancellation_request(SHOP_ID, order["id"])
        assert caught.value.kind is ErrorKind.NOT_FOUND


class TestAuthorizationWebhooks:
    async def test_revoked_and_expiring(self, market, state):
        """Types 6 and 7 become authorization alerts with no TikTok wording."""
        (revoked,) = webhook(state, market, 6)
        (expiring,) = webhook(state, market, 7, shop_id=SHOP_ID)
        assert isinstance(revoked.event, AuthorizationChanged)
        assert isinstance(expiring.event, AuthorizationChanged)
        assert (revoked.event.change, expiring.event.change) == ("revoked", "expiring")
        assert expiring.event.expires_at is not None
        assert "tiktok" not in (revoked.event.message + expiring.event.message).lower()
