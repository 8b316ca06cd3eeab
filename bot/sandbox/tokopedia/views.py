"""Every shape the simulator serves, derived from the stored order record.

The views deliberately keep Tokopedia's inconsistencies (§6.0 of the API doc): capital
"Name" in webhooks, lowercase "name" in Get All Orders, three different invoice keys.
"""

from __future__ import annotations

import copy

from bot.sandbox.tokopedia.payloads import JsonDict, iso


def _lowercase_name(obj: JsonDict) -> JsonDict:
    out = dict(obj)
    if "Name" in out:
        out["name"] = out.pop("Name")
    return out


def single_order_view(order: JsonDict, shop: JsonDict) -> JsonDict:
    """The `data` of Get Single Order (§8.2), derived from the stored record."""
    status = int(order["order_status"])
    created = float(order["create_time"])
    addr = order["recipient"]["address"]
    lines = order["products"]
    accepted = status >= 400 or any(h["hist_status_code"] == 400 for h in order["order_history"])
    return {
        "order_id": order["order_id"],
        "buyer_id": order["customer"]["id"],
        "seller_id": shop["user_id"],
        "payment_id": order["payment_id"],
        "is_affiliate": False,
        "is_fulfillment": False,
        "order_warehouse": {"warehouse_id": order["warehouse_id"], "fulfill_by": 0},
        "order_status": status,
        "invoice_number": order["invoice_num"],
        "invoice_pdf": f"Invoice-{order['customer']['id']}-{order['shop_id']}.pdf",
        "invoice_url": f"https://www.tokopedia.com/invoice.pl?id={order['order_id']}",
        "open_amt": order["amt"]["ttl_amount"],
        "lp_amt": 0,
        "cashback_amt": 0,
        "info": "",
        "comment": "",
        "item_price": order["amt"]["ttl_product_price"],
        "buyer_info": {
            "buyer_id": order["customer"]["id"],
            "buyer_fullname": order["customer"]["Name"],
            "buyer_email": order["customer"]["email"],
            "buyer_phone": order["customer"]["phone"],
        },
        "shop_info": {
            "shop_owner_id": shop["user_id"],
            "shop_owner_email": "",
            "shop_owner_phone": "",
            "shop_name": shop["shop_name"],
            "shop_domain": shop["domain"],
            "shop_id": shop["shop_id"],
        },
        "shipment_fulfillment": {
            "id": order["order_id"],
            "order_id": order["order_id"],
            "payment_date_time": iso(created),
            "is_same_day": False,
            "accept_deadline": order["shipment_fulfillment"]["accept_deadline"],
            "confirm_shipping_deadline": order["shipment_fulfillment"][
                "confirm_shipping_deadline"
            ],
            "item_delivered_deadline": {"Time": iso(created + 9 * 24 * 3600), "Valid": True},
            "is_accepted": accepted,
            "is_confirm_shipping": status >= 500 and status < 600,
            "is_item_delivered": status >= 600 and status < 700,
            "fulfillment_status": 1,
        },
        "preorder": {"order_id": order["order_id"], "preorder_type": 0},
        "order_info": {
            "order_detail": [
                {
                    "order_detail_id": order["order_id"] * 10 + i,
                    "product_id": p["id"],
                    "product_name": p["Name"],
                    "product_desc_pdp": "",
                    "product_price": p["price"],
                    "subtotal_price": p["total_price"],
                    "weight": p["weight"],
                    "total_weight": p["total_weight"],
                    "quantity": p["quantity"],
                    "quantity_deliver": p["quantity"],
                    "quantity_reject": 0,
                    "notes": p["notes"],
                    "currency_id": 1,
                    "sku": p["sku"],
                    "product_picture": f"https://images.tokopedia.net/img/product/{p['id']}.jpg",
                    "snapshot_url": f"https://www.tokopedia.com/snapshot/{p['id']}",
                }
                for i, p in enumerate(lines, start=1)
            ],
            "order_history": list(reversed(order["order_history"])),  # newest first
            "order_age_day": 0,
            "shipping_info": {
                "sp_id": order["logistics"]["shipping_id"],
                "shipping_id": order["logistics"]["shipping_id"],
                "logistic_name": order["logistics"]["shipping_agency"],
                "logistic_service": order["logistics"]["service_type"],
                "shipping_price": order["amt"]["shipping_cost"],
                "insurance_price": order["amt"]["insurance_cost"],
                "awb": order["custom_fields"].get("awb", ""),
                "recommended_courier_info": [],
            },
            "destination": {
                "receiver_name": order["recipient"]["Name"],
                "receiver_phone": order["recipient"]["phone"],
                "address_street": addr["address_full"],
                "address_district": addr["district"],
                "address_city": addr["city"],
                "address_province": addr["province"],
                "address_postal": addr["postal_code"],
                "district_id": addr["district_id"],
                "city_id": addr["city_id"],
                "province_id": addr["province_id"],
            },
        },
        "origin_info": {
            "sender_name": shop["shop_name"],
            "origin_province_name": shop["province_name"],
            "origin_district": shop["district_id"],
        },
        "payment_info": {
            "payment_id": order["payment_id"],
            "payment_ref_num": f"PYM/{order['payment_id']}",
            "payment_date": iso(created),
            "payment_method": 0,
            "payment_status": "Verified",
            "payment_status_id": 2,
            "gateway_name": "BCA Virtual Account",
        },
        "insurance_info": {"insurance_type": 0},
        "hold_info": None,
        "cancel_request_info": copy.deepcopy(order["cancel_request_info"]),
        "create_time": iso(created),
        "shipping_date": None,
        "update_time": order["order_history"][-1]["timestamp"] if order["order_history"] else "",
        "payment_date": iso(created),
        "delivered_date": None,
        "est_shipping_date": None,
        "est_delivery_date": None,
        "related_invoices": None,
        "custom_fields": copy.deepcopy(order["custom_fields"]),
        "promo_order_detail": {"order_id": order["order_id"], "total_discount": 0},
        "pof_info": None,
    }


