"""Orders by command: /accept, /reject, /order and /orders; and a press on a listed order."""

from __future__ import annotations

from telegram import Message, Update

from bot.context import Context
from bot.render.catalogue import t
from bot.staff import cards, decisions, lookups, rejects
from handlers.common import answer, permitted, pressed_of, say, send_listing
from storage.links import ButtonMeaning


async def _order_ref(context: Context, message: Message) -> str | None:
    """The order a command names; without one, say how to name it."""
    if context.args:
        return context.args[0]
    await say(context.services, message, t("cmd.need_order", context.services.lang))
    return None


async def cmd_accept(update: Update, context: Context) -> None:
    """/accept <order_id or invoice>"""
    message = update.effective_message
    actor = await permitted(update, context)
    if actor is None or message is None or (ref := await _order_ref(context, message)) is None:
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
    result = await rejects.by_command(context.services, args, reply_to=message.message_id)
    if result is not None:
        await say(context.services, message, result.text)


async def cmd_order(update: Update, context: Context) -> None:
    """/order <order_id or invoice>: the order as the marketplace has it now."""
    message = update.effective_message
    if message is None or (ref := await _order_ref(context, message)) is None:
        return
    result = await cards.show_live_order(context.services, ref, reply_to=message.message_id)
    if result is not None:
        await say(context.services, message, result.text)


async def cmd_orders(update: Update, context: Context) -> None:
    """/orders: orders waiting for acceptance, soonest deadline first."""
    services = context.services
    message = update.effective_message
    assert message is not None
    await send_listing(services, message, await lookups.waiting_orders(services))


async def on_order_button(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    """From a digest or a list: post the order's own card, which becomes its alert."""
    assert update.callback_query is not None
    pressed = pressed_of(update)
    result = await cards.card_pressed(
        context.services,
        meaning.marketplace,
        meaning.ref,
        reply_to=pressed.message_id if pressed else None,
    )
    await answer(context.services, update.callback_query, result.text, alert=not result.done)
