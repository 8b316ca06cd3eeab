"""Quick replies: staff store templates once and send one with a press or ``/t <name>``.

A template goes out exactly like a typed reply (``buyer_replies.send_reply``): the Telegram
message it answers for is the once-only key. For ``/t`` that is the command message; for a
button it is the quick-reply menu the button sits on, so two staff pressing the same menu at
once send one reply, and a menu, once used, is spent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Services
from bot.domain import placeholders
from bot.domain.vocab import ButtonAction, LinkKind
from bot.render.base import Button, Rendered
from bot.render.catalogue import Html, t, t_plain
from bot.render.templates import (
    known_placeholders,
    parse_template_ref,
    render_menu,
    render_template_list,
)
from bot.staff.buyer_replies import ReplyTarget, StaffMessage, send_reply, target_of
from bot.staff.common import Actor, Pressed, Result, Status, audit_chat
from storage import audit, conversations, links, replies, shops, templates
from storage.links import ButtonMeaning

NAME_MAX = 32
_NAME = re.compile(r"[^\W_][\w-]*")


def _name(raw: str) -> str | None:
    """A template's name as stored (lower case), or None if it is not one word."""
    name = raw.strip().lower()
    return name if len(name) <= NAME_MAX and _NAME.fullmatch(name) else None


def _problem(services: Services, text: str) -> Html | None:
    """Why a template text cannot be stored, or None."""
    lang = services.lang
    try:
        placeholders.check(text)
    except placeholders.PlaceholderError as exc:
        if not exc.names:
            return t("tpl.bad_brace", lang, known=known_placeholders())
        unknown = ", ".join("{" + name + "}" for name in exc.names)
        return t("tpl.bad_placeholder", lang, unknown=unknown, known=known_placeholders())
    length = placeholders.longest_length(text)
    if length > placeholders.MESSAGE_MAX:
        return t("tpl.too_long", lang, length=length, max=placeholders.MESSAGE_MAX)
    return None


# --- managing templates -----------------------------------------------------------------------


async def add_template(services: Services, actor: Actor, raw_name: str, text: str) -> Result:
    lang = services.lang
    name = _name(raw_name)
    if name is None:
        return Result(Status.FAILED, t("tpl.bad_name", lang, max=NAME_MAX))
    if not text.strip():
        return Result(Status.FAILED, t("tpl.usage", lang))
    problem = _problem(services, text)
    if problem is not None:
        return Result(Status.FAILED, problem)
    now = services.clock()
    async with services.sessions() as session, session.begin():
        added = await templates.add(
            session=session, name=name, text=text, created_by=actor.name, now=now
        )
        if added:
            await _audit(session, services, actor, "template_add", name, text)
    if not added:
        return Result(Status.STALE, t("tpl.exists", lang, name=name))
    return Result(Status.DONE, t("tpl.added", lang, name=name))


async def delete_template(services: Services, actor: Actor, raw_name: str) -> Result:
    name = _name(raw_name) or raw_name.strip().lower()
    async with services.sessions() as session, session.begin():
        deleted = await templates.remove(session=session, name=name)
        if deleted:
            await _audit(session, services, actor, "template_del", name, "")
    if not deleted:
        return Result(Status.MISSING, t("tpl.missing", services.lang, name=name))
    return Result(Status.DONE, t("tpl.deleted", services.lang, name=name))


async def template_list(services: Services) -> Rendered:
    async with services.sessions() as session:
        rows = await templates.all_templates(session=session)
    return render_template_list([(r.name, r.text, r.uses) for r in rows], lang=services.lang)


# --- sending ----------------------------------------------------------------------------------


async def open_menu(services: Services, meaning: ButtonMeaning, pressed: Pressed | None) -> Result:
    """The ⚡ button: post the templates as buttons under the relayed message."""
    async with services.sessions() as session:
        rows = await templates.all_templates(session=session)
        row = await conversations.get_conversation(
            session=session,
            marketplace=meaning.marketplace,
            shop_id=meaning.shop_id,
            conversation_id=meaning.ref,
        )
    if not rows:
        return Result(Status.MISSING, t("tpl.none", services.lang))
    chat_id = pressed.chat_id if pressed else services.chat_id
    menu = render_menu(
        [r.name for r in rows], row.buyer_name if row else "", meaning.ref, lang=services.lang
    )
    sent = await services.sender.send(
        chat_id,
        menu,
        marketplace=meaning.marketplace,
        shop_id=meaning.shop_id,
        thread_id=pressed.thread_id if pressed else None,
        reply_to=pressed.message_id if pressed else None,
        bulk=False,
    )
    # A typed reply to the menu answers the same buyer.
    async with services.sessions() as session, session.begin():
        await links.link_messages(
            session=session,
            chat_id=sent[-1].chat_id,
            message_ids=[m.message_id for m in sent],
            kind=LinkKind.CONVERSATION,
            marketplace=meaning.marketplace,
            shop_id=meaning.shop_id,
            ref=meaning.ref,
            now=services.clock(),
        )
    return Result(Status.DONE, "")


