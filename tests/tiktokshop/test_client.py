from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest

from bot.marketplaces.tiktokshop import (
    InvalidRequest,
    NotEligible,
    NotFound,
    OutcomeUnknown,
    PermissionDenied,
    QuotaExceeded,
    RateLimited,
    RetryPolicy,
    ServerError,
    TikTokShopError,
    TokenExpired,
    sign,
)
from bot.marketplaces.tiktokshop.quota import QUOTA_KEY
from tests.tiktokshop.conftest import (
    ACCESS_TOKEN,
    APP_KEY,
    APP_SECRET,
    CIPHER,
    NOW,
    SHOP_ID,
    fail,
    make_client,
    ok,
    reply,
    sample,
)

CONV = "7494560109732300000"
SHOPS = "/authorization/202309/shops"
CONVERSATIONS = "/customer_service/202309/conversations"
CONVERSATION = f"/customer_service/202601/conversations/{CONV}"
MESSAGES = f"/customer_service/202309/conversations/{CONV}/messages"
READ = f"/customer_service/202309/conversations/{CONV}/messages/read"
ORDER_SEARCH = "/order/202309/orders/search"
ORDER_DETAIL = "/order/202507/orders"
CANCEL_SEARCH = "/return_refund/202602/cancellations/search"
CANCEL_ORDER = "/return_refund/202602/cancellations"
APPROVE = "/return_refund/202309/cancellations/4035318504086179311/approve"
REJECT = "/return_refund/202309/cancellations/4035318504086179311/reject"
REASONS = "/return_refund/202309/reject_reasons"
TOKEN_REFRESH = "/api/v2/token/refresh"
ORDER_ID = "578901234567890123"
CANCEL_ID = "4035318504086179311"


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content)


def assert_signed(request: httpx.Request, *, cipher: str | None = CIPHER) -> None:
    """The request carries the common parameters and a sign over exactly what was sent."""
    params = dict(request.url.params)
    signature = params.pop("sign")
    assert params["app_key"] == APP_KEY
    assert params["timestamp"] == str(int(NOW.timestamp()))
    assert params.get("shop_cipher") == cipher
    assert signature == sign(request.url.path, params, request.content, APP_SECRET)


def refreshed() -> httpx.Response:
    return reply(sample("api_token_refresh.json"))


class TestSigning:
    async def test_shop_call_is_signed_with_cipher_and_token_header(self, api, client):
        """A shop call carries app_key, timestamp, shop_cipher, sign and the token header."""
        api.on("GET", ORDER_DETAIL, reply(sample("api_order_detail.json")))
        await client.get_orders(SHOP_ID, [ORDER_ID])
        (request,) = api.calls()
        assert_signed(request)
        assert request.headers["x-tts-access-token"] == ACCESS_TOKEN
        assert "access_token" not in request.url.params

    async def test_body_is_signed_and_sent_byte_for_byte(self, api, client):
        """The JSON body is serialised once; the signed bytes are the sent bytes."""
        api.on("POST", MESSAGES, reply(sample("api_send_message.json")))
        await client.send_text(SHOP_ID, CONV, "Halo kak, stok ada 👍")
        (request,) = api.calls()
        assert_signed(request)
        assert request.headers["content-type"] == "application/json"
        assert request.content == (
            '{"type":"TEXT","content":"{\\"content\\": \\"Halo kak, stok ada 👍\\"}"}'.encode()
        )

    async def test_resend_after_105002_reuses_the_same_body_bytes(self, api, client):
        """A resend signs again (new token) over the very same body bytes."""
        api.on(
            "POST", CANCEL_ORDER, fail(105002, status=401), reply(sample("api_cancel_order.json"))
        )
        api.on("GET", TOKEN_REFRESH, refreshed())
        await client.cancel_order(SHOP_ID, ORDER_ID, "seller_cancel_reason_out_of_stock")
        first, second = api.calls("POST", CANCEL_ORDER)
        assert first.content == second.content
        assert_signed(second)
        assert second.headers["x-tts-access-token"] == "TTP_refreshed_access_sample"


