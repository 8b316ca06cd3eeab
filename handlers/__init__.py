"""``register(application, settings)``: the only list of tokobot's handlers."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.config import Settings
from handlers import access, audit, buttons, chats, help, order_actions, replies, summary
from handlers.errors import on_error

GATE_GROUP = -1


def register(application: Application[Any, Any, Any, Any, Any, Any], settings: Settings) -> None:
    application.add_handler(TypeHandler(Update, access.gate), group=GATE_GROUP)
    commands = {
        "start": help.cmd_help,
        "help": help.cmd_help,
        "chats": chats.cmd_chats,
        "reply": chats.cmd_reply,
        "orders": order_actions.cmd_orders,
        "order": order_actions.cmd_order,
        "accept": order_actions.cmd_accept,
        "reject": order_actions.cmd_reject,
        "audit": audit.cmd_audit,
        "summary": summary.cmd_summary,
    }
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, callback))
    application.add_handler(CallbackQueryHandler(buttons.on_button))
    staff_group = filters.Chat(chat_id=settings.telegram_chat_id)
    application.add_handler(
        MessageHandler(
            staff_group & filters.UpdateType.MESSAGE & ~filters.COMMAND, replies.on_message
        )
    )
    application.add_handler(
        MessageHandler(staff_group & filters.UpdateType.EDITED_MESSAGE, replies.on_edited)
    )
    application.add_error_handler(on_error)
