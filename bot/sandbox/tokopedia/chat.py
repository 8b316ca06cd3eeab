"""Interaction (chat) API handlers (§7): list rooms, list replies, send reply, initiate."""

from __future__ import annotations

import copy

from bot.sandbox.tokopedia.endpoint import BAD_PARAMS, ApiError, Ctx, bad_request
from bot.sandbox.tokopedia.payloads import JsonDict
from bot.sandbox.tokopedia.records import ChatRoom

_MAX_PER_PAGE = 15
_FILTERS = frozenset({"all", "read", "unread"})


def _not_found() -> ApiError:
    return ApiError(400, "SHP_GRPC_003", "data not found")


def _paging(ctx: Ctx) -> tuple[int, int]:
    page = ctx.query_int("page", 1, messages=BAD_PARAMS)
    per_page = ctx.query_int("per_page", 10, messages=BAD_PARAMS)
    if page < 1:
        raise bad_request("page must be >= 1", BAD_PARAMS)
    if not 1 <= per_page <= _MAX_PER_PAGE:
        raise bad_request(f"per_page must be between 1 and {_MAX_PER_PAGE}", BAD_PARAMS)
    return page, per_page


def _shop_id(ctx: Ctx) -> int:
    shop_id = ctx.query_int("shop_id", messages=BAD_PARAMS)
    ctx.own_shop(shop_id)
    return shop_id


def _room_of(ctx: Ctx, msg_id: int, shop_id: int) -> ChatRoom:
    room = ctx.state.rooms.get(msg_id)
    if room is None or room.shop_id != shop_id:
        raise _not_found()
    return room


def room_summary(room: ChatRoom) -> JsonDict:
    """One row of List Messages (§7.1)."""
    last = room.bubbles[-1]
    unreads = room.unreads
    return {
        "message_key": f"user-{room.buyer_id}~shop-{room.shop_id}",
        "msg_id": room.msg_id,
        "attributes": {
            "contact": {
                "id": room.buyer_id,
                "role": "User",
                "attributes": {
                    "Name": room.buyer_name,
                    "tag": "User",
                    "thumbnail": room.thumbnail,
                },
            },
            "last_reply_msg": last["msg"],
            "last_reply_time": last["reply_time"],
            "read_status": 1 if unreads else 2,
            "unreads": unreads,
            "pin_status": 0,
        },
    }


async def list_messages(ctx: Ctx) -> object:
    """GET /v1/chat/fs/{fs_id}/messages?shop_id=&page=&per_page=&filter=, newest first."""
    shop_id = _shop_id(ctx)
    page, per_page = _paging(ctx)
    kind = ctx.request.query_params.get("filter", "all") or "all"
    if kind not in _FILTERS:
        raise bad_request("filter must be all, read or unread", BAD_PARAMS)
    rooms = [r for r in ctx.state.rooms.values() if r.shop_id == shop_id and r.bubbles]
    if kind == "read":
        rooms = [r for r in rooms if not r.unreads]
    elif kind == "unread":
        rooms = [r for r in rooms if r.unreads]
    rooms.sort(key=lambda r: (r.bubbles[-1]["reply_time"], r.msg_id), reverse=True)
    start = (page - 1) * per_page
    return [room_summary(r) for r in rooms[start : start + per_page]]


async def list_replies(ctx: Ctx) -> object:
    """GET /v1/chat/fs/{fs_id}/messages/{msg_id}/replies, oldest first."""
    shop_id = _shop_id(ctx)
    page, per_page = _paging(ctx)
    room = _room_of(ctx, ctx.path_int("msg_id"), shop_id)
    start = (page - 1) * per_page
    return copy.deepcopy(room.bubbles[start : start + per_page])


async def send_reply(ctx: Ctx) -> object:
    """POST /v1/chat/fs/{fs_id}/messages/{msg_id}/reply with {shop_id, message}."""
    body = ctx.json_object()
    shop_id = body.get("shop_id")
    if not isinstance(shop_id, int) or isinstance(shop_id, bool):
        raise bad_request("invalid shop_id format", BAD_PARAMS)
    ctx.own_shop(shop_id)
    room = _room_of(ctx, ctx.path_int("msg_id"), shop_id)
    attachment_type = body.get("attachment_type", 0)
    message = body.get("message", "")
    if not isinstance(message, str) or (attachment_type == 0 and not message.strip()):
        raise bad_request("message is required", BAD_PARAMS)
    bubble = ctx.state.post_reply(room, message)
    return {
        "msg_id": room.msg_id,
        "sender_id": bubble["sender_id"],
        "role": 2,  # this endpoint reports the role as an int (§7.3), unlike List Replies
        "msg": message,
        "reply_time": bubble["reply_time"],
        "from": bubble["sender_name"],
        "attachment": {},
        "fallback_attachment": {"html": "", "message": ""},
    }


async def initiate_chat(ctx: Ctx) -> object:
    """GET /v1/chat/fs/{fs_id}/initiate?order_id=: the buyer's room, created if needed."""
    # The SDKs send order_id; the docs' parameter table says `order` (§7.4). Accept both.
    params = ctx.request.query_params
    name = "order" if "order" in params and "order_id" not in params else "order_id"
    order_id = ctx.query_int(name, messages=BAD_PARAMS)
    order = ctx.state.orders.get(order_id)
    if order is None:
        raise _not_found()
    buyer = order["customer"]
    room = ctx.state.room_for(order["shop_id"], buyer["id"], buyer["Name"])
    return {
        "contact": {
            "id": room.buyer_id,
            "role": "User",
            "attributes": {
                "Name": room.buyer_name,
                "tag": "User",
                "thumbnail": room.thumbnail,
                "is_gold": False,
                "is_official": False,
            },
        },
        "is_success": True,
        "msg_id": room.msg_id,
    }
