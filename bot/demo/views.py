"""Pure JSON views for the demo page, and safe HTML from Telegram's message entities.

The page shows a bot message the way a Telegram client does: from the plain text and the
entities the fake parsed out of the HTML tokobot sent. Every piece of text is escaped here and
only a fixed set of tags is produced, so the browser can insert the result as HTML.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from bot.demo.cast import TIKTOKSHOP, TOKOPEDIA
from bot.sandbox.telegram import FakeMessage, FakeTopic

JsonDict = dict[str, Any]

_TAGS = {
    "bold": "b",
    "italic": "i",
    "underline": "u",
    "strikethrough": "s",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_LINK_SCHEMES = ("http://", "https://", "tg://")

ORDER_STATUS = {
    0: "Dibatalkan",
    10: "Ditolak penjual",
    15: "Dibatalkan",
    220: "Menunggu diterima",
    400: "Diterima penjual",
    450: "Menunggu pickup",
    500: "Dikirim",
    600: "Sampai",
    700: "Selesai",
}
# Tokopedia & Shop (Order API) statuses in the page's words, and the colour of the badge.
TTS_ORDER_STATUS = {
    "UNPAID": ("Belum dibayar", "wait"),
    "ON_HOLD": ("Ditahan", "wait"),
    "AWAITING_SHIPMENT": ("Perlu dikirim", "wait"),
    "PARTIALLY_SHIPPING": ("Dikirim sebagian", "ship"),
    "AWAITING_COLLECTION": ("Menunggu pickup", "ok"),
    "IN_TRANSIT": ("Dikirim", "ship"),
    "DELIVERED": ("Sampai", "ship"),
    "COMPLETED": ("Selesai", "ship"),
    "CANCELLED": ("Dibatalkan", "off"),
}
# Buyers may ask to cancel until the courier has the parcel; the courier then moves it on.
TTS_CANCELLABLE = frozenset({"ON_HOLD", "AWAITING_SHIPMENT", "AWAITING_COLLECTION"})
TTS_PICKUP_NEXT = {"AWAITING_SHIPMENT": "AWAITING_COLLECTION", "AWAITING_COLLECTION": "IN_TRANSIT"}
# A buyer may ask for a refund once the parcel left (it "arrives" first in the demo).
TTS_RETURNABLE = frozenset({"IN_TRANSIT", "DELIVERED", "COMPLETED"})


def _tone(status: int) -> str:
    if status == 220:
        return "wait"
    if status in (400, 450):
        return "ok"
    if status >= 500:
        return "ship"
    return "off" if status in (0, 10, 15) else ""


def _tags(entity: Mapping[str, Any]) -> tuple[str, str]:
    kind = entity.get("type")
    tag = _TAGS.get(str(kind))
    if tag is not None:
        return f"<{tag}>", f"</{tag}>"
    if kind == "spoiler":
        return '<span class="spoiler">', "</span>"
    if kind == "bot_command":
        return '<span class="cmd">', "</span>"
    if kind == "text_link":
        url = str(entity.get("url", ""))
        if url.lower().startswith(_LINK_SCHEMES):
            href = html.escape(url, quote=True)
            return f'<a href="{href}" target="_blank" rel="noopener noreferrer">', "</a>"
    return "", ""  # custom emoji, mentions...: shown as their text


def safe_html(plain: str, entities: Sequence[Mapping[str, Any]]) -> str:
    """Return ``plain`` as escaped HTML with the entities (UTF-16 offsets) as tags."""
    units = plain.encode("utf-16-le")
    total = len(units) // 2

    def text(start: int, end: int) -> str:
        return html.escape(units[2 * start : 2 * end].decode("utf-16-le", errors="replace"))

    out: list[str] = []
    pos = 0
    open_ends: list[tuple[int, str]] = []  # (end offset, closing tag), innermost last
    for entity in sorted(entities, key=lambda e: (int(e["offset"]), -int(e["length"]))):
        start = min(max(int(entity["offset"]), pos), total)
        end = min(start + max(int(entity["length"]), 0), total)
        while open_ends and open_ends[-1][0] <= start:
            close_at, closing = open_ends.pop()
            out += [text(pos, close_at), closing]
            pos = close_at
        out.append(text(pos, start))
        pos = start
        if open_ends:
            end = min(end, open_ends[-1][0])  # entities nest; never let a tag overlap
        opening, closing = _tags(entity)
        out.append(opening)
        open_ends.append((end, closing))
    while open_ends:
        close_at, closing = open_ends.pop()
        out += [text(pos, close_at), closing]
        pos = close_at
    out.append(text(pos, total))
    return "".join(out)


def service_text(content: Mapping[str, Any]) -> str | None:
    """Return the grey line a client shows for a service message, sticker or photo."""
    if "forum_topic_created" in content:
        return f"Topik dibuat: {content['forum_topic_created'].get('name', '')}"
    if "forum_topic_edited" in content:
        name = content["forum_topic_edited"].get("name")
        return f"Topik diganti nama: {name}" if name else "Ikon topik diubah"
    if "forum_topic_closed" in content:
        return "Topik ditutup"
    if "forum_topic_reopened" in content:
        return "Topik dibuka lagi"
    return None


def _attachment(content: Mapping[str, Any]) -> str | None:
    if "sticker" in content:
        emoji = content["sticker"].get("emoji")
        return f"[stiker {emoji}]" if emoji else "[stiker]"
    if "photo" in content:
        caption = content.get("caption")
        return f"[foto] {caption}" if caption else "[foto]"
    return None


def _buttons(markup: Mapping[str, Any] | None) -> list[list[JsonDict]]:
    rows: list[list[JsonDict]] = []
    for row in (markup or {}).get("inline_keyboard", []):
        shown: list[JsonDict] = []
        for button in row:
            item: JsonDict = {"text": str(button.get("text", ""))}
            if "callback_data" in button:
                item["data"] = str(button["callback_data"])
            elif str(button.get("url", "")).lower().startswith(_LINK_SCHEMES):
                item["url"] = str(button["url"])
            shown.append(item)
        rows.append(shown)
    return rows


def snippet(message: FakeMessage | None, limit: int = 90) -> str:
    """Return the start of a message's visible text for a reply quote."""
    if message is None:
        return ""
    text = message.plain_text or _attachment(message.content) or service_text(message.content)
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def message_view(
    message: FakeMessage,
    *,
    sender: JsonDict,
    reply_to: FakeMessage | None,
    reply_sender: str | None,
) -> JsonDict:
    """Return one chat message as the page renders it."""
    markup = message.reply_markup or {}
    body = None
    if message.plain_text is not None:
        body = safe_html(message.plain_text, message.entities)
    return {
        "id": message.message_id,
        "thread": message.thread_id,
        "date": message.date,
        "from": sender,
        "html": body,
        "service": service_text(message.content),
        "attachment": _attachment(message.content),
        "photo": (
            f"/demo/api/file/{message.content['photo'][-1]['file_id']}"
            if "photo" in message.content
            else None
        ),
        "reply_to": (
            None
            if reply_to is None
            else {"id": reply_to.message_id, "name": reply_sender, "snippet": snippet(reply_to)}
        ),
        "buttons": _buttons(markup),
        "force_reply": markup.get("force_reply") is True,
        "edited": message.edited,
        "reactions": list(message.reactions),
        "deleted": message.deleted,
    }


