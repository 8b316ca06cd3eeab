"""Pure builders for the simulator's records: shops, products, orders, history rows.

Orders are stored once, in the order-notification shape (§6.2 of the API doc), plus the
fulfilment fields; every served shape is derived from that record (`views.py`), so the
views cannot drift apart.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

JsonDict = dict[str, Any]

# Statuses before Payment Verified; an order that only ever had these is not listed (§8.1).
PRE_PAYMENT = frozenset({100, 103, 200})
ACCEPT_WINDOW_S = 2 * 24 * 3600  # doc silent on the legacy rule (§8.7); 48 h is a guess
SHIP_WINDOW_S = 4 * 24 * 3600

_ROMAN = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]

_DEFAULT_ADDRESS: JsonDict = {
    "address_full": "Jl. Kebon Sirih No. 10, RT 1/RW 2",
    "district": "Menteng",
    "city": "Jakarta Pusat",
    "province": "DKI Jakarta",
    "country": "Indonesia",
    "postal_code": "10340",
    "district_id": 2270,
    "city_id": 175,
    "province_id": 13,
    "geo": "-6.186486,106.834091",
}


def iso(ts: float) -> str:
    """Format a UNIX time the way Tokopedia's order endpoints do (UTC, 'Z' suffix)."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _roman(n: int) -> str:
    out = ""
    for value, numeral in _ROMAN:
        while n >= value:
            out += numeral
            n -= value
    return out


def invoice_for(order_id: int, ts: float) -> str:
    """Build an invoice number like 'INV/20200101/XX/I/12345678' (year and month in roman)."""
    day = datetime.fromtimestamp(ts, tz=UTC)
    return f"INV/{day:%Y%m%d}/{_roman(day.year % 100)}/{_roman(day.month)}/{order_id}"


def mask_phone(phone: str) -> str:
    """Mask all but the last four digits, as the PII policy does (§11)."""
    return "*" * max(len(phone) - 4, 0) + phone[-4:]


def new_shop(shop_id: int, name: str, created: float) -> JsonDict:
    """A shop-info row (§9) for a shop connected to the fs_id."""
    domain = "".join(ch for ch in name.lower() if ch.isalnum()) or f"shop{shop_id}"
    return {
        "shop_id": shop_id,
        "user_id": shop_id + 9_000_000,
        "shop_name": name,
        "logo": f"https://images.tokopedia.net/img/shop/{shop_id}/logo.png",
        "shop_url": f"https://www.tokopedia.com/{domain}",
        "is_open": 1,
        "status": 1,
        "date_shop_created": iso(created)[:10],
        "domain": domain,
        "admin_id": [],
        "reason": "",
        "district_id": 2270,
        "province_name": "DKI Jakarta",
        "warehouses": [
            {"warehouse_id": shop_id + 1_000_000, "partner_id": {}, "shop_id": {}, "is_default": 1}
        ],
        "subscribe_tokocabang": False,
        "is_mitra": False,
    }


def new_product(product_id: int, name: str, price: int, sku: str, weight: float) -> JsonDict:
    """A catalogue product, in the webhook's product-line shape minus the quantities."""
    return {
        "id": product_id,
        "Name": name,
        "price": price,
        "sku": sku,
        "weight": weight,
        "currency": "Rp.",
    }


def order_line(product: JsonDict) -> JsonDict:
    """Complete a partial product line: quantity 1 and computed totals unless given."""
    line = dict(product)
    if "name" in line and "Name" not in line:
        line["Name"] = line.pop("name")
    line.setdefault("quantity", 1)
    line.setdefault("notes", "")
    line.setdefault("weight", 0.5)
    line.setdefault("price", 50000)
    line.setdefault("currency", "Rp.")
    line.setdefault("sku", f"SKU-{line['id']}")
    line.setdefault("total_weight", round(line["weight"] * line["quantity"], 3))
    line.setdefault("total_price", line["price"] * line["quantity"])
    return line


def new_order(
    *,
    order_id: int,
    payment_id: int,
    fs_id: int,
    shop: JsonDict,
    products: list[JsonDict],
    created: float,
    status: int,
    buyer_id: int,
    buyer_name: str,
    city: str,
) -> JsonDict:
    """An order record in the order-notification shape (§6.2) plus the fulfilment fields."""
    lines = [order_line(p) for p in products]
    ttl = sum(int(p["total_price"]) for p in lines)
    shipping = 12000
    phone = "6281234567890"
    address = dict(_DEFAULT_ADDRESS, city=city)
    return {
        "fs_id": fs_id,
        "order_id": order_id,
        "invoice_num": invoice_for(order_id, created),
        "accept_partial": False,
        "products": lines,
        "customer": {
            "id": buyer_id,
            "Name": buyer_name,
            "phone": mask_phone(phone),
            "email": "",
        },
        "recipient": {"Name": buyer_name, "phone": mask_phone(phone), "address": address},
        "shop_id": shop["shop_id"],
        "warehouse_id": shop["warehouses"][0]["warehouse_id"],
        "shop_name": shop["shop_name"],
        "payment_id": payment_id,
        "logistics": {
            "shipping_id": 1,
            "district_id": address["district_id"],
            "city_id": address["city_id"],
            "province_id": address["province_id"],
            "geo": address["geo"],
            "shipping_agency": "JNE",
            "service_type": "REG",
        },
        "amt": {
            "ttl_product_price": ttl,
            "shipping_cost": shipping,
            "insurance_cost": 0,
            "ttl_amount": ttl + shipping,
            "voucher_amount": 0,
            "toppoints_amount": 0,
        },
        "dropshipper_info": {"Name": "", "phone": ""},
        "voucher_info": {"voucher_type": 0, "voucher_code": ""},
        "device_type": "android",
        "create_time": int(created),
        "order_status": status,
        "custom_fields": {"awb": ""},
        "is_plus": False,
        "shipment_fulfillment": {
            "accept_deadline": iso(created + ACCEPT_WINDOW_S),
            "confirm_shipping_deadline": iso(created + SHIP_WINDOW_S),
        },
        "cancel_request_info": None,
        "order_history": [],
    }


def history_entry(status: int, ts: float, message: str, by: str) -> JsonDict:
    """One order_history row of Get Single Order (§8.2)."""
    return {
        "action_by": by,
        "hist_status_code": status,
        "message": message,
        "timestamp": iso(ts),
        "comment": "",
        "create_by": 0,
        "update_by": by,
    }


def reached_payment(order: JsonDict) -> bool:
    """True once the order has been at or past Payment Verified (220)."""
    return any(h["hist_status_code"] not in PRE_PAYMENT for h in order["order_history"])
