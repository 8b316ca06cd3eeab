"""Buyer messages and shop notices in the staff group, with a forum topic per buyer."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.error import BadRequest

from bot.domain.values import (
    AuthorizationChanged,
    BuyerMessage,
    BuyerMessageReceived,
    Conversation,
)
from bot.domain.vocab import LinkKind
from bot.relay.base import EventDelivery
from bot.relay.outgoing import LinkTo, Outgoing, Step, is_thread_gone
from bot.render.chats import render_buyer_message
from bot.render.staff import render_authorization
from storage import conversations, notices, replies, shops
from storage.conversations import conversation_of

log = logging.getLogger(__name__)

ECHO_WINDOW = timedelta(minutes=10)
# A buyer message reaches us by webhook (stamped with its arrival) and by reconciliation
# (stamped with the marketplace's time): the same text in the same room within this many
# seconds is one message, as Tokopedia's own webhook dedup window has it.
SAME_MESSAGE_SECONDS = 120


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
            self._config.chat_id,
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
        """
        conv = message.conversation
        return await replies.recently_sent(
            session=session,
            marketplace=conv.marketplace.value,
            shop_id=conv.shop_id,
            conversation_id=conv.conversation_id,
            text=message.text,
            since=self._clock() - ECHO_WINDOW,
        )

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
        async with self._sessions() as session, session.begin():
            if await self._is_echo(session, message):
                log.info("dropped an echo of a staff reply in %s", conv)
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
            thread_id = row.thread_id
            conv = conversation_of(row)
            rendered = render_buyer_message(
                message.model_copy(update={"conversation": conv}),
                shop_name,
                conv.conversation_id,
                lang=self._config.lang,
                tz=self._config.tz,
            )
            outgoing = await self._sender.prepare(
                session, rendered, marketplace=conv.marketplace.value, shop_id=conv.shop_id
            )
        link = LinkTo(
            LinkKind.CONVERSATION, conv.marketplace.value, conv.shop_id, conv.conversation_id
        )
        step = Step(event_id, "chat", link)
        try:
            sent = await self._post(outgoing, conv, shop_name, thread_id, step)
        except BadRequest as exc:
            if not (self._config.topics and is_thread_gone(exc)):
                raise
            log.warning("topic %s of %s is gone; opening a new one", thread_id, conv)
            sent = await self._post(outgoing, conv, shop_name, None, step)
        async with self._sessions() as session, session.begin():
            await self._record(
                session,
                event_id,
                sent,
                LinkKind.CONVERSATION,
                marketplace=conv.marketplace.value,
                shop_id=conv.shop_id,
                ref=conv.conversation_id,
            )

    async def _post(
        self,
        outgoing: Outgoing,
        conv: Conversation,
        shop_name: str,
        thread_id: int | None,
        step: Step,
    ) -> list[int]:
        """Post into the buyer's topic, opening one first when topics are on and it has none."""
        if self._config.topics and thread_id is None:
            thread_id = await self._open_topic(conv, shop_name)
        return await self._sender.post_step(
            self._config.chat_id, outgoing, step, thread_id=thread_id
        )

    async def _open_topic(self, conv: Conversation, shop_name: str) -> int:
        name = f"{conv.buyer_name or conv.buyer_id} · {shop_name or conv.shop_id}"[:128]
        thread_id = await self._sender.open_topic(self._config.chat_id, name)
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
