from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from bot.domain.errors import ErrorKind, MarketplaceError
from bot.domain.values import (
    AuthorizationChanged,
    BuyerMessage,
    BuyerMessageReceived,
    CancellationRequest,
    CancellationRequested,
    Conversation,
    MarketplaceName,
    Order,
    OrderState,
    OrderStatus,
    OrderStatusChanged,
    ParsedEvent,
    Rejection,
)
from bot.marketplaces import Authorizing, Marketplace, WebhookPayloadError
from bot.marketplaces.tiktokshop import TikTokShopMarketplace, webhook_signature
from bot.marketplaces.tiktokshop.auth import SHOP_KEY, SHOPS_KEY
from bot.marketplaces.tiktokshop.quota import QUOTA_KEY
from tests.tiktokshop.conftest import (
    APP_KEY,
    APP_SECRET,
    CIPHER,
    NOW,
    SERVICE_ID,
    SHOP_ID,
    credentials,
    fail,
    ok,
    reply,
    sample,
    sample_bytes,
)

TIKTOKSHOP = MarketplaceName.TIKTOKSHOP
RECEIVED = datetime(2025, 10, 6, 3, 0, 55, tzinfo=UTC)
CONV = "7494560109732300000"
ORDER_ID = "578901234567890123"
CANCEL_ID = "4035318504086179311"
CONVERSATIONS = "/customer_service/202309/conversations"
CONVERSATION = f"/customer_service/202601/conversations/{CONV}"
MESSAGES = f"/customer_service/202309/conversations/{CONV}/messages"
READ = f"/customer_service/202309/conversations/{CONV}/messages/read"
ORDER_SEARCH = "/order/202309/orders/search"
ORDER_DETAIL = "/order/202507/orders"
CANCEL_SEARCH = "/return_refund/202602/cancellations/search"
CANCEL_ORDER = "/return_refund/202602/cancellations"
APPROVE = f"/return_refund/202309/cancellations/{CANCEL_ID}/approve"
REJECT = f"/return_refund/202309/cancellations/{CANCEL_ID}/reject"
REASONS = "/return_refund/202309/reject_reasons"


def parse(market: TikTokShopMarketplace, name: str) -> list[ParsedEvent]:
    return market.parse_webhook("", sample_bytes(name), RECEIVED)


def order_in(status: str, state: OrderState) -> Order:
    return Order(
        marketplace=TIKTOKSHOP,
        shop_id=SHOP_ID,
        order_id=ORDER_ID,
        invoice=ORDER_ID,
        status=OrderStatus(code=status, state=state),
    )


def conversation(**overrides: str) -> Conversation:
    values = {
        "marketplace": TIKTOKSHOP,
        "shop_id": SHOP_ID,
        "conversation_id": CONV,
        "buyer_id": "7494560109732334598",
    } | overrides
    return Conversation(**values)


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content)


class TestShape:
    def test_implements_both_protocols(self, market):
        """The adapter is a Marketplace and an Authorizing marketplace."""
        assert isinstance(market, TikTokShopMarketplace)
        marketplace: Marketplace = market
        authorizing: Authorizing = market
        assert marketplace.name is TIKTOKSHOP
        assert authorizing.authorize_url("s")

    def test_no_accept_step_and_one_webhook_url(self, market):
        """Orders need no accept; every webhook arrives at /webhooks/tiktokshop."""
        assert market.accepts_orders is False
        assert market.webhook_topics == frozenset({""})

    async def test_accept_order_is_refused(self, market, api):
        """The core never calls accept; if it does, nothing is sent."""
        with pytest.raises(MarketplaceError) as caught:
            await market.accept_order(SHOP_ID, ORDER_ID)
        assert caught.value.kind is ErrorKind.INVALID
        assert caught.value.detail == "no accept step on Tokopedia & Shop"
        assert api.requests == []


class TestVerifyWebhook:
    body = sample_bytes("webhook_message_text.json")

    @pytest.mark.parametrize("header", ["Authorization", "authorization", "AUTHORIZATION"])
    def test_header_name_is_case_insensitive(self, market, header):
        """However a proxy cases the header, a correctly signed webhook is accepted."""
        signature = webhook_signature(self.body, APP_KEY, APP_SECRET)
        assert market.verify_webhook(self.body, {header: signature})

    def test_starlette_style_headers(self, market):
        """Case-insensitive header objects work too."""
        headers = httpx.Headers(
            {"Authorization": webhook_signature(self.body, APP_KEY, APP_SECRET)}
        )
        assert market.verify_webhook(self.body, headers)

    def test_bad_and_missing_signature(self, market):
        """A signature with another secret, or none, is refused."""
        other = webhook_signature(self.body, APP_KEY, "other")
        assert not market.verify_webhook(self.body, {"Authorization": other})
        assert not market.verify_webhook(self.body, {"Content-Type": "application/json"})


