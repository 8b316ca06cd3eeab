"""Order decisions by button: accept, reject through the reason picker, and answers to a
buyer's cancellation request."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.staff import decisions, rejects
from handlers.common import actor_of, answer, answer_result, finish_press, permitted, pressed_of
from storage.links import ButtonMeaning


async def on_accept(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    actor = await permitted(update, context)
    if actor is None:
        return
    decision = await decisions.accept_pressed(
        context.services, actor, meaning.marketplace, meaning.ref
    )
    await finish_press(update, context, decision)


async def on_reject(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    """Turn the alert's buttons into the reason picker."""
    assert update.callback_query is not None
    actor = await permitted(update, context)
    if actor is None:
        return
    result = await rejects.open_picker(context.services, meaning, pressed_of(update))
    await answer_result(context.services, update.callback_query, result)


async def on_reject_code(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    """A reason was picked: confirm it, or (shop closed) ask for the reopening date."""
    assert update.callback_query is not None
    actor = await permitted(update, context)
    if actor is None:
        return
    result = await rejects.pick_reason(context.services, actor, meaning, pressed_of(update))
    await answer_result(context.services, update.callback_query, result)


async def on_reject_back(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    assert update.callback_query is not None
    await rejects.go_back(context.services, meaning, pressed_of(update))
    await answer(context.services, update.callback_query)


async def on_reject_text(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    """'Own reason': ask for the text the buyer should read."""
    assert update.callback_query is not None
    assert update.effective_user is not None
    actor = actor_of(update.effective_user)
    await rejects.ask_for_text(context.services, actor, meaning, pressed_of(update))
    await answer(context.services, update.callback_query)


async def on_reject_go(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    actor = await permitted(update, context)
    if actor is None:
        return
    decision = await rejects.confirm_pressed(context.services, actor, meaning)
    await finish_press(update, context, decision)


async def _on_cancel_answer(
    update: Update, context: Context, meaning: ButtonMeaning, *, approve: bool
) -> None:
    actor = await permitted(update, context)
    if actor is None:
        return
    decision = await decisions.cancellation_pressed(
        context.services, actor, meaning.marketplace, meaning.ref, approve=approve
    )
    await finish_press(update, context, decision)


async def on_cancel_ok(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    await _on_cancel_answer(update, context, meaning, approve=True)


async def on_cancel_no(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    await _on_cancel_answer(update, context, meaning, approve=False)
