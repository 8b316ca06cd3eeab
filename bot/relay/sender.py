"""Sends rendered messages to the staff group: splitting, buttons and their tokens.

Buttons become opaque callback tokens stored before the message goes out, so a press can
always be resolved, and the callback_data never names an order or an action itself. The relay
``prepare``s a message inside the transaction that reads its event, so the tokens commit with
that transaction instead of in one of their own, and then ``post``s it; handlers and jobs
``send`` and ``edit`` in one call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import (
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)
from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.clock import Clock
from bot.domain.vocab import LinkKind
from bot.relay.pacer import Lane
from bot.render.base import Button, Rendered
from bot.render.formatting import split_html
from storage import orders
from storage.links import issue_token, link_messages


def is_not_modified(exc: BadRequest) -> bool:
    return "message is not modified" in exc.message.lower()


def is_thread_gone(exc: BadRequest) -> bool:
    text = exc.message.lower()
    return "thread not found" in text or "topic_deleted" in text or "topic_closed" in text


def _lane(bulk: bool) -> Lane | None:
    return Lane.BULK if bulk else None


@dataclass(frozen=True)
class Outgoing:
    """A rendered message ready to post: its chunks, and buttons whose tokens are stored."""

    chunks: Sequence[str]
    markup: InlineKeyboardMarkup | None


class Sender:
    """Telegram output for the relay, handlers and jobs alike."""

    def __init__(
        self, bot: ExtBot[Any], sessions: async_sessionmaker[AsyncSession], clock: Clock
    ) -> None:
        self.bot = bot
        self._sessions = sessions
        self._clock = clock

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
        self, session: AsyncSession, rendered: Rendered, *, marketplace: str, shop_id: str
    ) -> Outgoing:
        """Split a message and store its buttons' tokens in the caller's transaction."""
        markup = (
            await self._markup(session, rendered.buttons, marketplace, shop_id, None)
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
        bulk: bool = True,
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
        bulk: bool = True,
    ) -> list[Message]:
        """Send a prepared message's chunks; the buttons go on the last one."""
        sent: list[Message] = []
        for index, chunk in enumerate(outgoing.chunks):
            last = index == len(outgoing.chunks) - 1
            reply = (
                ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
                if reply_to is not None and index == 0
                else None
            )
            message = await self.bot.send_message(
                chat_id=chat_id,
                text=chunk,
                message_thread_id=thread_id,
                reply_parameters=reply,
                reply_markup=outgoing.markup if last else None,
                rate_limit_args=_lane(bulk),
            )
            sent.append(message)
        return sent

    async def edit(
        self,
        chat_id: int,
        message_id: int,
        rendered: Rendered,
        *,
        marketplace: str,
        shop_id: str,
        bulk: bool = False,
    ) -> None:
        """Replace a message's text and buttons; an identical edit is not an error."""
        markup = await self.keyboard(rendered.buttons, marketplace=marketplace, shop_id=shop_id)
        await self.replace(
            chat_id, message_id, Outgoing(split_html(rendered.text), markup), bulk=bulk
        )

    async def replace(
        self, chat_id: int, message_id: int, outgoing: Outgoing, *, bulk: bool = False
    ) -> None:
        """Replace a message with a prepared one's first chunk and its buttons."""
        try:
            await self.bot.edit_message_text(
                chat_id=chat_id,
                message_id=message_id,
                text=outgoing.chunks[0],
                reply_markup=outgoing.markup,
                rate_limit_args=_lane(bulk),
            )
        except BadRequest as exc:
            if not is_not_modified(exc):
                raise

    async def open_topic(self, chat_id: int, name: str) -> int:
        """Open a forum topic and return its thread id.

        Topics open for relayed buyer messages, so they wait in the bulk lane like those.
        """
        topic = await self.bot.create_forum_topic(
            chat_id=chat_id, name=name, rate_limit_args=Lane.BULK
        )
        return topic.message_thread_id

    async def post_order(
        self,
        chat_id: int,
        message: Rendered | Outgoing,
        *,
        marketplace: str,
        shop_id: str,
        order_id: str,
        reply_to: int | None = None,
        bulk: bool = True,
        also: Callable[[AsyncSession], Awaitable[None]] | None = None,
    ) -> list[Message]:
        """Post the message that becomes an order's alert, and remember it as such.

        The alert and the links to the sent messages commit together; ``also`` runs in that
        same transaction (the relay closes its inbox event there).
        """
        if isinstance(message, Rendered):
            markup = await self.keyboard(message.buttons, marketplace=marketplace, shop_id=shop_id)
            message = Outgoing(split_html(message.text), markup)
        sent = await self.post(chat_id, message, reply_to=reply_to, bulk=bulk)
        async with self._sessions() as session, session.begin():
            row = await orders.get_order(
                session=session, marketplace=marketplace, order_id=order_id
            )
            if row is not None:
                await orders.set_alert(
                    session=session,
                    row=row,
                    chat_id=chat_id,
                    message_id=sent[-1].message_id,
                    in_digest=False,
                )
            await link_messages(
                session=session,
                chat_id=chat_id,
                message_ids=[m.message_id for m in sent],
                kind=LinkKind.ORDER,
                marketplace=marketplace,
                shop_id=shop_id,
                ref=order_id,
                now=self._clock(),
            )
            if also is not None:
                await also(session)
        return sent

    async def ask(
        self, chat_id: int, text: str, *, thread_id: int | None, placeholder: str | None = None
    ) -> Message:
        """A question whose answer is a reply: Telegram opens the reply box for the asked."""
        return await self.bot.send_message(
            chat_id=chat_id,
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
            chat_id=chat_id, message_id=message_id, reply_markup=markup
        )

    async def answer_press(self, query_id: str, text: str | None, *, alert: bool) -> None:
        """Answer a button press (plain text, at most 200 characters, or nothing)."""
        await self.bot.answer_callback_query(query_id, text=text, show_alert=alert)

    async def react(self, chat_id: int, message_id: int, emoji: str) -> None:
        await self.bot.set_message_reaction(chat_id=chat_id, message_id=message_id, reaction=emoji)
