from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from bot.marketplaces.tokopedia import (
    InvalidRequest,
    NotEligible,
    NotFound,
    OutcomeUnknown,
    PermissionDenied,
    RateLimited,
    RejectionInvalid,
    RetryPolicy,
    ServerError,
    TokopediaError,
)
from tests.tokopedia.conftest import FS_ID, FakeApi, make_client, reply, sample

APP = f"/v1/fs/{FS_ID}"
REGISTER = f"/v1/fs/{FS_ID}/register"
SHOPS = f"/v1/shop/fs/{FS_ID}/shop-info"
MESSAGES = f"/v1/chat/fs/{FS_ID}/messages"
REPLIES = f"/v1/chat/fs/{FS_ID}/messages/54321/replies"
REPLY = f"/v1/chat/fs/{FS_ID}/messages/54321/reply"
INITIATE = f"/v1/chat/fs/{FS_ID}/initiate"
ORDER = f"/v2/fs/{FS_ID}/order"
ORDERS = "/v2/order/list"
ACK = f"/v1/order/12472302/fs/{FS_ID}/ack"
NACK = f"/v1/order/12472302/fs/{FS_ID}/nack"
REJECT_CANCEL = f"/v1/order/12472303/fs/{FS_ID}/reject-cancel"


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content)


def rate_limited(reset_after: str) -> httpx.Response:
    return reply(
        {"header": {"messages": "Too Many Requests"}, "data": None},
        429,
        {"X-Ratelimit-Reset-After": reset_after, "X-Ratelimit-Limit": "5 req/s (burst 5)"},
    )


class TestWebhookRegistration:
    async def test_get_app_info(self, api, client):
        """The current registration is read from the legacy envelope."""
        api.on("GET", APP, reply(sample("api_app_info.json")))
        info = await client.get_app_info()
        assert info.chat_notification_url == "http://yourstore.com/v1/chat/notification"

    async def test_register_reads_and_merges_before_posting(self, api, client):
        """Registering our URLs keeps every other registered URL instead of blanking it."""
        api.on("GET", APP, reply(sample("api_app_info.json")))
        api.on("POST", REGISTER, reply(sample("api_register_ok.json")))
        await client.register_webhooks(
            secret="new-secret",
            chat_notification_url="https://bot.example/webhooks/tokopedia/chat",
            order_notification_url="https://bot.example/webhooks/tokopedia/order",
        )
        assert [r.method for r in api.calls()] == ["GET", "POST"]
        sent = body_of(api.calls("POST", REGISTER)[0])
        assert sent["fs_id"] == FS_ID
        assert sent["webhook_secret"] == "new-secret"
        assert sent["chat_notification_url"] == "https://bot.example/webhooks/tokopedia/chat"
        assert sent["order_notification_url"] == "https://bot.example/webhooks/tokopedia/order"
        # untouched: what was registered before, including a field we don't model
        assert sent["order_status_url"] == "http://yourstore.com/v1/order/status"
        assert sent["product_changes_url"] == "http://yourstore.com/v1/product/changes"
        assert sent["order_actions_url"] == "http://yourstore.com/v1/order/actions"

    async def test_register_without_secret_keeps_the_registered_one(self, api, client):
        """Changing one URL does not wipe the webhook secret."""
        api.on("GET", APP, reply(sample("api_app_info.json")))
        api.on("POST", REGISTER, reply(sample("api_register_ok.json")))
        await client.register_webhooks(order_status_url="https://bot.example/s")
        assert body_of(api.calls("POST", REGISTER)[0])["webhook_secret"] == "old_webhook_secret"

    async def test_register_refused(self, api, client):
        """A '400 Bad Request' registration surfaces as InvalidRequest."""
        api.on("GET", APP, reply(sample("api_app_info.json")))
        api.on("POST", REGISTER, reply(sample("api_register_fail.json"), 400))
        with pytest.raises(InvalidRequest, match="bad input data"):
            await client.register_webhooks(secret="s")

    async def test_register_rejects_unknown_url_names_before_any_call(self, api, client):
        """A typo in a URL field name fails locally instead of registering garbage."""
        with pytest.raises(ValueError, match="chat_url"):
            await client.register_webhooks(chat_url="https://bot.example")
        assert api.requests == []


