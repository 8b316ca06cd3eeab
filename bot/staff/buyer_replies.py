"""Staff replies to buyers: at most once per Telegram message, on the record.

A staff message answers a buyer when it is a Telegram reply to a relayed chat (or to the
Reply button's question), or, in topic mode, when it is written in the buyer's topic.
Anything else is staff chatter and never leaves the group.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from bot.context import Services
from bot.domain.errors import ErrorKind, MarketplaceError
from bot.domain.values import Conversation, MarketplaceName
from bot.domain.vocab import LinkKind
from bot.marketplaces.text_split import SplitsReplies
from bot.render.base import error_text
from bot.render.catalogue import t
from bot.staff import assignments, prompts, reach, rejects, returns
from bot.staff.common import Actor, Pressed, Result, Status, audit_chat, may_decide
from storage import conversations, links, replies, stats
from storage.assignments import ChatKey
from storage.links import ButtonMeaning
from storage.models import TelegramLink


@dataclass(frozen=True)
class ReplyTarget:
    marketplace: str
    shop_id: str
    conversation_id: str


@dataclass(frozen=True)
class StaffMessage:
    """A message written in the staff group, as far as deciding what it answers goes."""

    chat_id: int
    message_id: int
    reply_to: int | None  # the message it genuinely replies to (not its topic's root)
    topic_id: int | None  # its forum topic, if it is written in one
    reply_is_fresh: bool = False  # answers a bot message posted moments ago (see FRESH)


# The relay links a message in the commit right after Telegram accepts it; a reply faster than
# that commit waits for the link this long instead of being taken for chatter.
FRESH = timedelta(seconds=5)
_LINK_WAIT_STEPS = 20
_LINK_WAIT_STEP = 0.1


# --- what a staff message answers ------------------------------------------------------------


async def target_of(services: Services, message: StaffMessage) -> TelegramLink | None:
    """What a staff message answers, or None for staff chatter (never sent to a buyer)."""
    topics = services.settings.telegram_topics
    async with services.sessions() as session:
        if message.reply_to is not None:
            link = await _find_link(services, message)
            if link is not None or not topics:
                return link
        if topics and message.topic_id is not None:
            group = services.sender.origin(message.chat_id)
            row = await conversations.find_by_thread(
                session=session,
                thread_id=message.topic_id,
                group_chat_id=group,
                main_group=group == services.chat_id,
            )
            if row is not None:
                return TelegramLink(
                    chat_id=message.chat_id,
                    message_id=message.message_id,
                    kind=LinkKind.CONVERSATION,
                    marketplace=row.marketplace,
                    shop_id=row.shop_id,
                    ref=row.conversation_id,
                )
    return None


async def _find_link(services: Services, message: StaffMessage) -> TelegramLink | None:
    assert message.reply_to is not None
    for _ in range(_LINK_WAIT_STEPS if message.reply_is_fresh else 1):
        async with services.sessions() as session:
            link = await links.find_link(
                session=session, chat_id=message.chat_id, message_id=message.reply_to
            )
        if link is not None or not message.reply_is_fresh:
            return link
        await asyncio.sleep(_LINK_WAIT_STEP)
    return None


async def answers_something(services: Services, message: StaffMessage) -> bool:
    return await target_of(services, message) is not None


async def handle_message(
    services: Services, actor: Actor, message: StaffMessage, text: str
) -> Result | None:
    """Send a staff answer on to the buyer, or continue a reject; None for chatter."""
    link = await target_of(services, message)
    if link is None:
        return None
    kind = LinkKind(link.kind)
    # Shown here before SHOP_GROUPS moved the shop to another group: answered there now.
    refusal = reach.shop_refusal(
        services,
        message.chat_id,
        link.marketplace,
        link.shop_id,
        chat=kind is LinkKind.CONVERSATION,
    )
    if refusal is not None:
        return refusal
    if kind is LinkKind.PROMPT_RETURN:
        if not may_decide(services, actor.id):
            return Result(Status.FAILED, t("access.not_allowed", services.lang))
        return await returns.answer_comment(services, actor, link, text)
    if kind.is_prompt:
        if not may_decide(services, actor.id):
            return Result(Status.FAILED, t("access.not_allowed", services.lang))
        return await rejects.answer_question(services, actor, link, text)
    if kind is LinkKind.CHAT_DIGEST:
        # Several buyers in one message: guessing one of them could answer the wrong buyer.
        return Result(Status.MISSING, t("reply.digest_hint", services.lang))
    if kind is not LinkKind.CONVERSATION:
        return None  # talk about an order alert stays in the group
    if not text.strip():
        return Result(Status.FAILED, t("reply.text_only", services.lang))
    target = ReplyTarget(link.marketplace, link.shop_id, link.ref)
    return await send_reply(
        services,
        actor,
        target,
        chat_id=message.chat_id,
        message_id=message.message_id,
        text=text,
    )


async def ask_for_reply(
    services: Services, actor: Actor, meaning: ButtonMeaning, pressed: Pressed | None
) -> None:
    """The Reply button: ask for the answer with a question linked to the conversation."""
    async with services.sessions() as session:
        row = await conversations.get_conversation(
            session=session,
            marketplace=meaning.marketplace,
            shop_id=meaning.shop_id,
            conversation_id=meaning.ref,
        )
    buyer = row.buyer_name if row and row.buyer_name else t("common.buyer", services.lang)
    await prompts.ask(
        services,
        t("reply.prompt", services.lang, buyer=buyer, staff=prompts.mention(actor)),
        kind=LinkKind.CONVERSATION,
        marketplace=meaning.marketplace,
        shop_id=meaning.shop_id,
        ref=meaning.ref,
        pressed=pressed,
        placeholder=buyer[:64],
    )


async def reply_by_command(
    services: Services, actor: Actor, ref: str, text: str, *, chat_id: int, message_id: int
) -> Result:
    """/reply <conversation> <text>: the fallback when a Telegram reply is awkward."""
    target = await _find_conversation(services, ref)
    if target is None:
        return Result(Status.MISSING, t("reply.unknown", services.lang))
    return await send_reply(
        services, actor, target, chat_id=chat_id, message_id=message_id, text=text
    )


async def _find_conversation(services: Services, ref: str) -> ReplyTarget | None:
    async with services.sessions() as session:
        for name in services.marketplaces:
            for row in await conversations.by_conversation_id(
                session=session, marketplace=name, conversation_id=ref
            ):
                return ReplyTarget(row.marketplace, row.shop_id, row.conversation_id)
    return None


# --- sending ---------------------------------------------------------------------------------


async def send_reply(
    services: Services,
    actor: Actor,
    target: ReplyTarget,
    *,
    chat_id: int,
    message_id: int,
    text: str,
) -> Result:
    """Send a staff message to the buyer at most once per Telegram message."""
    now = services.clock()
    async with services.sessions() as session, session.begin():
        fresh, row = await replies.begin(
            session=session,
            chat_id=chat_id,
            message_id=message_id,
            marketplace=target.marketplace,
            shop_id=target.shop_id,
            conversation_id=target.conversation_id,
            text=text,
            actor_id=actor.id,
            actor_name=actor.name,
            now=now,
        )
    if not fresh:
        return _known_reply(services, row.status, row.id)
    assert row.id is not None
    return await _deliver_reply(services, actor, row.id, target, text, done=0)


def _known_reply(services: Services, status: str, reply_id: int | None) -> Result:
    lang = services.lang
    if status == "sent":
        return Result(Status.STALE, t("reply.already_sent", lang))
    if status == "failed":
        return Result(Status.FAILED, t("reply.failed_before", lang), reply_id)
    if status == "unknown":
        return Result(Status.UNKNOWN, error_text(ErrorKind.OUTCOME_UNKNOWN, lang=lang))
    return Result(Status.BUSY, t("reply.in_progress", lang))


async def retry_reply(services: Services, actor: Actor, reply_id: int) -> Result:
    """Retry a reply that certainly failed; concurrent Retry presses send it once."""
    async with services.sessions() as session, session.begin():
        row = await replies.get(session=session, reply_id=reply_id)
        if row is None:
            return Result(Status.MISSING, t("reply.unknown", services.lang))
        won = await replies.retake(session=session, reply_id=reply_id, now=services.clock())
    if not won:
        return _known_reply(services, row.status, reply_id)
    target = ReplyTarget(row.marketplace, row.shop_id, row.conversation_id)
    return await _deliver_reply(services, actor, reply_id, target, row.text, done=row.parts_sent)


async def _conversation(services: Services, target: ReplyTarget) -> Conversation:
    async with services.sessions() as session:
        row = await conversations.get_conversation(
            session=session,
            marketplace=target.marketplace,
            shop_id=target.shop_id,
            conversation_id=target.conversation_id,
        )
    return Conversation(
        marketplace=MarketplaceName(target.marketplace),
        shop_id=target.shop_id,
        conversation_id=target.conversation_id,
        buyer_id=row.buyer_id if row else "",
        buyer_name=row.buyer_name if row else "",
    )


async def _deliver_reply(
    services: Services, actor: Actor, reply_id: int, target: ReplyTarget, text: str, *, done: int
) -> Result:
    """Send the parts not yet sent (``done`` arrived before), each recorded as it arrives."""
    marketplace = services.marketplaces[target.marketplace]
    conversation = await _conversation(services, target)
    parts = marketplace.reply_parts(text) if isinstance(marketplace, SplitsReplies) else [text]
    status, error = "sent", ""
    result: Result
    try:
        for index in range(done, len(parts)):
            await marketplace.send_reply(conversation, parts[index])
            if len(parts) > 1:
                await _record_part(services, reply_id, index + 1)
        result = Result(Status.DONE, t("reply.sent", services.lang), reply_id)
    except MarketplaceError as exc:
        error = f"{exc.code} {exc.detail}".strip() or exc.kind.value
        if len(parts) > 1:  # says which message of a split reply did not go
            error = f"part {index + 1}/{len(parts)}: {error}"
        if exc.kind is ErrorKind.OUTCOME_UNKNOWN:
            status = "unknown"
            result = Result(Status.UNKNOWN, error_text(exc.kind, lang=services.lang))
        else:
            status = "failed"
            text_ = error_text(exc.kind, exc.detail, lang=services.lang)
            result = Result(Status.FAILED, text_, reply_id)
    await _settle(services, actor, reply_id, target, text, status, error)
    if status == "sent":
        key = ChatKey(target.marketplace, target.shop_id, target.conversation_id)
        await assignments.after_answer(services, actor, key)
    return result


async def _record_part(services: Services, reply_id: int, parts_sent: int) -> None:
    async with services.sessions() as session, session.begin():
        await replies.record_part(
            session=session, reply_id=reply_id, parts_sent=parts_sent, now=services.clock()
        )


async def _settle(
    services: Services,
    actor: Actor,
    reply_id: int,
    target: ReplyTarget,
    text: str,
    status: str,
    error: str,
) -> None:
    """Record how the reply went; a sent one also answers the buyer's waiting question."""
    now = services.clock()
    async with services.sessions() as session, session.begin():
        await replies.settle(
            session=session, reply_id=reply_id, status=status, error=error, now=now
        )
        await audit_chat(
            session,
            at=now,
            actor=actor,
            action="reply",
            chat=target,
            text=text,
            result={"sent": "ok"}.get(status, status),
            detail=error,
        )
        if status != "sent":
            return
        waited_since = await conversations.mark_answered(
            session=session,
            marketplace=target.marketplace,
            shop_id=target.shop_id,
            conversation_id=target.conversation_id,
            at=now,
        )
        if waited_since is not None:
            await stats.record_first_response(
                session=session,
                marketplace=target.marketplace,
                conversation_id=target.conversation_id,
                asked_at=waited_since,
                answered_at=now,
                actor_name=actor.name,
            )
