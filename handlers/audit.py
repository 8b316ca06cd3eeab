"""/audit: who did what to an order or a conversation, and what the marketplace said."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.render.catalogue import t
from bot.staff import lookups
from handlers.access import order_elsewhere
from handlers.common import say


async def cmd_audit(update: Update, context: Context) -> None:
    """/audit <order>, or /audit as a reply to a relayed message."""
    services = context.services
    message = update.effective_message
    assert message is not None
    replied = message.reply_to_message
    if context.args and await order_elsewhere(context, message, context.args[:1]):
        return
    rendered = await lookups.audit_trail(
        services,
        order_ref=context.args[0] if context.args else None,
        chat_id=message.chat.id,
        replied_to=replied.message_id if replied is not None else None,
    )
    text = rendered.text if rendered is not None else t("audit.usage", services.lang)
    await say(services, message, text)
