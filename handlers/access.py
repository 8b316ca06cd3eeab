"""Who tokobot listens to: people in a staff group, and admins in private chats. Nobody else.

"People" excludes identities that stand for a chat rather than a person: a message sent as a
channel or as the group (``sender_chat``; anonymous admins post as 1087968824, channels as
136817688) and a linked channel's automatic forward (777000). Such a message may be anyone's,
so it never acts on an order and never reaches a buyer.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.context import Context
from bot.render.catalogue import t
from bot.staff import reach
from handlers.common import NOT_A_PERSON_IDS, answer, say

log = logging.getLogger(__name__)

# One explanation per hour at most: a busy linked channel must not flood the group.
NOTICE_EVERY = timedelta(hours=1)
_LAST_NOTICE = "access.not_a_person_noticed_at"


def not_a_person(message: Message | None, user_id: int) -> bool:
    """True for a message sent in the name of a chat, or forwarded by Telegram itself."""
    if user_id in NOT_A_PERSON_IDS:
        return True
    return message is not None and (
        message.sender_chat is not None or bool(message.is_automatic_forward)
    )


async def gate(update: Update, context: Context) -> None:
    """Stop every update that is not a person in the staff group or an admin's private chat."""
    services = context.services
    chat = update.effective_chat
    user = update.effective_user
    if chat is None or user is None:
        raise ApplicationHandlerStop
    # Every configured group (TELEGRAM_CHAT_ID, SHOP_GROUPS, overflow), followed if it moved.
    in_group = services.home_of(chat.id) is not None
    admin_dm = chat.type == ChatType.PRIVATE and user.id in services.settings.telegram_admin_ids
    message = update.effective_message
    faceless = not_a_person(message, user.id)
    if (in_group or admin_dm) and not faceless:
        return
    lang = services.lang
    if update.callback_query is not None:
        await answer(services, update.callback_query, t("access.not_allowed", lang), alert=True)
    elif in_group and faceless:
        await _explain_once_an_hour(context, update.message)
    elif chat.type == ChatType.PRIVATE and update.message is not None:
        await say(services, update.message, t("access.private", lang), quote=False)
    else:
        log.info("ignored an update from chat %s", chat.id)
    raise ApplicationHandlerStop


async def order_elsewhere(context: Context, message: Message, refs: Sequence[str]) -> bool:
    """True, after saying so, when a named order is another staff group's (SHOP_GROUPS)."""
    refusal = await reach.order_refusal(context.services, message.chat.id, refs)
    if refusal is not None:
        await say(context.services, message, refusal.text)
    return refusal is not None


async def chat_elsewhere(context: Context, message: Message, ref: str) -> bool:
    """True, after saying so, when a named conversation is another staff group's."""
    refusal = await reach.chat_refusal(context.services, message.chat.id, ref)
    if refusal is not None:
        await say(context.services, message, refusal.text)
    return refusal is not None


async def _explain_once_an_hour(context: Context, message: Message | None) -> None:
    """Say why a command or reply was ignored, unless it was said in the last hour.

    Only new messages that look like they wanted something (a command or a reply) earn the
    explanation; edits and ordinary channel posts pass silently.
    """
    if message is None or not (message.text or message.caption):
        return
    text = message.text or message.caption or ""
    if not (text.startswith("/") or message.reply_to_message is not None):
        return
    services = context.services
    now = services.clock()
    last = context.bot_data.get(_LAST_NOTICE)
    if last is not None and now - last < NOTICE_EVERY:
        log.info("ignored a message sent as a chat in %s (explained at %s)", message.chat.id, last)
        return
    context.bot_data[_LAST_NOTICE] = now
    await say(services, message, t("access.anonymous", services.lang))
