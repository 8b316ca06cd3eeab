"""Buyer messages under a backlog: held briefly, then one message per buyer or per many.

The worker offers each pass's buyer messages here first. A group whose send budget can
carry what arrives gets them back untouched, and the ordinary path sends each one at once:
a quiet day looks as it always did. In a group that cannot (``_backlogged``):

* the messages are held until the group has a slot and the oldest has waited a little
  (longer as the window's slots run out), so each Telegram message carries as many as it
  can. Held rows are only postponed in the inbox: a crash loses nothing;
* one buyer's messages become that buyer's own message, and a reply to it answers them;
* several buyers' become a chat digest (``bot.render.chat_digests``) with one answer
  button per conversation; a reply to the digest itself gets a hint and answers nobody;
* a text too long for a digest is previewed there and then shown whole in its own message;
* photos and videos count against the budget like any message, and join the digest as a
  line with a button that posts the picture under it when pressed (``bot.staff.media_show``);
  cards join as their lines (``bot.render.chat_media``). A message shown in a digest is
  closed like a text, so its photo is never also posted the ordinary way. On a quiet day a
  photo is still posted at once as a photo, its text the caption.

In topic mode a digest is posted in the General topic: a buyer who has a topic gets a
button into it, a new buyer a reply button, and their topic is opened once the backlog
allows (``bot.relay.chat_topics``): creating a topic spends the budget too.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from telegram.error import BadRequest

from bot.domain.values import BuyerMessage, BuyerMessageReceived, EventKind
from bot.domain.vocab import LinkKind
from bot.relay.backlog import Backlog
from bot.relay.chats import (
    CHAT_CLAIMS,
    DIGEST_STEP,
    ChatDelivery,
    message_identity,
    preview_key,
)
from bot.relay.outgoing import LinkTo, Step, is_thread_gone
from bot.relay.pacer import Lane
from bot.relay.product_cards import with_product
from bot.render.base import Rendered
from bot.render.chat_digests import (
    DigestEntry,
    is_long,
    pack,
    render_buyer_burst,
    render_chat_digest,
)
from bot.render.chat_media import media_ref
from bot.render.chat_topics import topic_url
from bot.render.formatting import aware
from storage import conversations, links, locks, notices, shops, steps
from storage.conversations import conversation_of
from storage.inbox import event_of
from storage.models import ConversationRow, InboxEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Coalesced:
    """What happened to the offered rows: shown (closed), or held back in the inbox."""

    shown: set[int] = field(default_factory=set)
    held: set[int] = field(default_factory=set)

    @property
    def taken(self) -> set[int]:
        return self.shown | self.held


@dataclass
class _Waiting:
    """One offered buyer message, and where it would go."""

    row: InboxEvent
    message: BuyerMessage
    group: int
    conv: ConversationRow | None
    shop_name: str


class ChatDigestDelivery(ChatDelivery):
    """Coalesces buyer messages per staff group while its budget cannot carry them."""

    def __init__(self, *, backlog: Backlog, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._backlog = backlog
        # When each group's held messages are due again: they are all claimed together.
        self._due: dict[int, datetime] = {}

    # --- deciding ----------------------------------------------------------------------------

    async def coalesce(self, rows: Sequence[InboxEvent]) -> Coalesced:
        """Combine the buyer messages of backlogged groups; the rest are left to the caller."""
        if self._pacer is None:
            return Coalesced()
        result = Coalesced()
        waiting = await self._shown_before(await self._waiting(rows), result)
        by_group: dict[int, list[_Waiting]] = {}
        for item in waiting:
            by_group.setdefault(item.group, []).append(item)
        for group, items in by_group.items():
            if not self._backlogged(group, len(items)):
                continue
            await self._complete(items)
            await self._work_off(group, items, result)
        return result

    async def _waiting(self, rows: Sequence[InboxEvent]) -> list[_Waiting]:
        """The offered buyer messages, with their conversation, shop and group."""
        found: list[_Waiting] = []
        async with self._sessions() as session:
            for row in rows:
                if row.id is None or row.kind != EventKind.BUYER_MESSAGE:
                    continue
                event = event_of(row)
                if not isinstance(event, BuyerMessageReceived):
                    continue
                if await notices.was_sent(session=session, key=preview_key(row.id)):
                    continue  # previewed in a digest already: due whole, the ordinary way
                conv = event.message.conversation
                stored = await conversations.get_conversation(
                    session=session,
                    marketplace=conv.marketplace.value,
                    shop_id=conv.shop_id,
                    conversation_id=conv.conversation_id,
                )
                shop_name = await shops.shop_name(
                    session=session, marketplace=conv.marketplace.value, shop_id=conv.shop_id
                )
                group = self._group_for(stored, conv.marketplace.value, conv.shop_id)
                found.append(_Waiting(row, event.message, group, stored, shop_name))
        return found

    async def _complete(self, items: Sequence[_Waiting]) -> None:
        """Name new buyers and describe product cards, as the ordinary path does (cached)."""
        for item in items:
            marketplace = self._marketplaces[item.message.conversation.marketplace.value]
            named = item.message.conversation.buyer_name or (item.conv and item.conv.buyer_name)
            if not named:
                item.message = await marketplace.complete_message(item.message)
            item.message = await with_product(marketplace, item.message)

    async def _shown_before(self, items: list[_Waiting], result: Coalesced) -> list[_Waiting]:
        """Close what a digest posted before a crash showed; the rest, to be combined anew.

        A digest is journalled under every event it shows the moment Telegram accepts it
        (``Step.shown_with``), with its link; a retry may come in another batch, so each event
        is looked up on its own rather than the digest rebuilt.
        """
        ids = [item.row.id for item in items if item.row.id is not None]
        async with self._sessions() as session:
            shown = await steps.with_step(session=session, event_ids=ids, step=DIGEST_STEP)
        if not shown:
            return items
        async with self._sessions() as session, session.begin():
            for event_id in shown:
                await self._close(session, event_id)
        result.shown.update(shown)
        log.info("%d buyer messages were shown before a restart", len(shown))
        return [item for item in items if item.row.id not in shown]

    def _group_for(self, row: ConversationRow | None, marketplace: str, shop_id: str) -> int:
        """Where the conversation's next message goes (as ``ChatDelivery._settle`` decides)."""
        shown_in = None if row is None else row.group_chat_id
        if row is not None and shown_in is None and row.thread_id is not None:
            shown_in = self._config.chat_id
        return self._place(marketplace, shop_id, shown_in)

    def _backlogged(self, group: int, waiting: int) -> bool:
        """Can the group's budget not carry what waits, or what keeps arriving (``busy``)?"""
        assert self._pacer is not None
        if group in self._due or waiting > self._pacer.free_slots(group):
            return True  # (or messages were held back: they go on together)
        return self._backlog.busy(group)

    async def _work_off(self, group: int, items: list[_Waiting], result: Coalesced) -> None:
        """Send what the group's free slots carry now; hold the rest until it is due."""
        assert self._pacer is not None
        now = self._clock()
        due = self._due.get(group)
        free = self._pacer.free_slots(group)
        if free == 0:
            await self._hold_back(group, items, self._backlog.next_slot(group), result)
            return
        if due is not None and due > now:
            # Others of this group wait until then: they go together.
            await self._hold_back(group, items, due, result)
            return
        digests = pack(self._entries(items), lang=self._config.lang)
        oldest = min(aware(item.row.received_at) for item in items)
        held_enough = (aware(now) - oldest).total_seconds() >= self._backlog.hold_seconds(group)
        # A full digest goes now; the last, partly filled one waits for company first.
        ready = digests if held_enough else digests[:-1]
        sending, later = ready[:free], digests[len(ready[:free]) :]
        for digest in sending:
            await self._send(group, digest, items, result)
        rest = [item for item in items if item.row.id not in result.taken]
        if later and rest:
            if len(ready) > free:
                until = self._backlog.next_slot(group)
            else:
                until = oldest + timedelta(seconds=self._backlog.hold_seconds(group))
            await self._hold_back(group, rest, until, result)
        else:
            self._due.pop(group, None)

    async def _hold_back(
        self, group: int, items: Sequence[_Waiting], until: datetime, result: Coalesced
    ) -> None:
        result.held.update(await self._backlog.postpone([item.row for item in items], until))
        self._due[group] = until

    def _entries(self, items: Sequence[_Waiting]) -> list[DigestEntry]:
        """One entry per conversation, oldest conversation first, messages oldest first."""
        entries: dict[tuple[str, str, str], DigestEntry] = {}
        for item in sorted(items, key=lambda i: (aware(i.row.received_at), i.row.id or 0)):
            conv = item.message.conversation
            key = (conv.marketplace.value, conv.shop_id, conv.conversation_id)
            if item.conv is not None:
                # As stored; named by the message while the row knows no name (as it will).
                name = item.conv.buyer_name or conv.buyer_name
                conv = conversation_of(item.conv).model_copy(update={"buyer_name": name})
            known = entries.get(key)
            messages = (*known.messages, item.message) if known else (item.message,)
            url = ""
            if self._config.topics and item.conv is not None and item.conv.thread_id:
                url = topic_url(self._group(item.group), item.conv.thread_id)
            entries[key] = DigestEntry(conv, item.shop_name, messages, url)
        return list(entries.values())

    # --- sending -----------------------------------------------------------------------------

    async def _send(
        self, group: int, digest: list[DigestEntry], items: list[_Waiting], result: Coalesced
    ) -> None:
        """Post one digest (or one buyer's burst) and close the events it shows."""
        wanted = {id(message) for entry in digest for message in entry.messages}
        batch = [item for item in items if id(item.message) in wanted]
        kept: list[tuple[_Waiting, ConversationRow]] = []
        previewed: set[int] = set()
        async with self._sessions() as session, session.begin():
            await locks.serial_xact(session=session, name=CHAT_CLAIMS)
            for item in batch:
                event_id = item.row.id
                assert event_id is not None
                message = item.message
                identity = message_identity(message)
                if await self._is_echo(session, message) or not await notices.claim_identity(
                    session=session, keys=identity, event_id=event_id, now=self._clock()
                ):
                    await self._close(session, event_id)  # an echo, or shown by another event
                    result.shown.add(event_id)
                    continue
                conv = message.conversation
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
                if row.group_chat_id is None:
                    row.group_chat_id = group
                item.conv = row  # the stored buyer name, and the topic if there is one
                kept.append((item, row))
            if not kept:
                return
            single = len({row.id for _, row in kept}) == 1
            if not single:
                for item, _ in kept:
                    if is_long(item.message) and item.row.id is not None:
                        await notices.claim_notice(
                            session=session, key=preview_key(item.row.id), now=self._clock()
                        )
                        previewed.add(item.row.id)
            first_row = kept[0][1]
            rendered = self._render(kept, single)
            scopes = self._scopes(kept)
            outgoing = await self._sender.prepare(
                session,
                rendered,
                marketplace=first_row.marketplace,
                shop_id=first_row.shop_id,
                scopes=scopes,
            )
        first_id = kept[0][0].row.id
        assert first_id is not None
        link = (
            LinkTo(
                LinkKind.CONVERSATION,
                first_row.marketplace,
                first_row.shop_id,
                first_row.conversation_id,
            )
            if single
            else LinkTo(LinkKind.CHAT_DIGEST, "", "", "")
        )
        thread = first_row.thread_id if single and self._config.topics else None
        others = tuple(item.row.id for item, _ in kept[1:] if item.row.id not in previewed)
        step = Step(first_id, DIGEST_STEP, link, shown_with=tuple(i for i in others if i))
        try:
            ids = await self._sender.post_step(
                group, outgoing, step, thread_id=thread, bulk=Lane.BULK
            )
        except BadRequest as exc:
            if thread is None or not is_thread_gone(exc):
                raise
            thread = None  # the topic was deleted: General now, a new topic when it is calm
            ids = await self._sender.post_step(group, outgoing, step, bulk=Lane.BULK)
        await self._shown(group, kept, ids, link, previewed, announce=thread is None)
        result.shown.update(item.row.id for item, _ in kept if item.row.id is not None)
        result.shown.difference_update(previewed)

    @staticmethod
    def _scopes(kept: list[tuple[_Waiting, ConversationRow]]) -> dict[str, tuple[str, str]]:
        """Each button's shop: answers by conversation, photos by their ref, order cards."""
        scopes: dict[str, tuple[str, str]] = {}
        for item, row in kept:
            shop = (row.marketplace, row.shop_id)
            message = item.message
            refs = [row.conversation_id, media_ref(message)]
            if message.attachment_kind == "order":
                refs.append(message.attachment_ref.strip())
            scopes.update((ref, shop) for ref in refs if ref)
        return scopes

    def _render(self, kept: list[tuple[_Waiting, ConversationRow]], single: bool) -> Rendered:
        lang, tz = self._config.lang, self._config.tz
        if single:
            item, row = kept[0]
            messages = [
                item.message.model_copy(update={"conversation": conversation_of(row)})
                for item, _ in kept
            ]
            return render_buyer_burst(
                messages, item.shop_name, row.conversation_id, lang=lang, tz=tz
            )
        return render_chat_digest(self._entries([item for item, _ in kept]), lang=lang, tz=tz)

    async def _shown(
        self,
        group: int,
        kept: list[tuple[_Waiting, ConversationRow]],
        ids: list[int],
        link: LinkTo,
        previewed: set[int],
        *,
        announce: bool,
    ) -> None:
        """Link the posted message, close what it showed; note buyers still without a topic."""
        async with self._sessions() as session, session.begin():
            await links.link_messages(
                session=session,
                chat_id=self._group(group),
                message_ids=ids,
                kind=link.kind,
                marketplace=link.marketplace,
                shop_id=link.shop_id,
                ref=link.ref,
                now=self._clock(),
            )
            for item, row in kept:
                event_id = item.row.id
                assert event_id is not None
                if event_id not in previewed:
                    await self._close(session, event_id)
                if self._config.topics and announce:
                    fresh = await conversations.get_conversation(
                        session=session,
                        marketplace=row.marketplace,
                        shop_id=row.shop_id,
                        conversation_id=row.conversation_id,
                    )
                    if fresh is not None and fresh.thread_id is None:
                        fresh.topic_announced_id = ids[-1]
