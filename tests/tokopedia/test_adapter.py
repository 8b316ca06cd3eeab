from __future__ import annotations

import hashlib
import json
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
    ParsedEvent,
    Rejection,
)
from bot.marketplaces import WebhookPayloadError
from bot.marketplaces.tokopedia import TokopediaClient, TokopediaMarketplace, sign
from tests.tokopedia.conftest import FS_ID, FakeClock, reply, sample, sample_bytes

SECRET = "webhook-secret"
RECEIVED = datetime(2025, 6, 2, 3, 0, 5, tzinfo=UTC)
ACK = f"/v1/order/12472302/fs/{FS_ID}/ack"
NACK = f"/v1/order/12472303/fs/{FS_ID}/nack"
ORDER = f"/v2/fs/{FS_ID}/order"
MESSAGES = f"/v1/chat/fs/{FS_ID}/messages"


@pytest.fixture(name="market")
def _market(client: TokopediaClient, clock: FakeClock) -> TokopediaMarketplace:
    return TokopediaMarketplace(client, webhook_secret=SECRET, clock=clock)


def parse(market: TokopediaMarketplace, topic: str, name: str) -> list[ParsedEvent]:
    return market.parse_webhook(topic, sample_bytes(name), RECEIVED)


class TestVerifyWebhook:
    body = sample_bytes("webhook_chat.json")

    @pytest.mark.parametrize(
        "header", ["Authorization-Hmac", "authorization-hmac", "AUTHORIZATION-HMAC"]
    )
    def test_header_name_is_case_insensitive(self, market, header):
        """However a proxy cases the header, a correctly signed webhook is accepted."""
        assert market.verify_webhook(self.body, {header: sign(self.body, SECRET)})

    def test_works_with_starlette_style_headers(self, market):
        """Case-insensitive header objects (as the web route passes) work too."""
        headers = httpx.Headers({"Authorization-Hmac": sign(self.body, SECRET)})
        assert market.verify_webhook(self.body, headers)

    def test_bad_signature(self, market):
        """A signature made with another secret is refused."""
        assert not market.verify_webhook(self.body, {"Authorization-Hmac": sign(self.body, "x")})

    def test_missing_signature(self, market):
        """An unsigned webhook is refused."""
        assert not market.verify_webhook(self.body, {"Content-Type": "application/json"})


