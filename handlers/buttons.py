"""Every inline button press: resolve its token, then hand it to the action's handler.

callback_data is only a random token; what it means (action, marketplace, shop, target)
is read from the database, so a forged or altered callback resolves to nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Update

from bot.context import Context
from bot.render.catalogue import t
from handlers import chats, order_actions, replies
from handlers.common import answer
from storage.links import ButtonMeaning, resolve_token

log = logging.getLogger(__name__)

Action = Callable[[Update, Context, ButtonMeaning], Awaitable[None]]

ACTIONS: dict[str, Action] = {
    "reply": replies.prompt_reply,
    "retry_reply": chats.on_retry,
    "accept": order_actions.on_accept,
    "reject": order_actions.on_reject,
    "reject_code": order_actions.on_reject_code,
    "reject_back": order_actions.on_reject_back,
    "reject_go": order_actions.on_reject_go,
    "reject_text": order_actions.on_reject_text,
    "cancel_ok": order_actions.on_cancel_ok,
    "cancel_no": order_actions.on_cancel_no,
    "order": order_actions.on_order_button,
}


async def on_button(update: Update, context: Context) -> None:
    """Route a press; unknown or forged tokens get a polite 'expired' answer."""
    query = update.callback_query
    if query is None:
        return
    services = context.services
    async with services.sessions() as session:
        meaning = await resolve_token(session=session, token=query.data or "")
    action = ACTIONS.get(meaning.action) if meaning else None
    if meaning is None or action is None:
        log.info("unknown button %r from user %s", query.data, query.from_user.id)
        await answer(query, t("btn.expired", services.lang), alert=True)
        return
    try:
        await action(update, context, meaning)
    except Exception:
        # The phone must never spin for ever: answer, then let the error handler report.
        await answer(query, t("err.other", services.lang), alert=True)
        raise
