"""Who tokobot listens to: the staff group, and admins in private chats. Nobody else."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.context import Context
from bot.render.catalogue import t
from handlers.common import ANONYMOUS_ADMIN_ID, answer, say

log = logging.getLogger(__name__)


async def gate(update: Update, context: Context) -> None:
    """Stop every update that does not come from the staff group or an admin's private chat."""
    services = context.services
    chat = update.effective_chat
    user = update.effective_user
    if chat is None or user is None:
        raise ApplicationHandlerStop
    in_group = chat.id == services.chat_id
    admin_dm = chat.type == ChatType.PRIVATE and user.id in services.settings.telegram_admin_ids
    if (in_group or admin_dm) and user.id != ANONYMOUS_ADMIN_ID:
        return
    lang = services.lang
    message = update.message
    if update.callback_query is not None:
        await answer(services, update.callback_query, t("access.not_allowed", lang), alert=True)
    elif in_group and message is not None and message.text:
        if message.text.startswith("/") or message.reply_to_message is not None:
            await say(services, message, t("access.anonymous", lang))
    elif chat.type == ChatType.PRIVATE and message is not None:
        await say(services, message, t("access.private", lang), quote=False)
    else:
        log.info("ignored an update from chat %s", chat.id)
    raise ApplicationHandlerStop
