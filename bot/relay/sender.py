"""Sends rendered messages to the staff group: splitting, buttons and their tokens.

Buttons become opaque callback tokens stored before the message goes out, so a press can
always be resolved, and the callback_data never names an order or an action itself. The relay
``prepare``s a message inside the transaction that reads its event, so the tokens commit with
that transaction instead of in one of their own, and then ``post``s it; handlers and jobs
``send`` and ``edit`` in one call.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import (
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)
from telegram.error import BadRequest, ChatMigrated
from telegram.ext import ExtBot

from bot.clock import Clock
from bot.domain.vocab import LinkKind
from bot.relay.crashpoints import crash_point
from bot.relay.media_out import MediaSending, is_media_message
from bot.relay.outgoing import Outgoing, Step, is_not_modified, reply_of
from bot.relay.pacer import Lane, Pace, lane_of, spare_share
from bot.render.base import Button, Rendered
from bot.render.formatting import split_html
from storage import orders, steps
from storage.links import issue_token, link_messages

log = logging.getLogger(__name__)


class Sender(MediaSending):
    """Telegram output for the relay, handlers and jobs alike (photos: ``MediaSending``)."""

    def __init__(
        self, bot: ExtBot[Any], sessions: async_sessionmaker[AsyncSession], clock: Clock
    ) -> None:
        self.bot = bot
        self._sessions = sessions
        self._clock = clock
        # Groups upgraded to supergroups during this run: old id -> new id (ChatMigrated).
        self.moved: dict[int, int] = {}

    def chat(self, chat_id: int) -> int:
        """Where a chat lives now: a group upgraded to a supergroup moved to a new id."""
        while chat_id in self.moved:
            chat_id = self.moved[chat_id]
        return chat_id

    def origin(self, chat_id: int) -> int:
        """The configured id of a chat that moved here during this run (else itself)."""
        old = next((old for old, new in self.moved.items() if new == chat_id), None)
        return chat_id if old is None else self.origin(old)

    def _follow(self, chat_id: int, exc: ChatMigrated) -> int:
        new_id = int(exc.new_chat_id)
        self.moved[chat_id] = new_id
        log.error(
            "the staff group %s became supergroup %s; following it for this run. Put the new "
            "id in TELEGRAM_CHAT_ID, SHOP_GROUPS or TELEGRAM_OVERFLOW_CHAT_IDS and restart.",
            chat_id,
            new_id,
        )
        return new_id

    async def _send_one(
        self,
        chat_id: int,
        text: str,
        *,
        thread_id: int | None,
        reply: ReplyParameters | None,
        markup: InlineKeyboardMarkup | None,
        bulk: Pace,
    ) -> Message:
        target = self.chat(chat_id)
        for _ in range(2):  # the message was not sent when a group moved: send it there
            try:
                return await self.bot.send_message(
                    chat_id=target,
                    text=text,
                    message_thread_id=thread_id,
                    reply_parameters=reply,
                    reply_markup=markup,
                    rate_limit_args=lane_of(bulk),
                )
            except ChatMigrated as exc:
                target = self._follow(target, exc)
        raise RuntimeError("the staff group moved twice in one send")

    async def keyboard(
        self,
        buttons: Sequence[Sequence[Button]],
        *,
        marketplace: str,
        shop_id: str,
        scopes: Mapping[str, tuple[str, str]] | None = None,
    ) -> InlineKeyboardMarkup | None:
        """Store one token per button and build the markup; None when there are no buttons.

        ``scopes`` maps a button's ref to its own (marketplace, shop_id), for lists that
        mix shops; other buttons belong to ``marketplace``/``shop_id``.
        """
        if not buttons:
            return None
        async with self._sessions() as session, session.begin():
            return await self._markup(session, buttons, marketplace, shop_id, scopes)

    async def prepare(
        self,
        session: AsyncSession,
        rendered: Rendered,
        *,
        marketplace: str,
        shop_id: str,
        scopes: Mapping[str, tuple[str, str]] | None = None,
    ) -> Outgoing:
        """Split a message and store its buttons' tokens in the caller's transaction."""
        markup = (
            await self._markup(session, rendered.buttons, marketplace, shop_id, scopes)
            if rendered.buttons
            else None
        )
        return Outgoing(split_html(rendered.text), markup)

    async def _markup(
        self,
        session: AsyncSession,
        buttons: Sequence[Sequence[Button]],
        marketplace: str,
        shop_id: str,
        scopes: Mapping[str, tuple[str, str]] | None,
    ) -> InlineKeyboardMarkup:
        rows: list[list[InlineKeyboardButton]] = []
        for row in buttons:
            keys = []
            for button in row:
                if button.url:  # a link (a buyer's topic): nothing to resolve on a press
                    keys.append(InlineKeyboardButton(button.label, url=button.url))
                    continue
                owner, shop = (scopes or {}).get(button.ref, (marketplace, shop_id))
                token = await issue_token(
                    session=session,
                    action=button.action,
                    marketplace=owner,
                    shop_id=shop,
                    ref=button.ref,
                    now=self._clock(),
                )
                keys.append(InlineKeyboardButton(button.label, callback_data=token))
            rows.append(keys)
        return InlineKeyboardMarkup(rows)

    async def send(
        self,
        chat_id: int,
        rendered: Rendered,
        *,
        marketplace: str,
        shop_id: str,
        thread_id: int | None = None,
        reply_to: int | None = None,
        bulk: Pace = True,
        scopes: Mapping[str, tuple[str, str]] | None = None,
    ) -> list[Message]:
        """Send, split into chunks under Telegram's limit; buttons go on the last chunk."""
        chunks = split_html(rendered.text)
        markup = await self.keyboard(
            rendered.buttons, marketplace=marketplace, shop_id=shop_id, scopes=scopes
        )
        return await self.post(
            chat_id, Outgoing(chunks, markup), thread_id=thread_id, reply_to=reply_to, bulk=bulk
        )

    async def post(
        self,
        chat_id: int,
        outgoing: Outgoing,
        *,
        thread_id: int | None = None,
        reply_to: int | None = None,
        bulk: Pace = True,
    ) -> list[Message]:
        """Send a prepared message's chunks; the buttons go on the last one."""
        sent: list[Message] = []
        for index, chunk in enumerate(outgoing.chunks):
            message = await self._send_one(
                chat_id,
                chunk,
                thread_id=thread_id,
                reply=reply_of(reply_to, index),
                markup=outgoing.markup if index == len(outgoing.chunks) - 1 else None,
                bulk=bulk,
            )
            sent.append(message)
        return sent

    async def post_step(
        self,
        chat_id: int,
        outgoing: Outgoing,
        step: Step,
        *,
        thread_id: int | None = None,
        reply_to: int | None = None,
        bulk: Pace = True,
    ) -> list[int]:
        """Post an event's message once: chunks sent on an earlier attempt are not re-sent.

        Each chunk is journalled as soon as Telegram accepts it; returns every chunk's id.
        """
        async with self._sessions() as session:
            done = await steps.done_chunks(session=session, event_id=step.event_id, step=step.name)
        ids: list[int] = []
        for index, chunk in enumerate(outgoing.chunks):
            if index in done:
                ids.append(done[index])
                continue
            message = await self._send_one(
                chat_id,
                chunk,
                thread_id=thread_id,
                reply=reply_of(reply_to, index),
                markup=outgoing.markup if index == len(outgoing.chunks) - 1 else None,
                bulk=bulk,
            )
            await self._journal(step, index, message.chat_id, message.message_id)
            crash_point("chunk-recorded")  # between chunks, for the crash-point tests
            ids.append(message.message_id)
        return ids

    async def replace_step(
        self, chat_id: int, message_id: int, outgoing: Outgoing, step: Step, *, bulk: Pace = True
    ) -> None:
        """Edit a message once for an event: a retry does not spend another slot on it."""
        async with self._sessions() as session:
            if await steps.done_chunks(session=session, event_id=step.event_id, step=step.name):
                return
        await self.replace(chat_id, message_id, outgoing, bulk=bulk)
        await self._journal(step, 0, self.chat(chat_id), message_id)

    async def _journal(self, step: Step, chunk: int, chat_id: int, message_id: int) -> None:
        async with self._sessions() as session, session.begin():
            for event_id in (step.event_id, *step.shown_with):
                await steps.record_chunk(
                    session=session,
                    event_id=event_id,
                    step=step.name,
                    chunk=chunk,
                    chat_id=chat_id,
                    message_id=message_id,
                    now=self._clock(),
                )
            if step.link is not None:
                await link_messages(
                    session=session,
                    chat_id=chat_id,
                    message_ids=[message_id],
                    kind=step.link.kind,
                    marketplace=step.link.marketplace,
                    shop_id=step.link.shop_id,
                    ref=step.link.ref,
                    now=self._clock(),
                )

    async def edit(
        self,
        chat_id: int,
        message_id: int,
        rendered: Rendered,
        *,
        marketplace: str,
        shop_id: str,
        bulk: Pace = False,
    ) -> None:
        """Replace a message's text and buttons; an identical edit is not an error."""
        markup = await self.keyboard(rendered.buttons, marketplace=marketplace, shop_id=shop_id)
        await self.replace(
            chat_id, message_id, Outgoing(split_html(rendered.text), markup), bulk=bulk
        )

    async def replace(
        self, chat_id: int, message_id: int, outgoing: Outgoing, *, bulk: Pace = False
    ) -> None:
        """Replace a message with a prepared one's first chunk and its buttons."""
        try:
            await self.bot.edit_message_text(
                chat_id=self.chat(chat_id),
                message_id=message_id,
                text=outgoing.chunks[0],
                reply_markup=outgoing.markup,
                rate_limit_args=lane_of(bulk),
            )
        except ChatMigrated as exc:
            # The message stayed in the old group's history; the new one has no such id.
            self._follow(self.chat(chat_id), exc)
            raise BadRequest("Message to edit not found") from exc
        except BadRequest as exc:
            if is_media_message(exc):  # a relayed photo: its words are the caption
                await self.replace_caption(chat_id, message_id, outgoing, lane=lane_of(bulk))
            elif not is_not_modified(exc):
                raise

    def spare(self, chat_id: int) -> float:
        """The share of the group's bulk budget free now: skippable edits ask first."""
        return spare_share(self.bot.rate_limiter, self.chat(chat_id))

    async def open_topic(self, chat_id: int, name: str) -> int:
        """Open a forum topic and return its thread id.

        Topics open for relayed buyer messages, so they wait in the bulk lane like those.
        """
        topic = await self.bot.create_forum_topic(
            chat_id=self.chat(chat_id), name=name, rate_limit_args=Lane.BULK
        )
        return topic.message_thread_id

    async def post_order(
        self,
        chat_id: int,
        message: Rendered,
        *,
        marketplace: str,
        shop_id: str,
        order_id: str,
        reply_to: int | None = None,
        bulk: Pace = True,
    ) -> list[Message]:
        """Post the message that becomes an order's alert, and remember it as such."""
        markup = await self.keyboard(message.buttons, marketplace=marketplace, shop_id=shop_id)
        outgoing = Outgoing(split_html(message.text), markup)
        sent = await self.post(chat_id, outgoing, reply_to=reply_to, bulk=bulk)
        async with self._sessions() as session, session.begin():
            row = await orders.get_order(
                session=session, marketplace=marketplace, order_id=order_id
            )
            if row is not None:
                orders.set_alert(row=row, chat_id=sent[-1].chat_id, message_id=sent[-1].message_id)
            await link_messages(
                session=session,
                chat_id=sent[-1].chat_id,
                message_ids=[m.message_id for m in sent],
                kind=LinkKind.ORDER,
                marketplace=marketplace,
                shop_id=shop_id,
                ref=order_id,
                now=self._clock(),
            )
        return sent

    async def ask(
        self, chat_id: int, text: str, *, thread_id: int | None, placeholder: str | None = None
    ) -> Message:
        """A question whose answer is a reply: Telegram opens the reply box for the asked."""
        return await self.bot.send_message(
            chat_id=self.chat(chat_id),
            text=text,
            message_thread_id=thread_id,
            reply_markup=ForceReply(selective=True, input_field_placeholder=placeholder),
        )

    async def set_buttons(
        self,
        chat_id: int,
        message_id: int,
        buttons: Sequence[Sequence[Button]],
        *,
        marketplace: str,
        shop_id: str,
    ) -> None:
        """Replace a message's buttons only (none removes them)."""
        markup = await self.keyboard(buttons, marketplace=marketplace, shop_id=shop_id)
        await self.bot.edit_message_reply_markup(
            chat_id=self.chat(chat_id), message_id=message_id, reply_markup=markup
        )

    async def answer_press(self, query_id: str, text: str | None, *, alert: bool) -> None:
        """Answer a button press (plain text, at most 200 characters, or nothing)."""
        await self.bot.answer_callback_query(query_id, text=text, show_alert=alert)

    async def react(self, chat_id: int, message_id: int, emoji: str) -> None:
        await self.bot.set_message_reaction(
            chat_id=self.chat(chat_id), message_id=message_id, reaction=emoji
        )
