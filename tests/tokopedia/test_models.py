from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from bot.marketplaces.tokopedia.models.account import ShopInfo, Token, WebhookRegistration
from bot.marketplaces.tokopedia.models.chat import (
    ChatReply,
    ChatRoom,
    ChatWebhook,
    InitiatedChat,
    SentReplyResult,
)
from bot.marketplaces.tokopedia.models.orders import (
    OrderDetail,
    OrderListItem,
    OrderNotificationWebhook,
    OrderStatusWebhook,
    RequestCancellationWebhook,
)
from tests.tokopedia.conftest import sample


class TestWebhookPayloads:
    def test_chat_with_int_and_str_ids_parse_alike(self):
        """Chat ids arrive as int or str and are kept as the same strings."""
        as_int = ChatWebhook.model_validate(sample("webhook_chat.json"))
        as_str = ChatWebhook.model_validate(sample("webhook_chat_string_ids.json"))
        assert (as_int.msg_id, as_int.buyer_id, as_int.shop_id) == ("10000", "654321", "123456")
        assert (as_str.msg_id, as_str.buyer_id, as_str.shop_id) == ("10000", "654321", "123456")
        assert as_int.full_name == "Budi"

    def test_chat_without_msg_id_is_refused_naming_the_field(self):
        """A chat payload missing the room id cannot be answered, so it is invalid."""
        with pytest.raises(ValidationError) as caught:
            ChatWebhook.model_validate(sample("webhook_chat_missing_msg_id.json"))
        assert caught.value.errors()[0]["loc"] == ("msg_id",)

    def test_order_notification_reads_title_case_names(self):
        """Tokopedia's "Name" keys fill the product, customer and recipient names."""
        hook = OrderNotificationWebhook.model_validate(sample("webhook_order_notification.json"))
        assert hook.products[0].name == "Product A"
        assert hook.customer.name == "Budi Santoso"
        assert hook.recipient.name == "Budi Santoso"
        assert hook.recipient.address.city == "Kota Administrasi Jakarta Selatan"
        assert hook.invoice == "INV/20200101/XVII/V/12345678"
        assert hook.amt.ttl_amount == 109000
        assert hook.create_time == datetime(2020, 1, 1, 5, 0, tzinfo=UTC)
        assert "secret" not in repr(hook.encryption)

    def test_order_notification_variant_tolerates_every_documented_quirk(self):
        """Lowercase/upper names, str ids, one-item lists, floats and unknown keys all parse."""
        hook = OrderNotificationWebhook.model_validate(
            sample("webhook_order_notification_variant.json")
        )
        assert [p.name for p in hook.products] == [
            "Chitato Rasa Beef BBQ 35 gr isi 20 pcs",
            "Chitato Sapi Panggang 68 gr",
        ]
        assert [p.id for p in hook.products] == ["15242279", "15242280"]
        assert hook.products[1].total_price == 37502  # 37501.5 rounded half up
        assert hook.customer.id == "8970588"  # a one-item list read as the object
        assert hook.recipient.name == "Siti Rahma"
        assert hook.logistics.shipping_agency == "Custom Logistik"
        assert hook.dropshipper_info.name == ""  # null read as empty
        assert hook.invoice == "INV/20200101/XVII/V/12345679"  # invoice_ref_num spelling
        assert hook.shipment_fulfillment is not None
        assert hook.shipment_fulfillment.accept_deadline == datetime(
            2020, 1, 12, 22, 45, 53, tzinfo=UTC
        )

    def test_order_notification_without_shop_id_is_refused(self):
        """An order we cannot route to a shop is a bad payload."""
        with pytest.raises(ValidationError, match="shop_id"):
            OrderNotificationWebhook.model_validate(
                sample("webhook_order_notification_missing_shop_id.json")
            )

    def test_order_notification_with_two_customers_is_refused(self):
        """A list of several objects where one is expected is not guessed at."""
        body = sample("webhook_order_notification.json")
        body["customer"] = [body["customer"], body["customer"]]
        with pytest.raises(ValidationError, match="expected one object"):
            OrderNotificationWebhook.model_validate(body)

    def test_order_status_payload(self):
        """The documented status example parses with its product details."""
        hook = OrderStatusWebhook.model_validate(sample("webhook_order_status.json"))
        assert (hook.order_id, hook.shop_id, hook.order_status) == ("582220328", "8212734", 0)
        assert hook.product_details[0].name == "BAJU PALING OKE1A"

    def test_order_status_with_string_values_and_a_lone_product(self):
        """String numbers and a single product object are accepted."""
        hook = OrderStatusWebhook.model_validate(sample("webhook_order_status_shipped.json"))
        assert hook.order_status == 500
        assert len(hook.product_details) == 1

    def test_order_status_without_order_id_is_refused(self):
        """A status change for no order is a bad payload."""
        with pytest.raises(ValidationError, match="order_id"):
            OrderStatusWebhook.model_validate(sample("webhook_order_status_missing_order_id.json"))

    def test_cancellation_uses_the_status_shape_and_ignores_extra_keys(self):
        """The cancellation webhook parses as a status change; unknown keys are ignored."""
        hook = OrderStatusWebhook.model_validate(sample("webhook_order_cancellation.json"))
        assert (hook.order_id, hook.order_status) == ("582220330", 15)

    @pytest.mark.parametrize(
        "name", ["webhook_request_cancellation.json", "webhook_request_cancellation_string.json"]
    )
    def test_request_cancellation_order_id_as_int_or_str(self, name):
        """The buyer's cancellation request carries order_id as int (OAS) or str (Java SDK)."""
        assert RequestCancellationWebhook.model_validate(sample(name)).order_id == "582220331"

    def test_request_cancellation_without_order_id_is_refused(self):
        """Nothing can be done with a cancellation request for no order."""
        with pytest.raises(ValidationError, match="order_id"):
            RequestCancellationWebhook.model_validate({})


