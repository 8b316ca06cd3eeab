"""The Tokopedia client, auth and adapter against the HTTP simulator in ``bot.sandbox``."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot.domain.errors import ErrorKind, MarketplaceError
from bot.domain.values import (
    BuyerMessageReceived,
    CancellationRequest,
    CancellationRequested,
    Conversation,
    MarketplaceName,
    OrderCreated,
    OrderState,
    OrderStatusChanged,
    Rejection,
)
from bot.marketplaces.tokopedia import TokopediaAuth, TokopediaClient, TokopediaMarketplace
from bot.sandbox.tokopedia import SandboxState, create_app, sign
from tests.tokopedia.conftest import MemoryTokenStore

FS_ID = 13004
SHOP_ID = 479573
CLIENT_ID = "sandbox-client"
CLIENT_SECRET = "sandbox-secret"
WEBHOOK_SECRET = "sandbox-webhook-secret"
BASE = "http://sandbox"
T0 = 1_748_833_200.0  # 2025-06-02 03:00 UTC, 10:00 in Jakarta
REPLY_PATH = r"/messages/\d+/reply$"


class SharedClock:
    """One time for the sandbox (UNIX float) and the bot (aware datetime); sleeping moves it."""

    def __init__(self) -> None:
        self.t = T0
        self.sleeps: list[float] = []

    def unix(self) -> float:
        return self.t

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.t, UTC)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


@pytest.fixture(name="clock")
def _clock() -> SharedClock:
    return SharedClock()


@pytest.fixture(name="state")
def _state(clock: SharedClock) -> SandboxState:
    state = SandboxState(FS_ID, CLIENT_ID, CLIENT_SECRET, WEBHOOK_SECRET, clock=clock.unix)
    state.add_shop(SHOP_ID, "Toko Maju Jaya")
    state.add_product(SHOP_ID, "Kopi Gayo 250g", 85000, sku="KOPI-250")
    return state


@pytest.fixture(name="http")
async def _http(state: SandboxState) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(state))) as http:
        yield http


@pytest.fixture(name="store")
def _store() -> MemoryTokenStore:
    return MemoryTokenStore()


def build_client(
    http: httpx.AsyncClient, store: MemoryTokenStore, clock: SharedClock
) -> TokopediaClient:
    auth = TokopediaAuth(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        store=store,
        auth_url=BASE,
        clock=clock.now,
    )
    return TokopediaClient(
        http,
        fs_id=FS_ID,
        auth=auth,
        api_url=BASE,
        sleep=clock.sleep,
        jitter=lambda: 1.0,
        clock=clock.now,
    )


@pytest.fixture(name="client")
def _client(
    http: httpx.AsyncClient, store: MemoryTokenStore, clock: SharedClock
) -> TokopediaClient:
    return build_client(http, store, clock)


@pytest.fixture(name="market")
def _market(client: TokopediaClient, clock: SharedClock) -> TokopediaMarketplace:
    return TokopediaMarketplace(client, webhook_secret=WEBHOOK_SECRET, clock=clock.now)


def signed(body: dict[str, object], secret: str = WEBHOOK_SECRET) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body, separators=(",", ":")).encode()
    return raw, {"Authorization-Hmac": sign(raw, secret)}


def calls_to(state: SandboxState, suffix: str) -> list[str]:
    return [c.path for c in state.calls if c.path.endswith(suffix)]


class TestTokens:
    async def test_one_token_across_two_client_lifetimes(self, state, store, clock):
        """A restart that shares the token store does not ask Tokopedia for a new token."""
        for _ in range(2):
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=create_app(state))
            ) as http:
                await build_client(http, store, clock).shop_info()
        assert state.tokens_issued == 1
        assert len(calls_to(state, "/token")) == 1

    async def test_expired_token_is_refreshed_after_a_401(self, state, client, clock):
        """When Tokopedia expires the token early, the call refreshes once and succeeds."""
        await client.shop_info()
        state.expire_tokens()
        shops = await client.shop_info()
        assert [s.shop_name for s in shops] == ["Toko Maju Jaya"]
        assert state.tokens_issued == 2

    async def test_token_lifetime_is_respected(self, state, client, clock):
        """After the token's lifetime the bot fetches a new one before calling."""
        await client.shop_info()
        clock.t += 1209600
        await client.shop_info()
        assert state.tokens_issued == 2
        assert len(calls_to(state, "shop-info")) == 2  # no 401 round trip was needed


