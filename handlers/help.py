"""/start and /help."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.render.catalogue import t
from handlers.common import say


async def cmd_help(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is not None:
        await say(context.services, message, t("help.text", context.services.lang))