class TestAuthorizationEndpoints:
    async def test_authorized_shops(self, api, client):
        """Get Authorized Shops uses the given token and no shop_cipher."""
        api.on("GET", SHOPS, reply(sample("api_authorized_shops.json")))
        shops = await client.get_authorized_shops("TTP_grant_token")
        (request,) = api.calls()
        assert_signed(request, cipher=None)
        assert request.headers["x-tts-access-token"] == "TTP_grant_token"
        assert [(s.id, s.cipher, s.code) for s in shops] == [
            (SHOP_ID, CIPHER, "IDLCABC123"),
            ("7495540735365777508", "ROW_b1aMgAAAAAB2nQ9xYcW7vPqLm", "IDLCDEF456"),
        ]

    async def test_expired_grant_token_is_not_refreshed(self, api, client):
        """Without a shop there is nothing to refresh: 105002 is raised."""
        api.on("GET", SHOPS, fail(105002, status=401))
        with pytest.raises(TokenExpired):
            await client.get_authorized_shops("TTP_grant_token")
        assert api.calls("GET", TOKEN_REFRESH) == []


class TestCustomerService:
    async def test_list_conversations(self, api, client):
        """Get Conversations sends page_size, locale and the page token; parses participants."""
        api.on("GET", CONVERSATIONS, reply(sample("api_conversations.json")))
        page = await client.list_conversations(SHOP_ID, page_token="abc")
        assert dict(api.calls()[0].url.params) | {"sign": "", "timestamp": ""} == {
            "page_size": "20",
            "locale": "id-ID",
            "page_token": "abc",
            "app_key": APP_KEY,
            "shop_cipher": CIPHER,
            "sign": "",
            "timestamp": "",
        }
        assert page.next_page_token == "b2Zmc2V0PTI="
        first = page.conversations[0]
        assert (first.unread_count, first.buyer.nickname, first.buyer.buyer_platform) == (
            2,
            "Rina S.",
            "TOKOPEDIA",
        )

    async def test_page_size_over_20_is_refused_locally(self, api, client):
        """Get Conversations takes at most 20 a page."""
        with pytest.raises(ValueError, match="page_size"):
            await client.list_conversations(SHOP_ID, page_size=21)
        assert api.requests == []

    async def test_get_conversation_reads_platform(self, api, client):
        """Get Conversation's `platform` is read as the buyer's platform."""
        api.on("GET", CONVERSATION, reply(sample("api_conversation_detail.json")))
        conv = await client.get_conversation(SHOP_ID, CONV)
        assert conv.buyer.buyer_platform == "TOKOPEDIA"
        assert conv.id == CONV

    async def test_list_messages(self, api, client):
        """Get Conversation Messages asks for at most 10, newest first, with plaintext."""
        api.on("GET", MESSAGES, reply(sample("api_messages.json")))
        page = await client.list_messages(SHOP_ID, CONV)
        params = api.calls()[0].url.params
        assert (params["page_size"], params["sort_order"], params["need_plaintext"]) == (
            "10",
            "DESC",
            "true",
        )
        assert page.messages[1].plaintext == "[Produk] Kaos Polos Katun Combed 30s"
        assert page.messages[1].sender.role == "BUYER"

    async def test_send_text(self, api, client):
        """Send Message posts TEXT with a JSON-string content and returns the message id."""
        api.on("POST", MESSAGES, reply(sample("api_send_message.json")))
        sent = await client.send_text(SHOP_ID, CONV, "Siap kak")
        assert sent.message_id == "7494864425498549999"
        body = body_of(api.calls()[0])
        assert body["type"] == "TEXT"
        assert json.loads(body["content"]) == {"content": "Siap kak"}

    @pytest.mark.parametrize("text", ["a" * 2001, "😀" * 1001, "   ", ""])
    async def test_text_limits_are_checked_before_any_call(self, api, client, store, text):
        """Over 2000 characters (emoji count twice) or blank: refused with no request sent."""
        with pytest.raises(InvalidRequest):
            await client.send_text(SHOP_ID, CONV, text)
        assert api.requests == []
        assert QUOTA_KEY not in store.values  # not even counted

    async def test_exactly_2000_characters_is_sent(self, api, client):
        """The limit itself is allowed."""
        api.on("POST", MESSAGES, reply(sample("api_send_message.json")))
        await client.send_text(SHOP_ID, CONV, "a" * 2000)
        assert len(api.calls()) == 1

    async def test_mark_read_posts_no_body(self, api, client):
        """Read Message has no body (as the official SDK sends it), signed over the empty body."""
        api.on("POST", READ, reply(sample("api_empty.json")))
        await client.mark_read(SHOP_ID, CONV)
        (request,) = api.calls()
        assert request.content == b""
        assert "content-type" not in request.headers
        assert_signed(request)

    async def test_create_conversation(self, api, client):
        """Create Conversation sends the buyer's user_id and returns the conversation id."""
        api.on("POST", CONVERSATIONS, reply(sample("api_create_conversation.json")))
        assert await client.create_conversation(SHOP_ID, "7494560109732399999") == (
            "7494560109732300003"
        )
        assert body_of(api.calls()[0]) == {"buyer_user_id": "7494560109732399999"}

    async def test_create_conversation_not_allowed(self, api, client):
        """45109003 (eligibility rules) is NotEligible with a staff explanation."""
        api.on("POST", CONVERSATIONS, fail(45109003, "not allowed"))
        with pytest.raises(NotEligible) as caught:
            await client.create_conversation(SHOP_ID, "7494560109732399999")
        assert "30 hari" in caught.value.detail

    async def test_ids_are_checked_before_use_in_a_path(self, api, client):
        """An id that could change the path is refused locally."""
        with pytest.raises(InvalidRequest, match="conversation"):
            await client.mark_read(SHOP_ID, "../../order/202309/orders")
        assert api.requests == []


