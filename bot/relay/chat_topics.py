"""Topics for buyers announced in a chat digest, opened once the group's budget allows.

Under a backlog in topic mode, a new buyer is announced in the General topic's chat digest
(``bot.relay.chat_digests``) rather than spending two calls on a topic and its first post.
When the worker is idle and the group has more than half its window free, the announced
buyers get their topic, oldest first, with a first message that links to the digest, in
the lowest lane: these calls never hold up anything else.
"""

from __future__ import annotations

import logging

from bot.domain.vocab import LinkKind
from bot.relay.chats import ChatDelivery
from bot.relay.pacer import Lane
from bot.render.chat_topics import message_url, render_topic_opened
from storage import conversations, links, shops
from storage.conversations import conversation_of
from storage.models import ConversationRow

log = logging.getLogger(__name__)

TOPICS_PER_PASS = 3  # announced buyers given their topic per idle moment


class AnnouncedTopics(ChatDelivery):
    """Opens the topics a backlog put off."""

    async def open_announced_topics(self) -> int:
        """Open the topics of buyers announced in a digest, while the group has room.

        Runs when the worker is idle. Each costs two calls (the topic and its first
        message), so only a group with more than half its window free gets any.
        """
        if not self._config.topics or self._pacer is None:
            return 0
        try:
            return await self._open_some()
        except Exception:  # best effort: the next idle moment tries again
            log.exception("opening the topics of announced buyers failed; trying again later")
            return 0

    async def _open_some(self) -> int:
        assert self._pacer is not None
        async with self._sessions() as session:
            waiting = await conversations.announced(session=session, limit=TOPICS_PER_PASS)
        opened = 0
        for row in waiting:
            group = row.group_chat_id or self._config.chat_id
            if self._pacer.free_slots(group) <= self._pacer.bulk_capacity // 2:
                continue
            await self._open_announced(row, group)
            opened += 1
        return opened

    async def _open_announced(self, row: ConversationRow, group: int) -> None:
        conv = conversation_of(row)
        async with self._sessions() as session:
            shop_name = await shops.shop_name(
                session=session, marketplace=row.marketplace, shop_id=row.shop_id
            )
        announced = row.topic_announced_id
        thread_id = row.thread_id or await self._open_topic(conv, shop_name, group)
        rendered = render_topic_opened(
            conv,
            shop_name,
            message_url(self._group(group), announced) if announced else "",
            row.conversation_id,
            lang=self._config.lang,
        )
        sent = await self._sender.send(
            group,
            rendered,
            marketplace=row.marketplace,
            shop_id=row.shop_id,
            thread_id=thread_id,
            bulk=Lane.LOW,
        )
        async with self._sessions() as session, session.begin():
            await links.link_messages(
                session=session,
                chat_id=self._group(group),
                message_ids=[message.message_id for message in sent],
                kind=LinkKind.CONVERSATION,
                marketplace=row.marketplace,
                shop_id=row.shop_id,
                ref=row.conversation_id,
                now=self._clock(),
            )
            fresh = await conversations.get_conversation(
                session=session,
                marketplace=row.marketplace,
                shop_id=row.shop_id,
                conversation_id=row.conversation_id,
            )
            if fresh is not None:
                fresh.topic_announced_id = None
