"""Tokopedia orders: the order webhooks (§6.2-6.4), Get Single Order and Get All Orders (§8)."""

from __future__ import annotations

from pydantic import Field

from bot.marketplaces.lenient import Flag, Id, Int, Text

from .base import Fields, Many, Maybe, MaybeEmpty, Model, Money, One, Timestamp

# --- webhook payloads (§6) --------------------------------------------------------------------


class Product(Model):
    id: Id = ""
    name: Text = ""
    quantity: Int = 0
    notes: Text = ""
    weight: float | None = None
    total_weight: float | None = None
    price: Money = 0
    total_price: Money = 0
    currency: Text = ""
    sku: Text = ""


class Person(Model):
    """``customer``, ``buyer`` and ``dropshipper_info``: phone and email arrive masked."""

    id: Id = ""
    name: Text = ""
    phone: Text = ""
    email: Text = ""


class Address(Model):
    address_full: Text = ""
    district: Text = ""
    city: Text = ""
    province: Text = ""
    country: Text = ""
    postal_code: Text = ""
    district_id: Id = ""
    city_id: Id = ""
    province_id: Id = ""
    geo: Text = ""


class Recipient(Model):
    name: Text = ""
    phone: Text = ""
    address: One[Address] = Field(default_factory=Address)


class Logistics(Model):
    shipping_id: Id = ""
    district_id: Id = ""
    city_id: Id = ""
    province_id: Id = ""
    geo: Text = ""
    shipping_agency: Text = ""
    service_type: Text = ""


class Amounts(Model):
    ttl_product_price: Money = 0
    shipping_cost: Money = 0
    insurance_cost: Money = 0
    ttl_amount: Money = 0
    voucher_amount: Money = 0
    toppoints_amount: Money = 0


class VoucherInfo(Model):
    voucher_type: Int = 0
    voucher_code: Text = ""


class Encryption(Model):
    secret: Text = Field("", repr=False)
    content: Text = Field("", repr=False)


class ListFulfillment(Model):
    accept_deadline: Timestamp = None
    confirm_shipping_deadline: Timestamp = None


class OrderNotificationWebhook(Model):
    """New, payment-verified order (220): the one that needs ACK or NACK."""

    order_id: Id
    shop_id: Id
    fs_id: Id = ""
    invoice_num: Text = ""
    invoice_ref_num: Text = ""  # the Get-Webhook-Payload spelling of the same field
    accept_partial: Flag = False
    products: Many[Product] = Field(default_factory=list)
    customer: One[Person] = Field(default_factory=Person)
    recipient: One[Recipient] = Field(default_factory=Recipient)
    warehouse_id: Id = ""
    shop_name: Text = ""
    payment_id: Id = ""
    logistics: One[Logistics] = Field(default_factory=Logistics)
    amt: One[Amounts] = Field(default_factory=Amounts)
    dropshipper_info: One[Person] = Field(default_factory=Person)
    voucher_info: One[VoucherInfo] = Field(default_factory=VoucherInfo)
    device_type: Text = ""
    create_time: Timestamp = None
    # The event means "payment verified"; an absent status is read as 220 (doc §6.2).
    order_status: int = 220
    custom_fields: Fields = Field(default_factory=dict)
    encryption: Maybe[Encryption] = None
    shipment_fulfillment: Maybe[ListFulfillment] = None
    is_plus: Flag = False

    @property
    def invoice(self) -> str:
        return self.invoice_num or self.invoice_ref_num


class OrderStatusWebhook(Model):
    """Order status change; the cancellation webhook shares this shape (doc §6.4)."""

    order_id: Id
    shop_id: Id
    order_status: int
    fs_id: Id = ""
    warehouse_id: Id = ""
    product_details: Many[Product] = Field(default_factory=list)


OrderCancellationWebhook = OrderStatusWebhook


class RequestCancellationWebhook(Model):
    """Buyer asks to cancel: ``order_id`` only (int per OAS, String per the Java SDK)."""

    order_id: Id
    shop_id: Id = ""  # not documented; used if Tokopedia ever sends it


