"""Bot API methods that send, edit, delete and react to messages, and answer button presses."""

from typing import Any

from bot.sandbox.telegram.checks import (
    CHAT_ACTIONS,
    check_callback_answer,
    check_reactions,
    check_reply_markup,
    parse_text,
)
from bot.sandbox.telegram.errors import NOT_MODIFIED, QUERY_TOO_OLD, bad_request
from bot.sandbox.telegram.models import FakeChat, FakeEvent, FakeMessage
from bot.sandbox.telegram.wire import Params
from bot.sandbox.telegram.world import World

CALLBACK_QUERY_TTL = 15.0
"""Seconds after a press within which the bot must answer it (the real timeout is similar)."""


async def send_message(world: World, params: Params) -> dict[str, Any]:
    """sendMessage: validate like Telegram, store the message and return it."""
    chat = world.chat(params)
    text = params.get_str("text")
    parsed = parse_text(text, params.get_str("parse_mode"), params.get_json("entities"))
    return post_message(
        world, chat, params, text=text, plain_text=parsed.plain, entities=parsed.entities
    )


def post_message(world: World, chat: FakeChat, params: Params, **fields: Any) -> dict[str, Any]:
    """Store a message from the bot (text or media, per ``fields``) once the parameters
    every send method shares are valid: markup, reply target and topic; return its JSON."""
    markup = check_reply_markup(params.get_json("reply_markup"))
    thread_id = params.get_int("message_thread_id")
    reply_to, thread_id = _reply_target(world, chat, params, thread_id)
    world.open_thread(chat, thread_id)
    message = FakeMessage(
        chat_id=chat.id,
        message_id=world.next_message_id(chat.id),
        date=world.now(),
        from_id=world.bot_id,
        reply_markup=markup,
        reply_to_message_id=reply_to,
        thread_id=thread_id,
        **fields,
    )
    return world.message_json(world.add(message))


def _reply_target(
    world: World, chat: FakeChat, params: Params, thread_id: int | None
) -> tuple[int | None, int | None]:
    """Return (replied message id, thread id); a reply joins the replied message's topic."""
    allow_missing = params.get_bool("allow_sending_without_reply")
    reply = params.get_json("reply_parameters")
    quote = None
    if reply is not None:
        if not isinstance(reply, dict) or not isinstance(reply.get("message_id"), int):
            raise bad_request("can't parse reply parameters JSON object")
        if reply.get("chat_id", chat.id) != chat.id:
            raise bad_request("the fake Bot API doesn't support replies to other chats")
        target_id: int | None = reply["message_id"]
        allow_missing = reply.get("allow_sending_without_reply", allow_missing) is True
        quote = reply.get("quote")
    else:
        target_id = params.get_int("reply_to_message_id")
    if target_id is None:
        return None, thread_id
    target = world.message(chat.id, target_id)
    if target is None:
        if allow_missing:
            return None, thread_id
        raise bad_request("message to be replied not found")
    if quote is not None and quote not in (target.plain_text or ""):
        raise bad_request("QUOTE_TEXT_INVALID")
    return target.message_id, target.thread_id if thread_id is None else thread_id


def _editable(world: World, params: Params) -> FakeMessage:
    if params.has("inline_message_id"):
        raise bad_request("the fake Bot API doesn't simulate inline messages")
    chat = world.chat(params)
    message = world.message(chat.id, params.require_int("message_id"))
    if message is None:
        raise bad_request("message to edit not found")
    media = "photo" in message.content or "video" in message.content
    if (
        message.from_id != world.bot_id
        or message.is_service
        or (message.plain_text is None and not media)
    ):
        raise bad_request("message can't be edited")
    return message


async def edit_message_text(world: World, params: Params) -> dict[str, Any]:
    """editMessageText: a missing reply_markup removes the keyboard, as on Telegram."""
    message = _editable(world, params)
    if message.plain_text is None:  # a photo or video: its words are a caption
        raise bad_request("there is no text in the message to edit")
    text = params.get_str("text")
    parsed = parse_text(text, params.get_str("parse_mode"), params.get_json("entities"))
    markup = check_reply_markup(params.get_json("reply_markup"), inline_only=True)
    if (parsed.plain, parsed.entities, markup) == (
        message.plain_text,
        message.entities,
        message.reply_markup,
    ):
        raise bad_request(NOT_MODIFIED)
    edited = world.update(
        message,
        "edit",
        text=text,
        plain_text=parsed.plain,
        entities=parsed.entities,
        reply_markup=markup,
        edited=True,
        edit_date=world.now(),
    )
    return world.message_json(edited)


async def edit_message_reply_markup(world: World, params: Params) -> dict[str, Any]:
    """editMessageReplyMarkup: replace (or, when omitted, remove) the inline keyboard."""
    message = _editable(world, params)
    markup = check_reply_markup(params.get_json("reply_markup"), inline_only=True)
    if markup == message.reply_markup:
        raise bad_request(NOT_MODIFIED)
    edited = world.update(message, "edit", reply_markup=markup, edited=True, edit_date=world.now())
    return world.message_json(edited)


async def delete_message(world: World, params: Params) -> bool:
    """deleteMessage: mark the message deleted; a topic's root message can't be deleted."""
    chat = world.chat(params)
    message = world.message(chat.id, params.require_int("message_id"))
    if message is None:
        raise bad_request("message to delete not found")
    if "forum_topic_created" in message.content:
        raise bad_request("message can't be deleted")
    world.update(message, "delete", deleted=True)
    return True


async def set_message_reaction(world: World, params: Params) -> bool:
    """setMessageReaction: at most one emoji from Telegram's reaction list."""
    chat = world.chat(params)
    message = world.message(chat.id, params.require_int("message_id"))
    if message is None:
        raise bad_request("message to react not found")
    reactions = check_reactions(params.get_json("reaction"))
    world.update(message, "reaction", reactions=reactions)
    return True


async def answer_callback_query(world: World, params: Params) -> bool:
    """answerCallbackQuery: once per press, within ``CALLBACK_QUERY_TTL`` seconds."""
    text = params.get_str("text")
    check_callback_answer(text)
    query = world.callbacks.get(params.get_str("callback_query_id") or "")
    expired = (
        query is not None
        and world.enforce_limits
        and (world.clock() - query.created_at > CALLBACK_QUERY_TTL)
    )
    if query is None or query.answered or expired:
        raise bad_request(QUERY_TOO_OLD)
    query.answered = True
    query.answer_text = text
    query.show_alert = params.get_bool("show_alert")
    world.publish(
        FakeEvent(
            "callback_answer",
            query.chat_id,
            data={"callback_query_id": query.id, "text": text, "show_alert": query.show_alert},
        )
    )
    return True


async def send_chat_action(world: World, params: Params) -> bool:
    """sendChatAction: a known action, into an open thread."""
    chat = world.chat(params)
    if params.get_str("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    thread_id = params.get_int("message_thread_id")
    world.open_thread(chat, thread_id)
    return True
