"""Who handles which buyer conversation: 🙋 Saya tangani, takeover, Lepas, /mine, and the
claim a staff answer makes.

The database decides who wins (``storage.assignments``); this module records each change
of hands in the audit trail in the same commit, then redraws the conversation's newest
relayed message through the relay's ``Sender`` so the group sees who handles it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.error import TelegramError

from bot.context import Services
from bot.render.assignments import (
    MyChat,
    render_mine,
    takeover_buttons,
    takeover_ref,
    with_handler,
    without_handler,
)
from bot.render.base import Rendered
from bot.render.catalogue import t
from bot.render.chats import chat_buttons
from bot.staff.common import (
    Actor,
    Pressed,
    Result,
    Status,
    audit_chat,
    may_decide,
    set_pressed_buttons,
)
from bot.staff.lookups import Listing
from storage import assignments, conversations
from storage.assignments import ChatKey
from storage.links import ButtonMeaning
from storage.models import ConversationHandler

log = logging.getLogger(__name__)


def idle_limit(services: Services) -> timedelta:
    """How long a handler keeps a conversation without answering it."""
    return timedelta(minutes=services.settings.claim_release_minutes)


def may_take_over(services: Services, user_id: int) -> bool:
    """Admins may take a conversation from its handler; everyone may when none are set."""
    return may_decide(services, user_id)


def _key(meaning: ButtonMeaning, ref: str | None = None) -> ChatKey:
    return ChatKey(meaning.marketplace, meaning.shop_id, meaning.ref if ref is None else ref)


async def _audit(
    services: Services, session: AsyncSession, actor: Actor, action: str, key: ChatKey, detail: str
) -> None:
    await audit_chat(
        session,
        at=services.clock(),
        actor=actor,
        action=action,
        chat=key,
        result="ok",
        detail=detail,
    )


async def _exists(services: Services, key: ChatKey) -> bool:
    async with services.sessions() as session:
        row = await conversations.get_conversation(
            session=session,
            marketplace=key.marketplace,
            shop_id=key.shop_id,
            conversation_id=key.conversation_id,
        )
    return row is not None


# --- showing who handles it ------------------------------------------------------------------


async def redraw(
    services: Services, key: ChatKey, handler: str, pressed: Pressed | None = None
) -> None:
    """Show ``handler`` (or nobody) on the conversation's newest relayed message, and on the
    pressed message when that is an older one. A message Telegram no longer has is skipped."""
    async with services.sessions() as session, session.begin():
        row = await assignments.get(session=session, key=key)
        if (row is None or row.message_id is None) and pressed is not None and pressed.html:
            # Relayed before claiming existed: the pressed message becomes the one shown.
            await assignments.note_shown(
                session=session,
                key=key,
                chat_id=pressed.chat_id,
                message_id=pressed.message_id,
                html=without_handler(pressed.html),
                now=services.clock(),
            )
            row = await assignments.get(session=session, key=key)
    targets: list[tuple[int, int, str]] = []
    if row is not None and row.chat_id is not None and row.message_id is not None:
        targets.append((row.chat_id, row.message_id, row.shown_html))
    shown = {(chat_id, message_id) for chat_id, message_id, _ in targets}
    if pressed is not None and (pressed.chat_id, pressed.message_id) not in shown:
        targets.append((pressed.chat_id, pressed.message_id, without_handler(pressed.html)))
    buttons = chat_buttons(key.conversation_id, lang=services.lang, handler=handler)
    for chat_id, message_id, html in targets:
        try:
            if html:
                text = with_handler(html, handler, lang=services.lang)
                await services.sender.edit(
                    chat_id,
                    message_id,
                    Rendered(text, buttons),
                    marketplace=key.marketplace,
                    shop_id=key.shop_id,
                )
            else:  # no text of ours to redraw (a caption): the buttons still name the handler
                await services.sender.set_buttons(
                    chat_id, message_id, buttons, marketplace=key.marketplace, shop_id=key.shop_id
                )
        except TelegramError as exc:
            log.info("could not show the handler of %s on %s: %s", key, message_id, exc)


# --- buttons ---------------------------------------------------------------------------------


async def claim_pressed(
    services: Services, actor: Actor, meaning: ButtonMeaning, pressed: Pressed | None
) -> Result:
    """🙋: become the handler; if someone else is, say who (and offer an admin a takeover)."""
    key = _key(meaning)
    lang = services.lang
    if not await _exists(services, key):
        return Result(Status.MISSING, t("reply.unknown", lang))
    now, idle = services.clock(), idle_limit(services)
    async with services.sessions() as session, session.begin():
        before = await assignments.current(session=session, key=key, now=now, idle=idle)
        if before is not None and before.handler_id == actor.id:
            return Result(Status.STALE, t("claim.yours", lang))
        won = before is None and await assignments.claim(
            session=session,
            key=key,
            actor_id=actor.id,
            actor_name=actor.name,
            now=now,
            idle=idle,
        )
        if won:
            await _audit(services, session, actor, "claim", key, "")
        holder = (
            None
            if won
            else await assignments.current(session=session, key=key, now=now, idle=idle)
        )
    if won:
        await redraw(services, key, actor.name, pressed)
        return Result(Status.DONE, t("claim.done", lang))
    if holder is None or holder.handler_id is None:
        return Result(Status.BUSY, t("claim.changed", lang))
    if holder.handler_id == actor.id:
        return Result(Status.STALE, t("claim.yours", lang))
    if may_take_over(services, actor.id) and pressed is not None:
        await _ask_takeover(services, key, holder, pressed)
        return Result(Status.BUSY, t("claim.confirm", lang, name=holder.handler_name))
    return Result(Status.BUSY, t("claim.taken", lang, name=holder.handler_name))


async def _ask_takeover(
    services: Services, key: ChatKey, holder: ConversationHandler, pressed: Pressed
) -> None:
    assert holder.handler_id is not None
    buttons = takeover_buttons(
        key.conversation_id, holder.handler_id, holder.handler_name, lang=services.lang
    )
    await set_pressed_buttons(
        services, pressed, buttons, marketplace=key.marketplace, shop_id=key.shop_id
    )


async def takeover_pressed(
    services: Services, actor: Actor, meaning: ButtonMeaning, pressed: Pressed | None
) -> Result:
    """✅ Ambil alih: the confirmed takeover, only from the handler the question named."""
    lang = services.lang
    parsed = takeover_ref(meaning.ref)
    if parsed is None:
        return Result(Status.MISSING, t("btn.expired", lang))
    if not may_take_over(services, actor.id):
        return Result(Status.FAILED, t("access.not_allowed", lang))
    expected_id, conversation_id = parsed
    key = _key(meaning, conversation_id)
    now, idle = services.clock(), idle_limit(services)
    async with services.sessions() as session, session.begin():
        before = await assignments.get(session=session, key=key)
        previous = before.handler_name if before is not None else ""
        took = await assignments.take_over(
            session=session,
            key=key,
            actor_id=actor.id,
            actor_name=actor.name,
            expected_id=expected_id,
            now=now,
        )
        if took:
            await _audit(services, session, actor, "takeover", key, previous)
        else:
            # Released or taken meanwhile: whoever holds it now is shown again.
            now_row = await assignments.current(session=session, key=key, now=now, idle=idle)
            previous = now_row.handler_name if now_row is not None else ""
    if took:
        await redraw(services, key, actor.name, pressed)
        return Result(Status.DONE, t("claim.took_over", lang, name=previous))
    await redraw(services, key, previous, pressed)
    return Result(Status.STALE, t("claim.changed", lang))


async def keep_pressed(
    services: Services, meaning: ButtonMeaning, pressed: Pressed | None
) -> None:
    """↩️ Batal on the takeover question: the message shows its handler again."""
    key = _key(meaning)
    now, idle = services.clock(), idle_limit(services)
    async with services.sessions() as session:
        row = await assignments.current(session=session, key=key, now=now, idle=idle)
    await redraw(services, key, row.handler_name if row is not None else "", pressed)


async def release_pressed(
    services: Services, actor: Actor, meaning: ButtonMeaning, pressed: Pressed | None
) -> Result:
    """✋ Lepas: the handler (or an admin) lets the conversation go."""
    key = _key(meaning)
    lang = services.lang
    now, idle = services.clock(), idle_limit(services)
    async with services.sessions() as session, session.begin():
        row = await assignments.current(session=session, key=key, now=now, idle=idle)
        if row is None or row.handler_id is None:
            released = False
        elif row.handler_id != actor.id and not may_take_over(services, actor.id):
            return Result(Status.BUSY, t("claim.not_yours", lang, name=row.handler_name))
        else:
            released = await assignments.release(
                session=session, key=key, expected_id=row.handler_id
            )
            if released:
                await _audit(services, session, actor, "release", key, row.handler_name)
    await redraw(services, key, "", pressed)
    if not released:
        return Result(Status.STALE, t("claim.nobody", lang))
    return Result(Status.DONE, t("claim.released", lang))


# --- answers, the release job and /mine --------------------------------------------------------


async def after_answer(services: Services, actor: Actor, key: ChatKey) -> None:
    """A staff answer reached the buyer: it keeps its writer the handler, or makes them it."""
    now = services.clock()
    async with services.sessions() as session, session.begin():
        became = await assignments.answered(
            session=session,
            key=key,
            actor_id=actor.id,
            actor_name=actor.name,
            now=now,
            idle=idle_limit(services),
        )
        if became:
            await _audit(services, session, actor, "claim", key, "reply")
    if became:
        await redraw(services, key, actor.name)


async def release_idle(services: Services, now: datetime) -> int:
    """Let go of every conversation whose handler has not answered it for the set time."""
    idle = idle_limit(services)
    async with services.sessions() as session:
        rows = await assignments.lapsed(session=session, now=now, idle=idle)
    released = 0
    for row in rows:
        key = assignments.key_of(row)
        async with services.sessions() as session, session.begin():
            if not await assignments.release_lapsed(session=session, key=key, now=now, idle=idle):
                continue
            handler = Actor(row.handler_id or 0, row.handler_name)
            await _audit(services, session, handler, "auto_release", key, "")
        released += 1
        await redraw(services, key, "")
    return released


async def current_handler(services: Services, key: ChatKey, now: datetime) -> Actor | None:
    """Who handles the conversation now, if anyone."""
    async with services.sessions() as session:
        row = await assignments.current(
            session=session, key=key, now=now, idle=idle_limit(services)
        )
    if row is None or row.handler_id is None:
        return None
    return Actor(row.handler_id, row.handler_name)


@dataclass(frozen=True)
class _Mine:
    chat: MyChat
    scope: tuple[str, str]


async def my_chats(services: Services, actor_id: int) -> Listing:
    """/mine: the conversations the asker handles, waiting ones first."""
    now = services.clock()
    found: list[_Mine] = []
    async with services.sessions() as session:
        for row in await assignments.handled_by(
            session=session, actor_id=actor_id, now=now, idle=idle_limit(services)
        ):
            conv = await conversations.get_conversation(
                session=session,
                marketplace=row.marketplace,
                shop_id=row.shop_id,
                conversation_id=row.conversation_id,
            )
            if conv is None:
                continue
            chat = MyChat(
                conversations.conversation_of(conv),
                conv.conversation_id,
                conv.waiting_since,
                conv.last_buyer_text,
            )
            found.append(_Mine(chat, (conv.marketplace, conv.shop_id)))
    rendered = render_mine([m.chat for m in found], now=now, lang=services.lang, tz=services.tz)
    return Listing(rendered, {m.chat.ref: m.scope for m in found})
