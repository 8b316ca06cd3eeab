"""Buyer chats: /chats, /reply, and the Retry button of a failed reply."""

from __future__ import annotations

from telegram import Message, Update

from bot.context import Context
from bot.render.catalogue import t
from bot.render.messages import render_chats_list
from bot.staff.services import ReplyTarget, Status, retry_reply, send_reply
from handlers.common import actor_of, answer, say
from handlers.replies import report
from storage import conversations
from storage.links import ButtonMeaning
from storage.records import conversation_of


async def cmd_chats(update: Update, context: Context) -> None:
    """/chats: conversations waiting for an answer, oldest first."""
    services = context.services
    message = update.effective_message
    assert message is not None
    async with services.sessions() as session:
        rows = await conversations.waiting(session=session)
    items = [
        (conversation_of(row), row.waiting_since, row.last_buyer_text, row.conversation_id)
        for row in rows
        if row.waiting_since is not None
    ]
    rendered = render_chats_list(items, now=services.clock(), lang=services.lang, tz=services.tz)
    await services.sender.send(
        message.chat.id,
        rendered,
        marketplace="",
        shop_id="",
        scopes={row.conversation_id: (row.marketplace, row.shop_id) for row in rows},
        reply_to=message.message_id,
        bulk=False,
        thread_id=message.message_thread_id if message.is_topic_message else None,
    )


async def cmd_reply(update: Update, context: Context) -> None:
    """/reply <conversation> <text>: the fallback when a Telegram reply is awkward."""
    services = context.services
    message = update.effective_message
    user = update.effective_user
    assert message is not None
    assert user is not None
    args = context.args or []
    if len(args) < 2:
        await say(message, t("cmd.reply_usage", services.lang))
        return
    target = await _find_conversation(context, args[0])
    if target is None:
        await say(message, t("reply.unknown", services.lang))
        return
    text = (message.text or "").split(maxsplit=2)[2]
    result = await send_reply(
        services,
        actor_of(user),
        target,
        chat_id=message.chat.id,
        message_id=message.message_id,
        text=text,
    )
    await report(services, message, result)


async def _find_conversation(context: Context, ref: str) -> ReplyTarget | None:
    services = context.services
    async with services.sessions() as session:
        for name in services.marketplaces:
            for row in await conversations.by_conversation_id(
                session=session, marketplace=name, conversation_id=ref
            ):
                return ReplyTarget(row.marketplace, row.shop_id, row.conversation_id)
    return None


async def on_retry(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    """Retry a failed reply; two presses still send it once."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None
    assert user is not None
    services = context.services
    result = await retry_reply(services, actor_of(user), int(meaning.ref))
    await answer(query, result.text, alert=result.status is not Status.DONE)
    pressed = query.message if isinstance(query.message, Message) else None
    if result.status is Status.DONE and pressed is not None:
        await pressed.edit_text(f"{pressed.text_html}\n\n{result.text}", reply_markup=None)