class TestSendMessageNeverRetried:
    @pytest.mark.parametrize(
        ("response", "error"),
        [
            (fail(36009002, "Too many requests", 429), RateLimited),
            (reply({"code": 0, "message": "busy"}, 503), ServerError),
            (fail(45109001, "not allowed"), NotEligible),
            (fail(45101006, "sensitive"), InvalidRequest),
            (fail(45101004, "quota"), QuotaExceeded),
        ],
    )
    async def test_definite_refusals_raise_as_is(self, api, client, sleeps, response, error):
        """Refusals before processing fail once, without a retry or an OutcomeUnknown."""
        api.on("POST", MESSAGES, response)
        with pytest.raises(error):
            await client.send_text(SHOP_ID, CONV, "Halo")
        assert len(api.calls()) == 1
        assert sleeps == []

    @pytest.mark.parametrize(
        "response",
        [
            fail(36009003, "Internal error"),
            fail(36009007, "Timeout"),
            httpx.Response(504, text="gateway timeout"),
            httpx.ReadTimeout("read timed out"),
            httpx.RemoteProtocolError("server disconnected"),
            ok(None),  # success without a message_id
            httpx.Response(200, text="<html>"),
        ],
    )
    async def test_ambiguous_failures_are_outcome_unknown(self, api, client, sleeps, response):
        """Anything that may have delivered the message raises OutcomeUnknown, sent once."""
        api.on("POST", MESSAGES, response)
        with pytest.raises(OutcomeUnknown):
            await client.send_text(SHOP_ID, CONV, "Halo")
        assert len(api.calls()) == 1
        assert sleeps == []

    async def test_connection_refused_is_a_definite_failure(self, api, client):
        """A connection never made delivered nothing: ServerError, not OutcomeUnknown."""
        api.on("POST", MESSAGES, httpx.ConnectError("refused"))
        with pytest.raises(ServerError):
            await client.send_text(SHOP_ID, CONV, "Halo")

    async def test_expired_token_refreshes_and_resends_once(self, api, client):
        """105002 was refused before processing: one refresh, one resend."""
        api.on("POST", MESSAGES, fail(105002, status=401), reply(sample("api_send_message.json")))
        api.on("GET", TOKEN_REFRESH, refreshed())
        sent = await client.send_text(SHOP_ID, CONV, "Halo")
        assert sent.message_id == "7494864425498549999"
        assert len(api.calls("POST", MESSAGES)) == 2
        assert len(api.calls("GET", TOKEN_REFRESH)) == 1


