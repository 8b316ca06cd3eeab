from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from bot.domain.values import OrderState
from bot.marketplaces.tiktokshop.mapping import (
    message_parts,
    order_lines,
    order_status,
    platform_label,
)
from bot.marketplaces.tiktokshop.models import (
    LineItem,
    RecipientAddress,
    TtsOrder,
    parse_money,
    parse_time,
)


class TestStatuses:
    @pytest.mark.parametrize(
        ("code", "state"),
        [
            ("UNPAID", OrderState.UNPAID),
            ("ON_HOLD", OrderState.AWAITING_ACCEPTANCE),
            ("AWAITING_SHIPMENT", OrderState.AWAITING_ACCEPTANCE),
            ("PARTIALLY_SHIPPING", OrderState.SHIPPING),
            ("AWAITING_COLLECTION", OrderState.ACCEPTED),
            ("IN_TRANSIT", OrderState.SHIPPING),
            ("DELIVERED", OrderState.DELIVERED),
            ("COMPLETED", OrderState.COMPLETED),
            ("CANCEL", OrderState.CANCELLED),
            ("CANCELLED", OrderState.CANCELLED),
            ("RETURNED_SOMEHOW", OrderState.OTHER),
        ],
    )
    def test_order_status(self, code, state):
        """Webhook and API spellings map to the neutral state; the code is kept as given."""
        status = order_status(code)
        assert (status.code, status.state) == (code, state)

    @pytest.mark.parametrize(
        ("value", "label"),
        [
            ("TOKOPEDIA", "Tokopedia"),
            ("TIKTOK_SHOP", "Tokopedia & Shop"),
            ("tiktok_shop", "Tokopedia & Shop"),
            ("", ""),
            ("TikTok Lite", "Tokopedia & Shop Lite"),
        ],
    )
    def test_platform_label_never_says_tiktok(self, value, label):
        """Buyer platforms are shown to staff as Tokopedia or Tokopedia & Shop."""
        assert platform_label(value) == label


class TestMessageParts:
    @pytest.mark.parametrize(
        ("kind", "content", "plaintext", "expected"),
        [
            ("TEXT", {"content": "Halo"}, "", ("Halo", "", "")),
            (
                "VIDEO",
                {"url": "https://v/1.mp4", "cover": "c"},
                "",
                ("", "video", "https://v/1.mp4"),
            ),
            ("EMOTICONS", {"url": "https://e/1.gif"}, "", ("", "sticker", "https://e/1.gif")),
            ("COUPON_CARD", {"coupon_id": "123"}, "", ("123", "other", "")),
            ("LOGISTICS_CARD", {"order_id": "5"}, "", ("5", "order", "")),
            ("RETURN_REFUND_CARD", {"order_id": "6", "sku_id": "7"}, "", ("6", "order", "")),
            (
                "PRODUCT_CARD",
                {"product_id": "9"},
                "[Produk] Kaos",
                ("[Produk] Kaos", "product", "https://shop.tiktok.com/view/product/9"),
            ),
            ("SOMETHING_NEW", {"x": 1}, "", ("", "other", "")),
            ("IMAGE", {"url": 42}, "", ("", "image", "42")),
        ],
    )
    def test_kinds(self, kind, content, plaintext, expected):
        """Each message type gives its text, attachment kind and URL."""
        assert message_parts(kind, json.dumps(content), plaintext) == expected

    def test_text_that_is_not_json_is_kept(self):
        """A TEXT content that isn't the documented JSON is shown as it came."""
        assert message_parts("TEXT", "plain words") == ("plain words", "", "")

    @pytest.mark.parametrize(
        "kind",
        [
            "NOTIFICATION",
            "ALLOCATED_SERVICE",
            "BUYER_ENTER_FROM_ORDER",
            "buyer_enter_from_transfer",
        ],
    )
    def test_markers_are_not_relayable(self, kind):
        """System notices and context markers are not buyer messages."""
        assert message_parts(kind, "{}") is None


class TestOrderLines:
    def item(self, **overrides: object) -> LineItem:
        values = {"product_id": "1", "product_name": "Kaos", "sku_id": "11", "sku_name": "L",
                  "seller_sku": "KAOS-L", "sale_price": "50000"} | overrides  # fmt: skip
        return LineItem.model_validate(values)

    def test_units_are_grouped(self):
        """Three unit rows of one SKU are one line of three."""
        (line,) = order_lines([self.item(), self.item(), self.item()])
        assert (line.name, line.quantity, line.unit_price, line.total_price) == (
            "Kaos (L)",
            3,
            50000,
            150000,
        )

    def test_a_quantity_field_is_honoured(self):
        """Should a later API version send quantity, it counts."""
        (line,) = order_lines([self.item(quantity=4)])
        assert line.quantity == 4

    def test_gifts_and_other_prices_stay_separate(self):
        """A free gift or a different price is its own line."""
        lines = order_lines(
            [self.item(), self.item(is_gift=True, sale_price="0"), self.item(sale_price="45000")]
        )
        assert [(x.quantity, x.unit_price) for x in lines] == [(1, 50000), (1, 0), (1, 45000)]

    def test_default_variant_name_is_left_out(self):
        """A SKU named Default adds nothing to the product name."""
        (line,) = order_lines([self.item(sku_name="Default")])
        assert line.name == "Kaos"


class TestParsing:
    @pytest.mark.parametrize(
        ("value", "rupiah"),
        [
            ("85000", 85000),
            ("85000.00", 85000),
            ("85000.5", 85001),
            (85000, 85000),
            ("", 0),
            (None, 0),
        ],
    )
    def test_money(self, value, rupiah):
        """String amounts become whole Rupiah."""
        assert parse_money(value) == rupiah

    @pytest.mark.parametrize("value", ["abc", "NaN", True])
    def test_bad_money(self, value):
        """A non-amount is refused."""
        with pytest.raises(ValueError, match="amount"):
            parse_money(value)

    def test_times(self):
        """Unix seconds, numeric strings and milliseconds are UTC datetimes; 0 is None."""
        expected = datetime(2025, 10, 6, 3, 0, tzinfo=UTC)
        assert parse_time(1759719600) == expected
        assert parse_time("1759719600") == expected
        assert parse_time(1759719600000) == expected
        assert parse_time(0) is None

    def test_city_falls_back_to_level_two(self):
        """Without a level named City, the L2 entry is the city."""
        address = RecipientAddress.model_validate(
            {"district_info": [{"address_level": "L1", "address_name": "Jawa Barat"},
                               {"address_level": "L2", "address_name": "Kota Bandung"}]}
        )  # fmt: skip
        assert address.city == "Kota Bandung"

    def test_order_needs_id_and_status(self):
        """An order without its id is refused rather than half-read."""
        with pytest.raises(ValidationError):
            TtsOrder.model_validate({"status": "UNPAID"})

    def test_numeric_ids_become_strings(self):
        """Ids sent as numbers are kept as exact strings."""
        order = TtsOrder.model_validate({"id": 578901234567890123, "status": "UNPAID"})
        assert order.id == "578901234567890123"
