"""Small helpers shared by the handler modules."""

from __future__ import annotations

import logging
from typing import Any

from telegram import CallbackQuery, Message, Update, User
from telegram.error import TelegramError

from bot.context import Context, Services
from bot.render.catalogue import t
from bot.render.formatting import visible_text
from bot.staff.services import Actor

log = logging.getLogger(__name__)

# Telegram posts anonymous group admins as this account; their real identity is hidden.
ANONYMOUS_ADMIN_ID = 1087968824


def actor_of(user: User) -> Actor:
    name = user.full_name or (f"@{user.username}" if user.username else str(user.id))
    return Actor(id=user.id, name=name)


def may_act(services: Services, user_id: int) -> bool:
    """Order decisions: everyone in the staff group, unless admins are configured."""
    admins = services.settings.telegram_admin_ids
    return not admins or user_id in admins


def plain(html_text: str, limit: int = 200) -> str:
    """Callback answers take plain text of at most 200 characters."""
    text = visible_text(html_text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def answer(query: CallbackQuery, html_text: str = "", *, alert: bool = False) -> None:
    try:
        await query.answer(plain(html_text) if html_text else None, show_alert=alert)
    except TelegramError as exc:  # e.g. "query is too old": the press is still handled
        log.info("callback answer failed: %s", exc)


async def say(message: Message, html_text: str, **kwargs: Any) -> Message:
    """A threaded reply to a staff message (stays in its topic)."""
    return await message.reply_text(html_text, do_quote=True, **kwargs)


async def permitted(update: Update, context: Context) -> Actor | None:
    """The acting staff member if they may decide on orders; otherwise refuse politely."""
    user = update.effective_user
    if user is not None and may_act(context.services, user.id):
        return actor_of(user)
    await refuse_not_allowed(update, context)
    return None


async def refuse_not_allowed(update: Update, context: Context) -> None:
    lang = context.services.lang
    if update.callback_query is not None:
        await answer(update.callback_query, t("access.not_allowed", lang), alert=True)
    elif update.effective_message is not None:
        await say(update.effective_message, t("access.not_allowed", lang))