class TestParseOrderStatus:
    def test_unpaid_is_ignored(self, market):
        """Order creation (UNPAID) is acknowledged with no event: nothing for staff yet."""
        assert parse(market, "webhook_order_unpaid_doc.json") == []

    @pytest.mark.parametrize(
        ("name", "code", "state"),
        [
            (
                "webhook_order_awaiting_shipment.json",
                "AWAITING_SHIPMENT",
                OrderState.AWAITING_ACCEPTANCE,
            ),
            ("webhook_order_on_hold.json", "ON_HOLD", OrderState.AWAITING_ACCEPTANCE),
            ("webhook_order_cancel.json", "CANCEL", OrderState.CANCELLED),
            ("webhook_order_without_notification_id.json", "IN_TRANSIT", OrderState.SHIPPING),
        ],
    )
    def test_status_changes(self, market, name, code, state):
        """A status webhook becomes a status change with the platform's code kept."""
        (parsed,) = parse(market, name)
        event = parsed.event
        assert isinstance(event, OrderStatusChanged)
        assert (event.shop_id, event.status.code, event.status.state) == (SHOP_ID, code, state)
        assert event.cancelled is False

    @pytest.mark.parametrize(
        ("status", "state"),
        [
            ("AWAITING_COLLECTION", OrderState.ACCEPTED),
            ("IN_TRANSIT", OrderState.SHIPPING),
            ("DELIVERED", OrderState.DELIVERED),
            ("COMPLETED", OrderState.COMPLETED),
            ("SOMETHING_NEW", OrderState.OTHER),
        ],
    )
    def test_status_mapping(self, market, status, state):
        """Every documented webhook status has its neutral state; unknown ones are OTHER."""
        hook = sample("webhook_order_awaiting_shipment.json")
        hook["data"]["order_status"] = status
        (parsed,) = market.parse_webhook("", json.dumps(hook).encode(), RECEIVED)
        assert parsed.event.status.state is state

    def test_dedup_key_is_the_notification_id(self, market):
        """Redeliveries share tts_notification_id, and so the dedup key."""
        (parsed,) = parse(market, "webhook_order_awaiting_shipment.json")
        assert parsed.dedup_key == "tiktokshop:7380066284010030901"
        assert parsed.dedup_window == 0

    def test_dedup_key_falls_back_to_a_body_hash(self, market):
        """Without tts_notification_id the key is the SHA-256 of the raw body."""
        body = sample_bytes("webhook_order_without_notification_id.json")
        (parsed,) = market.parse_webhook("", body, RECEIVED)
        assert parsed.dedup_key == f"tiktokshop:body:{hashlib.sha256(body).hexdigest()}"


class TestParseCancellation:
    def test_buyer_request_becomes_cancellation_requested(self, market):
        """A buyer's pending request carries its cancel_id to the core."""
        (parsed,) = parse(market, "webhook_cancellation_buyer_pending.json")
        assert parsed.event == CancellationRequested(
            marketplace=TIKTOKSHOP, shop_id=SHOP_ID, order_id=ORDER_ID, cancel_id=CANCEL_ID
        )
        assert parsed.dedup_key == "tiktokshop:7380066284010031101"

    def test_completed_cancellation_is_a_cancelled_status(self, market):
        """A successful cancellation marks the order cancelled, through the cancel channel."""
        (parsed,) = parse(market, "webhook_cancellation_seller_success.json")
        event = parsed.event
        assert isinstance(event, OrderStatusChanged)
        assert (event.status.state, event.cancelled) == (OrderState.CANCELLED, True)

    def test_withdrawn_request_is_ignored(self, market):
        """A request the buyer withdrew changes nothing for staff."""
        assert parse(market, "webhook_cancellation_buyer_withdrawn.json") == []

    def test_pending_from_the_seller_is_not_a_buyer_request(self, market):
        """Only a BUYER's pending request asks staff to decide."""
        hook = sample("webhook_cancellation_buyer_pending.json")
        hook["data"]["cancellations_role"] = "SELLER"
        assert market.parse_webhook("", json.dumps(hook).encode(), RECEIVED) == []


class TestParseMessage:
    def test_text_message(self, market):
        """A buyer's text becomes a buyer message timed at its create_time."""
        (parsed,) = parse(market, "webhook_message_text.json")
        assert isinstance(parsed.event, BuyerMessageReceived)
        message = parsed.event.message
        assert message.conversation == conversation()
        assert message.text == "Kak, ukuran L masih ada? 🙏"
        assert message.message_id == "7494864425498542337"
        assert message.received_at == datetime.fromtimestamp(1759719650, UTC)
        assert (message.attachment_kind, message.attachment_url) == ("", "")
        assert parsed.dedup_key == "tiktokshop:7380066284010031401"

    @pytest.mark.parametrize(
        ("name", "kind", "text", "url"),
        [
            (
                "webhook_message_image.json",
                "image",
                "",
                "https://p16-oec-sg.ibyteimg.com/tos-alisg-i-im/"
                "7494864425498542338~tplv-o3syd03w52-origin-jpeg.jpeg",
            ),
            (
                "webhook_message_product_card.json",
                "product",
                "1729382256910274567",
                "https://shop.tiktok.com/view/product/1729382256910274567",
            ),
            ("webhook_message_order_card.json", "order", ORDER_ID, ""),
        ],
    )
    def test_attachments(self, market, name, kind, text, url):
        """Images, product and order cards become attachments with their URL or id."""
        (parsed,) = parse(market, name)
        assert isinstance(parsed.event, BuyerMessageReceived)
        message = parsed.event.message
        assert (message.attachment_kind, message.text, message.attachment_url) == (kind, text, url)

    @pytest.mark.parametrize("role", ["SHOP", "CUSTOMER_SERVICE", "SYSTEM", "ROBOT"])
    def test_echoes_are_dropped(self, market, role):
        """Messages from the shop, agents, the system and robots are not relayed."""
        hook = sample("webhook_message_shop_echo.json")
        hook["data"]["sender"]["role"] = role
        assert market.parse_webhook("", json.dumps(hook).encode(), RECEIVED) == []

    def test_shop_echo_sample_is_dropped(self, market):
        """The recorded echo of our own reply yields nothing."""
        assert parse(market, "webhook_message_shop_echo.json") == []

    def test_invisible_message_is_skipped(self, market):
        """A buyer message with is_visible false is never shown."""
        assert parse(market, "webhook_message_invisible.json") == []

    def test_context_markers_are_not_messages(self, market):
        """'Buyer came from a product page' is not something the buyer wrote."""
        assert parse(market, "webhook_message_enter_from_product.json") == []