class TestWebhooks:
    async def test_register_merges_with_the_current_registration(self, state, client):
        """Registering chat and order URLs leaves the other registered URLs in place."""
        state.webhooks["product_changes_url"] = "https://erp.example/product"
        state.webhooks["order_status_url"] = "https://erp.example/status"
        await client.register_webhooks(
            secret="rotated", chat_notification_url="https://bot.example/webhooks/tokopedia/chat"
        )
        assert state.webhooks["product_changes_url"] == "https://erp.example/product"
        assert state.webhooks["order_status_url"] == "https://erp.example/status"
        assert state.webhooks["chat_notification_url"] == (
            "https://bot.example/webhooks/tokopedia/chat"
        )
        assert state.webhook_secret == "rotated"

    async def test_signed_chat_webhook_round_trip(self, state, market):
        """A chat posted by the simulator verifies, parses, and the reply lands once."""
        msg_id = state.add_chat(SHOP_ID, 777, "Rina Wati", "Kak, stok masih ada?")
        raw, headers = signed(state.chat_webhook(msg_id))
        assert market.verify_webhook(raw, headers)
        (parsed,) = market.parse_webhook("chat", raw, datetime.now(UTC))
        assert isinstance(parsed.event, BuyerMessageReceived)
        message = parsed.event.message
        assert (message.text, message.conversation.buyer_name) == ("Kak, stok masih ada?", "Rina")
        await market.send_reply(message.conversation, "Masih kak, silakan diorder")
        assert [r["message"] for r in state.replies] == ["Masih kak, silakan diorder"]

    async def test_tampered_webhook_is_refused(self, state, market):
        """A body signed with the wrong secret fails verification."""
        msg_id = state.add_chat(SHOP_ID, 777, "Rina", "Halo")
        raw, headers = signed(state.chat_webhook(msg_id), secret="wrong")
        assert not market.verify_webhook(raw, headers)

    async def test_order_webhooks_parse(self, state, market):
        """The simulator's order-notification and status bodies become domain events."""
        order = state.add_order(SHOP_ID, buyer_name="Dewi Lestari", city="Bandung")
        received = datetime.now(UTC)
        raw, _ = signed(state.order_notification_webhook(order["order_id"]))
        (created,) = market.parse_webhook("order", raw, received)
        assert isinstance(created.event, OrderCreated)
        assert created.event.order.buyer_name == "Dewi Lestari"
        assert created.event.order.destination_city == "Bandung"
        assert created.event.order.lines[0].name == "Kopi Gayo 250g"
        assert created.event.order.total == 85000 + 12000
        state.set_status(order["order_id"], 500)
        raw, _ = signed(state.order_status_webhook(order["order_id"]))
        (status,) = market.parse_webhook("order-status", raw, received)
        assert isinstance(status.event, OrderStatusChanged)
        assert status.event.status.state is OrderState.SHIPPING