async def send_from_menu(
    services: Services, actor: Actor, meaning: ButtonMeaning, pressed: Pressed | None
) -> Result:
    """A template button: send it once for the menu it is on, then say so on the menu."""
    name, conversation_id = parse_template_ref(meaning.ref)
    if pressed is None:  # the menu is too old for Telegram to show us: no key to send once by
        return Result(Status.MISSING, t("btn.expired", services.lang))
    target = ReplyTarget(meaning.marketplace, meaning.shop_id, conversation_id)
    result, fresh = await _send(services, actor, target, name, pressed.chat_id, pressed.message_id)
    if fresh:
        lines = f"{pressed.html}\n\n{t('tpl.sent_by', services.lang, name=name, staff=actor.name)}"
        buttons: tuple[tuple[Button, ...], ...] = ()
        if result.status is Status.FAILED:
            retry = Button(
                t_plain("btn.retry", services.lang), ButtonAction.RETRY_REPLY, str(result.reply_id)
            )
            buttons = ((retry,),)
        await services.sender.edit(
            pressed.chat_id,
            pressed.message_id,
            Rendered(f"{lines}\n{result.text}", buttons),
            marketplace="",
            shop_id="",
        )
    return result


async def send_by_command(
    services: Services, actor: Actor, message: StaffMessage, raw_name: str
) -> Result:
    """``/t <name>`` as a reply to a relayed buyer message (or in the buyer's topic)."""
    link = await target_of(services, message)
    if link is None or LinkKind(link.kind) is not LinkKind.CONVERSATION or not raw_name:
        return Result(Status.FAILED, t("tpl.t_usage", services.lang))
    target = ReplyTarget(link.marketplace, link.shop_id, link.ref)
    name = raw_name.strip().lower()
    result, _ = await _send(services, actor, target, name, message.chat_id, message.message_id)
    return result


@dataclass(frozen=True)
class _Filled:
    text: str
    buyer: str
    shop: str


async def _fill(services: Services, target: ReplyTarget, template_text: str) -> _Filled:
    async with services.sessions() as session:
        row = await conversations.get_conversation(
            session=session,
            marketplace=target.marketplace,
            shop_id=target.shop_id,
            conversation_id=target.conversation_id,
        )
        shop = await shops.shop_name(
            session=session, marketplace=target.marketplace, shop_id=target.shop_id
        )
    buyer = row.buyer_name if row else ""
    return _Filled(placeholders.fill(template_text, buyer=buyer, shop=shop), buyer, shop)


async def _send(
    services: Services,
    actor: Actor,
    target: ReplyTarget,
    name: str,
    chat_id: int,
    message_id: int,
) -> tuple[Result, bool]:
    """Send a template as a reply; True with it if this call was the one that sent it."""
    async with services.sessions() as session:
        template = await templates.get(session=session, name=name)
        known = await replies.find(session=session, chat_id=chat_id, message_id=message_id)
    if template is None:
        return Result(Status.MISSING, t("tpl.missing", services.lang, name=name)), False
    filled = await _fill(services, target, template.text)
    result = await send_reply(
        services, actor, target, chat_id=chat_id, message_id=message_id, text=filled.text
    )
    fresh = known is None and result.status in (Status.DONE, Status.FAILED, Status.UNKNOWN)
    if fresh:
        # Only the press that called the marketplace records its template; a press after
        # it (or at the same moment) is answered from the reply's record and adds nothing.
        async with services.sessions() as session, session.begin():
            if result.done:
                await templates.count_use(session=session, name=name)
            await audit_chat(
                session,
                at=services.clock(),
                actor=actor,
                action="template",
                chat=target,
                text=name,
                result={Status.DONE: "ok"}.get(result.status, result.status.value),
            )
    return result, fresh


async def _audit(
    session: AsyncSession, services: Services, actor: Actor, action: str, name: str, text: str
) -> None:
    await audit.record(
        session=session,
        at=services.clock(),
        actor_id=actor.id,
        actor_name=actor.name,
        action=action,
        marketplace="",
        shop_id="",
        text=f"{name}: {text}" if text else name,
        result="ok",
    )
