"""/audit: who did what to an order or a conversation, and what the marketplace said."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.render.catalogue import t
from bot.render.staff import render_audit
from bot.staff.services import find_order
from handlers.common import say
from storage import audit, links


async def cmd_audit(update: Update, context: Context) -> None:
    """/audit <order>, or /audit as a reply to a relayed message."""
    services = context.services
    message = update.effective_message
    assert message is not None
    entries = None
    title = ""
    if context.args:
        row = await find_order(services, context.args[0])
        if row is not None:
            async with services.sessions() as session:
                entries = await audit.for_order(
                    session=session, marketplace=row.marketplace, order_id=row.order_id
                )
            title = row.invoice or row.order_id
    elif message.reply_to_message is not None:
        async with services.sessions() as session:
            link = await links.find_link(
                session=session,
                chat_id=message.chat.id,
                message_id=message.reply_to_message.message_id,
            )
            if link is not None and link.kind == "order":
                entries = await audit.for_order(
                    session=session, marketplace=link.marketplace, order_id=link.ref
                )
                title = link.ref
            elif link is not None and link.kind == "conversation":
                entries = await audit.for_conversation(
                    session=session, marketplace=link.marketplace, conversation_id=link.ref
                )
                title = link.ref
    if entries is None:
        await say(message, t("audit.usage", services.lang))
        return
    await say(message, render_audit(title, entries, lang=services.lang, tz=services.tz).text)