class TestParseOtherTopics:
    def test_new_conversation_is_acknowledged_only(self, market):
        """Type 13 (an agent joined) needs nothing from staff."""
        assert parse(market, "webhook_new_conversation.json") == []

    def test_unknown_topic_is_acknowledged_only(self, market):
        """Package updates (4) and other topics are accepted and ignored."""
        body = {
            "type": 4,
            "tts_notification_id": "7380066284010031299",
            "shop_id": SHOP_ID,
            "timestamp": int(RECEIVED.timestamp()),
            "data": {"sc_type": "SPLIT", "package_list": [], "update_time": 1},
        }
        assert market.parse_webhook("", json.dumps(body).encode(), RECEIVED) == []

    @pytest.mark.parametrize("status", ["MIRRORED", "ROLLED_BACK", "CANCELED"])
    def test_tokopedia_mirror_is_acknowledged_and_ignored(self, market, status):
        """Type 35 has no top-level shop_id (seller_open_id instead); it is not refused, and
        it shows staff nothing: the mirrored shop's orders and chats come as types 1 and 14."""
        body = {
            "type": 35,
            "tts_notification_id": "7327112393057371910",
            "seller_open_id": "GCP_XF90igAAAABh00qsWgtvOiGFNqyubMt3",
            "timestamp": int(RECEIVED.timestamp()),
            "data": {"tts_shop_id": SHOP_ID, "mirror_status": status, "update_time": 1},
        }
        raw = json.dumps(body).encode()
        assert market.parse_webhook("", raw, RECEIVED) == []

    def test_deauthorization(self, market):
        """Type 6 says the seller removed tokobot, without the word TikTok."""
        (parsed,) = parse(market, "webhook_seller_deauthorization.json")
        assert parsed.event == AuthorizationChanged(
            marketplace=TIKTOKSHOP,
            shop_id=SHOP_ID,
            change="revoked",
            message="Seller has deauthorized the Tokopedia & Shop app.",
        )

    def test_expiring_authorization(self, market):
        """Type 7 carries when the authorization ends."""
        (parsed,) = parse(market, "webhook_authorization_expiring.json")
        event = parsed.event
        assert isinstance(event, AuthorizationChanged)
        assert event.change == "expiring"
        assert event.expires_at == datetime.fromtimestamp(1762300800, UTC)


class TestMalformed:
    @pytest.mark.parametrize(
        ("body", "match"),
        [
            (b"not json", "not JSON"),
            (b"\xff\xfe", "not JSON"),
            (b"[1, 2]", "not an object"),
            (sample_bytes("webhook_missing_data.json"), "without data"),
            (sample_bytes("webhook_missing_type.json"), "without type"),
            (sample_bytes("webhook_order_missing_order_id.json"), "order_id"),
            (b'{"type": "one", "data": {}}', "type"),
            (b'{"type": 1, "data": []}', "data"),
            (b'{"type": 1, "data": {"order_id": "1", "order_status": "IN_TRANSIT"}}', "shop_id"),
        ],
    )
    def test_malformed_bodies_are_payload_errors(self, market, body, match):
        """Anything that is not a usable notification raises WebhookPayloadError (HTTP 400)."""
        with pytest.raises(WebhookPayloadError, match=match):
            market.parse_webhook("", body, RECEIVED)

    def test_unknown_topic_path(self, market):
        """Only the root URL is served."""
        with pytest.raises(WebhookPayloadError):
            market.parse_webhook("chat", sample_bytes("webhook_message_text.json"), RECEIVED)


