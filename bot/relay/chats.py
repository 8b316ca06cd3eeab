"""Buyer messages and shop notices in the staff group, with a forum topic per buyer."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.error import BadRequest

from bot.domain.values import (
    AuthorizationChanged,
    BuyerMessage,
    BuyerMessageReceived,
    Conversation,
)
from bot.domain.vocab import LinkKind
from bot.relay.away import AwayReplies
from bot.relay.base import EventDelivery
from bot.relay.buyer_media import Fetched, fetch_buyer_media, post_buyer_media
from bot.relay.outgoing import LinkTo, Outgoing, Step, is_thread_gone
from bot.relay.product_cards import with_product
from bot.render.assignments import without_handler
from bot.render.chats import render_buyer_message
from bot.render.staff import render_authorization
from storage import assignments, conversations, locks, notices, replies, shops, steps
from storage.assignments import ChatKey
from storage.conversations import conversation_of
from storage.models import ConversationRow

log = logging.getLogger(__name__)

ECHO_WINDOW = timedelta(minutes=10)
# A buyer message reaches us by webhook (stamped with its arrival) and by reconciliation
# (stamped with the marketplace's time): the same text in the same room within this many
# seconds is one message, as Tokopedia's own webhook dedup window has it.
SAME_MESSAGE_SECONDS = 120


# Claiming buyer messages, and recording their conversations, one transaction at a time
# across processes (``storage.locks.serial_xact``). Two processes combining copies of the
# same sale-day burst claimed the same messages in opposite orders and deadlocked, or each
# created the same new buyer's conversation; the loser's whole digest then fell back to one
# message at a time into a full group. The transaction holds no Telegram call, so the wait is
# a few milliseconds.
CHAT_CLAIMS = "chat-claims"
# A chat digest's journal step (``bot.relay.chat_digests``), under every event it shows.
DIGEST_STEP = "chat-digest"


def preview_key(event_id: int) -> str:
    """The notice saying a long message was previewed in a digest and is due whole."""
    return f"chat-preview:{event_id}"


def message_identity(message: BuyerMessage) -> tuple[str, ...]:
    """The keys one buyer message is known by, whichever way it came; the first is its own.

    A marketplace message id names it outright; without one (Tokopedia's webhook), its
    room, text and time bucket do, and the neighbouring buckets hold its copies.
    """
    conv = message.conversation
    base = f"chat:{conv.marketplace}:{conv.shop_id}:{conv.conversation_id}"
    if message.message_id:
        return (f"{base}:{message.message_id}",)
    digest = hashlib.sha256(message.text.encode()).hexdigest()[:16]
    bucket = int(message.received_at.timestamp()) // SAME_MESSAGE_SECONDS
    return tuple(f"{base}:{digest}@{b}" for b in (bucket, bucket - 1, bucket + 1))


class ChatDelivery(EventDelivery):
    """Buyer messages, into their buyer's topic when topics are on; authorization notices."""

    @cached_property
    def _away(self) -> AwayReplies:
        return AwayReplies(
            sessions=self._sessions,
            sender=self._sender,
            marketplaces=self._marketplaces,
            rules=self._config.away,
            lang=self._config.lang,
            clock=self._clock,
        )

    async def authorization(self, event_id: int, event: AuthorizationChanged) -> None:
        async with self._sessions() as session:
            shop = await shops.shop_name(
                session=session, marketplace=event.marketplace.value, shop_id=event.shop_id
            )
        rendered = render_authorization(
            event.change,
            shop or event.shop_id,
            event.marketplace.value,
            event.expires_at,
            lang=self._config.lang,
            tz=self._config.tz,
        )
        await self._sender.send(
            self._config.groups.group_for(event.marketplace.value, event.shop_id),
            rendered,
            marketplace=event.marketplace.value,
            shop_id=event.shop_id,
            bulk=False,
        )
        await self._close_alone(event_id)

    async def _is_echo(self, session: AsyncSession, message: BuyerMessage) -> bool:
        """Our own reply coming back as a chat webhook.

        Tokopedia's chat webhook names no sender, and whether the seller's replies trigger it
        is unconfirmed: the same text staff sent to that room minutes ago is taken as an echo.
        A message without text (a buyer's photo) is no echo of a staff photo sent uncaptioned.
        """
        conv = message.conversation
        if not message.text.strip():
            return False
        return await replies.recently_sent(
            session=session,
            marketplace=conv.marketplace.value,
            shop_id=conv.shop_id,
            conversation_id=conv.conversation_id,
            text=message.text,
            since=self._clock() - ECHO_WINDOW,
        )

    @staticmethod
    async def _in_digest(session: AsyncSession, event_id: int) -> bool:
        """Shown whole in a digest Telegram accepted before a crash (a previewed long text
        is journalled with its digest too, but is still due whole)."""
        if not await steps.done_chunks(session=session, event_id=event_id, step=DIGEST_STEP):
            return False  # the usual case: one query
        return not await notices.was_sent(session=session, key=preview_key(event_id))

    async def buyer_message(self, event_id: int, event: BuyerMessageReceived) -> None:
        message = event.message
        if not message.conversation.buyer_name:
            # Some webhooks name no buyer; the adapter looks it up once and caches it. Only
            # Tokopedia echoes staff replies, and its webhooks name the buyer: asking before
            # the echo check lets one transaction hold both the check and the record.
            marketplace = self._marketplaces[message.conversation.marketplace.value]
            message = await marketplace.complete_message(message)
        conv = message.conversation
        identity = message_identity(message)
        # Now, outside the transaction: media URLs expire, and the text says how it went.
        fetched = await fetch_buyer_media(self._marketplaces[conv.marketplace.value], message)
        # A product card's name and price, likewise before the transaction (cached, bounded).
        message = await with_product(self._marketplaces[conv.marketplace.value], message)
        async with self._sessions() as session, session.begin():
            await locks.serial_xact(session=session, name=CHAT_CLAIMS)
            if await self._is_echo(session, message):
                log.info("dropped an echo of a staff reply in %s", conv)
                await self._close(session, event_id)
                return
            if await self._in_digest(session, event_id):
                log.info("a message in %s was shown in a digest before a restart", conv)
                await self._close(session, event_id)
                return
            if not await notices.claim_identity(
                session=session, keys=identity, event_id=event_id, now=self._clock()
            ):
                log.info("a message in %s is shown by another event", conv)
                await self._close(session, event_id)
                return
            row = await conversations.record_buyer_message(
                session=session,
                marketplace=conv.marketplace.value,
                shop_id=conv.shop_id,
                conversation_id=conv.conversation_id,
                buyer_id=conv.buyer_id,
                buyer_name=conv.buyer_name,
                text=message.text,
                received_at=message.received_at,
            )
            shop_name = await shops.shop_name(
                session=session, marketplace=conv.marketplace.value, shop_id=conv.shop_id
            )
            group = self._settle(row)
            thread_id = row.thread_id
            conv = conversation_of(row)
            chat_key = ChatKey(conv.marketplace.value, conv.shop_id, conv.conversation_id)
            rendered = render_buyer_message(
                message.model_copy(update={"conversation": conv}),
                shop_name,
                conv.conversation_id,
                lang=self._config.lang,
                tz=self._config.tz,
                handler=await assignments.handler_name(session=session, key=chat_key),
                media=fetched.note if fetched else None,
            )
            outgoing = await self._sender.prepare(
                session, rendered, marketplace=conv.marketplace.value, shop_id=conv.shop_id
            )
        link = LinkTo(
            LinkKind.CONVERSATION, conv.marketplace.value, conv.shop_id, conv.conversation_id
        )
        step = Step(event_id, "chat", link)
        try:
            sent = await self._post(outgoing, conv, shop_name, thread_id, step, group, fetched)
        except BadRequest as exc:
            if not (self._config.topics and is_thread_gone(exc)):
                raise
            log.warning("topic %s of %s is gone; opening a new one", thread_id, conv)
            sent = await self._post(outgoing, conv, shop_name, None, step, group, fetched)
        # After the post, so a slow marketplace never holds the buyer's message back from staff
        # (bot.relay.away); the outcome is then marked on that message.
        shown = (self._group(group), sent[-1])
        outgoing = await self._away.answer(
            event_id, conv, shop_name, message.received_at, shown, outgoing
        )
        async with self._sessions() as session, session.begin():
            await self._record(
                session,
                event_id,
                sent,
                LinkKind.CONVERSATION,
                marketplace=conv.marketplace.value,
                shop_id=conv.shop_id,
                ref=conv.conversation_id,
                chat_id=group,
            )
            # The newest message is the one a claim or a release redraws.
            await assignments.note_shown(
                session=session,
                key=chat_key,
                chat_id=self._group(group),
                message_id=sent[-1],
                html=without_handler(outgoing.chunks[-1]),
                now=self._clock(),
            )

    async def _post(
        self,
        outgoing: Outgoing,
        conv: Conversation,
        shop_name: str,
        thread_id: int | None,
        step: Step,
        group: int,
        fetched: Fetched | None = None,
    ) -> list[int]:
        """Post into the buyer's topic, opening one first when topics are on and it has none.

        A photo or video goes up as what it is, the text as its caption (``buyer_media``).
        """
        if self._config.topics and thread_id is None:
            thread_id = await self._open_topic(conv, shop_name, group)
        if fetched is not None:
            posted = await post_buyer_media(
                self._sender, group, fetched, outgoing, step, thread_id=thread_id
            )
            if posted is not None:
                return posted
        return await self._sender.post_step(group, outgoing, step, thread_id=thread_id)

    def _settle(self, row: ConversationRow) -> int:
        """Pick the conversation's group and keep it; its topic lives in that group only.

        A row from before SHOP_GROUPS with a topic was shown in the main group. If the
        shop has since moved to another group, the old topic stays behind and a new one opens.
        """
        shown_in = row.group_chat_id
        if shown_in is None and row.thread_id is not None:
            shown_in = self._config.chat_id
        group = self._place(row.marketplace, row.shop_id, shown_in)
        if group != shown_in:
            row.thread_id = None
        row.group_chat_id = group
        return group

    async def _open_topic(self, conv: Conversation, shop_name: str, group: int) -> int:
        name = f"{conv.buyer_name or conv.buyer_id} · {shop_name or conv.shop_id}"[:128]
        thread_id = await self._sender.open_topic(group, name)
        # Committed at once: if the post then fails, the retry reuses this topic.
        async with self._sessions() as session, session.begin():
            row = await conversations.get_conversation(
                session=session,
                marketplace=conv.marketplace.value,
                shop_id=conv.shop_id,
                conversation_id=conv.conversation_id,
            )
            if row is not None:
                row.thread_id = thread_id
        return thread_id
