"""Webhook bodies per topic (§7.3, §7.4), filled from the state's current records.

Every body is `{type, tts_notification_id, shop_id, timestamp, data}`, in the doc example's
key order. `fields` override the data defaults; `shop_id`, `tts_notification_id` and
`timestamp` override the envelope. As in the doc's examples, type 3 and 68 bodies carry no
`tts_notification_id` unless one is given, and type 35 has `seller_open_id` instead of
`shop_id`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.sandbox.tiktokshop import catalogue
from bot.sandbox.tiktokshop.records import JsonDict

if TYPE_CHECKING:
    from bot.sandbox.tiktokshop.state import TikTokSandboxState

_ENVELOPE = ("shop_id", "tts_notification_id", "timestamp")
_NO_NOTIFICATION_ID = frozenset({3, 68})
_DEAUTHORIZED = "The seller has deauthorized your app."
_EXPIRING = "The authorization of this shop expires soon; ask the seller to re-authorize."


def _order(state: TikTokSandboxState, data: JsonDict) -> JsonDict:
    if "order_id" not in data:
        raise TypeError("this webhook type needs order_id=")
    return state.order(str(data["order_id"]))


def _order_status(state: TikTokSandboxState, data: JsonDict) -> tuple[str, JsonDict]:
    order = _order(state, data)
    status = order["status"]
    return order["shop_id"], {
        "is_on_hold_order": order["is_on_hold_order"],
        "order_id": order["id"],
        "order_status": catalogue.WEBHOOK_ORDER_STATUS.get(status, status),
        "update_time": order["update_time"],
    }


def _address(state: TikTokSandboxState, data: JsonDict) -> tuple[str, JsonDict]:
    order = _order(state, data)
    return order["shop_id"], {"order_id": order["id"], "update_time": state.now()}


def _cancellation(state: TikTokSandboxState, data: JsonDict) -> tuple[str, JsonDict]:
    cancel = state.cancellations.get(str(data.get("cancel_id", "")))
    if cancel is None and "order_id" in data:
        mine = [c for c in state.cancellations.values() if c.order_id == str(data["order_id"])]
        cancel = mine[-1] if mine else None
    if cancel is None:
        order = _order(state, data)
        return order["shop_id"], {
            "order_id": order["id"],
            "cancellations_role": "BUYER",
            "cancel_status": catalogue.PENDING,
            "cancel_id": "",
            "create_time": state.now(),
        }
    return cancel.shop_id, {
        "order_id": cancel.order_id,
        "cancellations_role": cancel.role,
        "cancel_status": cancel.status,
        "cancel_id": cancel.cancel_id,
        "create_time": cancel.create_time,
    }


def _return(state: TikTokSandboxState, data: JsonDict) -> tuple[str, JsonDict]:
    return state.returns.webhook_data(data)


def _new_conversation(state: TikTokSandboxState, data: JsonDict) -> tuple[str, JsonDict]:
    conv = state.conversation(str(data.get("conversation_id", "")))
    return conv.shop_id, {"conversation_id": conv.id, "create_time": state.now()}


def _new_message(state: TikTokSandboxState, data: JsonDict) -> tuple[str, JsonDict]:
    conv = state.conversation(str(data.get("conversation_id", "")))
    if not conv.messages:
        raise ValueError(f"conversation {conv.id} has no messages yet")
    wanted = str(data.get("message_id", conv.messages[-1]["id"]))
    found = [m for m in conv.messages if m["id"] == wanted]
    if not found:
        raise KeyError(f"unknown message_id {wanted} in conversation {conv.id}")
    message = found[0]
    return conv.shop_id, {
        "message_id": message["id"],
        "index": message["index"],
        "conversation_id": conv.id,
        "type": message["type"],
        "content": message["content"],  # a JSON string, as in the API (§7.4)
        "create_time": message["create_time"],
        "is_visible": message["is_visible"],
        # The webhook has no nickname or avatar: only id and role (§7.5).
        "sender": {
            "im_user_id": message["sender"]["im_user_id"],
            "role": message["sender"]["role"],
        },
    }


def _deauthorized(state: TikTokSandboxState, data: JsonDict) -> tuple[str, JsonDict]:
    return "", {"message": _DEAUTHORIZED}


def _expiring(state: TikTokSandboxState, data: JsonDict) -> tuple[str, JsonDict]:
    shop_id = str(data.get("shop_id", ""))
    grant = state.grant_for_shop(shop_id) if shop_id else None
    expires = grant.refresh_expires_at if grant else state.now() + 30 * 86400
    return "", {"message": _EXPIRING, "expiration_time": expires}


_BUILDERS = {
    1: _order_status,
    3: _address,
    6: _deauthorized,
    7: _expiring,
    11: _cancellation,
    12: _return,
    13: _new_conversation,
    14: _new_message,
}


def build(state: TikTokSandboxState, type_: int, fields: dict[str, Any]) -> JsonDict:
    """The body of a topic-`type_` notification; unknown topics take `fields` as data."""
    data = {k: v for k, v in fields.items() if k not in _ENVELOPE}
    envelope = {k: v for k, v in fields.items() if k in _ENVELOPE}
    builder = _BUILDERS.get(type_)
    shop_id, defaults = builder(state, {**data, **envelope}) if builder else ("", {})
    shop_id = str(envelope.get("shop_id", shop_id or next(iter(state.shops), "")))
    body: JsonDict = {"type": type_}
    if type_ not in _NO_NOTIFICATION_ID or "tts_notification_id" in envelope:
        body["tts_notification_id"] = str(
            envelope.get("tts_notification_id", state.new_id("notification"))
        )
    if type_ == 35:
        grant = state.grant_for_shop(shop_id)
        body["seller_open_id"] = data.pop("seller_open_id", grant.open_id if grant else "")
        defaults = {
            "tts_shop_id": shop_id,
            "mirror_status": "MIRRORED",
            "update_time": state.now(),
        }
    else:
        body["shop_id"] = shop_id
    body["timestamp"] = int(envelope.get("timestamp", state.now()))
    body["data"] = {**defaults, **data}
    return body