class TestRejectReasons:
    def test_paid_order_reasons(self, market):
        """An order awaiting shipment offers the paid-order names, with Indonesian labels."""
        reasons = market.reject_reasons(
            order_in("AWAITING_SHIPMENT", OrderState.AWAITING_ACCEPTANCE)
        )
        assert [(r.code, r.label) for r in reasons] == [
            ("seller_cancel_reason_out_of_stock", "Stok habis"),
            ("seller_cancel_reason_wrong_price", "Harga salah"),
        ]
        assert all(not r.needs_text and r.max_text_length == 0 for r in reasons)

    def test_unpaid_order_reasons(self, market):
        """An unpaid order offers the UNPAID names."""
        reasons = market.reject_reasons(order_in("UNPAID", OrderState.UNPAID))
        assert [r.code for r in reasons] == [
            "seller_cancel_unpaid_reason_out_of_stock",
            "seller_cancel_unpaid_reason_wrong_price",
            "seller_cancel_unpaid_reason_buyer_hasnt_paid_within_time_allowed",
        ]

    def test_without_an_order_the_paid_reasons(self, market):
        """Staff reject paid orders; without an order those are the reasons."""
        assert [r.code for r in market.reject_reasons()] == [
            "seller_cancel_reason_out_of_stock",
            "seller_cancel_reason_wrong_price",
        ]

    def test_shipped_order_has_none(self, market):
        """Once shipment is arranged a seller can no longer cancel."""
        assert market.reject_reasons(order_in("AWAITING_COLLECTION", OrderState.ACCEPTED)) == ()

    def test_labels_never_say_tiktok(self, market):
        """Reason labels are for Indonesian staff."""
        for order in (None, order_in("UNPAID", OrderState.UNPAID)):
            assert all("tiktok" not in r.label.lower() for r in market.reject_reasons(order))

    def test_validate_unknown_reason_lists_the_valid_ones(self, market):
        """An unknown name is INVALID and the detail names the valid ones."""
        with pytest.raises(MarketplaceError) as caught:
            market.validate_rejection(Rejection(reason_code="1", reason_text=""))
        assert caught.value.kind is ErrorKind.INVALID
        assert "seller_cancel_reason_out_of_stock" in caught.value.detail

    def test_validate_withdrawn_reason(self, market):
        """The address reason, withdrawn in Indonesia, is refused with the why."""
        rejection = Rejection(
            reason_code="seller_cancel_paid_reason_address_not_deliver", reason_text=""
        )
        with pytest.raises(MarketplaceError, match="31 Agustus 2025"):
            market.validate_rejection(rejection)

    def test_validate_known_reason(self, market):
        """A documented name passes without any text."""
        market.validate_rejection(
            Rejection(reason_code="seller_cancel_reason_out_of_stock", reason_text="")
        )


class TestRejectOrder:
    async def test_cancels_with_the_reason_name(self, market, api):
        """Reject is Cancel Order with the chosen reason name."""
        api.on("POST", CANCEL_ORDER, reply(sample("api_cancel_order.json")))
        rejection = Rejection(reason_code="seller_cancel_reason_out_of_stock", reason_text="")
        await market.reject_order(SHOP_ID, ORDER_ID, rejection)
        assert body_of(api.calls()[0]) == {
            "order_id": ORDER_ID,
            "cancel_reason": "seller_cancel_reason_out_of_stock",
        }

    async def test_unknown_reason_sends_nothing(self, market, api):
        """An invalid reason is refused before any call."""
        with pytest.raises(MarketplaceError):
            await market.reject_order(
                SHOP_ID, ORDER_ID, Rejection(reason_code="x", reason_text="")
            )
        assert api.requests == []

    async def test_wrong_reason_for_status_explains_and_lists_valid(self, market, api):
        """25001021 is INVALID, naming the order's status and the reasons valid for it."""
        api.on("POST", CANCEL_ORDER, reply(sample("api_error_reason_mismatch.json")))
        api.on("GET", ORDER_DETAIL, reply(sample("api_order_detail.json")))
        rejection = Rejection(
            reason_code="seller_cancel_unpaid_reason_out_of_stock", reason_text=""
        )
        with pytest.raises(MarketplaceError) as caught:
            await market.reject_order(SHOP_ID, ORDER_ID, rejection)
        assert (caught.value.kind, caught.value.code) == (ErrorKind.INVALID, "25001021")
        assert "AWAITING_SHIPMENT" in caught.value.detail
        assert "Stok habis, Harga salah" in caught.value.detail

    async def test_already_cancelled(self, market, api):
        """An order cancelled meanwhile is NOT_ELIGIBLE."""
        api.on("POST", CANCEL_ORDER, reply(sample("api_error_already_cancelled.json")))
        rejection = Rejection(reason_code="seller_cancel_reason_wrong_price", reason_text="")
        with pytest.raises(MarketplaceError) as caught:
            await market.reject_order(SHOP_ID, ORDER_ID, rejection)
        assert caught.value.kind is ErrorKind.NOT_ELIGIBLE