def topic_view(topic: FakeTopic) -> JsonDict:
    """Return a forum topic as a tab."""
    return {
        "id": topic.thread_id,
        "name": topic.name,
        "color": f"#{topic.icon_color:06x}",
        "closed": topic.closed,
    }


def order_label(order: Mapping[str, Any]) -> str:
    """Return "invoice · buyer", how the log names an order."""
    return f"{order['invoice_num']} · {order['customer']['Name']}"


def order_view(order: Mapping[str, Any]) -> JsonDict:
    """Return an order as the marketplace panel lists it, with what may happen to it next."""
    status = int(order["order_status"])
    pending_cancel = bool(order.get("cancel_request_info"))
    items = ", ".join(f"{p['Name']} ×{p['quantity']}" for p in order["products"])
    return {
        "market": TOKOPEDIA,
        "order_id": order["order_id"],
        "invoice": order["invoice_num"],
        "buyer": order["customer"]["Name"],
        "shop": order["shop_name"],
        "items": items,
        "total": order["amt"]["ttl_amount"],
        "status": status,
        "status_label": ORDER_STATUS.get(status, f"Status {status}"),
        "tone": _tone(status),
        "cancel_requested": pending_cancel,
        "can_request_cancel": 220 <= status < 600 and not pending_cancel,
        "can_pickup": status in (400, 450),
    }


def tts_order_label(order: Mapping[str, Any]) -> str:
    """Return "order id · buyer": Tokopedia & Shop orders have no invoice number."""
    return f"{order['id']} · {order['buyer_nickname']}"


def tts_order_view(
    order: Mapping[str, Any], shop_name: str, *, returning: bool = False
) -> JsonDict:
    """Return a Tokopedia & Shop order (Order API record) as the marketplace panel lists it.

    Its id is a string: 18-19 digits do not survive a JavaScript number. ``returning``: a
    return request of it waits for the shop.
    """
    status = str(order["status"])
    label, tone = TTS_ORDER_STATUS.get(status, (status, ""))
    pending_cancel = bool(order.get("is_buyer_request_cancel"))
    counts: dict[str, int] = {}
    for line in order["line_items"]:  # one row per unit, as the API lists them
        counts[line["product_name"]] = counts.get(line["product_name"], 0) + 1
    return {
        "market": TIKTOKSHOP,
        "order_id": str(order["id"]),
        "invoice": str(order["id"]),
        "buyer": order["buyer_nickname"],
        "shop": shop_name,
        "items": ", ".join(f"{name} ×{count}" for name, count in counts.items()),
        "total": int(order["payment"]["total_amount"]),
        "status": status,
        "status_label": label,
        "tone": tone,
        "cancel_requested": pending_cancel,
        "can_request_cancel": status in TTS_CANCELLABLE and not pending_cancel,
        "can_pickup": status in TTS_PICKUP_NEXT,
        "return_requested": returning,
        "can_request_return": status in TTS_RETURNABLE and not returning,
    }
