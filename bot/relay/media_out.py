"""Photos and videos through the Sender door, and files fetched back from Telegram.

Mixed into ``Sender``, so a photo takes its slot in the group's window like any message (the
pacer sees every call with a ``chat_id``) and a relayed photo is journalled like a relayed
text: a retry never posts it twice.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import InlineKeyboardMarkup, InputFile, Message
from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.relay.outgoing import Outgoing, Step, is_not_modified, reply_of
from bot.relay.pacer import Lane
from bot.render.formatting import split_html
from storage import steps

CAPTION_LIMIT = 1024  # visible characters of a caption (Bot API)
# Bots may download files of at most 20 MB; callers pass their own, smaller, caps.
TELEGRAM_DOWNLOAD_MAX = 20 * 1024 * 1024


class FileTooBig(Exception):
    """A file over the size the caller accepts; ``size`` is what Telegram reported."""

    def __init__(self, size: int) -> None:
        super().__init__(f"file of {size} bytes is too big")
        self.size = size


def is_media_message(exc: BadRequest) -> bool:
    """Telegram's answer to a text edit of a photo or video, whose text is a caption."""
    return "there is no text in the message to edit" in exc.message.lower()


def as_caption(outgoing: Outgoing) -> str | None:
    """The prepared text as a caption, or None when it does not fit in one."""
    if len(outgoing.chunks) != 1:
        return None
    fits = split_html(outgoing.chunks[0], CAPTION_LIMIT)
    return fits[0] if len(fits) == 1 else None


class MediaSending:
    """Sender's media methods; ``Sender`` provides the bot, the sessions and the journal."""

    bot: ExtBot[Any]
    _sessions: async_sessionmaker[AsyncSession]

    def chat(self, chat_id: int) -> int:
        raise NotImplementedError

    async def _journal(self, step: Step, chunk: int, chat_id: int, message_id: int) -> None:
        raise NotImplementedError

    async def post(
        self,
        chat_id: int,
        outgoing: Outgoing,
        *,
        thread_id: int | None = None,
        reply_to: int | None = None,
        bulk: bool = True,
    ) -> list[Message]:
        raise NotImplementedError

    async def post_photo(
        self,
        chat_id: int,
        media: bytes | str,
        *,
        video: bool = False,
        caption: str | None = None,
        markup: InlineKeyboardMarkup | None = None,
        thread_id: int | None = None,
        reply_to: int | None = None,
        bulk: bool = True,
    ) -> Message:
        """Post a photo (or a video): bytes are uploaded; a string is a file_id or a URL."""
        name = "video.mp4" if video else "photo.jpg"
        sent = InputFile(media, filename=name) if isinstance(media, bytes) else media
        common: dict[str, Any] = {
            "chat_id": self.chat(chat_id),
            "caption": caption,
            "message_thread_id": thread_id,
            "reply_parameters": reply_of(reply_to, 0),
            "reply_markup": markup,
            "rate_limit_args": Lane.BULK if bulk else None,
        }
        if video:
            return await self.bot.send_video(video=sent, **common)
        return await self.bot.send_photo(photo=sent, **common)

    async def post_media_step(
        self,
        chat_id: int,
        media: bytes | str,
        outgoing: Outgoing,
        step: Step,
        *,
        video: bool = False,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> list[int]:
        """Post an event's photo (or video) once, its text as the caption.

        Text too long for a caption follows as messages of its own, the buttons on the last;
        each is journalled as it is sent (chunk 0 is the media), so a retry sends only what
        is missing. Returns every message's id.
        """
        async with self._sessions() as session:
            done = await steps.done_chunks(session=session, event_id=step.event_id, step=step.name)
        caption = as_caption(outgoing)
        follow = [] if caption is not None else list(outgoing.chunks)
        ids: list[int] = []
        if 0 in done:
            ids.append(done[0])
        else:
            message = await self.post_photo(
                chat_id,
                media,
                video=video,
                caption=caption,
                markup=outgoing.markup if not follow else None,
                thread_id=thread_id,
                reply_to=reply_to,
            )
            await self._journal(step, 0, message.chat_id, message.message_id)
            ids.append(message.message_id)
        for index, chunk in enumerate(follow, start=1):
            if index in done:
                ids.append(done[index])
                continue
            last = index == len(follow)
            [sent] = await self.post(
                chat_id,
                Outgoing([chunk], outgoing.markup if last else None),
                thread_id=thread_id,
            )
            await self._journal(step, index, sent.chat_id, sent.message_id)
            ids.append(sent.message_id)
        return ids

    async def replace_caption(
        self, chat_id: int, message_id: int, outgoing: Outgoing, *, lane: Lane | None
    ) -> None:
        """Redraw a relayed photo's caption and buttons (a claim, an away reply's mark)."""
        caption = split_html(outgoing.chunks[0], CAPTION_LIMIT)[0]
        try:
            await self.bot.edit_message_caption(
                chat_id=self.chat(chat_id),
                message_id=message_id,
                caption=caption,
                reply_markup=outgoing.markup,
                rate_limit_args=lane,
            )
        except BadRequest as exc:
            if not is_not_modified(exc):
                raise

    async def fetch_file(self, file_id: str, *, max_bytes: int) -> bytes:
        """Download a file people sent to the group; ``FileTooBig`` past ``max_bytes``."""
        found = await self.bot.get_file(file_id)
        limit = min(max_bytes, TELEGRAM_DOWNLOAD_MAX)
        if found.file_size is not None and found.file_size > limit:
            raise FileTooBig(found.file_size)
        data = bytes(await found.download_as_bytearray())
        if len(data) > limit:
            raise FileTooBig(len(data))
        return data