def list_order_view(order: JsonDict) -> JsonDict:
    """One row of Get All Orders (§8.1): fs_id as a string, lowercase "name" keys."""
    return {
        "fs_id": str(order["fs_id"]),
        "order_id": order["order_id"],
        "is_cod_mitra": False,
        "accept_partial": order["accept_partial"],
        "invoice_ref_num": order["invoice_num"],
        "have_product_bundle": False,
        "products": [dict(_lowercase_name(p), is_wholesale=False) for p in order["products"]],
        "products_fulfilled": [
            {"product_id": p["id"], "quantity_deliver": p["quantity"], "quantity_reject": 0}
            for p in order["products"]
        ],
        "bundle_detail": {"total_product": 0, "bundle": [], "non_bundle": []},
        "device_type": order["device_type"],
        "buyer": _lowercase_name(order["customer"]),
        "shop_id": order["shop_id"],
        "payment_id": order["payment_id"],
        "recipient": copy.deepcopy(_lowercase_name(order["recipient"])),
        "logistics": dict(order["logistics"]),
        "amt": dict(order["amt"]),
        "dropshipper_info": _lowercase_name(order["dropshipper_info"]),
        "voucher_info": dict(order["voucher_info"]),
        "order_status": order["order_status"],
        "warehouse_id": order["warehouse_id"],
        "fulfill_by": 0,
        "create_time": order["create_time"],
        "custom_fields": dict(order["custom_fields"]),
        "promo_order_detail": {"order_id": order["order_id"], "total_discount": 0},
        "shipment_fulfillment": dict(order["shipment_fulfillment"]),
        "is_plus": order["is_plus"],
        "pof_info": None,
    }


_NOTIFICATION_KEYS = (
    "fs_id", "order_id", "invoice_num", "accept_partial", "products", "customer", "recipient",
    "shop_id", "warehouse_id", "shop_name", "payment_id", "logistics", "amt",
    "dropshipper_info", "voucher_info", "device_type", "create_time", "order_status",
    "custom_fields", "is_plus",
)  # fmt: skip


def order_notification_payload(order: JsonDict) -> JsonDict:
    """The order-notification webhook body (§6.2); plain, never encrypted."""
    return copy.deepcopy({key: order[key] for key in _NOTIFICATION_KEYS})


def webhook_payload_variant(order: JsonDict) -> JsonDict:
    """Get Webhook Payload's order_notification: invoice_ref_num, blank customer (§6.2)."""
    body = order_notification_payload(order)
    body["invoice_ref_num"] = body.pop("invoice_num")
    body["customer"].update(Name="", phone="", email="")
    return body


_STATUS_PRODUCT_KEYS = (
    "id", "Name", "notes", "currency", "weight", "total_weight", "price", "total_price",
    "quantity", "sku",
)  # fmt: skip


def order_status_payload(order: JsonDict) -> JsonDict:
    """The order-status webhook body (§6.3), also used for cancellations (§6.4)."""
    return {
        "order_status": order["order_status"],
        "fs_id": order["fs_id"],
        "shop_id": order["shop_id"],
        "order_id": order["order_id"],
        "warehouse_id": order["warehouse_id"],
        "product_details": [
            {key: p[key] for key in _STATUS_PRODUCT_KEYS} for p in order["products"]
        ],
    }