class TestOrders:
    async def test_get_order_maps_everything_staff_see(self, market, api):
        """Lines (units grouped), total, buyer, courier, city, ship-by deadline and platform."""
        api.on("GET", ORDER_DETAIL, reply(sample("api_order_detail.json")))
        order = await market.get_order(SHOP_ID, ORDER_ID)
        assert (order.order_id, order.invoice, order.shop_name) == (
            ORDER_ID,
            ORDER_ID,
            "Toko Maju Jaya",
        )
        assert order.status.state is OrderState.AWAITING_ACCEPTANCE
        assert [(x.name, x.quantity, x.unit_price, x.total_price, x.sku) for x in order.lines] == [
            ("Kopi Gayo Arabika 250g (250g)", 2, 85000, 170000, "KOPI-GAYO-250"),
            ("Gula Aren Cair 500ml (500ml)", 1, 32000, 32000, "GULA-AREN-500"),
        ]
        assert order.total == 212000
        assert (order.buyer_name, order.courier, order.service) == (
            "Rina S.",
            "J&T Express",
            "Reguler",
        )
        assert order.destination_city == "Jakarta Pusat"
        assert order.ship_deadline == datetime.fromtimestamp(1759888800, UTC)
        assert order.accept_deadline is None
        assert order.buyer_platform == "Tokopedia"
        assert order.needs_accept is False

    async def test_list_orders_windows_and_pages(self, market, api):
        """Orders updated in the range are searched week by week, all pages, deduplicated."""
        api.on(
            "POST",
            ORDER_SEARCH,
            reply(sample("api_orders_search.json")),
            reply(sample("api_orders_search_page2.json")),
            reply(sample("api_orders_search_page2.json")),
        )
        orders = await market.list_orders(SHOP_ID, NOW - timedelta(days=10), NOW)
        assert [o.order_id for o in orders] == [ORDER_ID, "578901234567890124"]
        windows = [
            (body_of(r)["update_time_ge"], body_of(r)["update_time_lt"])
            for r in api.calls()
            if "page_token" not in r.url.params
        ]
        start = int((NOW - timedelta(days=10)).timestamp())
        assert windows == [
            (start, start + 7 * 86400),
            (start + 7 * 86400, int(NOW.timestamp())),
        ]
        on_hold = orders[1]
        assert (on_hold.buyer_platform, on_hold.destination_city) == ("Tokopedia & Shop", "")

    async def test_order_not_found(self, market, api):
        """A missing order is NOT_FOUND for the core."""
        api.on("GET", ORDER_DETAIL, reply(sample("api_order_detail_empty.json")))
        with pytest.raises(MarketplaceError) as caught:
            await market.get_order(SHOP_ID, ORDER_ID)
        assert caught.value.kind is ErrorKind.NOT_FOUND


class TestCancellationRequests:
    async def test_get_pending_request(self, market, api):
        """The pending request gives reason text, cancel id and the auto-approve deadline."""
        api.on("POST", CANCEL_SEARCH, reply(sample("api_cancellations_search.json")))
        request = await market.get_cancellation_request(SHOP_ID, ORDER_ID)
        assert request == CancellationRequest(
            marketplace=TIKTOKSHOP,
            shop_id=SHOP_ID,
            order_id=ORDER_ID,
            reason="Ingin mengganti metode pembayaran",
            requested_at=datetime.fromtimestamp(1759720000, UTC),
            cancel_id=CANCEL_ID,
            deadline=datetime.fromtimestamp(1759892800, UTC),
        )

    async def test_no_pending_request(self, market, api):
        """Without a pending request the core gets NOT_FOUND."""
        api.on("POST", CANCEL_SEARCH, reply(sample("api_cancellations_none_pending.json")))
        with pytest.raises(MarketplaceError) as caught:
            await market.get_cancellation_request(SHOP_ID, ORDER_ID)
        assert caught.value.kind is ErrorKind.NOT_FOUND

    async def test_approve_uses_a_key_derived_from_the_cancel_id(self, market, api):
        """Approving twice sends the same idempotency key."""
        api.on("POST", APPROVE, reply(sample("api_empty.json")))
        request = CancellationRequest(
            marketplace=TIKTOKSHOP, shop_id=SHOP_ID, order_id=ORDER_ID, cancel_id=CANCEL_ID
        )
        await market.approve_cancellation(request)
        await market.approve_cancellation(request)
        keys = [r.url.params["idempotency_key"] for r in api.calls()]
        assert keys == [f"tokobot-approve-{CANCEL_ID}"] * 2

    async def test_approve_without_cancel_id_looks_it_up(self, market, api):
        """A request known only by order id is searched first."""
        api.on("POST", CANCEL_SEARCH, reply(sample("api_cancellations_search.json")))
        api.on("POST", APPROVE, reply(sample("api_empty.json")))
        await market.approve_cancellation(
            CancellationRequest(marketplace=TIKTOKSHOP, shop_id=SHOP_ID, order_id=ORDER_ID)
        )
        assert [r.url.path for r in api.calls()] == [CANCEL_SEARCH, APPROVE]

    async def test_reject_fetches_reasons_first_and_picks_a_generic_one(self, market, api):
        """Reject asks for this request's reasons (id-ID), then sends the default with a key."""
        api.on("GET", REASONS, reply(sample("api_reject_reasons.json")))
        api.on("POST", REJECT, reply(sample("api_empty.json")))
        request = CancellationRequest(
            marketplace=TIKTOKSHOP, shop_id=SHOP_ID, order_id=ORDER_ID, cancel_id=CANCEL_ID
        )
        await market.reject_cancellation(request)
        reasons_call, reject_call = api.calls()
        assert reasons_call.url.params["return_or_cancel_id"] == CANCEL_ID
        assert body_of(reject_call) == {
            "reject_reason": "order_manage_list_action_respond_popup_reject_reason_delivered"
        }
        assert reject_call.url.params["idempotency_key"] == f"tokobot-reject-{CANCEL_ID}"

    async def test_reject_prefers_an_other_reason_when_offered(self, market, api):
        """A generic 'other' reason, if the platform adds one, is the default."""
        api.on(
            "GET",
            REASONS,
            ok({"reasons": [{"name": "seller_reject_apply_product_has_been_packed"},
                            {"name": "seller_reject_reason_other", "text": "Lainnya"}]}),
        )  # fmt: skip
        api.on("POST", REJECT, reply(sample("api_empty.json")))
        request = CancellationRequest(
            marketplace=TIKTOKSHOP, shop_id=SHOP_ID, order_id=ORDER_ID, cancel_id=CANCEL_ID
        )
        await market.reject_cancellation(request)
        assert (
            body_of(api.calls("POST", REJECT)[0])["reject_reason"] == "seller_reject_reason_other"
        )

    async def test_reject_without_offered_reasons(self, market, api):
        """No reasons offered means nothing can be sent: INVALID, no reject call."""
        api.on("GET", REASONS, ok({"reasons": []}))
        request = CancellationRequest(
            marketplace=TIKTOKSHOP, shop_id=SHOP_ID, order_id=ORDER_ID, cancel_id=CANCEL_ID
        )
        with pytest.raises(MarketplaceError) as caught:
            await market.reject_cancellation(request)
        assert caught.value.kind is ErrorKind.INVALID
        assert api.calls("POST", REJECT) == []

    async def test_reject_too_late(self, market, api):
        """25011011 (status no longer allows a reject) is NOT_ELIGIBLE."""
        api.on("GET", REASONS, reply(sample("api_reject_reasons.json")))
        api.on("POST", REJECT, fail(25011011, "cannot reject"))
        request = CancellationRequest(
            marketplace=TIKTOKSHOP, shop_id=SHOP_ID, order_id=ORDER_ID, cancel_id=CANCEL_ID
        )
        with pytest.raises(MarketplaceError) as caught:
            await market.reject_cancellation(request)
        assert caught.value.kind is ErrorKind.NOT_ELIGIBLE