class TestRetries:
    @pytest.mark.parametrize(
        "failure",
        [
            fail(0, "Too many requests", 429),
            fail(36009002, "Too many requests"),
            reply({"code": 0, "message": "Service Unavailable"}, 503),
            httpx.Response(503, text="unavailable"),
            fail(36009003, "Internal error"),
            httpx.ConnectError("refused"),
        ],
    )
    async def test_retried_with_exponential_backoff(self, api, client, sleeps, failure):
        """Throttling and platform errors are retried after 1, 2, 4 seconds (full jitter)."""
        api.on(
            "GET", ORDER_DETAIL, failure, failure, failure, reply(sample("api_order_detail.json"))
        )
        orders = await client.get_orders(SHOP_ID, [ORDER_ID])
        assert [o.id for o in orders] == [ORDER_ID]
        assert sleeps == [1.0, 2.0, 4.0]
        assert len(api.calls()) == 4

    async def test_retries_are_bounded(self, api, client, sleeps):
        """After the last attempt the failure is raised."""
        api.on("GET", ORDER_DETAIL, fail(36009003, "Internal error"))
        with pytest.raises(ServerError, match="36009003"):
            await client.get_orders(SHOP_ID, [ORDER_ID])
        assert len(api.calls()) == 4
        assert sleeps == [1.0, 2.0, 4.0]

    def test_backoff_is_capped_and_jittered(self):
        """Delays double up to the cap, scaled into 50-100% by the jitter."""
        policy = RetryPolicy(attempts=6, base_delay=1.0, max_delay=5.0)
        assert [policy.backoff(n, 1.0) for n in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 5.0]
        assert policy.backoff(3, 0.0) == 2.0

    async def test_jitter_is_applied(self, api, http, tokens, clock, sleeps):
        """The injected jitter scales the delay."""
        client = make_client(http, tokens, clock, sleeps, jitter=lambda: 0.0)
        api.on("GET", ORDER_DETAIL, fail(36009002), reply(sample("api_order_detail.json")))
        await client.get_orders(SHOP_ID, [ORDER_ID])
        assert sleeps == [0.5]

    @pytest.mark.parametrize(
        ("response", "error"),
        [
            (fail(105005, "scope"), PermissionDenied),
            (fail(25001021, "reason"), InvalidRequest),
            (reply({"code": 36009009, "message": "Invalid path"}, 404), NotFound),
            (fail(45101004, "quota"), QuotaExceeded),
        ],
    )
    async def test_other_errors_are_not_retried(self, api, client, sleeps, response, error):
        """Refusals that a retry cannot fix are raised at once."""
        api.on("POST", CANCEL_ORDER, response)
        with pytest.raises(error):
            await client.cancel_order(SHOP_ID, ORDER_ID, "seller_cancel_reason_out_of_stock")
        assert sleeps == []

    async def test_retry_after_an_ambiguous_failure_explains_not_eligible(
        self, api, client, sleeps
    ):
        """'Already cancelled' after a possibly-processed attempt says it may be ours."""
        api.on("POST", CANCEL_ORDER, fail(36009003, "Internal error"), fail(25020009, "done"))
        with pytest.raises(NotEligible, match="earlier attempt may already have succeeded"):
            await client.cancel_order(SHOP_ID, ORDER_ID, "seller_cancel_reason_out_of_stock")

    async def test_not_eligible_without_ambiguity_is_plain(self, api, client):
        """'Already cancelled' on a first attempt is raised unchanged."""
        api.on("POST", CANCEL_ORDER, reply(sample("api_error_already_cancelled.json")))
        with pytest.raises(NotEligible) as caught:
            await client.cancel_order(SHOP_ID, ORDER_ID, "seller_cancel_reason_out_of_stock")
        assert "earlier attempt" not in str(caught.value)

    async def test_second_105002_is_raised(self, api, client):
        """One refresh per call: a second expiry in a row is raised."""
        api.on("GET", ORDER_DETAIL, fail(105002, status=401))
        api.on("GET", TOKEN_REFRESH, refreshed())
        with pytest.raises(TokenExpired):
            await client.get_orders(SHOP_ID, [ORDER_ID])
        assert len(api.calls("GET", ORDER_DETAIL)) == 2
        assert len(api.calls("GET", TOKEN_REFRESH)) == 1

    async def test_105002_refresh_is_persisted(self, api, client, store):
        """The refreshed pair is stored, so the next call and a restart use it."""
        api.on(
            "GET", ORDER_DETAIL, fail(105002, status=401), reply(sample("api_order_detail.json"))
        )
        api.on("GET", TOKEN_REFRESH, refreshed())
        await client.get_orders(SHOP_ID, [ORDER_ID])
        saved = store.json(f"tiktokshop:shop:{SHOP_ID}")
        assert (saved["access_token"], saved["refresh_token"]) == (
            "TTP_refreshed_access_sample",
            "TTP_refreshed_refresh_sample",
        )

    async def test_refresh_ahead_of_expiry_before_the_call(self, api, client, clock):
        """Within a day of expiry the token is refreshed first and the call uses the new one."""
        clock.advance(days=5, hours=6)
        api.on("GET", TOKEN_REFRESH, refreshed())
        api.on("GET", ORDER_DETAIL, reply(sample("api_order_detail.json")))
        await client.get_orders(SHOP_ID, [ORDER_ID])
        assert [r.url.path for r in api.calls()] == [TOKEN_REFRESH, ORDER_DETAIL]
        assert api.calls("GET", ORDER_DETAIL)[0].headers["x-tts-access-token"] == (
            "TTP_refreshed_access_sample"
        )


