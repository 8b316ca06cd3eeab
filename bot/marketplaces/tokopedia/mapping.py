"""Tokopedia orders as domain ``Order``s.

Three sources describe an order: the new-order webhook and Get All Orders (one shape, with a
few names changed) and Get Single Order (its own shape).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.domain.values import MarketplaceName, Order, OrderLine

from .models.orders import OrderDetail, OrderListItem, OrderNotificationWebhook, Person, Product
from .protocol import order_status

TOKOPEDIA = MarketplaceName.TOKOPEDIA


def _lines(products: Iterable[Product]) -> tuple[OrderLine, ...]:
    return tuple(
        OrderLine(
            product_id=p.id,
            name=p.name,
            quantity=p.quantity,
            unit_price=p.price,
            total_price=p.total_price or p.price * p.quantity,
            sku=p.sku,
            notes=p.notes,
        )
        for p in products
    )


def order_from_notification(hook: OrderNotificationWebhook) -> Order:
    fulfillment = hook.shipment_fulfillment
    return _order(
        hook,
        invoice=hook.invoice,
        buyer=hook.customer,
        shop_name=hook.shop_name,
        accept_deadline=fulfillment.accept_deadline if fulfillment else None,
    )


def order_from_list_item(item: OrderListItem) -> Order:
    return _order(
        item,
        invoice=item.invoice_ref_num,
        buyer=item.buyer,
        shop_name="",  # Get All Orders does not name the shop
        accept_deadline=item.shipment_fulfillment.accept_deadline,
    )


def _order(
    listed: OrderNotificationWebhook | OrderListItem,
    *,
    invoice: str,
    buyer: Person,
    shop_name: str,
    accept_deadline: datetime | None,
) -> Order:
    """The two listings of an order share their shape but for a few names."""
    lines = _lines(listed.products)
    return Order(
        marketplace=TOKOPEDIA,
        shop_id=listed.shop_id,
        order_id=listed.order_id,
        invoice=invoice,
        status=order_status(listed.order_status),
        lines=lines,
        total=listed.amt.ttl_amount or sum(line.total_price for line in lines),
        # amt: ttl_amount = products + shipping + insurance - voucher (doc §6.2).
        shipping=listed.amt.shipping_cost + listed.amt.insurance_cost,
        discount=listed.amt.voucher_amount + listed.amt.toppoints_amount,
        shop_name=shop_name,
        # Get Webhook Payload blanks customer.Name but keeps the recipient's (§6.2).
        buyer_name=buyer.name or listed.recipient.name,
        courier=listed.logistics.shipping_agency,
        service=listed.logistics.service_type,
        destination_city=listed.recipient.address.city,
        accept_deadline=accept_deadline,
        created_at=listed.create_time,
        buyer_platform=listed.device_type,
    )


def order_from_detail(detail: OrderDetail, shop_id: str = "") -> Order:
    info = detail.order_info
    lines = tuple(
        OrderLine(
            product_id=d.product_id,
            name=d.product_name,
            quantity=d.quantity,
            unit_price=d.product_price,
            total_price=d.subtotal_price or d.product_price * d.quantity,
            sku=d.sku,
            notes=d.notes,
        )
        for d in info.order_detail
    )
    return Order(
        marketplace=TOKOPEDIA,
        shop_id=detail.shop_info.shop_id or shop_id,
        order_id=detail.order_id,
        invoice=detail.invoice_number,
        status=order_status(detail.order_status),
        lines=lines,
        # open_amt is what the buyer pays (items + shipping); item_price is the items alone.
        total=detail.open_amt or detail.item_price or sum(line.total_price for line in lines),
        shipping=info.shipping_info.shipping_price if detail.open_amt else 0,
        shop_name=detail.shop_info.shop_name,
        buyer_name=detail.buyer_info.buyer_fullname or info.destination.receiver_name,
        courier=info.shipping_info.logistic_name,
        service=info.shipping_info.logistic_service,
        destination_city=info.destination.address_city,
        accept_deadline=detail.shipment_fulfillment.accept_deadline,
        created_at=detail.create_time,
    )