class TestSendReply:
    async def test_sends_then_marks_read(self, market, api, clock):
        """A reply is sent once, then the conversation is marked read."""
        api.on("POST", MESSAGES, reply(sample("api_send_message.json")))
        api.on("POST", READ, reply(sample("api_empty.json")))
        sent = await market.send_reply(conversation(), "Masih ada kak 🙏")
        assert (sent.conversation_id, sent.message_id, sent.sent_at) == (
            CONV,
            "7494864425498549999",
            NOW,
        )
        assert [r.url.path for r in api.calls()] == [MESSAGES, READ]

    async def test_mark_read_failure_does_not_fail_the_reply(self, market, api):
        """The reply went out; an unread badge is only logged."""
        api.on("POST", MESSAGES, reply(sample("api_send_message.json")))
        api.on("POST", READ, fail(36009003))
        sent = await market.send_reply(conversation(), "Halo")
        assert sent.message_id == "7494864425498549999"

    async def test_too_long_is_invalid_before_any_call(self, market, api):
        """2001 characters is refused with a staff-readable detail, nothing sent."""
        with pytest.raises(MarketplaceError) as caught:
            await market.send_reply(conversation(), "x" * 2001)
        assert caught.value.kind is ErrorKind.INVALID
        assert "2001 karakter, maksimal 2000" in caught.value.detail
        assert api.requests == []

    @pytest.mark.parametrize(
        ("name", "kind", "words"),
        [
            ("api_error_cannot_message.json", ErrorKind.NOT_ELIGIBLE, "60 hari"),
            ("api_error_sensitive_word.json", ErrorKind.INVALID, "kata yang tidak diizinkan"),
            ("api_error_internal.json", ErrorKind.OUTCOME_UNKNOWN, "Tokopedia & Shop"),
        ],
    )
    async def test_refusals_are_explained(self, market, api, name, kind, words):
        """Eligibility and sensitive-word refusals reach staff as readable details."""
        api.on("POST", MESSAGES, reply(sample(name)))
        with pytest.raises(MarketplaceError) as caught:
            await market.send_reply(conversation(), "Halo")
        assert caught.value.kind is kind
        assert words in caught.value.detail
        assert "tiktok" not in caught.value.detail.lower()
        assert len(api.calls()) == 1