class TestEnvelope:
    async def test_code_is_checked_not_only_the_status(self, api, client):
        """An HTTP 200 with a non-zero code is a failure."""
        api.on("POST", CANCEL_ORDER, fail(25001021, "reason does not match"))
        with pytest.raises(InvalidRequest) as caught:
            await client.cancel_order(SHOP_ID, ORDER_ID, "seller_cancel_reason_out_of_stock")
        assert (caught.value.code, caught.value.request_id) == (25001021, "20251006REQ")

    async def test_request_id_is_logged(self, api, client, caplog):
        """Failures are logged with the request_id support asks for, without the token."""
        caplog.set_level(logging.DEBUG)
        api.on("GET", ORDER_DETAIL, fail(105005, "scope"))
        with pytest.raises(PermissionDenied):
            await client.get_orders(SHOP_ID, [ORDER_ID])
        assert "20251006REQ" in caplog.text
        assert ACCESS_TOKEN not in caplog.text
        assert APP_SECRET not in caplog.text

    async def test_success_request_id_is_logged(self, api, client, caplog):
        """Successful calls log their request_id at debug level."""
        caplog.set_level(logging.DEBUG, logger="bot.marketplaces.tiktokshop.transport")
        api.on("GET", ORDER_DETAIL, ok({"orders": []}, request_id="RID-OK-1"))
        await client.get_orders(SHOP_ID, [ORDER_ID])
        assert "RID-OK-1" in caplog.text

    async def test_no_envelope(self, api, client):
        """A 200 that is not an envelope is a TikTokShopError."""
        api.on("GET", ORDER_DETAIL, reply({"orders": []}))
        with pytest.raises(TikTokShopError, match="without a TikTok Shop envelope"):
            await client.get_orders(SHOP_ID, [ORDER_ID])

    async def test_null_data_reads_as_empty(self, api, client):
        """data: null on a list endpoint is an empty list."""
        api.on("GET", ORDER_DETAIL, ok(None))
        assert await client.get_orders(SHOP_ID, [ORDER_ID]) == []


