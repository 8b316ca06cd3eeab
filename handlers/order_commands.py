"""Orders by command: /accept, /reject, /order and /orders; and a press on a listed order."""

from __future__ import annotations

from telegram import Message, Update

from bot.context import Context
from bot.render.catalogue import t
from bot.staff import bulk, cards, decisions, lookups, rejects
from handlers.access import order_elsewhere
from handlers.common import answer_result, permitted, pressed_of, say, send_listing
from storage.links import ButtonMeaning


async def _order_ref(context: Context, message: Message, *, several: bool = False) -> str | None:
    """The order a command names; without one, say how to name it.

    None too (said so) when the order, or with ``several`` any named one, belongs to a shop
    of another staff group (SHOP_GROUPS).
    """
    if not context.args:
        await say(context.services, message, t("cmd.need_order", context.services.lang))
        return None
    if await order_elsewhere(context, message, context.args if several else context.args[:1]):
        return None
    return context.args[0]


async def cmd_accept(update: Update, context: Context) -> None:
    """/accept <order_id or invoice> [<another> …]; several become one bulk run."""
    message = update.effective_message
    actor = await permitted(update, context)
    if actor is None or message is None:
        return
    if (ref := await _order_ref(context, message, several=True)) is None:
        return
    refs = context.args or []
    if len(refs) > 1:
        thread_id = message.message_thread_id if message.is_topic_message else None
        started = await bulk.accept_refs(
            context.services,
            actor,
            refs,
            chat_id=message.chat.id,
            reply_to=message.message_id,
            thread_id=thread_id,
        )
        if started is not None:
            await say(context.services, message, started.text)
        return
    result = await decisions.accept_command(context.services, actor, ref)
    await say(context.services, message, result.text)


async def cmd_reject(update: Update, context: Context) -> None:
    """/reject <order> [<code> <reason text> | 4 <DD/MM/YYYY> <note>]"""
    message = update.effective_message
    actor = await permitted(update, context)
    if actor is None or message is None or await _order_ref(context, message) is None:
        return
    args = context.args or []
    result = await rejects.by_command(
        context.services, args, reply_to=message.message_id, chat_id=message.chat.id
    )
    if result is not None:
        await say(context.services, message, result.text)


async def cmd_order(update: Update, context: Context) -> None:
    """/order <order_id or invoice>: the order as the marketplace has it now."""
    message = update.effective_message
    if message is None or (ref := await _order_ref(context, message)) is None:
        return
    result = await cards.show_live_order(
        context.services, ref, reply_to=message.message_id, chat_id=message.chat.id
    )
    if result is not None:
        await say(context.services, message, result.text)


async def cmd_orders(update: Update, context: Context) -> None:
    """/orders: orders waiting for acceptance, soonest deadline first."""
    services = context.services
    message = update.effective_message
    assert message is not None
    await send_listing(services, message, await lookups.waiting_orders(services, message.chat.id))


async def on_order_button(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    """From a digest or a list: post the order's own card, which becomes its alert."""
    assert update.callback_query is not None
    pressed = pressed_of(update)
    result = await cards.card_pressed(
        context.services,
        meaning.marketplace,
        meaning.ref,
        reply_to=pressed.message_id if pressed else None,
        chat_id=pressed.chat_id if pressed else None,
    )
    await answer_result(context.services, update.callback_query, result)