class TestShopAndChat:
    @pytest.mark.parametrize("name", ["api_shop_info.json", "api_shop_info_legacy.json"])
    async def test_shop_info_in_either_envelope(self, api, client, name):
        """Shops are listed whichever envelope shop-info answers with."""
        api.on("GET", SHOPS, reply(sample(name)))
        shops = await client.shop_info()
        assert [s.shop_id for s in shops] == ["479979", "479742"]

    async def test_list_messages(self, api, client):
        """List Messages sends shop, page, per_page and filter."""
        api.on("GET", MESSAGES, reply(sample("api_list_messages.json")))
        rooms = await client.list_messages("123123", page=2, filter="unread")
        assert [r.msg_id for r in rooms] == ["123123", "123124"]
        params = api.calls()[0].url.params
        assert dict(params) == {
            "shop_id": "123123",
            "page": "2",
            "per_page": "15",
            "filter": "unread",
        }

    async def test_list_messages_refuses_pages_over_15_before_any_call(self, api, client):
        """per_page above Tokopedia's maximum of 15 is refused locally."""
        with pytest.raises(ValueError, match="per_page"):
            await client.list_messages("123123", per_page=16)
        assert api.requests == []

    async def test_list_replies(self, api, client):
        """List Replies returns the room's bubbles."""
        api.on("GET", REPLIES, reply(sample("api_list_replies.json")))
        replies = await client.list_replies("123123", "54321", per_page=10)
        assert [r.reply_id for r in replies] == ["98765", "98766"]
        assert api.calls()[0].url.params["per_page"] == "10"

    async def test_empty_page_is_an_empty_list(self, api, client):
        """data: null on a list endpoint means no rows."""
        api.on("GET", REPLIES, reply({"header": {"error_code": 0}, "data": None}))
        assert await client.list_replies("123123", "54321") == []

    async def test_list_replies_bad_shop(self, api, client):
        """The documented 'invalid shop_id format' answer is an InvalidRequest."""
        api.on("GET", REPLIES, reply(sample("api_list_replies_bad_shop.json"), 400))
        with pytest.raises(InvalidRequest, match="invalid shop_id format"):
            await client.list_replies("123123", "54321")

    async def test_chat_not_found(self, api, client):
        """SHP_GRPC_003 is NotFound."""
        api.on("GET", REPLIES, reply(sample("api_chat_not_found.json"), 400))
        with pytest.raises(NotFound):
            await client.list_replies("123123", "54321")

    async def test_send_reply_posts_shop_id_and_message(self, api, client):
        """A reply is one POST with the int shop_id and the text."""
        api.on("POST", REPLY, reply(sample("api_send_reply.json")))
        result = await client.send_reply("479573", "54321", "Terimakasih")
        assert body_of(api.calls()[0]) == {"shop_id": 479573, "message": "Terimakasih"}
        assert result.msg == "Terimakasih"

    async def test_send_reply_refuses_blank_text(self, api, client):
        """An empty reply is refused locally."""
        with pytest.raises(InvalidRequest):
            await client.send_reply("479573", "54321", "  ")
        assert api.requests == []

    async def test_initiate_chat(self, api, client):
        """Initiate Chat is a GET with order_id and gives the room id."""
        api.on("GET", INITIATE, reply(sample("api_initiate_chat.json")))
        chat = await client.initiate_chat("12472302")
        assert chat.msg_id == "121212"
        assert api.calls()[0].url.params["order_id"] == "12472302"

    async def test_ids_that_are_not_numbers_are_refused_before_any_call(self, api, client):
        """A webhook-supplied id cannot smuggle a path into the URL."""
        with pytest.raises(InvalidRequest, match="msg_id"):
            await client.send_reply("479573", "../../register", "hi")
        assert api.requests == []


