"""Staff messages that answer a buyer: a reply to a relayed chat, a prompt, or a topic."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.error import TelegramError

from bot.context import Context, Services
from bot.domain.vocab import ButtonAction
from bot.render.base import Button
from bot.render.catalogue import t, t_plain
from bot.staff import buyer_replies, media_replies
from bot.staff.common import Result, Status
from handlers.common import actor_of, answer, pressed_of, say
from storage.links import ButtonMeaning

log = logging.getLogger(__name__)

DELIVERED_REACTION = "👍"  # "✅" is not an allowed reaction emoji


def staff_message_of(message: Message) -> buyer_replies.StaffMessage:
    reply = message.reply_to_message
    # In a forum every message "replies" to its topic's first message; that is no answer.
    is_real_reply = (
        reply is not None
        and reply.forum_topic_created is None
        and reply.message_id != message.message_thread_id
    )
    return buyer_replies.StaffMessage(
        chat_id=message.chat.id,
        message_id=message.message_id,
        reply_to=reply.message_id if reply is not None and is_real_reply else None,
        topic_id=(message.message_thread_id or 0) if message.is_topic_message else None,
        reply_is_fresh=reply is not None
        and reply.from_user is not None
        and reply.from_user.is_bot
        and message.date - reply.date <= buyer_replies.FRESH,
    )


async def on_message(update: Update, context: Context) -> None:
    """Send a staff answer to the buyer it replies to; ignore everything else."""
    message = update.message
    user = update.effective_user
    if message is None or user is None:
        return
    services = context.services
    media = media_of(message)
    if media is not None:
        result = await media_replies.handle_media(
            services, actor_of(user), staff_message_of(message), media
        )
    else:
        result = await buyer_replies.handle_message(
            services, actor_of(user), staff_message_of(message), message.text or ""
        )
    if result is not None:
        await report(services, message, result)


_IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


def media_of(message: Message) -> media_replies.StaffMedia | None:
    """What a non-text staff message carries; a picture sent as a file counts as a photo."""
    caption = message.caption or ""
    if message.photo:
        largest = message.photo[-1]
        return media_replies.StaffMedia("photo", largest.file_id, largest.file_size, caption)
    document = message.document
    if document is not None and (document.mime_type or "") in _IMAGE_TYPES:
        return media_replies.StaffMedia("photo", document.file_id, document.file_size, caption)
    kinds = (
        ("sticker", message.sticker),
        ("voice", message.voice or message.audio),
        ("video", message.video or message.video_note or message.animation),
        ("document", document),
    )
    return next((media_replies.StaffMedia(kind) for kind, found in kinds if found), None)


async def report(services: Services, message: Message, result: Result) -> None:
    """👍 on a sent reply; otherwise a threaded reply saying what happened."""
    if result.done and result.reply_id is not None:
        try:
            await services.sender.react(message.chat.id, message.message_id, DELIVERED_REACTION)
        except TelegramError as exc:
            log.info("reaction refused (%s); confirming with a reply", exc)
            await say(services, message, result.text)
        return
    buttons: tuple[tuple[Button, ...], ...] = ()
    if result.status is Status.FAILED and result.reply_id is not None:
        retry = t_plain("btn.retry", services.lang)
        buttons = ((Button(retry, ButtonAction.RETRY_REPLY, str(result.reply_id)),),)
    await say(services, message, result.text, buttons=buttons)


async def on_edited(update: Update, context: Context) -> None:
    """An edit is never sent on: the buyer already has the original."""
    message = update.edited_message
    services = context.services
    if message is not None and await buyer_replies.answers_something(
        services, staff_message_of(message)
    ):
        await say(services, message, t("reply.edit_not_sent", services.lang))


async def prompt_reply(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    """The Reply button: ask for the answer with a ForceReply linked to the conversation."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None
    assert user is not None
    await buyer_replies.ask_for_reply(
        context.services, actor_of(user), meaning, pressed_of(update)
    )
    await answer(context.services, query)
