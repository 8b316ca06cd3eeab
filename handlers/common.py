"""Small helpers shared by the handler modules: reading an update, and answering through
``services.sender``, the one door to Telegram."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Message, Update, User
from telegram.error import TelegramError

from bot.context import Context, Services
from bot.render.base import Button, Rendered
from bot.render.catalogue import t
from bot.render.formatting import visible_text
from bot.staff.common import Actor, Pressed, Result, may_decide
from bot.staff.decisions import Decision, show_on_pressed
from bot.staff.lookups import Listing

log = logging.getLogger(__name__)

# Telegram posts anonymous group admins as this account; their real identity is hidden.
ANONYMOUS_ADMIN_ID = 1087968824
# Accounts that stand for a chat, never a person: messages sent as a channel, and a linked
# channel's automatic forwards.
CHANNEL_BOT_ID = 136817688
SERVICE_NOTIFICATIONS_ID = 777000
NOT_A_PERSON_IDS = frozenset({ANONYMOUS_ADMIN_ID, CHANNEL_BOT_ID, SERVICE_NOTIFICATIONS_ID})


def actor_of(user: User) -> Actor:
    name = user.full_name or (f"@{user.username}" if user.username else str(user.id))
    return Actor(id=user.id, name=name)


def pressed_of(update: Update) -> Pressed | None:
    """The message whose button was pressed, if Telegram still shows it to us."""
    query = update.callback_query
    message = query.message if query is not None else None
    if not isinstance(message, Message):
        return None
    thread_id = message.message_thread_id if message.is_topic_message else None
    return Pressed(message.chat.id, message.message_id, message.text_html or "", thread_id)


def plain(html_text: str, limit: int = 200) -> str:
    """Callback answers take plain text of at most 200 characters."""
    text = visible_text(html_text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def answer(
    services: Services, query: CallbackQuery, html_text: str = "", *, alert: bool = False
) -> None:
    """Answer a button press, so the phone stops spinning."""
    try:
        await services.sender.answer_press(
            query.id, plain(html_text) if html_text else None, alert=alert
        )
    except TelegramError as exc:  # e.g. "query is too old": the press is still handled
        log.info("callback answer failed: %s", exc)


async def answer_result(services: Services, query: CallbackQuery, result: Result) -> None:
    """Answer a press with how it went. Anything but done is shown as an alert, which stays
    until dismissed: a toast that vanishes is easily missed when the action did not happen."""
    await answer(services, query, result.text, alert=not result.done)


async def say(
    services: Services,
    message: Message,
    html_text: str,
    *,
    buttons: tuple[tuple[Button, ...], ...] = (),
    quote: bool = True,
) -> None:
    """Answer a staff message in its chat (and topic), as a reply to it unless ``quote=False``."""
    await services.sender.send(
        message.chat.id,
        Rendered(html_text, buttons),
        marketplace="",
        shop_id="",
        thread_id=message.message_thread_id if message.is_topic_message else None,
        reply_to=message.message_id if quote else None,
        bulk=False,
    )


async def send_listing(services: Services, message: Message, listing: Listing) -> None:
    """Answer a list command with a listing whose buttons belong to several shops."""
    await services.sender.send(
        message.chat.id,
        listing.rendered,
        marketplace="",
        shop_id="",
        scopes=listing.scopes,
        reply_to=message.message_id,
        bulk=False,
        thread_id=message.message_thread_id if message.is_topic_message else None,
    )


async def finish_press(update: Update, context: Context, decision: Decision) -> None:
    """Answer a decision's press, then show the result where the press happened."""
    assert update.callback_query is not None
    services = context.services
    result = decision.result
    await answer_result(services, update.callback_query, result)
    await show_on_pressed(services, decision, pressed_of(update))


async def permitted(update: Update, context: Context) -> Actor | None:
    """The acting staff member if they may decide on orders; otherwise refuse politely."""
    user = update.effective_user
    if user is not None and may_decide(context.services, user.id):
        return actor_of(user)
    await refuse_not_allowed(update, context)
    return None


async def refuse_not_allowed(update: Update, context: Context) -> None:
    services = context.services
    if update.callback_query is not None:
        await answer(
            services, update.callback_query, t("access.not_allowed", services.lang), alert=True
        )
    elif update.effective_message is not None:
        await say(services, update.effective_message, t("access.not_allowed", services.lang))