class TestParseWebhook:
    def test_topics(self, market):
        """The five Tokopedia webhook URLs are served."""
        assert market.webhook_topics == {
            "chat",
            "order",
            "order-status",
            "order-cancellation",
            "order-request-cancellation",
        }

    def test_chat_becomes_a_buyer_message(self, market):
        """A chat webhook becomes a buyer message in its room, timed at receipt."""
        (parsed,) = parse(market, "chat", "webhook_chat.json")
        assert isinstance(parsed.event, BuyerMessageReceived)
        message = parsed.event.message
        assert message.conversation == Conversation(
            marketplace=MarketplaceName.TOKOPEDIA,
            shop_id="123456",
            conversation_id="10000",
            buyer_id="654321",
            buyer_name="Budi",
        )
        assert (message.text, message.received_at) == ("Hello World", RECEIVED)
        assert message.avatar_url == "https://cdn.tokopedia.com/image.jpg"

    def test_chat_dedup_key_is_room_buyer_and_text_within_two_minutes(self, market):
        """The same text in the same room is a redelivery only within 120 seconds."""
        (parsed,) = parse(market, "chat", "webhook_chat.json")
        digest = hashlib.sha256(b"Hello World").hexdigest()[:16]
        assert parsed.dedup_key == f"tokopedia:chat:123456:10000:654321:{digest}"
        assert parsed.dedup_window == 120

    def test_chat_with_other_text_has_another_key(self, market):
        """Two different messages in one room are two events."""
        (first,) = parse(market, "chat", "webhook_chat.json")
        (second,) = parse(market, "chat", "webhook_chat_string_ids.json")
        assert first.dedup_key != second.dedup_key

    def test_order_notification_becomes_order_created(self, market):
        """A new order carries lines, total, courier, destination and buyer for staff."""
        (parsed,) = parse(market, "order", "webhook_order_notification.json")
        assert parsed.dedup_key == "tokopedia:order:12345678:220"
        assert parsed.dedup_window == 0
        assert isinstance(parsed.event, OrderCreated)
        order = parsed.event.order
        assert (order.order_id, order.shop_id, order.invoice) == (
            "12345678",
            "479573",
            "INV/20200101/XVII/V/12345678",
        )
        assert order.status.state is OrderState.AWAITING_ACCEPTANCE
        assert [(li.name, li.quantity, li.unit_price, li.total_price) for li in order.lines] == [
            ("Product A", 2, 50000, 100000)
        ]
        assert order.total == 109000
        assert (order.courier, order.service) == ("JNE", "Reguler")
        assert order.destination_city == "Kota Administrasi Jakarta Selatan"
        assert (order.shop_name, order.buyer_name) == ("Toko Maju Jaya", "Budi Santoso")
        assert order.accept_deadline is None
        assert order.created_at == datetime(2020, 1, 1, 5, 0, tzinfo=UTC)

    def test_order_notification_variant_fills_gaps(self, market):
        """Blank customer name falls back to the recipient; a deadline is used when present."""
        (parsed,) = parse(market, "order", "webhook_order_notification_variant.json")
        assert isinstance(parsed.event, OrderCreated)
        order = parsed.event.order
        assert order.buyer_name == "Siti Rahma"
        assert order.total == 146286
        assert order.accept_deadline == datetime(2020, 1, 12, 22, 45, 53, tzinfo=UTC)

    def test_total_falls_back_to_the_sum_of_lines(self, market):
        """Without amt.ttl_amount the order total is the sum of its lines."""
        body = sample("webhook_order_notification.json")
        del body["amt"]
        (parsed,) = market.parse_webhook("order", _json(body), RECEIVED)
        assert isinstance(parsed.event, OrderCreated)
        assert parsed.event.order.total == 100000

    def test_status_and_cancellation_of_one_status_share_a_dedup_key(self, market):
        """The same status via the status and the cancellation webhook is one event."""
        body = sample("webhook_order_cancellation.json")
        (status,) = market.parse_webhook("order-status", _json(body), RECEIVED)
        (cancel,) = market.parse_webhook("order-cancellation", _json(body), RECEIVED)
        assert status.dedup_key == cancel.dedup_key == "tokopedia:status:582220330:15"
        assert isinstance(cancel.event, OrderStatusChanged)
        assert isinstance(status.event, OrderStatusChanged)
        assert cancel.event.cancelled
        assert not status.event.cancelled
        assert cancel.event.status.state is OrderState.CANCELLED

    def test_order_status(self, market):
        """A status webhook reports the order's new state."""
        (parsed,) = parse(market, "order-status", "webhook_order_status_shipped.json")
        assert isinstance(parsed.event, OrderStatusChanged)
        assert (parsed.event.order_id, parsed.event.shop_id) == ("582220328", "8212734")
        assert parsed.event.status.state is OrderState.SHIPPING

    @pytest.mark.parametrize(
        "name", ["webhook_request_cancellation.json", "webhook_request_cancellation_string.json"]
    )
    def test_request_cancellation(self, market, name):
        """A buyer's cancellation request is one event per order, whatever the id type."""
        (parsed,) = parse(market, "order-request-cancellation", name)
        assert parsed.dedup_key == "tokopedia:cancel-request:582220331"
        assert parsed.event == CancellationRequested(
            marketplace=MarketplaceName.TOKOPEDIA, shop_id="", order_id="582220331"
        )

    @pytest.mark.parametrize(
        ("topic", "name", "field"),
        [
            ("chat", "webhook_chat_missing_msg_id.json", "msg_id"),
            ("order", "webhook_order_notification_missing_shop_id.json", "shop_id"),
            ("order-status", "webhook_order_status_missing_order_id.json", "order_id"),
        ],
    )
    def test_missing_required_field_says_which(self, market, topic, name, field):
        """A payload missing a required field is refused with the field's name."""
        with pytest.raises(WebhookPayloadError, match=f"{field}: Field required"):
            parse(market, topic, name)

    @pytest.mark.parametrize(
        ("body", "reason"),
        [(b"{not json", "not JSON"), (b"[1, 2]", "JSON list, not an object")],
    )
    def test_unparseable_bodies(self, market, body, reason):
        """Bodies that are not a JSON object are refused with a reason."""
        with pytest.raises(WebhookPayloadError, match=reason):
            market.parse_webhook("order", body, RECEIVED)

    def test_unknown_topic(self, market):
        """A topic Tokopedia doesn't post to is refused."""
        with pytest.raises(WebhookPayloadError, match="unknown Tokopedia webhook topic"):
            market.parse_webhook("product", b"{}", RECEIVED)


