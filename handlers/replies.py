"""Staff messages that answer a buyer: a reply to a relayed chat, a prompt, or a topic."""

from __future__ import annotations

import logging

from telegram import ForceReply, Message, Update
from telegram.error import TelegramError
from telegram.helpers import mention_html

from bot.context import Context, Services
from bot.render.catalogue import Html, t, t_plain
from bot.render.messages import Button, Rendered
from bot.staff.services import ReplyTarget, Result, Status, send_reply
from handlers import order_actions
from handlers.common import actor_of, say
from storage import conversations, links
from storage.links import ButtonMeaning
from storage.models import TelegramLink

log = logging.getLogger(__name__)

DELIVERED_REACTION = "👍"  # "✅" is not an allowed reaction emoji


async def target_of(services: Services, message: Message) -> TelegramLink | None:
    """What a staff message answers, or None for staff chatter (never sent to a buyer)."""
    reply = message.reply_to_message
    is_real_reply = (
        reply is not None
        and reply.forum_topic_created is None
        and reply.message_id != message.message_thread_id
    )
    async with services.sessions() as session:
        if reply is not None and is_real_reply:
            link = await links.find_link(
                session=session, chat_id=message.chat.id, message_id=reply.message_id
            )
            if link is not None or not services.settings.telegram_topics:
                return link
        if services.settings.telegram_topics and message.is_topic_message:
            thread = message.message_thread_id
            row = await conversations.find_by_thread(session=session, thread_id=thread or 0)
            if row is not None:
                return TelegramLink(
                    chat_id=message.chat.id,
                    message_id=message.message_id,
                    kind="conversation",
                    marketplace=row.marketplace,
                    shop_id=row.shop_id,
                    ref=row.conversation_id,
                )
    return None


async def on_message(update: Update, context: Context) -> None:
    """Send a staff answer to the buyer it replies to; ignore everything else."""
    message = update.message
    user = update.effective_user
    if message is None or user is None:
        return
    services = context.services
    link = await target_of(services, message)
    if link is None:
        return
    if link.kind.startswith("prompt_"):
        await order_actions.on_prompt_answer(update, context, link)
        return
    if link.kind != "conversation":
        return  # talk about an order alert stays in the group
    text = message.text
    if not text or not text.strip():
        await say(message, t("reply.text_only", services.lang))
        return
    target = ReplyTarget(link.marketplace, link.shop_id, link.ref)
    result = await send_reply(
        services,
        actor_of(user),
        target,
        chat_id=message.chat.id,
        message_id=message.message_id,
        text=text,
    )
    await report(services, message, result)


async def report(services: Services, message: Message, result: Result) -> None:
    """👍 on success; otherwise a threaded reply saying what happened."""
    if result.status is Status.DONE:
        try:
            await message.set_reaction(DELIVERED_REACTION)
        except TelegramError as exc:
            log.info("reaction refused (%s); confirming with a reply", exc)
            await say(message, result.text)
        return
    markup = None
    if result.status is Status.FAILED and result.reply_id is not None:
        retry = Rendered(
            "",
            ((Button(t_plain("btn.retry", services.lang), "retry_reply", str(result.reply_id)),),),
        )
        markup = await services.sender.keyboard(retry.buttons, marketplace="", shop_id="")
    await say(message, result.text, reply_markup=markup)


async def on_edited(update: Update, context: Context) -> None:
    """An edit is never sent on: the buyer already has the original."""
    message = update.edited_message
    if message is None:
        return
    if await target_of(context.services, message) is not None:
        await say(message, t("reply.edit_not_sent", context.services.lang))


async def prompt_reply(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    """The Reply button: ask for the answer with a ForceReply linked to the conversation."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None
    assert user is not None
    services = context.services
    async with services.sessions() as session:
        row = await conversations.get_conversation(
            session=session,
            marketplace=meaning.marketplace,
            shop_id=meaning.shop_id,
            conversation_id=meaning.ref,
        )
    buyer = row.buyer_name if row and row.buyer_name else t("common.buyer", services.lang)
    pressed = query.message if isinstance(query.message, Message) else None
    prompt = await context.bot.send_message(
        chat_id=services.chat_id,
        text=t(
            "reply.prompt",
            services.lang,
            buyer=buyer,
            staff=Html(mention_html(user.id, user.full_name)),
        ),
        reply_markup=ForceReply(selective=True, input_field_placeholder=buyer[:64]),
        message_thread_id=pressed.message_thread_id
        if pressed and pressed.is_topic_message
        else None,
    )
    async with services.sessions() as session, session.begin():
        await links.link_messages(
            session=session,
            chat_id=services.chat_id,
            message_ids=[prompt.message_id],
            kind="conversation",
            marketplace=meaning.marketplace,
            shop_id=meaning.shop_id,
            ref=meaning.ref,
            now=services.clock(),
        )
    await query.answer()