class TestCompleteMessage:
    def message(self) -> BuyerMessage:
        return BuyerMessage(conversation=conversation(), text="Halo", received_at=RECEIVED)

    async def test_fills_buyer_from_the_conversation_once(self, market, api, store):
        """Name, avatar and platform come from Get Conversation, fetched once and stored."""
        api.on("GET", CONVERSATION, reply(sample("api_conversation_detail.json")))
        first = await market.complete_message(self.message())
        second = await market.complete_message(self.message())
        assert first == second
        assert (first.conversation.buyer_name, first.conversation.buyer_platform) == (
            "Rina S.",
            "Tokopedia",
        )
        assert first.avatar_url.endswith("rina~tplv-resize:100:100.webp")
        assert len(api.calls()) == 1
        assert store.json(f"tiktokshop:conversation:{SHOP_ID}:{CONV}")["nickname"] == "Rina S."

    async def test_cache_survives_a_restart(self, market, api, client, store, clock):
        """A new adapter over the same store makes no call for a known conversation."""
        api.on("GET", CONVERSATION, reply(sample("api_conversation_detail.json")))
        await market.complete_message(self.message())
        again = TikTokShopMarketplace(
            client,
            app_key=APP_KEY,
            app_secret=APP_SECRET,
            service_id=SERVICE_ID,
            store=store,
            clock=clock,
        )
        completed = await again.complete_message(self.message())
        assert completed.conversation.buyer_name == "Rina S."
        assert len(api.calls()) == 1

    async def test_falls_back_to_message_senders(self, market, api):
        """Where Get Conversation is unavailable the buyer's messages name them."""
        api.on("GET", CONVERSATION, reply({"code": 36009014, "message": "Invalid API version"}))
        api.on("GET", MESSAGES, reply(sample("api_messages.json")))
        completed = await market.complete_message(self.message())
        assert completed.conversation.buyer_name == "Sari"
        assert completed.avatar_url.endswith("sari.webp")

    async def test_failure_leaves_the_message_as_it_was(self, market, api):
        """A failed lookup relays the message unnamed and is retried next time."""
        api.on("GET", CONVERSATION, fail(105005), reply(sample("api_conversation_detail.json")))
        assert await market.complete_message(self.message()) == self.message()
        completed = await market.complete_message(self.message())
        assert completed.conversation.buyer_name == "Rina S."

    async def test_no_lookup_below_the_quota_reserve(self, market, api, store):
        """Looking up names is non-essential: skipped when only the reserve is left."""
        store.values[QUOTA_KEY] = json.dumps({"day": "2025-10-06", "used": 9_950})
        assert await market.complete_message(self.message()) == self.message()
        assert api.requests == []


class TestUnreadMessages:
    async def test_latest_buyer_message_of_each_unread_conversation(self, market, api):
        """Unread conversations give their newest buyer message, with the buyer's details."""
        api.on(
            "GET",
            CONVERSATIONS,
            reply(sample("api_conversations.json")),
            reply(sample("api_conversations_page2.json")),
        )
        api.on(
            "GET",
            "/customer_service/202309/conversations/7494560109732300002/messages",
            reply(sample("api_messages.json")),
        )
        messages = await market.unread_messages(SHOP_ID)
        assert [(m.conversation.conversation_id, m.text) for m in messages] == [
            (CONV, "Kak, ukuran L masih ada? 🙏"),
            ("7494560109732300002", "[Produk] Kaos Polos Katun Combed 30s"),
        ]
        first, second = messages
        assert (first.conversation.buyer_name, first.conversation.buyer_platform) == (
            "Rina S.",
            "Tokopedia",
        )
        assert (second.attachment_kind, second.conversation.buyer_platform) == (
            "product",
            "Tokopedia & Shop",
        )
        assert api.calls("GET", CONVERSATIONS)[1].url.params["page_token"] == "b2Zmc2V0PTI="

    async def test_participants_seen_while_polling_are_cached(self, market, api):
        """complete_message needs no call for a conversation the poll has seen."""
        page = sample("api_conversations.json")
        page["data"]["next_page_token"] = ""
        page["data"]["conversations"][0]["unread_count"] = 0
        api.on("GET", CONVERSATIONS, reply(page))
        assert await market.unread_messages(SHOP_ID) == []
        calls = len(api.requests)
        message = BuyerMessage(conversation=conversation(), text="Halo", received_at=RECEIVED)
        completed = await market.complete_message(message)
        assert completed.conversation.buyer_name == "Rina S."
        assert len(api.requests) == calls

    async def test_refused_at_the_reserve(self, market, api, store):
        """With only the reserve left the poll is RATE_LIMITED and sends nothing."""
        store.values[QUOTA_KEY] = json.dumps({"day": "2025-10-06", "used": 9_950})
        with pytest.raises(MarketplaceError) as caught:
            await market.unread_messages(SHOP_ID)
        assert caught.value.kind is ErrorKind.RATE_LIMITED
        assert api.requests == []

    async def test_stops_quietly_when_the_reserve_is_reached_midway(self, market, api, store):
        """A poll that reaches the reserve returns what it found so far."""
        store.values[QUOTA_KEY] = json.dumps({"day": "2025-10-06", "used": 9_899})
        api.on("GET", CONVERSATIONS, reply(sample("api_conversations.json")))
        messages = await market.unread_messages(SHOP_ID)
        assert [m.conversation.conversation_id for m in messages] == [CONV]
        assert len(api.calls()) == 1  # the second page would have eaten into the reserve

    async def test_a_conversation_seen_twice_is_reported_once(self, market, api):
        """A conversation that moves between pages while paging is one message."""
        api.on(
            "GET",
            CONVERSATIONS,
            reply(sample("api_conversations.json")),
            reply(sample("api_conversations.json")),
            reply(sample("api_conversations_page2.json") | {"data": {"conversations": []}}),
        )
        messages = await market.unread_messages(SHOP_ID)
        assert [m.conversation.conversation_id for m in messages] == [CONV]


