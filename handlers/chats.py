"""Buyer chats: /chats, /reply, and the Retry button of a failed reply."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.render.catalogue import t
from bot.staff import buyer_replies, lookups, media_replies, media_show
from bot.staff.common import append_result
from handlers.access import chat_elsewhere
from handlers.common import actor_of, answer_result, pressed_of, say, send_listing
from handlers.messages import report
from storage.links import ButtonMeaning


async def cmd_chats(update: Update, context: Context) -> None:
    """/chats: conversations waiting for an answer, oldest first."""
    services = context.services
    message = update.effective_message
    assert message is not None
    await send_listing(services, message, await lookups.waiting_chats(services, message.chat.id))


async def cmd_reply(update: Update, context: Context) -> None:
    """/reply <conversation> <text>: the fallback when a Telegram reply is awkward."""
    services = context.services
    message = update.effective_message
    user = update.effective_user
    assert message is not None
    assert user is not None
    args = context.args or []
    if len(args) < 2:
        await say(services, message, t("cmd.reply_usage", services.lang))
        return
    if await chat_elsewhere(context, message, args[0]):
        return
    text = (message.text or "").split(maxsplit=2)[2]
    result = await buyer_replies.reply_by_command(
        services,
        actor_of(user),
        args[0],
        text,
        chat_id=message.chat.id,
        message_id=message.message_id,
    )
    await report(services, message, result)


async def on_retry(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    """Retry a failed reply; two presses still send it once."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None
    assert user is not None
    services = context.services
    result = await media_replies.retry_reply(services, actor_of(user), int(meaning.ref))
    await answer_result(services, query, result)
    pressed = pressed_of(update)
    if result.done and pressed is not None:
        await append_result(services, pressed, result)


async def on_show_media(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    """Fetch a buyer's photo again (it could not be fetched when relayed) and post it."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None
    assert user is not None
    services = context.services
    result = await media_show.show_media(services, actor_of(user), meaning, pressed_of(update))
    await answer_result(services, query, result)