class TestOrders:
    async def test_get_order_by_id(self, api, client):
        """Get Single Order by order_id."""
        api.on("GET", ORDER, reply(sample("api_single_order.json")))
        order = await client.get_order(order_id="12472302")
        assert order.invoice_number == "INV/20170720/XVII/VII/12472252"
        assert dict(api.calls()[0].url.params) == {"order_id": "12472302"}

    async def test_get_order_by_invoice(self, api, client):
        """Get Single Order by invoice number."""
        api.on("GET", ORDER, reply(sample("api_single_order.json")))
        await client.get_order(invoice_num="INV/20170720/XVII/VII/12472252")
        assert dict(api.calls()[0].url.params) == {"invoice_num": "INV/20170720/XVII/VII/12472252"}

    async def test_get_order_needs_exactly_one_key(self, api, client):
        """Both or neither of order_id/invoice_num is refused locally (ORD_DLV_003/004)."""
        with pytest.raises(ValueError, match="exactly one"):
            await client.get_order(order_id="1", invoice_num="INV/1")
        with pytest.raises(ValueError, match="exactly one"):
            await client.get_order()
        assert api.requests == []

    async def test_unknown_order_is_not_found(self, api, client):
        """ORD_API_008 surfaces as NotFound."""
        api.on("GET", ORDER, reply(sample("api_single_order_not_found.json"), 400))
        with pytest.raises(NotFound):
            await client.get_order(order_id="999")

    async def test_get_all_orders_splits_windows_and_pages_until_a_short_page(self, api, client):
        """A week is fetched in sub-3-day windows, each page by page until a short page."""
        row = sample("api_all_orders.json")["data"][0]

        def page(request: httpx.Request) -> httpx.Response:
            params = request.url.params
            span = int(params["to_date"]) - int(params["from_date"])
            assert span < 3 * 86400
            n = 2 if params["page"] == "1" else 1
            rows = [
                row | {"order_id": f"{params['from_date']}{params['page']}{i}"} for i in range(n)
            ]
            return reply({"header": {"error_code": 0}, "data": rows})

        api.on("GET", ORDERS, page)
        since = datetime(2025, 5, 1, tzinfo=UTC)
        orders = await client.get_all_orders(
            since, since + timedelta(days=7), shop_id="479066", per_page=2
        )
        calls = api.calls()
        assert len(calls) == 6  # 3 windows x (full page + short page)
        assert len(orders) == 9
        assert {c.url.params["shop_id"] for c in calls} == {"479066"}
        assert {c.url.params["fs_id"] for c in calls} == {str(FS_ID)}
        assert calls[0].url.params["from_date"] == str(int(since.timestamp()))
        assert "status" not in calls[0].url.params

    async def test_get_all_orders_deduplicates_orders_on_window_edges(self, api, client):
        """An order returned by two touching windows is listed once."""
        api.on("GET", ORDERS, reply(sample("api_all_orders.json")))
        since = datetime(2025, 5, 1, tzinfo=UTC)
        orders = await client.get_all_orders(since, since + timedelta(days=5), status=220)
        assert len(api.calls()) == 2
        assert [o.order_id for o in orders] == ["43481289"]
        assert api.calls()[0].url.params["status"] == "220"

    async def test_date_range_error(self, api, client):
        """ORD_DLV_013 is an InvalidRequest, not retried."""
        api.on("GET", ORDERS, reply(sample("api_all_orders_range_error.json"), 400))
        since = datetime(2025, 5, 1, tzinfo=UTC)
        with pytest.raises(InvalidRequest, match="less than 3 days"):
            await client.get_all_orders(since, since + timedelta(days=1))
        assert len(api.calls()) == 1

    async def test_too_large_window_is_halved(self, api, client):
        """ORD_API_009 'reduce the time interval' makes the client retry in two halves."""
        too_big = reply(
            {"header": {"error_code": "ORD_API_009", "reason": "reduce the time interval"}}, 400
        )
        api.on("GET", ORDERS, too_big, reply(sample("api_all_orders.json")))
        since = datetime(2025, 5, 1, tzinfo=UTC)
        await client.get_all_orders(since, since + timedelta(days=2))
        spans = [
            int(c.url.params["to_date"]) - int(c.url.params["from_date"]) for c in api.calls()
        ]
        assert spans == [2 * 86400, 86400, 86400]

    async def test_epoch_shift_moves_the_query_window(self, api, http, store, clock, sleeps):
        """The +7 h quirk can be configured without touching callers."""
        client = make_client(http, store, clock, sleeps, order_list_epoch_shift=timedelta(hours=7))
        api.on("GET", ORDERS, reply(sample("api_all_orders.json")))
        since = datetime(2025, 5, 1, tzinfo=UTC)
        await client.get_all_orders(since, since + timedelta(hours=1))
        assert api.calls()[0].url.params["from_date"] == str(int(since.timestamp()) + 7 * 3600)

    async def test_ack(self, api, client):
        """ACK is a body-less POST to the order's ack path."""
        api.on("POST", ACK, reply(sample("api_ack_ok.json")))
        await client.ack("12472302")
        assert api.calls()[0].content == b""

    async def test_ack_not_eligible(self, api, client):
        """ORD_USC_001 tells staff the order can no longer be accepted."""
        api.on("POST", ACK, reply(sample("api_ack_not_eligible.json"), 400))
        with pytest.raises(NotEligible) as caught:
            await client.ack("12472302")
        assert caught.value.code == "ORD_USC_001"
        assert "earlier attempt" not in caught.value.message

    async def test_ack_upstream_failure_is_retried(self, api, client, sleeps):
        """ORD_USC_007 (external service) is retried with backoff and then succeeds."""
        api.on(
            "POST",
            ACK,
            reply(sample("api_ack_ext_fail.json"), 500),
            reply(sample("api_ack_ok.json")),
        )
        await client.ack("12472302")
        assert len(api.calls()) == 2
        assert sleeps == [0.5]

    async def test_ack_retried_after_timeout_then_not_eligible_says_it_may_have_worked(
        self, api, client
    ):
        """A retry refused as 'not eligible' after a timeout warns the first try may have won."""
        api.on(
            "POST",
            ACK,
            httpx.ReadTimeout("timed out"),
            reply(sample("api_ack_not_eligible.json"), 400),
        )
        with pytest.raises(NotEligible, match="earlier attempt may already have succeeded"):
            await client.ack("12472302")
        assert len(api.calls()) == 2

    async def test_nack_body(self, api, client):
        """NACK sends the int code and reason."""
        api.on("POST", NACK, reply(sample("api_nack_ok.json")))
        await client.nack("12472302", "1", "Stok habis", empty_products=["14286600"])
        assert body_of(api.calls()[0]) == {
            "reason_code": 1,
            "reason": "Stok habis",
            "empty_products": [14286600],
        }

    async def test_nack_shop_closed_sends_close_details(self, api, client):
        """Code 4 carries the close end date and note."""
        api.on("POST", NACK, reply(sample("api_nack_ok.json")))
        await client.nack(
            "12472302", 4, "Toko tutup", close_end_date="30/06/2025", close_note="Libur"
        )
        assert body_of(api.calls()[0]) == {
            "reason_code": 4,
            "reason": "Toko tutup",
            "shop_close_end_date": "30/06/2025",
            "shop_close_note": "Libur",
        }

    async def test_nack_is_validated_before_any_call(self, api, client):
        """A NACK Tokopedia would refuse never leaves the bot (no token fetched either)."""
        with pytest.raises(RejectionInvalid, match="needs a close end date"):
            await client.nack("12472302", 4, "Toko tutup")
        assert api.requests == []

    async def test_nack_uses_the_jakarta_date_for_the_past_check(self, api, client, clock):
        """At 01:00 WIB (18:00 UTC the day before) the shop's 'today' is already tomorrow."""
        clock.now = datetime(2025, 6, 1, 18, 0, tzinfo=UTC)
        with pytest.raises(RejectionInvalid, match="in the past"):
            await client.nack("12472302", 4, "Tutup", close_end_date="01/06/2025", close_note="x")

    async def test_nack_upstream_failure_is_unavailable(self, api, client, sleeps):
        """ORD_USC_014 is retried, and reported unavailable if it persists."""
        api.on("POST", NACK, reply(sample("api_nack_upstream_fail.json"), 500))
        with pytest.raises(ServerError):
            await client.nack("12472302", 1, "Stok habis")
        assert len(api.calls()) == 3

    async def test_reject_cancel(self, api, client):
        """Rejecting a buyer's cancellation request posts with shop_id in the query."""
        api.on("POST", REJECT_CANCEL, reply(sample("api_reject_cancel_ok.json")))
        await client.reject_cancel("12472303", "479573")
        assert api.calls()[0].url.params["shop_id"] == "479573"

    async def test_reject_cancel_not_applied(self, api, client):
        """success: false is not reported as success."""
        api.on("POST", REJECT_CANCEL, reply({"header": {}, "data": {"success": False}}))
        with pytest.raises(TokopediaError, match="did not reject"):
            await client.reject_cancel("12472303", "479573")


