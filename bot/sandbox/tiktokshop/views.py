"""Every served shape, derived from the stored records (orders, conversations, cancels)."""

from __future__ import annotations

import copy

from bot.sandbox.tiktokshop import catalogue
from bot.sandbox.tiktokshop.records import Cancellation, Conversation, JsonDict

# Not returned before the remorse window ends (§9.2).
_ADDRESS_HIDDEN = frozenset({"UNPAID", "ON_HOLD"})
_INTERNAL_ORDER_KEYS = ("shop_id",)


def order_view(order: JsonDict) -> JsonDict:
    """An order as Get Order List / Get Order Detail return it, with the address rule applied."""
    out = copy.deepcopy(order)
    for key in _INTERNAL_ORDER_KEYS:
        out.pop(key, None)
    if out["status"] in _ADDRESS_HIDDEN:
        out.pop("recipient_address", None)
    return out


def participants(
    conv: Conversation, shop: JsonDict, im_user_id: str, *, key: str
) -> list[JsonDict]:
    """Buyer and shop; `key` is `buyer_platform` (202309 list) or `platform` (202601 get)."""
    buyer = conv.buyer
    return [
        {
            "im_user_id": buyer.im_user_id,
            "user_id": buyer.user_id,
            "role": "BUYER",
            "nickname": buyer.nickname,
            "avatar": buyer.avatar,
            key: conv.buyer_platform,
        },
        {
            "im_user_id": im_user_id,
            "user_id": "",
            "role": "SHOP",
            "nickname": shop["name"],
            "avatar": "https://p16-oec-sg.ibyteimg.com/tos-alisg-avt-0068/shop.webp",
        },
    ]


def latest_message(conv: Conversation) -> JsonDict | None:
    visible = [m for m in conv.messages if m["is_visible"]]
    if not visible:
        return None
    last = visible[-1]
    return {k: copy.deepcopy(last[k]) for k in ("id", "type", "content", "create_time", "sender")}


def conversation_row(
    conv: Conversation, shop: JsonDict, im_user_id: str, *, session: bool
) -> JsonDict:
    """One entry of Get Conversations (§8.1)."""
    row: JsonDict = {
        "id": conv.id,
        "participant_count": 2,
        "can_send_message": conv.can_send_message,
        "unread_count": conv.unread_count,
        "create_time": conv.create_time,
        "participants": participants(conv, shop, im_user_id, key="buyer_platform"),
    }
    latest = latest_message(conv)
    if latest is not None:
        row["latest_message"] = latest
    if session:
        row["cur_session_id"] = f"{conv.id}{len(conv.messages):04d}"
    return row


def conversation_detail(conv: Conversation, shop: JsonDict, im_user_id: str) -> JsonDict:
    """Get Conversation (202601): participants carry `platform` for ID buyers (§8.1)."""
    return {
        "id": conv.id,
        "participant_count": 2,
        "can_send_message": conv.can_send_message,
        "unread_count": conv.unread_count,
        "create_time": conv.create_time,
        "participants": participants(conv, shop, im_user_id, key="platform"),
    }


def cancellation_view(cancel: Cancellation, order: JsonDict, locale: str) -> JsonDict:
    """One entry of Search Cancellations (§10.2)."""
    items = list(order["line_items"])
    subtotal = sum(int(item["sale_price"]) for item in items)
    shipping = int(order["payment"]["shipping_fee"])
    actions = []
    if cancel.status == catalogue.PENDING and cancel.deadline is not None:
        actions.append({"action": "SELLER_RESPOND_CANCEL", "deadline": cancel.deadline})
    return {
        "cancel_id": cancel.cancel_id,
        "order_id": cancel.order_id,
        "cancel_type": cancel.cancel_type,
        "role": cancel.role,
        "cancel_status": cancel.status,
        "cancel_reason": cancel.reason,
        "cancel_reason_text": catalogue.reason_text(cancel.reason, locale),
        "create_time": cancel.create_time,
        "update_time": cancel.update_time,
        "seller_next_action_response": actions,
        "refund_amount": {
            "currency": "IDR",
            "refund_subtotal": str(subtotal),
            "shipping_fee": str(shipping),
            "buyer_service_fee": "1000",
            "tax": "0",
            "refund_total": str(subtotal + shipping + 1000),
        },
        "cancel_line_items": [
            {
                "cancel_line_item_id": f"{cancel.cancel_id[:-3]}{n:03d}",
                "order_line_item_id": item["id"],
                "sku_id": item["sku_id"],
                "sku_name": item["sku_name"],
                "product_name": item["product_name"],
                "seller_sku": item["seller_sku"],
                "product_image": {"url": item["sku_image"]},
            }
            for n, item in enumerate(items)
        ],
    }
