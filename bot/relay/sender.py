"""Sends rendered messages to the staff group: splitting, buttons and their tokens.

Buttons become opaque callback tokens stored before the message goes out, so a press can
always be resolved, and the callback_data never names an order or an action itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.clock import Clock
from bot.relay.pacer import BULK
from bot.render.formatting import split_html
from bot.render.messages import Button, Rendered
from storage.links import issue_token


def is_not_modified(exc: BadRequest) -> bool:
    return "message is not modified" in exc.message.lower()


def is_thread_gone(exc: BadRequest) -> bool:
    text = exc.message.lower()
    return "thread not found" in text or "topic_deleted" in text or "topic_closed" in text


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
        rows: list[list[InlineKeyboardButton]] = []
        async with self._sessions() as session, session.begin():
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
        sent: list[Message] = []
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
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
                reply_markup=markup if last else None,
                rate_limit_args=BULK if bulk else None,
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
        text = split_html(rendered.text)[0]
        try:
            await self.bot.edit_message_text(
                chat_id=chat_id,
                message_id=message_id,
                text=text,
                reply_markup=markup,
                rate_limit_args=BULK if bulk else None,
            )
        except BadRequest as exc:
            if not is_not_modified(exc):
                raise
