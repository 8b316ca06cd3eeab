"""/summary: today's figures so far, the same as the evening summary."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.jobs.summary import summary_rendered
from handlers.common import say


async def cmd_summary(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    services = context.services
    # In a staff group: that group's shops (SHOP_GROUPS); in an admin's private chat: all.
    rendered = await summary_rendered(services, services.clock(), services.scope(message.chat.id))
    await say(services, message, rendered.text)
