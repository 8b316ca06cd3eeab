"""Return and refund requests (webhook type 12 and the Return API, doc §10.5): parsing, the
status mapping, and the adapter against the sandbox, which enforces the documented rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.errors import ErrorKind, MarketplaceError
from bot.domain.values import ReturnState, ReturnStatusChanged
from bot.marketplaces import WebhookPayloadError
from bot.marketplaces.media import MB, MediaTooLarge
from bot.marketplaces.tiktokshop.return_models import ReturnRecords
from bot.marketplaces.tiktokshop.returns import normal_status, return_state
from bot.sandbox.images import make_png
from tests.tiktokshop.conftest import sample_bytes
from tests.tiktokshop.test_client_sandbox import (  # noqa: F401 - fixtures
    BASE,
    SHOP_ID,
    T0,
    _client,
    _clock,
    _http,
    _market,
    _state,
    _store,
    webhook,
)

RECEIVED = datetime(2025, 10, 6, 3, 0, 55, tzinfo=UTC)
PENDING = "RETURN_OR_REFUND_REQUEST_PENDING"


def _body(**data: object) -> bytes:
    base = {
        "order_id": "578901234567890123",
        "return_id": "4035318504086170001",
        "return_role": "BUYER",
        "return_type": "REFUND",
        "return_status": PENDING,
        "create_time": 1759719600,
        "update_time": 1759719600,
    }
    return json.dumps(
        {
            "type": 12,
            "tts_notification_id": "7380066284010031201",
            "shop_id": SHOP_ID,
            "timestamp": 1759719600,
            "data": {**base, **data},
        }
    ).encode()


class TestParse:
    def test_documented_example_becomes_a_return_event(self, market):
        """The doc's type-12 example names the order, the request and its new status."""
        [parsed] = market.parse_webhook("", sample_bytes("webhook_return_status.json"), RECEIVED)
        assert parsed.dedup_key == "tiktokshop:7380066284010031201"
        assert parsed.event == ReturnStatusChanged(
            marketplace="tiktokshop",
            shop_id=SHOP_ID,
            order_id="578901234567890123",
            return_id="4035318504086170001",
            status_code=PENDING,
        )

    def test_doc_misspelling_of_cancelled_reads_as_the_enum_value(self, market):
        """The doc's example writes RETURN_OR_REFUND__REQUEST_CANCELLED for ..._CANCEL."""
        raw = _body(return_status="RETURN_OR_REFUND__REQUEST_CANCELLED")
        [parsed] = market.parse_webhook("", raw, RECEIVED)
        assert isinstance(parsed.event, ReturnStatusChanged)
        assert parsed.event.status_code == "RETURN_OR_REFUND_REQUEST_CANCEL"
        assert return_state(parsed.event.status_code) is ReturnState.CANCELLED

    def test_unknown_and_hostile_fields_are_tolerated(self, market):
        """Extra keys, nulls, numeric ids and a status nobody documented still parse."""
        raw = _body(
            return_id=None,
            order_id=578901234567890123,
            return_status="SOMETHING_NEW",
            create_time=None,
            extra={"nested": ["<b>x</b>"]},
            return_role=None,
        )
        [parsed] = market.parse_webhook("", raw, RECEIVED)
        assert isinstance(parsed.event, ReturnStatusChanged)
        assert (parsed.event.order_id, parsed.event.return_id) == ("578901234567890123", "")
        assert return_state(parsed.event.status_code) is ReturnState.OTHER

    @pytest.mark.parametrize(
        "data",
        [{"order_id": None}, {"order_id": {"x": 1}}, {"create_time": "yesterday"}],
    )
    def test_unusable_payload_is_a_400_reason(self, market, data):
        """A body tokobot cannot act on is refused with a reason, never a crash."""
        raw = _body(**data)
        if data.get("order_id", "x") is None:
            payload = json.loads(raw)
            del payload["data"]["order_id"]
            raw = json.dumps(payload).encode()
        with pytest.raises(WebhookPayloadError):
            market.parse_webhook("", raw, RECEIVED)


@pytest.mark.parametrize(
    ("status", "kind", "state"),
    [
        (PENDING, "REFUND", ReturnState.AWAITING_SELLER),
        ("AWAITING_BUYER_SHIP", "RETURN_AND_REFUND", ReturnState.AWAITING_SHIPMENT),
        ("BUYER_SHIPPED_ITEM", "RETURN_AND_REFUND", ReturnState.BUYER_SHIPPED),
        ("RETURN_OR_REFUND_REQUEST_SUCCESS", "RETURN_AND_REFUND", ReturnState.PACKAGE_RECEIVED),
        ("RETURN_OR_REFUND_REQUEST_SUCCESS", "REFUND", ReturnState.APPROVED),
        ("RETURN_OR_REFUND_REQUEST_COMPLETE", "REFUND", ReturnState.REFUNDED),
        ("return_or_refund_request_cancel", "", ReturnState.CANCELLED),
        ("REJECT_RECEIVE_PACKAGE", "RETURN_AND_REFUND", ReturnState.PACKAGE_REJECTED),
    ],
)
def test_status_mapping(status, kind, state):
    """Each documented status has its place; "success" depends on whether goods came back."""
    assert return_state(status, kind) is state
    assert normal_status(status) == status.upper()


