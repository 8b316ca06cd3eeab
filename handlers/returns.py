"""Answers to a buyer's return or refund request by button: approve, or reject through the
marketplace's own reasons, with an optional comment."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.staff import return_photos, returns
from bot.staff.returns import Answer
from handlers.common import actor_of, answer, answer_result, permitted, pressed_of
from storage.links import ButtonMeaning


async def _finish(update: Update, context: Context, outcome: Answer) -> None:
    assert update.callback_query is not None
    result = outcome.result
    await answer_result(context.services, update.callback_query, result)
    await returns.show_result(context.services, outcome.row, result, pressed_of(update))


async def on_approve(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    actor = await permitted(update, context)
    if actor is None:
        return
    await _finish(update, context, await returns.approve_pressed(context.services, actor, meaning))


async def on_reject(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    """Turn the buttons into the picker of the marketplace's reasons, fetched now."""
    assert update.callback_query is not None
    if await permitted(update, context) is None:
        return
    result = await returns.open_picker(context.services, meaning, pressed_of(update))
    await answer_result(context.services, update.callback_query, result)


async def on_reason(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    assert update.callback_query is not None
    if await permitted(update, context) is None:
        return
    result = await returns.pick_reason(context.services, meaning, pressed_of(update))
    await answer_result(context.services, update.callback_query, result)


async def on_comment(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    """'Add a comment': ask for it; answering the question rejects."""
    assert update.callback_query is not None
    assert update.effective_user is not None
    if await permitted(update, context) is None:
        return
    actor = actor_of(update.effective_user)
    await returns.ask_comment(context.services, actor, meaning, pressed_of(update))
    await answer(context.services, update.callback_query)


async def on_go(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    actor = await permitted(update, context)
    if actor is None:
        return
    await _finish(update, context, await returns.confirm_pressed(context.services, actor, meaning))


async def on_back(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    assert update.callback_query is not None
    await returns.go_back(context.services, meaning, pressed_of(update))
    await answer(context.services, update.callback_query)


async def on_photos(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    """'See photos': anyone in the group may look; deciding stays with who may decide."""
    assert update.callback_query is not None
    assert update.effective_user is not None
    actor = actor_of(update.effective_user)
    result = await return_photos.show_return_photos(
        context.services, actor, meaning, pressed_of(update)
    )
    await answer_result(context.services, update.callback_query, result)
