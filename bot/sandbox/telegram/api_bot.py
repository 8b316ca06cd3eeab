"""Bot API methods about the bot itself, its updates, commands and chats."""

import json
import re
from typing import Any
from urllib.parse import urlsplit

from bot.sandbox.telegram.errors import ApiError, bad_request
from bot.sandbox.telegram.wire import Params
from bot.sandbox.telegram.world import World

WEBHOOK_PORTS = frozenset({443, 80, 88, 8443})
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
MAX_COMMANDS = 100
MAX_COMMAND_DESCRIPTION = 256
_SECRET_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_NO_RIGHTS = (
    "is_anonymous",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_be_edited",
)
_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
)


async def get_me(world: World, params: Params) -> dict[str, Any]:
    """getMe: the bot's User, with the bot-only flags."""
    del params
    return world.user_json(world.bot_id) | {
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def get_updates(world: World, params: Params) -> list[dict[str, Any]]:
    """getUpdates: acknowledge by ``offset``, long-poll up to ``timeout`` seconds."""
    if world.webhook.url:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    allowed = params.get_json("allowed_updates")
    if isinstance(allowed, list):
        world.updates.allowed_updates = [str(kind) for kind in allowed]
    return await world.updates.get(
        offset=params.get_int("offset"),
        limit=params.get_int("limit") or 100,
        wait=max(0, params.get_int("timeout") or 0),
    )


async def set_webhook(world: World, params: Params) -> bool:
    """setWebhook: record url, secret token and allowed updates (nothing is delivered)."""
    url = params.get_str("url") or ""
    if url:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise bad_request("bad webhook: HTTPS url must be provided for webhook")
        if (parts.port or 443) not in WEBHOOK_PORTS:
            raise bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )
    secret = params.get_str("secret_token")
    if secret is not None and not (1 <= len(secret) <= 256 and set(secret) <= _SECRET_CHARS):
        raise bad_request("secret token contains unallowed characters")
    allowed = params.get_json("allowed_updates")
    if isinstance(allowed, list):
        world.updates.allowed_updates = [str(kind) for kind in allowed]
        world.webhook.allowed_updates = world.updates.allowed_updates
    if params.get_bool("drop_pending_updates"):
        world.updates.drop_pending()
    world.webhook.url = url
    world.webhook.secret_token = secret if url else None
    return True


async def delete_webhook(world: World, params: Params) -> bool:
    """deleteWebhook: forget the webhook (getUpdates works again)."""
    if params.get_bool("drop_pending_updates"):
        world.updates.drop_pending()
    world.webhook.url = ""
    world.webhook.secret_token = None
    return True


async def get_webhook_info(world: World, params: Params) -> dict[str, Any]:
    """getWebhookInfo: the recorded url and how many updates wait."""
    del params
    info: dict[str, Any] = {
        "url": world.webhook.url,
        "has_custom_certificate": False,
        "pending_update_count": len(world.updates),
    }
    if world.webhook.url and world.webhook.allowed_updates is not None:
        info["allowed_updates"] = world.webhook.allowed_updates
    return info


async def get_chat(world: World, params: Params) -> dict[str, Any]:
    """getChat: a ChatFullInfo with the fields python-telegram-bot requires."""
    chat = world.chat(params)
    gifts = dict.fromkeys(
        (
            "unlimited_gifts",
            "limited_gifts",
            "unique_gifts",
            "premium_subscription",
            "gifts_from_channels",
        ),
        False,
    )
    return chat.to_json() | {
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": gifts,
    }


async def get_chat_member(world: World, params: Params) -> dict[str, Any]:
    """getChatMember: the bot is an administrator unless ``set_bot_member`` said otherwise;
    others come from ``add_chat(members=)``."""
    chat = world.chat(params)
    user_id = params.require_int("user_id")
    if user_id == world.bot_id:
        status = world.bot_status.get(chat.id, "administrator")
    elif user_id in chat.members:
        status = chat.members[user_id]
    elif user_id in world.user_names or user_id == chat.id:
        status = "member" if user_id == chat.id else "left"
    else:
        raise bad_request("user not found")
    member: dict[str, Any] = {"status": status, "user": world.user_json(user_id)}
    if status == "administrator":
        member |= dict.fromkeys(_NO_RIGHTS, False) | dict.fromkeys(_RIGHTS, True)
        if user_id == world.bot_id:
            member |= world.bot_rights.get(chat.id, {})
    elif status == "creator":
        member["is_anonymous"] = False
    elif status == "kicked":
        member["until_date"] = 0
    return member


def _commands_key(params: Params) -> str:
    scope = params.get_json("scope") or {"type": "default"}
    return f"{json.dumps(scope, sort_keys=True)}|{params.get_str('language_code') or ''}"


async def set_my_commands(world: World, params: Params) -> bool:
    """setMyCommands: 1-32 character lowercase commands with 1-256 character descriptions."""
    commands = params.get_json("commands")
    if not isinstance(commands, list) or len(commands) > MAX_COMMANDS:
        raise bad_request("can't parse commands JSON object")
    for command in commands:
        name = command.get("command") if isinstance(command, dict) else None
        description = command.get("description") if isinstance(command, dict) else None
        if not isinstance(name, str) or not _COMMAND.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not (
            1 <= len(description) <= MAX_COMMAND_DESCRIPTION
        ):
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    world.commands[_commands_key(params)] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    return True


async def get_my_commands(world: World, params: Params) -> list[dict[str, str]]:
    """getMyCommands: what setMyCommands stored for this scope and language."""
    return world.commands.get(_commands_key(params), [])


async def delete_my_commands(world: World, params: Params) -> bool:
    """deleteMyCommands: forget the commands of this scope and language."""
    world.commands.pop(_commands_key(params), None)
    return True
