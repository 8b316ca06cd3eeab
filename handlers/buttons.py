"""Every inline button press: resolve its token, then hand it to the action's handler.

callback_data is only a random token; what it means (action, marketplace, shop, target)
is read from the database, so a forged or altered callback resolves to nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Update

from bot.context import Context
from bot.domain.vocab import ButtonAction
from bot.render.catalogue import t
from bot.staff import reach
from bot.staff.common import meaning_of
from handlers import (
    assignments,
    bulk,
    chats,
    messages,
    order_buttons,
    order_commands,
    returns,
    templates,
)
from handlers.common import answer
from storage.links import ButtonMeaning

log = logging.getLogger(__name__)

Action = Callable[[Update, Context, ButtonMeaning], Awaitable[None]]

ACTIONS: dict[str, Action] = {
    ButtonAction.REPLY: messages.prompt_reply,
    ButtonAction.RETRY_REPLY: chats.on_retry,
    ButtonAction.ACCEPT: order_buttons.on_accept,
    ButtonAction.REJECT: order_buttons.on_reject,
    ButtonAction.REJECT_CODE: order_buttons.on_reject_code,
    ButtonAction.REJECT_BACK: order_buttons.on_reject_back,
    ButtonAction.REJECT_GO: order_buttons.on_reject_go,
    ButtonAction.REJECT_TEXT: order_buttons.on_reject_text,
    ButtonAction.CANCEL_OK: order_buttons.on_cancel_ok,
    ButtonAction.CANCEL_NO: order_buttons.on_cancel_no,
    ButtonAction.CLAIM: assignments.on_claim,
    ButtonAction.CLAIM_TAKEOVER: assignments.on_takeover,
    ButtonAction.CLAIM_KEEP: assignments.on_keep,
    ButtonAction.CLAIM_RELEASE: assignments.on_release,
    ButtonAction.ORDER: order_commands.on_order_button,
    ButtonAction.SHOW_MEDIA: chats.on_show_media,
    ButtonAction.RETURN_APPROVE: returns.on_approve,
    ButtonAction.RETURN_REJECT: returns.on_reject,
    ButtonAction.RETURN_REASON: returns.on_reason,
    ButtonAction.RETURN_COMMENT: returns.on_comment,
    ButtonAction.RETURN_GO: returns.on_go,
    ButtonAction.RETURN_BACK: returns.on_back,
    ButtonAction.RETURN_PHOTOS: returns.on_photos,
    ButtonAction.BULK_OFFER: bulk.on_offer,
    ButtonAction.BULK_GO: bulk.on_go,
    ButtonAction.BULK_BACK: bulk.on_back,
    ButtonAction.BULK_RETRY: bulk.on_go,
    ButtonAction.QUICK_REPLIES: templates.on_quick_replies,
    ButtonAction.TEMPLATE: templates.on_template,
}


async def on_button(update: Update, context: Context) -> None:
    """Route a press; unknown or forged tokens get a polite 'expired' answer."""
    query = update.callback_query
    if query is None:
        return
    services = context.services
    meaning = await meaning_of(services, query.data or "")
    action = ACTIONS.get(meaning.action) if meaning else None
    if meaning is None or action is None:
        log.info("unknown button %r from user %s", query.data, query.from_user.id)
        await answer(services, query, t("btn.expired", services.lang), alert=True)
        return
    chat = update.effective_chat
    refusal = reach.button_refusal(
        services, chat.id if chat else 0, meaning.action, meaning.marketplace, meaning.shop_id
    )
    if refusal is not None:  # another staff group's shop (SHOP_GROUPS)
        await answer(services, query, refusal.text, alert=True)
        return
    try:
        await action(update, context, meaning)
    except Exception:
        # The phone must never spin for ever: answer, then let the error handler report.
        await answer(services, query, t("err.other", services.lang), alert=True)
        raise