class TestRejections:
    def test_reasons(self, market):
        """Staff can pick codes 0-5, 7 and 8; 4 asks for close details; 7 and 8 allow 490."""
        reasons = market.reject_reasons()
        assert [r.code for r in reasons] == ["0", "1", "2", "3", "4", "5", "7", "8"]
        assert [r.code for r in reasons if r.needs_close_details] == ["4"]
        assert {r.code: r.max_text_length for r in reasons}["7"] == 490
        assert {r.code: r.max_text_length for r in reasons}["1"] == 512

    def test_invalid_rejection_is_an_invalid_marketplace_error(self, market):
        """A rejection Tokopedia would refuse is reported as INVALID with what's wrong."""
        rejection = Rejection(reason_code="4", reason_text="Tutup", shop_close_note="Libur")
        with pytest.raises(MarketplaceError) as caught:
            market.validate_rejection(rejection)
        assert caught.value.kind is ErrorKind.INVALID
        assert caught.value.code == "ORD_USC_012"
        assert "needs a close end date" in caught.value.detail

    def test_valid_rejection_passes(self, market):
        """A complete code-4 rejection with a future date passes."""
        market.validate_rejection(
            Rejection(
                reason_code="4",
                reason_text="Tutup",
                shop_close_end_date="30/06/2025",
                shop_close_note="Libur",
            )
        )


