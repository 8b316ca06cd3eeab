"""Quick replies: /templates, /template add|del, /t <name>, the ⚡ button and its menu."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.render.catalogue import t
from bot.staff import templates
from handlers.common import actor_of, answer_result, permitted, pressed_of, say
from handlers.messages import report, staff_message_of
from storage.links import ButtonMeaning


async def cmd_templates(update: Update, context: Context) -> None:
    """/templates: every template with its text, the most used first."""
    message = update.effective_message
    assert message is not None
    rendered = await templates.template_list(context.services)
    await say(context.services, message, rendered.text)


async def cmd_template(update: Update, context: Context) -> None:
    """/template add <name> <text> or /template del <name>; admins only, when configured."""
    services = context.services
    message = update.effective_message
    assert message is not None
    # The text keeps its line breaks: split the raw message, not context.args.
    parts = (message.text or "").split(maxsplit=3)
    verb = parts[1].lower() if len(parts) > 1 else ""
    if verb not in ("add", "del") or len(parts) < 3 or (verb == "add" and len(parts) < 4):
        await say(services, message, t("tpl.usage", services.lang))
        return
    actor = await permitted(update, context)
    if actor is None:
        return
    if verb == "add":
        result = await templates.add_template(services, actor, parts[2], parts[3])
    else:
        result = await templates.delete_template(services, actor, parts[2])
    await say(services, message, result.text)


async def cmd_t(update: Update, context: Context) -> None:
    """/t <name>, as a reply to a relayed buyer message: send that template to the buyer."""
    services = context.services
    message = update.effective_message
    user = update.effective_user
    assert message is not None
    assert user is not None
    args = context.args or []
    result = await templates.send_by_command(
        services, actor_of(user), staff_message_of(message), args[0] if args else ""
    )
    await report(services, message, result)


async def on_quick_replies(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    """The ⚡ button: show the templates as buttons."""
    query = update.callback_query
    assert query is not None
    result = await templates.open_menu(context.services, meaning, pressed_of(update))
    await answer_result(context.services, query, result)


async def on_template(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    """A template button: send it to the buyer once; the menu then says who sent it."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None
    assert user is not None
    services = context.services
    result = await templates.send_from_menu(services, actor_of(user), meaning, pressed_of(update))
    await answer_result(services, query, result)
