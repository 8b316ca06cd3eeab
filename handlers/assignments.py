"""Who handles a buyer conversation: the 🙋, takeover, Batal and Lepas buttons, and /mine."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.staff import assignments
from bot.staff.common import Result, Status
from handlers.common import actor_of, answer, pressed_of, send_listing
from storage.links import ButtonMeaning


async def _answer(update: Update, context: Context, result: Result) -> None:
    assert update.callback_query is not None
    # A refusal stays on screen until read; the rest is a short toast.
    alert = result.status in (Status.FAILED, Status.MISSING)
    await answer(context.services, update.callback_query, result.text, alert=alert)


async def on_claim(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    """🙋 Saya tangani (or the handler's name): take it, or hear who has it."""
    assert update.effective_user is not None
    result = await assignments.claim_pressed(
        context.services, actor_of(update.effective_user), meaning, pressed_of(update)
    )
    await _answer(update, context, result)


async def on_takeover(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    assert update.effective_user is not None
    result = await assignments.takeover_pressed(
        context.services, actor_of(update.effective_user), meaning, pressed_of(update)
    )
    await _answer(update, context, result)


async def on_keep(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    assert update.callback_query is not None
    await assignments.keep_pressed(context.services, meaning, pressed_of(update))
    await answer(context.services, update.callback_query)


async def on_release(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    assert update.effective_user is not None
    result = await assignments.release_pressed(
        context.services, actor_of(update.effective_user), meaning, pressed_of(update)
    )
    await _answer(update, context, result)


async def cmd_mine(update: Update, context: Context) -> None:
    """/mine: the conversations I handle, waiting ones first."""
    message = update.effective_message
    user = update.effective_user
    assert message is not None
    assert user is not None
    services = context.services
    await send_listing(services, message, await assignments.my_chats(services, user.id))