class TestErrorsAndRetries:
    async def test_forbidden_shop(self, api, client):
        """RBAC_MDLW_001 (403) is PermissionDenied and not retried."""
        api.on("GET", SHOPS, reply(sample("api_forbidden.json"), 403))
        with pytest.raises(PermissionDenied):
            await client.shop_info()
        assert len(api.calls()) == 1

    async def test_429_waits_reset_after_then_retries(self, api, client, sleeps):
        """A 429 waits exactly X-Ratelimit-Reset-After and then succeeds."""
        api.on("GET", SHOPS, rate_limited("2.5"), reply(sample("api_shop_info.json")))
        await client.shop_info()
        assert sleeps == [2.5]
        assert len(api.calls()) == 2

    async def test_429_without_header_waits_the_default(self, api, client, sleeps):
        """A 429 with '-0.000000' still backs off rather than hammering."""
        api.on("GET", SHOPS, rate_limited("-0.000000"), reply(sample("api_shop_info.json")))
        await client.shop_info()
        assert sleeps == [1.0]

    async def test_429_retries_are_bounded(self, api, client, sleeps):
        """A persistent 429 gives up after the configured retries with RateLimited."""
        api.on("GET", SHOPS, rate_limited("0.2"))
        with pytest.raises(RateLimited) as caught:
            await client.shop_info()
        assert caught.value.reset_after == 0.2
        assert sleeps == [0.2, 0.2, 0.2]
        assert len(api.calls()) == 4

    async def test_429_with_a_long_reset_is_raised_without_waiting(self, api, client, sleeps):
        """A reset beyond the cap is handed back to the caller instead of blocking."""
        api.on("GET", SHOPS, rate_limited("120"))
        with pytest.raises(RateLimited):
            await client.shop_info()
        assert sleeps == []

    async def test_5xx_on_reads_backs_off_exponentially(self, api, http, store, clock, sleeps):
        """Reads retry 5xx with doubling delays, then report unavailable."""
        client = make_client(http, store, clock, sleeps, retry=RetryPolicy(attempts=4))
        api.on("GET", SHOPS, reply({"header": {"error_code": 500}}, 503))
        with pytest.raises(ServerError):
            await client.shop_info()
        assert sleeps == [0.5, 1.0, 2.0]
        assert len(api.calls()) == 4

    async def test_backoff_has_jitter(self, api, http, store, clock):
        """Retries of many clients don't line up: the delay is scaled by the jitter."""
        sleeps: list[float] = []
        client = make_client(http, store, clock, sleeps)
        client._jitter = lambda: 0.0  # the smallest jitter halves the delay
        api.on("GET", SHOPS, reply({}, 502), reply(sample("api_shop_info.json")))
        await client.shop_info()
        assert sleeps == [0.25]

    async def test_connection_errors_on_reads_are_retried(self, api, client, sleeps):
        """A dropped connection on a read is retried and the read succeeds."""
        api.on(
            "GET",
            SHOPS,
            httpx.ConnectError("connection refused"),
            httpx.ReadError("reset by peer"),
            reply(sample("api_shop_info.json")),
        )
        assert len(await client.shop_info()) == 2
        assert len(sleeps) == 2

    async def test_connection_errors_exhausted_are_unavailable(self, api, client):
        """A host that never answers is reported as unavailable, not as a crash."""
        api.on("GET", SHOPS, httpx.ConnectError("connection refused"))
        with pytest.raises(ServerError, match="ConnectError"):
            await client.shop_info()

    async def test_non_json_200_is_an_error(self, api, client):
        """A 200 with an HTML body is not mistaken for success."""
        api.on("GET", SHOPS, httpx.Response(200, text="<html>maintenance</html>"))
        with pytest.raises(TokopediaError, match="neither envelope"):
            await client.shop_info()


