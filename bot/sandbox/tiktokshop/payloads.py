"""Pure builders for the simulator's records: shops, orders, line items, chat messages.

Orders are stored once, in the Get Order Detail shape (§9.2); list and detail views are
derived from that record (`views.py`). Ids are digit strings, amounts are strings, times
are Unix seconds (§6).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterable
from typing import Any

from bot.sandbox.tiktokshop.records import Buyer, JsonDict

DAY = 86400

DEFAULT_ITEMS: tuple[JsonDict, ...] = (
    {"product_name": "Kopi Gayo Arabika 250g", "sku_name": "250g", "sale_price": "85000",
     "seller_sku": "KOPI-GAYO-250"},
    {"product_name": "Gula Aren Cair 500ml", "sku_name": "500ml", "sale_price": "32000",
     "seller_sku": "GULA-AREN-500"},
)  # fmt: skip

_ADDRESS: JsonDict = {
    "address_detail": "Jl. Kebon Sirih No. 10, RT 1/RW 2",
    "address_line1": "Jl. Kebon Sirih No. 10, RT 1/RW 2",
    "address_line2": "",
    "postal_code": "10340",
    "region_code": "ID",
    "district_info": [
        {"address_level": "L0", "address_level_name": "Country", "address_name": "Indonesia"},
        {"address_level": "L1", "address_level_name": "Province", "address_name": "DKI Jakarta"},
        {"address_level": "L2", "address_level_name": "City", "address_name": "Jakarta Pusat"},
        {"address_level": "L3", "address_level_name": "District", "address_name": "Menteng"},
    ],
}


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def new_shop(shop_id: str, name: str) -> JsonDict:
    """A Get Authorized Shops row (§4.2) with a stable cipher and shop code."""
    cipher = "ROW_" + base64.urlsafe_b64encode(_digest(shop_id)).decode()[:27]
    code = "IDLC" + base64.b32encode(_digest("code" + shop_id)).decode()[:6]
    return {
        "id": shop_id,
        "name": name,
        "region": "ID",
        "seller_type": "LOCAL",
        "cipher": cipher,
        "code": code,
    }


def new_buyer(nickname: str, user_id: str, im_user_id: str) -> Buyer:
    avatar = (
        f"https://p16-oec-sg.ibyteimg.com/tos-alisg-avt-0068/{user_id}~tplv-resize:100:100.webp"
    )
    return Buyer(user_id=user_id, im_user_id=im_user_id, nickname=nickname, avatar=avatar)


def _line_item(spec: JsonDict, new_id: Callable[[str], str]) -> JsonDict:
    price = str(spec.get("sale_price", "50000"))
    item: JsonDict = {
        "id": new_id("line_item"),
        "product_id": new_id("product"),
        "product_name": "Produk Contoh",
        "sku_id": new_id("sku"),
        "sku_name": "",
        "sku_image": "https://p16-oec-sg.ibyteimg.com/tos-alisg-i-aphluv4xwc-sg/sku.jpeg",
        "seller_sku": "",
        "sale_price": price,
        "original_price": price,
        "seller_discount": "0",
        "platform_discount": "0",
        "currency": "IDR",
        "display_status": "AWAITING_SHIPMENT",
        "package_status": "TO_FULFILL",
        "cancel_reason": "",
        "cancel_user": "",
        "is_gift": False,
        "rts_time": 0,
    }
    item.update({k: v for k, v in spec.items() if k != "quantity"})
    return item


def line_items(specs: list[JsonDict], new_id: Callable[[str], str]) -> list[JsonDict]:
    """Complete partial line items; `quantity: n` becomes n rows, as TikTok lists units."""
    return [
        _line_item(spec, new_id) for spec in specs for _ in range(int(spec.get("quantity", 1)))
    ]


def new_order(
    *,
    order_id: str,
    shop_id: str,
    buyer: Buyer,
    created: int,
    status: str,
    items: list[JsonDict],
    commerce_platform: str,
    new_id: Callable[[str], str],
) -> JsonDict:
    """A full order record; status-dependent fields are filled by `apply_status`."""
    sub_total = sum(int(item["sale_price"]) for item in items)
    shipping_fee = 10000
    payment = {
        "currency": "IDR",
        "sub_total": str(sub_total),
        "shipping_fee": str(shipping_fee),
        "seller_discount": "0",
        "platform_discount": "0",
        "original_total_product_price": str(sub_total),
        "original_shipping_fee": str(shipping_fee),
        "shipping_fee_seller_discount": "0",
        "shipping_fee_platform_discount": "0",
        "tax": "0",
        "total_amount": str(sub_total + shipping_fee),
    }
    order: JsonDict = {
        "id": order_id,
        "shop_id": shop_id,
        "status": status,
        "user_id": buyer.user_id,
        "buyer_nickname": buyer.nickname,
        "buyer_email": f"v2_{order_id[-8:]}@scs2.tokopedia-shop.example",
        "buyer_message": "",
        "commerce_platform": commerce_platform,
        "create_time": created,
        "paid_time": created + 60,
        "update_time": created,
        "payment": payment,
        "payment_method_name": "GoPay",
        "is_cod": False,
        "line_items": items,
        "packages": [{"id": new_id("package")}],
        "recipient_address": {
            **_ADDRESS,
            "name": buyer.nickname,
            "phone_number": "(+62)812****5678",
            "full_address": "Jl. Kebon Sirih No. 10, Menteng, Jakarta Pusat, DKI Jakarta, 10340",
        },
        "shipping_type": "TIKTOK",
        "delivery_type": "HOME_DELIVERY",
        "delivery_option_id": "7091146663229343489",
        "delivery_option_name": "Reguler",
        "shipping_provider": "J&T Express",
        "shipping_provider_id": "6617675021119438849",
        "tracking_number": "",
        "fulfillment_type": "FULFILLMENT_BY_SELLER",
        "warehouse_id": "7068517275539719942",
        "rts_sla_time": created + 2 * DAY,
        "tts_sla_time": created + 3 * DAY,
        "shipping_due_time": created + 3 * DAY,
        "collection_due_time": created + 3 * DAY,
        "delivery_due_time": created + 10 * DAY,
        "cancel_order_sla_time": created + 3 * DAY,
        "is_on_hold_order": False,
        "is_buyer_request_cancel": False,
        "cancellation_initiator": "",
        "cancel_reason": "",
        "is_sample_order": False,
        "seller_note": "",
    }
    apply_status(order, status, created)
    return order


def apply_status(order: JsonDict, status: str, now: int) -> None:
    """Move an order to `status`, keeping the fields that depend on it consistent."""
    order["status"] = status
    order["update_time"] = now
    if status == "UNPAID":
        order.pop("paid_time", None)
    else:
        order.setdefault("paid_time", now)
    if status == "ON_HOLD":
        order["is_on_hold_order"] = True
    if status in {"AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED", "COMPLETED"}:
        order["tracking_number"] = order["tracking_number"] or f"JX{order['id'][-10:]}"
    for item in order["line_items"]:
        if not item["cancel_user"]:
            item["display_status"] = status


def message_content(type_: str, text: str) -> str:
    """The `content` JSON string of a message: TEXT wraps the text, others pass JSON through."""
    if type_ == "TEXT":
        return json.dumps({"content": text}, ensure_ascii=False)
    value: Any = json.loads(text)
    if not isinstance(value, dict):
        raise TypeError(f"content of a {type_} message must be a JSON object")
    return text


def new_message(
    *, message_id: str, index: str, type_: str, content: str, now: int, sender: JsonDict,
    is_visible: bool,
) -> JsonDict:  # fmt: skip
    """A message as Get Conversation Messages shows it (§8.1)."""
    return {
        "id": message_id,
        "index": index,
        "type": type_,
        "content": content,
        "create_time": now,
        "is_visible": is_visible,
        "sender": sender,
    }


_IMAGES = "https://p16-oec-sg.ibyteimg.com/tos-alisg-i-aphluv4xwc-sg"


def new_product(
    *,
    product_id: str,
    shop_id: str,
    title: str,
    prices: Iterable[int],
    status: str,
    now: int,
    new_id: Callable[[str], str],
) -> JsonDict:
    """A product record in the Get Product shape, one SKU per price (whole Rupiah).

    ``shop_id`` is the sandbox's own bookkeeping and is left out of the answer.
    """
    skus = [
        {
            "id": new_id("sku"),
            "seller_sku": "",
            "price": {
                "currency": "IDR",
                "sale_price": str(price),
                "tax_exclusive_price": str(price),
            },
            "inventory": [{"warehouse_id": "7068517275539719942", "quantity": 50}],
            "sales_attributes": [],
        }
        for price in prices
    ]
    image = f"{_IMAGES}/{product_id}"
    return {
        "shop_id": shop_id,
        "id": product_id,
        "status": status,
        "title": title,
        "description": f"<p>{title}</p>",
        "main_images": [
            {
                "uri": image,
                "urls": [f"{image}~origin.jpeg"],
                "thumb_urls": [f"{image}~thumb.jpeg"],
                "height": 800,
                "width": 800,
            }
        ],
        "skus": skus,
        "create_time": now,
        "update_time": now,
    }
