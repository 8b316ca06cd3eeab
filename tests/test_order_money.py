"""Shipping and discount reach the domain Order from both marketplaces, so cards add up."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from bot.marketplaces.tiktokshop.mapping import order_from_api
from bot.marketplaces.tiktokshop.models import TtsOrder
from bot.marketplaces.tokopedia.mapping import order_from_notification
from bot.marketplaces.tokopedia.models.orders import OrderNotificationWebhook

SAMPLES = Path(__file__).parent / "samples"


def _sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def _tiktok(**payment: str) -> TtsOrder:
    raw = copy.deepcopy(_sample("tiktokshop/api_order_detail.json")["data"]["orders"][0])
    raw["payment"].update(payment)
    return TtsOrder.model_validate(raw)


def _lines_total(order: Any) -> int:
    return sum(line.total_price for line in order.lines)


class TestTokopedia:
    def test_notification_shipping_adds_up(self) -> None:
        """The sample's Rp100.000 of products plus Rp9.000 shipping is its Rp109.000 total."""
        hook = OrderNotificationWebhook.model_validate(
            _sample("tokopedia/webhook_order_notification.json")
        )
        order = order_from_notification(hook)
        assert (order.shipping, order.discount, order.total) == (9000, 0, 109000)
        assert _lines_total(order) + order.shipping - order.discount == order.total

    def test_insurance_and_voucher(self) -> None:
        """Insurance counts as shipping; a voucher and points count as discount."""
        raw = _sample("tokopedia/webhook_order_notification.json")
        raw["amt"].update(
            insurance_cost=1000, voucher_amount=5000, toppoints_amount=500, ttl_amount=104500
        )
        order = order_from_notification(OrderNotificationWebhook.model_validate(raw))
        assert (order.shipping, order.discount) == (10000, 5500)
        assert _lines_total(order) + order.shipping - order.discount == order.total


class TestTokopediaAndShop:
    def test_shipping_fee_adds_up(self) -> None:
        """Rp202.000 of items and Rp10.000 shipping make the Rp212.000 the buyer pays."""
        order = order_from_api(_tiktok(), "7000")
        assert (order.shipping, order.discount, order.total) == (10000, 0, 212000)

    def test_discount_is_what_the_total_lacks(self) -> None:
        """A platform discount shows as the gap between items + shipping and the total."""
        order = order_from_api(_tiktok(total_amount="200000", platform_discount="12000"), "7000")
        assert (order.shipping, order.discount, order.total) == (10000, 12000, 200000)
        assert _lines_total(order) + order.shipping - order.discount == order.total

    def test_no_figures_no_discount(self) -> None:
        """Without a subtotal nothing is guessed."""
        order = order_from_api(_tiktok(sub_total="0", total_amount="0"), "7000")
        assert order.discount == 0