class TestAgainstSandbox:
    async def test_request_as_staff_see_it(self, market, state):
        """Reason in Indonesian, refund, folded lines and the 48-hour answer deadline."""
        order = state.add_order(SHOP_ID, line_items=[{"quantity": 2}])
        return_id = state.returns.request(order["id"], "ecom_return_reason_damaged")
        request = await market.get_return(SHOP_ID, return_id)
        assert request.state is ReturnState.AWAITING_SELLER
        assert request.awaiting_seller
        assert request.reason == "Barang rusak atau cacat"
        assert request.kind == "refund"
        assert [line.quantity for line in request.lines] == [2]
        assert request.refund == sum(int(i["sale_price"]) for i in order["line_items"])
        assert request.deadline == datetime.fromtimestamp(T0, UTC) + timedelta(hours=48)
        by_order = await market.get_return(SHOP_ID, "", order["id"])
        assert by_order.return_id == return_id

    async def test_approve_sends_the_decision_the_pending_action_needs(self, market, state):
        """A refund is approved as a refund; a return first as a return, then on receipt."""
        refund = state.returns.request(state.add_order(SHOP_ID)["id"])
        goods = state.returns.request(
            state.add_order(SHOP_ID)["id"], return_type="RETURN_AND_REFUND"
        )
        await market.approve_return(await market.get_return(SHOP_ID, refund))
        await market.approve_return(await market.get_return(SHOP_ID, goods))
        state.returns.buyer_ships(goods)
        shipped = await market.get_return(SHOP_ID, goods)
        assert shipped.state is ReturnState.BUYER_SHIPPED
        assert shipped.awaiting_seller
        await market.approve_return(shipped)
        assert state.returns.case(refund).decisions == ["APPROVE_REFUND"]
        assert state.returns.case(goods).decisions == [
            "APPROVE_RETURN",
            "APPROVE_RECEIVED_PACKAGE",
        ]
        approvals = [c for c in state.calls if c.path.endswith("/approve")]
        assert all(c.query["idempotency_key"].startswith("tokobot-") for c in approvals)

    async def test_reject_fetches_the_reasons_again_and_sends_one(self, market, state):
        """Reasons come from the platform in Indonesian; rejecting asks for them again."""
        return_id = state.returns.request(state.add_order(SHOP_ID)["id"])
        request = await market.get_return(SHOP_ID, return_id)
        reasons = await market.return_reject_reasons(request)
        assert "Barang sesuai deskripsi produk" in [r.label for r in reasons]
        await market.reject_return(request, reasons[0].code, "Foto tidak menunjukkan cacat")
        case = state.returns.case(return_id)
        assert (case.status, case.reject_reason) == (
            "REFUND_OR_RETURN_REQUEST_REJECT",
            reasons[0].code,
        )
        assert case.comment == "Foto tidak menunjukkan cacat"
        assert case.reasons_fetched == 2

    async def test_a_withdrawn_reason_is_refused_before_rejecting(self, market, state):
        """Reasons change (Indonesia, 2025-09): one no longer offered is never sent."""
        return_id = state.returns.request(state.add_order(SHOP_ID)["id"])
        request = await market.get_return(SHOP_ID, return_id)
        first = (await market.return_reject_reasons(request))[0].code
        state.returns.case(return_id).reject_reasons.remove(first)
        with pytest.raises(MarketplaceError) as caught:
            await market.reject_return(request, first)
        assert caught.value.kind is ErrorKind.INVALID
        assert not [c for c in state.calls if c.path.endswith("/reject")]
        assert state.returns.case(return_id).status == PENDING

    async def test_a_request_that_moved_on_is_not_answered(self, market, state):
        """Pressing on a request the buyer withdrew calls nothing and says so."""
        return_id = state.returns.request(state.add_order(SHOP_ID)["id"])
        request = await market.get_return(SHOP_ID, return_id)
        state.returns.buyer_cancels(return_id)
        with pytest.raises(MarketplaceError) as caught:
            await market.approve_return(request)
        assert caught.value.kind is ErrorKind.NOT_ELIGIBLE
        assert not [c for c in state.calls if c.path.endswith("/approve")]

    async def test_waiting_requests_and_the_platform_deadline(self, market, state, clock):
        """Only requests waiting for the seller are listed; past the deadline the platform
        approves by itself and the list empties."""
        waiting = state.returns.request(state.add_order(SHOP_ID)["id"])
        done = state.returns.request(state.add_order(SHOP_ID)["id"])
        state.returns.buyer_cancels(done)
        assert [r.return_id for r in await market.returns_awaiting_seller(SHOP_ID)] == [waiting]
        clock.advance(48 * 3600)
        assert await market.returns_awaiting_seller(SHOP_ID) == []
        assert state.returns.case(waiting).status == "RETURN_OR_REFUND_REQUEST_SUCCESS"

    async def test_sandbox_webhook_verifies_and_parses(self, market, state):
        """The sandbox's signed type-12 body goes through verify and parse like the route."""
        order = state.add_order(SHOP_ID)
        return_id = state.returns.request(order["id"])
        [parsed] = webhook(state, market, 12, return_id=return_id)
        assert isinstance(parsed.event, ReturnStatusChanged)
        assert (parsed.event.return_id, parsed.event.status_code) == (return_id, PENDING)

    async def test_sandbox_refuses_an_undocumented_page_size_and_decision(
        self, client, market, state
    ):
        """page_size below 10 and a decision that does not answer the request are refused."""
        return_id = state.returns.request(state.add_order(SHOP_ID)["id"])
        with pytest.raises(Exception, match="page_size"):
            await client._call(
                "POST",
                "/return_refund/202602/returns/search",
                shop_id=SHOP_ID,
                params={"page_size": 5},
                body={},
            )
        with pytest.raises(Exception, match="25020004"):
            await client.approve_return(
                SHOP_ID, return_id, decision="APPROVE_RETURN", idempotency_key="k1"
            )
        assert state.returns.case(return_id).status == PENDING