class TestQuotaCounting:
    async def test_customer_service_calls_are_counted(self, api, client, store):
        """Each CS request counts; order calls do not."""
        api.on("GET", CONVERSATIONS, reply(sample("api_conversations.json")))
        api.on("GET", ORDER_DETAIL, reply(sample("api_order_detail.json")))
        await client.list_conversations(SHOP_ID)
        await client.get_orders(SHOP_ID, [ORDER_ID])
        assert store.json(QUOTA_KEY)["used"] == 1

    async def test_retries_and_resends_count_too(self, api, client, quota):
        """Every request sent counts, including a resend after 105002."""
        api.on("POST", MESSAGES, fail(105002, status=401), reply(sample("api_send_message.json")))
        api.on("GET", TOKEN_REFRESH, refreshed())
        await client.send_text(SHOP_ID, CONV, "Halo")
        assert quota.used_today == 2

    async def test_polling_is_refused_at_the_reserve_without_a_request(
        self, api, client, quota, store
    ):
        """Below the reserve a non-essential call raises before anything is sent."""
        store.values[QUOTA_KEY] = json.dumps({"day": "2025-10-06", "used": 9_900})
        with pytest.raises(QuotaExceeded):
            await client.list_conversations(SHOP_ID)
        assert api.requests == []

    async def test_staff_replies_still_go_inside_the_reserve(self, api, client, store):
        """Send Message is essential: the reserve is kept for it."""
        store.values[QUOTA_KEY] = json.dumps({"day": "2025-10-06", "used": 9_950})
        api.on("POST", MESSAGES, reply(sample("api_send_message.json")))
        await client.send_text(SHOP_ID, CONV, "Halo")
        assert len(api.calls()) == 1

    async def test_platform_quota_error_stops_polling_for_the_day(self, api, client, quota):
        """After 45101004 no more non-essential calls leave."""
        api.on("GET", CONVERSATIONS, reply(sample("api_error_quota.json")))
        with pytest.raises(QuotaExceeded):
            await client.list_conversations(SHOP_ID)
        with pytest.raises(QuotaExceeded):
            await client.list_conversations(SHOP_ID)
        assert len(api.calls()) == 1
        assert quota.used_today == 10_000


class TestOrders:
    async def test_search_pages_through_update_time_window(self, api, client):
        """Get Order List filters on update_time and follows next_page_token to the end."""
        api.on(
            "POST",
            ORDER_SEARCH,
            reply(sample("api_orders_search.json")),
            reply(sample("api_orders_search_page2.json")),
        )
        since = NOW.replace(hour=0)
        orders = await client.search_orders(SHOP_ID, update_time_ge=since, update_time_lt=NOW)
        assert [o.id for o in orders] == [ORDER_ID, "578901234567890124"]
        first, second = api.calls()
        assert body_of(first) == {
            "update_time_ge": int(since.timestamp()),
            "update_time_lt": int(NOW.timestamp()),
        }
        assert "page_token" not in first.url.params
        assert second.url.params["page_token"] == "aWQ9NTc4OTAxMjM0NTY3ODkwMTIz"
        assert first.url.params["page_size"] == "100"

    async def test_detail_asks_50_ids_at_a_time(self, api, client):
        """Get Order Detail takes at most 50 comma-separated ids per request."""
        api.on("GET", ORDER_DETAIL, ok({"orders": []}))
        ids = [str(578901234567890000 + n) for n in range(120)]
        await client.get_orders(SHOP_ID, ids)
        sent = [r.url.params["ids"].split(",") for r in api.calls()]
        assert [len(batch) for batch in sent] == [50, 50, 20]
        assert [i for batch in sent for i in batch] == ids

    async def test_get_order_parses_money_and_times(self, api, client):
        """Amounts become whole Rupiah and times aware datetimes."""
        api.on("GET", ORDER_DETAIL, reply(sample("api_order_detail.json")))
        order = await client.get_order(SHOP_ID, ORDER_ID)
        assert order.payment.total_amount == 212000
        assert order.line_items[0].sale_price == 85000
        assert order.rts_sla_time is not None
        assert order.rts_sla_time.timestamp() == 1759888800

    async def test_missing_order_is_not_found(self, api, client):
        """An id the detail call does not return is NotFound."""
        api.on("GET", ORDER_DETAIL, reply(sample("api_order_detail_empty.json")))
        with pytest.raises(NotFound):
            await client.get_order(SHOP_ID, ORDER_ID)


