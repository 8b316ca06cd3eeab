"""Customer Service API handlers (§8): conversations, messages, send, read, create."""

from __future__ import annotations

import copy
import json

from bot.sandbox.tiktokshop import catalogue, media, views
from bot.sandbox.tiktokshop.gateway import ApiError, Ctx, invalid_params, paginate
from bot.sandbox.tiktokshop.records import Conversation

MAX_CONVERSATIONS_PAGE = 20
MAX_MESSAGES_PAGE = 10
MAX_TEXT = 2000
CHAT_WINDOW = 30 * 86400  # a previous conversation within 30 days (§8.2)
ORDER_WINDOW = 60 * 86400  # or an order at the shop within 60 days
_UNSUPPORTED_TIPS = {
    "id": "Jenis pesan ini tidak didukung. Lihat pesan di Seller Center.",
    "en": "This message type is not supported. View it in Seller Center.",
}


def _conversation(ctx: Ctx) -> Conversation:
    conv = ctx.state.conversations.get(ctx.path("conversation_id"))
    if conv is None or conv.shop_id != ctx.shop_id:
        raise invalid_params("conversation_id does not exist in this shop.")
    return conv


async def list_conversations(ctx: Ctx) -> object:
    """GET /customer_service/202309/conversations: most recent activity first."""
    offset, size = ctx.page(MAX_CONVERSATIONS_PAGE)
    state, shop = ctx.state, ctx.shop
    assert shop is not None
    mine = [c for c in state.conversations.values() if c.shop_id == ctx.shop_id]
    mine.sort(key=lambda c: (c.last_activity, c.id), reverse=True)
    session = ctx.query("need_session_id").lower() == "true"
    im_user_id = state.shop_im_users[ctx.shop_id]
    rows = [views.conversation_row(c, shop, im_user_id, session=session) for c in mine]
    page, next_token = paginate(rows, offset, size)
    return {"conversations": page, "next_page_token": next_token}


async def get_conversation(ctx: Ctx) -> object:
    """GET /customer_service/202601/conversations/{conversation_id}."""
    conv = _conversation(ctx)
    assert ctx.shop is not None
    return views.conversation_detail(conv, ctx.shop, ctx.state.shop_im_users[ctx.shop_id])


async def list_messages(ctx: Ctx) -> object:
    """GET .../conversations/{id}/messages: newest first by default; never marks read."""
    conv = _conversation(ctx)
    offset, size = ctx.page(MAX_MESSAGES_PAGE)
    order = ctx.query("sort_order", "DESC").upper()
    field = ctx.query("sort_field", "create_time")
    if order not in {"ASC", "DESC"} or field not in {"create_time", "index"}:
        raise invalid_params("sort_order must be ASC|DESC and sort_field create_time|index.")
    rows = sorted(
        conv.messages, key=lambda m: (m[field], int(m["index"])), reverse=order == "DESC"
    )
    rows = copy.deepcopy(rows)
    if ctx.query("need_plaintext").lower() == "true":
        for row in rows:
            text = json.loads(row["content"]).get("content") if row["type"] == "TEXT" else None
            row["plaintext"] = text if isinstance(text, str) else f"[{row['type']}]"
    page, next_token = paginate(rows, offset, size)
    tips = _UNSUPPORTED_TIPS["id" if ctx.query("locale").startswith("id") else "en"]
    return {"messages": page, "next_page_token": next_token, "unsupported_msg_tips": tips}


def _text_of(body: dict[str, object]) -> str:
    if body.get("type") != "TEXT":
        raise invalid_params("type must be TEXT (the sandbox sends text only).")
    content = body.get("content")
    if not isinstance(content, str):
        raise invalid_params("content must be a JSON-encoded string.")
    try:
        parsed = json.loads(content)
    except ValueError:
        parsed = None
    text = parsed.get("content") if isinstance(parsed, dict) else None
    if not isinstance(text, str):
        raise invalid_params('TEXT content must encode {"content": "<text>"}.')
    if not text.strip():
        raise invalid_params("content must not be empty.")
    if len(text) > MAX_TEXT:
        raise invalid_params(f"TEXT content is limited to {MAX_TEXT} characters.")
    return text