# --- Get Single Order (§8.2) -------------------------------------------------------------------


class BuyerInfo(Model):
    buyer_id: Id = ""
    buyer_fullname: Text = ""
    buyer_email: Text = ""
    buyer_phone: Text = ""


class ShopOfOrder(Model):
    shop_id: Id = ""
    shop_name: Text = ""
    shop_domain: Text = ""
    shop_owner_id: Id = ""


class ShipmentFulfillment(Model):
    accept_deadline: Timestamp = None
    confirm_shipping_deadline: Timestamp = None
    payment_date_time: Timestamp = None
    is_accepted: Flag = False
    is_confirm_shipping: Flag = False
    is_item_delivered: Flag = False
    fulfillment_status: Int = 0


class OrderDetailLine(Model):
    order_detail_id: Id = ""
    product_id: Id = ""
    product_name: Text = ""
    product_price: Money = 0
    subtotal_price: Money = 0
    quantity: Int = 0
    quantity_deliver: Int = 0
    quantity_reject: Int = 0
    sku: Text = ""
    notes: Text = ""
    product_picture: Text = ""


class OrderHistoryEntry(Model):
    action_by: Text = ""
    hist_status_code: Int = 0
    message: Text = ""
    timestamp: Timestamp = None
    comment: Text = ""


class ShippingInfo(Model):
    logistic_name: Text = ""
    logistic_service: Text = ""
    awb: Text = ""
    shipping_price: Money = 0


class Destination(Model):
    receiver_name: Text = ""
    receiver_phone: Text = ""
    address_street: Text = ""
    address_district: Text = ""
    address_city: Text = ""
    address_province: Text = ""
    address_postal: Text = ""


class OrderInfo(Model):
    order_detail: Many[OrderDetailLine] = Field(default_factory=list)
    order_history: Many[OrderHistoryEntry] = Field(default_factory=list)
    shipping_info: One[ShippingInfo] = Field(default_factory=ShippingInfo)
    destination: One[Destination] = Field(default_factory=Destination)


class CancelRequestInfo(Model):
    create_time: Timestamp = None
    reason: Text = ""
    status: Text = ""

    @property
    def is_present(self) -> bool:
        return bool(self.reason or self.create_time)


class OrderDetail(Model):
    """Get Single Order."""

    order_id: Id
    order_status: int
    invoice_number: Text = ""
    buyer_id: Id = ""
    seller_id: Id = ""
    payment_id: Id = ""
    open_amt: Money = 0
    item_price: Money = 0
    buyer_info: One[BuyerInfo] = Field(default_factory=BuyerInfo)
    shop_info: One[ShopOfOrder] = Field(default_factory=ShopOfOrder)
    shipment_fulfillment: One[ShipmentFulfillment] = Field(default_factory=ShipmentFulfillment)
    order_info: One[OrderInfo] = Field(default_factory=OrderInfo)
    cancel_request_info: MaybeEmpty[CancelRequestInfo] = None
    create_time: Timestamp = None
    update_time: Timestamp = None
    payment_date: Timestamp = None
    custom_fields: Fields = Field(default_factory=dict)


# --- Get All Orders (§8.1) ---------------------------------------------------------------------


class OrderListItem(Model):
    order_id: Id
    shop_id: Id
    order_status: int
    fs_id: Id = ""  # a string in this response
    invoice_ref_num: Text = ""
    accept_partial: Flag = False
    products: Many[Product] = Field(default_factory=list)
    buyer: One[Person] = Field(default_factory=Person)
    recipient: One[Recipient] = Field(default_factory=Recipient)
    logistics: One[Logistics] = Field(default_factory=Logistics)
    amt: One[Amounts] = Field(default_factory=Amounts)
    warehouse_id: Id = ""
    payment_id: Id = ""
    device_type: Text = ""
    fulfill_by: Int = 0
    create_time: Timestamp = None
    custom_fields: Fields = Field(default_factory=dict)
    shipment_fulfillment: One[ListFulfillment] = Field(default_factory=ListFulfillment)
    is_plus: Flag = False