class TestBuyerPhotos:
    @pytest.fixture(autouse=True)
    def _media_on_the_api_host(self, state):
        state.media.base_url = BASE  # served by the sandbox app the client talks to

    async def test_photos_listed_from_the_records_and_fetched_with_the_token(self, market, state):
        """Get Return Records names the buyer's photos; each downloads with the shop's token
        and cipher (the sandbox answers 403 without them), the bytes unchanged."""
        pictures = [make_png(40, 30, shade=1), make_png(50, 20, shade=2)]
        return_id = state.returns.request(state.add_order(SHOP_ID)["id"], photos=pictures)
        urls = await market.return_photos(SHOP_ID, return_id)
        assert len(urls) == 2
        assert [await market.fetch_return_photo(SHOP_ID, u, max_bytes=MB) for u in urls] == (
            pictures
        )
        records = [c for c in state.calls if c.path.endswith(f"/returns/{return_id}/records")]
        assert [c.query.get("locale") for c in records] == ["id-ID"]
        assert [d["allowed"] for d in state.media.downloads] == [True, True]

    async def test_a_photo_past_the_cap_or_refused_by_the_host_is_an_error(self, market, state):
        """Past the cap is MediaTooLarge (never a cut picture); a 403 is NOT_FOUND."""
        big = make_png(40, 30, shade=3, padding=4096)
        return_id = state.returns.request(state.add_order(SHOP_ID)["id"], photos=[big])
        [url] = await market.return_photos(SHOP_ID, return_id)
        with pytest.raises(MediaTooLarge):
            await market.fetch_return_photo(SHOP_ID, url, max_bytes=1024)
        file_id = url.rsplit("/", 1)[1].split(".")[0]
        state.media.files[file_id] = ("another-shop", big)
        with pytest.raises(MarketplaceError) as caught:
            await market.fetch_return_photo(SHOP_ID, url, max_bytes=MB)
        assert caught.value.kind is ErrorKind.NOT_FOUND

    async def test_records_of_another_shops_request_are_refused(self, market, client, state):
        """A return id of another shop is 'not found', like every other return endpoint."""
        state.add_shop("7495000000000000999", "Toko Lain")
        order = state.add_order("7495000000000000999")
        return_id = state.returns.request(order["id"], photos=[make_png(4, 4)])
        with pytest.raises(Exception, match="25007006"):
            await client.get_return_records(SHOP_ID, return_id)

    def test_only_the_buyers_images_count_whatever_the_role_casing(self):
        """The reference's example writes "Buyer", its text BUYER; seller evidence is not
        the buyer's."""
        records = ReturnRecords.model_validate(
            {
                "records": [
                    {"role": "Buyer", "images": [{"url": "https://x.test/a.jpeg"}],
                     "create_time": 1759719600},
                    {"role": "SELLER", "images": [{"url": "https://x.test/s.jpeg"}]},
                    {"role": "BUYER", "images": None, "videos": [{"url": "v"}]},
                ]
            }
        ).records  # fmt: skip
        assert [r.from_buyer for r in records] == [True, False, True]
        assert records[2].images == []