async def send_message(ctx: Ctx) -> object:
    """POST .../conversations/{id}/messages {type: TEXT, content: "{\\"content\\":...}"}."""
    conv = _conversation(ctx)
    body = ctx.json_object()
    if body.get("type") == "IMAGE":
        return _send_image(ctx, conv, body)
    text = _text_of(body)
    if not conv.can_send_message:
        raise ApiError(
            catalogue.CANNOT_MESSAGE, "The buyer is outside the window for shop messages."
        )
    lowered = text.lower()
    if any(word.lower() in lowered for word in ctx.state.sensitive_words):
        raise ApiError(catalogue.SENSITIVE_WORD, "The message contains sensitive words.")
    message = ctx.state.add_message(conv.id, "SHOP", text)
    ctx.state.sent_messages.append(
        {
            "conversation_id": conv.id,
            "shop_id": conv.shop_id,
            "message_id": message["id"],
            "type": "TEXT",
            "content": text,
            "raw_content": body["content"],
            "time": ctx.state.clock(),
        }
    )
    return {"message_id": message["id"]}


def _send_image(ctx: Ctx, conv: Conversation, body: dict[str, object]) -> object:
    """An IMAGE message: its url must come from Upload Image (``media.uploaded_image``)."""
    url, data = media.uploaded_image(ctx.state, body.get("content"))
    if not conv.can_send_message:
        raise ApiError(
            catalogue.CANNOT_MESSAGE, "The buyer is outside the window for shop messages."
        )
    message = ctx.state.add_message(conv.id, "SHOP", str(body["content"]), "IMAGE")
    ctx.state.sent_messages.append(
        {
            "conversation_id": conv.id,
            "shop_id": conv.shop_id,
            "message_id": message["id"],
            "type": "IMAGE",
            "content": url,  # its bytes: ``state.media.uploads[url]``
            "size": len(data),
            "raw_content": body["content"],
            "time": ctx.state.clock(),
        }
    )
    return {"message_id": message["id"]}


async def read_messages(ctx: Ctx) -> object:
    """POST .../conversations/{id}/messages/read: every buyer message becomes read."""
    conv = _conversation(ctx)
    ctx.no_body()
    conv.read_ids.update(m["id"] for m in conv.messages if m["sender"]["role"] == "BUYER")
    return {}


async def create_conversation(ctx: Ctx) -> object:
    """POST /customer_service/202309/conversations {buyer_user_id}: open or reopen (§8.1)."""
    user_id = ctx.json_object().get("buyer_user_id")
    if not isinstance(user_id, str) or not user_id:
        raise invalid_params("buyer_user_id is required (a string).")
    state, now = ctx.state, ctx.state.now()
    buyer = next((b for b in state.buyers.values() if b.user_id == user_id), None)
    existing = [
        c
        for c in state.conversations.values()
        if c.shop_id == ctx.shop_id and c.buyer.user_id == user_id
    ]
    recent_orders = [
        o
        for o in state.orders.values()
        if o["shop_id"] == ctx.shop_id and o["user_id"] == user_id
        and now - o["create_time"] <= ORDER_WINDOW
    ]  # fmt: skip
    recent_chat = any(now - c.last_activity <= CHAT_WINDOW for c in existing)
    if buyer is None or not (recent_chat or recent_orders):
        raise ApiError(
            catalogue.CANNOT_CREATE_CONVERSATION,
            "No chat in 30 days, order in 60 days or after-sales case with this buyer.",
        )
    if existing:
        existing[-1].can_send_message = True
        return {"conversation_id": existing[-1].id}
    platform = recent_orders[-1]["commerce_platform"] if recent_orders else "TOKOPEDIA"
    return {"conversation_id": state.add_conversation(ctx.shop_id, buyer.nickname, platform)}
