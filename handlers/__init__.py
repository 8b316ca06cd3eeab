"""``register(application, settings)``: the only list of tokobot's handlers.

Handlers parse an update, call one ``bot.staff`` service, render and answer through
``services.sender``; they never import ``bot.app`` and never call the Bot API themselves.
"""

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
from handlers import (
    access,
    assignments,
    audit,
    buttons,
    chats,
    help,
    messages,
    order_commands,
    summary,
    templates,
)
from handlers.errors import on_error

GATE_GROUP = -1

COMMANDS = {
    "start": help.cmd_help,
    "help": help.cmd_help,
    "chats": chats.cmd_chats,
    "mine": assignments.cmd_mine,
    "reply": chats.cmd_reply,
    "orders": order_commands.cmd_orders,
    "order": order_commands.cmd_order,
    "accept": order_commands.cmd_accept,
    "reject": order_commands.cmd_reject,
    "audit": audit.cmd_audit,
    "summary": summary.cmd_summary,
    "templates": templates.cmd_templates,
    "template": templates.cmd_template,
    "t": templates.cmd_t,
}


def register(application: Application[Any, Any, Any, Any, Any, Any], settings: Settings) -> None:
    application.add_handler(TypeHandler(Update, access.gate), group=GATE_GROUP)
    # PTB's CommandHandler also fires on an edited command; an edit must never act again.
    new_only = filters.UpdateType.MESSAGE
    for name, callback in COMMANDS.items():
        application.add_handler(CommandHandler(name, callback, filters=new_only))
    application.add_handler(CallbackQueryHandler(buttons.on_button))
    # The gate lets only the staff groups through; a group upgraded to a supergroup keeps
    # working under its new id, which no fixed list of chat ids would know.
    staff_group = filters.ChatType.GROUPS
    new_text = staff_group & filters.UpdateType.MESSAGE & ~filters.COMMAND
    application.add_handler(MessageHandler(new_text, messages.on_message))
    edited = staff_group & filters.UpdateType.EDITED_MESSAGE
    application.add_handler(MessageHandler(edited, messages.on_edited))
    application.add_error_handler(on_error)