class TestAuthorization:
    def test_authorize_url_carries_service_id_and_state(self, market):
        """The link is the ROW authorize page with our service_id and the state, encoded."""
        url = market.authorize_url("a b&c=d")
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
            "https://services.tiktokshop.com/open/authorize"
        )
        assert parse_qs(parts.query) == {"service_id": [SERVICE_ID], "state": ["a b&c=d"]}

    async def test_complete_authorization_stores_each_shop(self, market, api, store):
        """The code is exchanged, the shops listed, each stored with its cipher and tokens."""
        api.on("GET", "/api/v2/token/get", reply(sample("api_token_get.json")))
        api.on("GET", "/authorization/202309/shops", reply(sample("api_authorized_shops.json")))
        shops = await market.complete_authorization("TTP_code")
        assert [(s.shop_id, s.name) for s in shops] == [
            (SHOP_ID, "Toko Maju Jaya"),
            ("7495540735365777508", "Maju Jaya Outlet"),
        ]
        second = store.json(SHOP_KEY.format(shop_id="7495540735365777508"))
        assert second["cipher"] == "ROW_b1aMgAAAAAB2nQ9xYcW7vPqLm"
        assert second["access_token"] == "TTP_NnTzgAAAAAB3dVbw_sample"
        assert second["refresh_token_expire_in"] == 1791255600
        assert second["seller_open_id"] == "7010736057180325637"
        assert "seller.customer_service" in second["granted_scopes"]
        assert api.calls()[1].headers["x-tts-access-token"] == "TTP_NnTzgAAAAAB3dVbw_sample"
        assert store.json(SHOPS_KEY) == [SHOP_ID, "7495540735365777508"]
        assert [s.shop_id for s in await market.list_shops()] == [
            SHOP_ID,
            "7495540735365777508",
        ]

    async def test_invalid_code(self, market, api):
        """A used or expired code is AUTH, and its detail says to authorize again."""
        api.on("GET", "/api/v2/token/get", reply(sample("api_token_invalid_code.json")))
        with pytest.raises(MarketplaceError) as caught:
            await market.complete_authorization("TTP_used")
        assert (caught.value.kind, caught.value.code) == (ErrorKind.AUTH, "36004004")
        assert "ulangi otorisasi" in caught.value.detail
        assert APP_SECRET not in str(caught.value)

    async def test_no_shops(self, market, api):
        """An authorization without shops is reported, nothing stored."""
        api.on("GET", "/api/v2/token/get", reply(sample("api_token_get.json")))
        api.on("GET", "/authorization/202309/shops", ok({"shops": []}))
        with pytest.raises(MarketplaceError) as caught:
            await market.complete_authorization("TTP_code")
        assert caught.value.kind is ErrorKind.NOT_FOUND


class TestRefreshCredentials:
    async def test_nothing_due_nothing_sent(self, market, api):
        """With days left, no refresh happens and each shop's expiry is reported."""
        assert await market.refresh_credentials() == {
            f"tiktokshop:{SHOP_ID}": NOW + timedelta(days=6)
        }
        assert api.requests == []

    async def test_due_tokens_are_refreshed_and_stored(self, market, api, clock, store):
        """Within a day of expiry the job refreshes and persists the new pair."""
        api.on("GET", "/api/v2/token/refresh", reply(sample("api_token_refresh.json")))
        clock.advance(days=5, hours=2)
        assert await market.refresh_credentials() == {
            f"tiktokshop:{SHOP_ID}": datetime.fromtimestamp(1760324400, UTC)
        }
        saved = store.json(SHOP_KEY.format(shop_id=SHOP_ID))
        assert saved["access_token"] == "TTP_refreshed_access_sample"

    async def test_a_failed_refresh_is_raised_after_trying_every_shop(
        self, market, api, clock, client
    ):
        """One shop's failure does not stop the others; the job then reports it."""
        await client.tokens.save(credentials(shop_id="7495540735365777508", cipher="ROW_2"))
        api.on(
            "GET",
            "/api/v2/token/refresh",
            reply(sample("api_token_invalid_code.json")),
            reply(sample("api_token_refresh.json")),
        )
        clock.advance(days=5, hours=2)
        with pytest.raises(MarketplaceError) as caught:
            await market.refresh_credentials()
        assert caught.value.kind is ErrorKind.AUTH
        assert len(api.calls()) == 2
        assert APP_SECRET not in str(caught.value)


class TestStatus:
    async def test_status_reports_quota_and_shops_without_secrets(self, market, api):
        """status() shows CS quota use and the shop count, never a token or secret."""
        api.on("GET", CONVERSATIONS, reply(sample("api_conversations_page2.json")))
        api.on(
            "GET",
            "/customer_service/202309/conversations/7494560109732300002/messages",
            reply(sample("api_messages.json")),
        )
        await market.list_shops()
        await market.unread_messages(SHOP_ID)
        status = market.status()
        assert status == {
            "customer_service_quota": {
                "used_today": 2,
                "limit": 10_000,
                "reserve": 100,
                "day": "2025-10-06",
            },
            "shops": 1,
        }
        assert CIPHER not in repr(status)
        assert APP_SECRET not in repr(market)