class TestActions:
    async def test_list_shops(self, api, market):
        """The fs_id's shops are listed with names for Telegram."""
        api.on("GET", f"/v1/shop/fs/{FS_ID}/shop-info", reply(sample("api_shop_info.json")))
        shops = await market.list_shops()
        assert [(s.shop_id, s.name) for s in shops] == [
            ("479979", "Aqua"),
            ("479742", "Fincook Store"),
        ]

    async def test_send_reply(self, api, market):
        """A reply goes to the conversation's room and reports when it was posted."""
        api.on(
            "POST",
            f"/v1/chat/fs/{FS_ID}/messages/54321/reply",
            reply(sample("api_send_reply.json")),
        )
        conversation = Conversation(
            marketplace=MarketplaceName.TOKOPEDIA,
            shop_id="479573",
            conversation_id="54321",
            buyer_id="13579",
        )
        sent = await market.send_reply(conversation, "Terimakasih")
        assert (sent.conversation_id, sent.text) == ("54321", "Terimakasih")
        assert sent.sent_at == datetime(2019, 10, 21, 3, 0, 16, 456000, tzinfo=UTC)

    async def test_send_reply_timeout_is_outcome_unknown(self, api, market):
        """Staff are told the reply may have gone out, not that it failed."""
        api.on("POST", f"/v1/chat/fs/{FS_ID}/messages/54321/reply", httpx.ReadTimeout("slow"))
        conversation = Conversation(
            marketplace=MarketplaceName.TOKOPEDIA,
            shop_id="479573",
            conversation_id="54321",
            buyer_id="13579",
        )
        with pytest.raises(MarketplaceError) as caught:
            await market.send_reply(conversation, "Halo")
        assert caught.value.kind is ErrorKind.OUTCOME_UNKNOWN

    async def test_accept_order(self, api, market):
        """Accepting an order ACKs it."""
        api.on("POST", ACK, reply(sample("api_ack_ok.json")))
        await market.accept_order("479573", "12472302")
        assert len(api.calls("POST", ACK)) == 1

    async def test_accept_not_eligible_keeps_tokopedias_code(self, api, market):
        """A late accept is NOT_ELIGIBLE with Tokopedia's code and reason for the audit trail."""
        api.on("POST", ACK, reply(sample("api_ack_not_eligible.json"), 400))
        with pytest.raises(MarketplaceError) as caught:
            await market.accept_order("479573", "12472302")
        assert (caught.value.kind, caught.value.code) == (ErrorKind.NOT_ELIGIBLE, "ORD_USC_001")
        assert "not eligible to accept" in caught.value.detail

    async def test_reject_order(self, api, market):
        """Rejecting sends the chosen code and text as a NACK."""
        api.on("POST", NACK, reply(sample("api_nack_ok.json")))
        await market.reject_order(
            "479573", "12472303", Rejection(reason_code="7", reason_text="Kurir tidak tersedia")
        )
        assert api.calls("POST", NACK)[0].content == (
            b'{"reason_code":7,"reason":"Kurir tidak tersedia"}'
        )

    async def test_get_order(self, api, market):
        """Get Single Order maps to the neutral order with deadline, courier and total."""
        api.on("GET", ORDER, reply(sample("api_single_order.json")))
        order = await market.get_order("479573", "12472302")
        assert (order.order_id, order.shop_id, order.shop_name) == (
            "12472302",
            "479573",
            "I`nti.Cosmetic",
        )
        assert order.status.state is OrderState.AWAITING_ACCEPTANCE
        assert order.total == 270000
        assert (order.courier, order.service) == ("JNE", "Reguler")
        assert order.destination_city == "Kota Administrasi Jakarta Selatan"
        assert order.buyer_name == "Maulana Hasim"
        assert order.accept_deadline == datetime(2017, 7, 22, 17, 50, 58, tzinfo=UTC)
        assert [(li.product_id, li.quantity, li.total_price) for li in order.lines] == [
            ("14286600", 3, 261000)
        ]

    async def test_get_order_not_found(self, api, market):
        """An unknown order is NOT_FOUND."""
        api.on("GET", ORDER, reply(sample("api_single_order_not_found.json"), 400))
        with pytest.raises(MarketplaceError) as caught:
            await market.get_order("479573", "1")
        assert caught.value.kind is ErrorKind.NOT_FOUND

    async def test_get_cancellation_request(self, api, market):
        """The request's reason and time come from Get Single Order; the shop is filled in."""
        api.on("GET", ORDER, reply(sample("api_single_order_cancel_request.json")))
        request = await market.get_cancellation_request("", "12472303")
        assert request == CancellationRequest(
            marketplace=MarketplaceName.TOKOPEDIA,
            shop_id="479573",
            order_id="12472303",
            reason="Ingin mengubah alamat pengiriman",
            requested_at=datetime(2017, 7, 21, 2, 15, tzinfo=UTC),
        )

    async def test_get_cancellation_request_when_there_is_none(self, api, market):
        """An order without a request is NOT_FOUND rather than an empty request."""
        api.on("GET", ORDER, reply(sample("api_single_order.json")))
        with pytest.raises(MarketplaceError) as caught:
            await market.get_cancellation_request("479573", "12472302")
        assert caught.value.kind is ErrorKind.NOT_FOUND

    async def test_approve_cancellation_is_a_nack_with_code_8(self, api, market):
        """Approving a buyer's request rejects the order with 'buyer's request'."""
        api.on("POST", NACK, reply(sample("api_nack_ok.json")))
        request = CancellationRequest(
            marketplace=MarketplaceName.TOKOPEDIA, shop_id="479573", order_id="12472303"
        )
        await market.approve_cancellation(request)
        body = api.calls("POST", NACK)[0].content
        assert b'"reason_code":8' in body

    async def test_approve_cancellation_without_request_is_not_eligible(self, api, market):
        """ORD_USC_019 (no buyer request) is NOT_ELIGIBLE for staff."""
        api.on(
            "POST",
            NACK,
            reply({"header": {"error_code": "ORD_USC_019", "reason": "need request"}}, 400),
        )
        request = CancellationRequest(
            marketplace=MarketplaceName.TOKOPEDIA, shop_id="479573", order_id="12472303"
        )
        with pytest.raises(MarketplaceError) as caught:
            await market.approve_cancellation(request)
        assert caught.value.kind is ErrorKind.NOT_ELIGIBLE

    async def test_reject_cancellation_uses_the_reject_cancel_endpoint(self, api, market):
        """Refusing a buyer's request calls reject-cancel for the order's shop."""
        path = f"/v1/order/12472303/fs/{FS_ID}/reject-cancel"
        api.on("POST", path, reply(sample("api_reject_cancel_ok.json")))
        request = CancellationRequest(
            marketplace=MarketplaceName.TOKOPEDIA, shop_id="479573", order_id="12472303"
        )
        await market.reject_cancellation(request)
        assert api.calls("POST", path)[0].url.params["shop_id"] == "479573"

    async def test_reject_cancellation_without_shop_looks_it_up(self, api, market):
        """A request built straight from the webhook (no shop_id) still reaches the right shop."""
        path = f"/v1/order/12472303/fs/{FS_ID}/reject-cancel"
        api.on("GET", ORDER, reply(sample("api_single_order_cancel_request.json")))
        api.on("POST", path, reply(sample("api_reject_cancel_ok.json")))
        request = CancellationRequest(
            marketplace=MarketplaceName.TOKOPEDIA, shop_id="", order_id="12472303"
        )
        await market.reject_cancellation(request)
        assert api.calls("POST", path)[0].url.params["shop_id"] == "479573"

    async def test_reject_cancellation_forbidden(self, api, market):
        """ORD_API_016 (fs_id may not reject) is a PERMISSION problem."""
        path = f"/v1/order/12472303/fs/{FS_ID}/reject-cancel"
        api.on("POST", path, reply({"header": {"error_code": "ORD_API_016"}}, 400))
        request = CancellationRequest(
            marketplace=MarketplaceName.TOKOPEDIA, shop_id="479573", order_id="12472303"
        )
        with pytest.raises(MarketplaceError) as caught:
            await market.reject_cancellation(request)
        assert caught.value.kind is ErrorKind.PERMISSION

    async def test_list_orders(self, api, market):
        """Polled orders map like webhook orders, with the acceptance deadline."""
        api.on("GET", "/v2/order/list", reply(sample("api_all_orders.json")))
        since = datetime(2025, 6, 1, tzinfo=UTC)
        (order,) = await market.list_orders("479066", since, since + timedelta(days=1))
        assert (order.order_id, order.invoice, order.total) == (
            "43481289",
            "INV/20200110/XX/I/502",
            108784,
        )
        assert order.status.state is OrderState.AWAITING_ACCEPTANCE
        assert order.accept_deadline == datetime(2020, 1, 12, 15, 45, 53, tzinfo=UTC)
        assert order.buyer_name == "Mitra Test Account"

    async def test_unread_messages_reads_all_pages(self, api, market):
        """Every unread room is returned, following pages until a short one."""
        room = sample("api_list_messages.json")["data"][0]
        full = [room | {"msg_id": 1000 + i} for i in range(15)]

        def page(request: httpx.Request) -> httpx.Response:
            rows = full if request.url.params["page"] == "1" else [room]
            return reply({"header": {"error_code": 0}, "data": rows})

        api.on("GET", MESSAGES, page)
        messages = await market.unread_messages("123123")
        assert len(messages) == 16
        assert {c.url.params["filter"] for c in api.calls()} == {"unread"}
        last = messages[-1]
        assert (last.conversation.conversation_id, last.conversation.buyer_id) == (
            "123123",
            "456456",
        )
        assert (last.conversation.buyer_name, last.text) == (
            "Owen",
            "Kak, pesanan saya kapan dikirim?",
        )
        assert last.received_at == datetime(2019, 10, 21, 8, 20, 34, 517000, tzinfo=UTC)


def _json(body: object) -> bytes:
    return json.dumps(body).encode()