class TestSendReplyIsNeverResentBlindly:
    async def test_read_timeout_raises_outcome_unknown_after_one_request(
        self, api, client, sleeps
    ):
        """After a read timeout the reply may be posted: exactly one request, no resend."""
        api.on("POST", REPLY, httpx.ReadTimeout("timed out"), reply(sample("api_send_reply.json")))
        with pytest.raises(OutcomeUnknown):
            await client.send_reply("479573", "54321", "Halo kak")
        assert len(api.calls("POST", REPLY)) == 1
        assert sleeps == []

    @pytest.mark.parametrize(
        "failure",
        [
            httpx.RemoteProtocolError("server disconnected"),
            httpx.WriteTimeout("write timed out"),
            httpx.Response(502, text="<html>Bad Gateway</html>"),
            httpx.Response(200, text="<html>ok?</html>"),
        ],
    )
    async def test_possibly_delivered_failures_raise_outcome_unknown(self, api, client, failure):
        """Dropped connections, a gateway's bare 5xx and unreadable answers are never resent."""
        api.on("POST", REPLY, failure, reply(sample("api_send_reply.json")))
        with pytest.raises(OutcomeUnknown):
            await client.send_reply("479573", "54321", "Halo kak")
        assert len(api.calls("POST", REPLY)) == 1

    @pytest.mark.parametrize(
        "failure",
        [
            reply({"header": {"error_code": 500, "messages": "error"}}, 500),
            reply(sample("api_chat_upstream_fail.json"), 500),
        ],
    )
    async def test_coded_5xx_is_a_definite_failure_and_not_resent(self, api, client, failure):
        """Tokopedia answering with its own error code means not posted: staff may retry."""
        api.on("POST", REPLY, failure, reply(sample("api_send_reply.json")))
        with pytest.raises(ServerError) as caught:
            await client.send_reply("479573", "54321", "Halo kak")
        assert not isinstance(caught.value, OutcomeUnknown)
        assert len(api.calls("POST", REPLY)) == 1

    @pytest.mark.parametrize(
        "failure", [httpx.ConnectError("refused"), httpx.ConnectTimeout("connect timed out")]
    )
    async def test_pre_send_connection_failures_are_retried(self, api, client, failure):
        """A connection that never opened is safe to retry, and the reply is sent once."""
        api.on("POST", REPLY, failure, reply(sample("api_send_reply.json")))
        result = await client.send_reply("479573", "54321", "Halo kak")
        assert result.msg_id == "54321"
        assert len(api.calls("POST", REPLY)) == 2  # the first never reached a server

    async def test_429_is_retried(self, api, client, sleeps):
        """A rate-limited reply was refused before processing, so it is retried after waiting."""
        api.on("POST", REPLY, rate_limited("0.5"), reply(sample("api_send_reply.json")))
        await client.send_reply("479573", "54321", "Halo kak")
        assert sleeps == [0.5]

    async def test_401_is_refreshed_and_resent_once(self, api, client):
        """A reply refused for an expired token is resent once with the new token."""
        api.on("POST", REPLY, reply({"header": {}}, 401), reply(sample("api_send_reply.json")))
        await client.send_reply("479573", "54321", "Halo kak")
        assert [r.headers["Authorization"] for r in api.calls("POST", REPLY)] == [
            "Bearer token-1",
            "Bearer token-2",
        ]

    async def test_token_call_timeout_is_retried(self, api, client, sleeps):
        """A timeout on the token call happened before the reply left, so it is retried."""
        issue = api.routes[("POST", "/token")][0]
        api.on("POST", "/token", httpx.ReadTimeout("accounts slow"), issue)
        api.on("POST", REPLY, reply(sample("api_send_reply.json")))
        await client.send_reply("479573", "54321", "Halo kak")
        assert len(api.calls("POST", REPLY)) == 1
        assert len(sleeps) == 1


def test_fake_api_records_every_request():
    """The fake starts with only the token route (a guard for these tests themselves)."""
    assert list(FakeApi().routes) == [("POST", "/token")]