class TestCancellations:
    async def test_search_by_order(self, api, client):
        """Search Cancellations filters by order id in Indonesian and parses the deadline."""
        api.on("POST", CANCEL_SEARCH, reply(sample("api_cancellations_search.json")))
        found = await client.search_cancellations(SHOP_ID, order_ids=[ORDER_ID])
        assert body_of(api.calls()[0]) == {"locale": "id-ID", "order_ids": [ORDER_ID]}
        assert api.calls()[0].url.params["page_size"] == "50"
        assert found[0].cancel_id == CANCEL_ID
        assert found[0].deadline is not None
        assert found[0].deadline.timestamp() == 1759892800

    async def test_approve_with_idempotency_key(self, api, client):
        """Approve has no body, signed over the empty body, and the key in the query."""
        api.on("POST", APPROVE, reply(sample("api_empty.json")))
        await client.approve_cancellation(SHOP_ID, CANCEL_ID, idempotency_key="k-1")
        (request,) = api.calls()
        assert request.url.params["idempotency_key"] == "k-1"
        assert request.content == b""
        assert_signed(request)

    async def test_approve_is_retried_with_the_same_key(self, api, client):
        """A retried approval carries the same idempotency key, so it is harmless."""
        api.on("POST", APPROVE, fail(36009003), reply(sample("api_empty.json")))
        await client.approve_cancellation(SHOP_ID, CANCEL_ID, idempotency_key="k-1")
        assert [r.url.params["idempotency_key"] for r in api.calls()] == ["k-1", "k-1"]

    async def test_reject_reasons_in_indonesian(self, api, client):
        """Get Reject Reasons asks for one request's reasons in id-ID."""
        api.on("GET", REASONS, reply(sample("api_reject_reasons.json")))
        reasons = await client.get_reject_reasons(SHOP_ID, CANCEL_ID)
        params = api.calls()[0].url.params
        assert (params["return_or_cancel_id"], params["locale"]) == (CANCEL_ID, "id-ID")
        assert reasons[1].name == "seller_reject_apply_product_has_been_packed"
        assert reasons[1].text == "Produk sudah dikemas"

    async def test_reject(self, api, client):
        """Reject sends the reason name (and a comment when given) with its key."""
        api.on("POST", REJECT, reply(sample("api_empty.json")))
        await client.reject_cancellation(
            SHOP_ID, CANCEL_ID, reason="r_name", idempotency_key="k-2", comment="Sudah dikemas"
        )
        request = api.calls()[0]
        assert body_of(request) == {"reject_reason": "r_name", "comment": "Sudah dikemas"}
        assert request.url.params["idempotency_key"] == "k-2"

    async def test_reject_refused_status(self, api, client):
        """25011011 (status no longer allows a reject) is NotEligible."""
        api.on("POST", REJECT, fail(25011011, "cannot reject"))
        with pytest.raises(NotEligible):
            await client.reject_cancellation(SHOP_ID, CANCEL_ID, reason="r", idempotency_key="k")

    async def test_cancel_order(self, api, client):
        """Cancel Order posts the order id and reason name and returns the cancel id."""
        api.on("POST", CANCEL_ORDER, reply(sample("api_cancel_order.json")))
        result = await client.cancel_order(SHOP_ID, ORDER_ID, "seller_cancel_reason_out_of_stock")
        assert body_of(api.calls()[0]) == {
            "order_id": ORDER_ID,
            "cancel_reason": "seller_cancel_reason_out_of_stock",
        }
        assert result.cancel_id == "4035318504086179312"

    async def test_wrong_reason_for_status(self, api, client):
        """25001021 is an InvalidRequest explaining the reason/status mismatch."""
        api.on("POST", CANCEL_ORDER, reply(sample("api_error_reason_mismatch.json")))
        with pytest.raises(InvalidRequest) as caught:
            await client.cancel_order(
                SHOP_ID, ORDER_ID, "seller_cancel_unpaid_reason_out_of_stock"
            )
        assert "tidak berlaku untuk status" in caught.value.detail