class TestChat:
    async def test_unread_messages_across_pages(self, state, market):
        """Sixteen unread rooms come back over two pages of fifteen."""
        for buyer in range(16):
            state.add_chat(SHOP_ID, 5000 + buyer, f"Buyer {buyer}", f"pesan {buyer}")
        messages = await market.unread_messages(str(SHOP_ID))
        assert len(messages) == 16
        assert {m.text for m in messages} == {f"pesan {i}" for i in range(16)}
        assert len(calls_to(state, "/messages")) == 2

    async def test_dropped_reply_is_outcome_unknown_and_not_resent(self, state, market):
        """A connection dropped during send-reply is reported as uncertain and never resent."""
        msg_id = state.add_chat(SHOP_ID, 777, "Rina", "Halo")
        state.fail_next(REPLY_PATH, 0)
        conversation = _conversation(msg_id)
        with pytest.raises(MarketplaceError) as caught:
            await market.send_reply(conversation, "Halo kak")
        assert caught.value.kind is ErrorKind.OUTCOME_UNKNOWN
        assert len(calls_to(state, "/reply")) == 1

    async def test_reply_5xx_is_a_failure_and_not_resent(self, state, market):
        """A coded 503 on send-reply is reported as unavailable and not retried."""
        msg_id = state.add_chat(SHOP_ID, 777, "Rina", "Halo")
        state.fail_next(REPLY_PATH, 503, "SHP_GRPC_001")
        with pytest.raises(MarketplaceError) as caught:
            await market.send_reply(_conversation(msg_id), "Halo kak")
        assert caught.value.kind is ErrorKind.UNAVAILABLE
        assert len(calls_to(state, "/reply")) == 1

    async def test_reply_dropped_connection_is_outcome_unknown(self, state, market):
        """A connection lost after sending may have posted the reply: unknown, not resent."""
        msg_id = state.add_chat(SHOP_ID, 777, "Rina", "Halo")
        state.fail_next(REPLY_PATH, 0)
        with pytest.raises(MarketplaceError) as caught:
            await market.send_reply(_conversation(msg_id), "Halo kak")
        assert caught.value.kind is ErrorKind.OUTCOME_UNKNOWN
        assert len(calls_to(state, "/reply")) == 1

    async def test_rate_limited_reply_waits_and_is_sent_once(self, state, market, clock):
        """A 429 on send-reply waits the advertised reset and posts the reply exactly once."""
        msg_id = state.add_chat(SHOP_ID, 777, "Rina", "Halo")
        state.set_rate_limit(REPLY_PATH, 1, 1)
        await market.send_reply(_conversation(msg_id), "Satu")
        await market.send_reply(_conversation(msg_id), "Dua")
        assert clock.sleeps == [pytest.approx(1.0)]
        assert [r["message"] for r in state.replies] == ["Satu", "Dua"]

    async def test_unknown_shop_is_a_permission_error(self, market):
        """Reading chats of a shop not tied to the fs_id is a PERMISSION problem."""
        with pytest.raises(MarketplaceError) as caught:
            await market.unread_messages("999999")
        assert caught.value.kind is ErrorKind.PERMISSION