class TestApiResponses:
    def test_token_hides_the_access_token_from_repr(self):
        """A logged token model does not leak the bearer token."""
        token = Token.model_validate(sample("api_token.json"))
        assert token.expires_in == 1209600
        assert token.access_token not in repr(token)

    def test_registration_keeps_unknown_urls_and_hides_the_secret(self):
        """Undocumented registered URLs survive for the merge; the secret stays out of repr."""
        registration = WebhookRegistration.model_validate(sample("api_app_info.json")["data"])
        assert registration.model_dump()["order_actions_url"] == (
            "http://yourstore.com/v1/order/actions"
        )
        assert "old_webhook_secret" not in repr(registration)

    def test_shop_info(self):
        """Shops parse with int or str ids."""
        shops = [ShopInfo.model_validate(s) for s in sample("api_shop_info.json")["data"]]
        assert [(s.shop_id, s.shop_name, s.is_open) for s in shops] == [
            ("479979", "Aqua", 1),
            ("479742", "Fincook Store", 0),
        ]

    def test_chat_rooms_with_mixed_name_casing(self):
        """List Messages contacts named with "Name" or "name" both give the buyer's name."""
        rooms = [ChatRoom.model_validate(r) for r in sample("api_list_messages.json")["data"]]
        assert [r.attributes.contact.attributes.name for r in rooms] == ["Owen", "Sari"]
        assert rooms[0].attributes.last_reply_time == datetime(
            2019, 10, 21, 8, 20, 34, 517000, tzinfo=UTC
        )

    def test_chat_replies(self):
        """Buyer bubbles are told apart from the shop's by is_opposite."""
        replies = [ChatReply.model_validate(r) for r in sample("api_list_replies.json")["data"]]
        assert [(r.reply_id, r.is_opposite) for r in replies] == [
            ("98765", True),
            ("98766", False),
        ]

    def test_send_reply_result(self):
        """The sent bubble's time and sender are read ("from" is a keyword in Python)."""
        result = SentReplyResult.model_validate(sample("api_send_reply.json")["data"])
        assert (result.msg_id, result.sender, result.role) == ("54321", "Owen", "2")
        assert result.reply_time == datetime(2019, 10, 21, 3, 0, 16, 456000, tzinfo=UTC)

    def test_initiated_chat(self):
        """Initiate Chat gives the room id to reply to."""
        chat = InitiatedChat.model_validate(sample("api_initiate_chat.json")["data"])
        assert (chat.msg_id, chat.is_success, chat.contact.attributes.name) == (
            "121212",
            True,
            "Owen",
        )

    def test_single_order(self):
        """Get Single Order: nulls, Go zero times and nested lists parse."""
        order = OrderDetail.model_validate(sample("api_single_order.json")["data"])
        assert order.order_id == "12472302"
        assert order.shipment_fulfillment.accept_deadline == datetime(
            2017, 7, 22, 17, 50, 58, tzinfo=UTC
        )
        assert order.order_info.order_detail[0].subtotal_price == 261000
        assert order.cancel_request_info is None
        assert order.custom_fields == {}

    def test_single_order_with_a_cancellation_request(self):
        """cancel_request_info is read with its reason and Jakarta-time creation."""
        order = OrderDetail.model_validate(sample("api_single_order_cancel_request.json")["data"])
        assert order.cancel_request_info is not None
        assert order.cancel_request_info.reason == "Ingin mengubah alamat pengiriman"
        assert order.cancel_request_info.create_time == datetime(2017, 7, 21, 2, 15, tzinfo=UTC)

    def test_order_list_item(self):
        """Get All Orders rows carry a string fs_id and the acceptance deadline."""
        item = OrderListItem.model_validate(sample("api_all_orders.json")["data"][0])
        assert (item.fs_id, item.order_id, item.buyer.name) == (
            "13004",
            "43481289",
            "Mitra Test Account",
        )
        assert item.shipment_fulfillment.accept_deadline is not None
