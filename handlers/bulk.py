"""Accept all on a digest: the button, Yes/No, and retrying only the failures.

Only staff who may decide on orders get past ``permitted``; the run itself starts in the
background (``bot.staff.bulk``), so the press is answered at once.
"""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.staff import bulk
from bot.staff.common import missing
from handlers.common import answer_result, permitted, pressed_of
from storage.links import ButtonMeaning


def _run_id(meaning: ButtonMeaning) -> int:
    return int(meaning.ref) if meaning.ref.isdigit() else 0


async def on_offer(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    """Accept all: ask to confirm, in the digest itself."""
    assert update.callback_query is not None
    if await permitted(update, context) is None:
        return
    result = await bulk.ask(context.services, _run_id(meaning), pressed_of(update))
    await answer_result(context.services, update.callback_query, result)


async def on_back(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    assert update.callback_query is not None
    result = await bulk.back(context.services, _run_id(meaning), pressed_of(update))
    await answer_result(context.services, update.callback_query, result)


async def on_go(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    """Yes (or retry the failures): start the run once, on the pressed message."""
    assert update.callback_query is not None
    actor = await permitted(update, context)
    if actor is None:
        return
    pressed = pressed_of(update)
    if pressed is None:
        result = missing(context.services)
    else:
        result = await bulk.confirm(
            context.services, actor, _run_id(meaning), pressed.chat_id, pressed.message_id
        )
    await answer_result(context.services, update.callback_query, result)