class TestOrders:
    async def test_accept_then_accept_again(self, state, market):
        """Accepting moves the order to 400; a second accept is NOT_ELIGIBLE."""
        order_id = str(state.add_order(SHOP_ID)["order_id"])
        await market.accept_order(str(SHOP_ID), order_id)
        assert state.order(int(order_id))["order_status"] == 400
        with pytest.raises(MarketplaceError) as caught:
            await market.accept_order(str(SHOP_ID), order_id)
        assert (caught.value.kind, caught.value.code) == (ErrorKind.NOT_ELIGIBLE, "ORD_USC_001")

    async def test_accept_survives_an_upstream_failure(self, state, market, clock):
        """ORD_USC_007 on ACK is retried with backoff and the order is accepted."""
        order_id = state.add_order(SHOP_ID)["order_id"]
        state.fail_next(r"/ack$", 500, "ORD_USC_007")
        await market.accept_order(str(SHOP_ID), str(order_id))
        assert state.order(order_id)["order_status"] == 400
        assert clock.sleeps == [0.5]

    async def test_reject_out_of_stock(self, state, market):
        """A code-1 rejection moves the order to 10 (rejected by seller)."""
        order_id = state.add_order(SHOP_ID)["order_id"]
        await market.reject_order(
            str(SHOP_ID), str(order_id), Rejection(reason_code="1", reason_text="Stok habis")
        )
        assert state.order(order_id)["order_status"] == 10

    async def test_invalid_rejection_never_reaches_tokopedia(self, state, market):
        """A shop-closed rejection with a past date is refused locally."""
        order_id = state.add_order(SHOP_ID)["order_id"]
        rejection = Rejection(
            reason_code="4",
            reason_text="Toko tutup",
            shop_close_end_date="01/06/2025",
            shop_close_note="Libur",
        )
        with pytest.raises(MarketplaceError) as caught:
            await market.reject_order(str(SHOP_ID), str(order_id), rejection)
        assert caught.value.kind is ErrorKind.INVALID
        assert calls_to(state, "/nack") == []

    async def test_shop_closed_rejection_is_accepted_by_tokopedia(self, state, market):
        """A complete code-4 rejection passes both our and Tokopedia's checks."""
        order_id = state.add_order(SHOP_ID)["order_id"]
        rejection = Rejection(
            reason_code="4",
            reason_text="Toko tutup",
            shop_close_end_date="10/06/2025",
            shop_close_note="Libur",
        )
        await market.reject_order(str(SHOP_ID), str(order_id), rejection)
        assert state.order(order_id)["reject_info"]["reason_code"] == 4

    async def test_get_order(self, state, market, clock):
        """Get Single Order maps to the neutral order with its acceptance deadline."""
        order = state.add_order(SHOP_ID, buyer_name="Dewi Lestari")
        mapped = await market.get_order(str(SHOP_ID), str(order["order_id"]))
        assert mapped.invoice == order["invoice_num"]
        assert mapped.status.state is OrderState.AWAITING_ACCEPTANCE
        assert mapped.accept_deadline == clock.now() + timedelta(days=2)
        assert (mapped.shop_name, mapped.buyer_name) == ("Toko Maju Jaya", "Dewi Lestari")

    async def test_list_orders_over_a_week(self, state, market, clock):
        """A week of orders is fetched in windows Tokopedia accepts, each order once."""
        start = clock.now() - timedelta(days=7)
        for day in range(7):
            for n in range(3):
                created = start + timedelta(days=day, hours=n)
                state.add_order(SHOP_ID, create_time=created.timestamp())
        orders = await market.list_orders(str(SHOP_ID), start, clock.now())
        assert len(orders) == 21
        assert len({o.order_id for o in orders}) == 21

    async def test_buyer_cancellation_request_approved(self, state, market):
        """A buyer's request is read from the order and approving it cancels the order."""
        order_id = state.add_order(SHOP_ID, status=400)["order_id"]
        state.request_cancellation(order_id, "Salah pilih varian")
        raw, _ = signed(state.request_cancellation_webhook(order_id))
        (parsed,) = market.parse_webhook("order-request-cancellation", raw, datetime.now(UTC))
        assert isinstance(parsed.event, CancellationRequested)
        request = await market.get_cancellation_request(
            parsed.event.shop_id, parsed.event.order_id
        )
        assert (request.shop_id, request.reason) == (str(SHOP_ID), "Salah pilih varian")
        await market.approve_cancellation(request)
        order = await market.get_order(request.shop_id, request.order_id)
        assert order.status.state is OrderState.CANCELLED

    async def test_buyer_cancellation_request_rejected(self, state, market):
        """Rejecting the request keeps the order and clears the request."""
        order_id = state.add_order(SHOP_ID, status=400)["order_id"]
        state.request_cancellation(order_id, "Berubah pikiran")
        request = await market.get_cancellation_request(str(SHOP_ID), str(order_id))
        await market.reject_cancellation(request)
        assert state.order(order_id)["cancel_request_info"] is None
        with pytest.raises(MarketplaceError) as caught:
            await market.get_cancellation_request(str(SHOP_ID), str(order_id))
        assert caught.value.kind is ErrorKind.NOT_FOUND

    async def test_approve_without_request_is_not_eligible(self, state, market):
        """Approving a cancellation the buyer never asked for is NOT_ELIGIBLE (ORD_USC_019)."""
        order_id = state.add_order(SHOP_ID, status=400)["order_id"]
        request = CancellationRequest(
            marketplace=MarketplaceName.TOKOPEDIA, shop_id=str(SHOP_ID), order_id=str(order_id)
        )
        with pytest.raises(MarketplaceError) as caught:
            await market.approve_cancellation(request)
        assert (caught.value.kind, caught.value.code) == (ErrorKind.NOT_ELIGIBLE, "ORD_USC_019")

    async def test_unknown_order_is_not_found(self, market):
        """Looking up an order that doesn't exist is NOT_FOUND."""
        with pytest.raises(MarketplaceError) as caught:
            await market.get_order(str(SHOP_ID), "123")
        assert caught.value.kind is ErrorKind.NOT_FOUND


def _conversation(msg_id: int) -> Conversation:
    return Conversation(
        marketplace=MarketplaceName.TOKOPEDIA,
        shop_id=str(SHOP_ID),
        conversation_id=str(msg_id),
        buyer_id="777",
    )
