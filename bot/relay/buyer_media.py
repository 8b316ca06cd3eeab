"""A buyer's photo or video, fetched and posted as what it is.

A marketplace whose media URLs need its token (``FetchesMedia``: TikTok Shop in Indonesia)
is asked for the bytes, which go up to Telegram as an upload; any other marketplace's public
``https`` image is handed to Telegram as a URL, which Telegram's servers fetch themselves.
Either way the message's text becomes the caption and keeps its buttons. A photo that can't
be fetched leaves a line saying so and a button to try again (``bot.staff.media_show``); a
video over Telegram's 20 MB becomes a note with its size. The text is never lost.

``MediaRef`` (``bot.render.chat_media``) names a photo for that button and for the
sale-day digests' "show photo".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram.error import BadRequest

from bot.domain.errors import MarketplaceError
from bot.domain.values import BuyerMessage
from bot.marketplaces import Marketplace
from bot.marketplaces.media import MB, FetchesMedia, MediaTooLarge
from bot.relay.outgoing import Outgoing, Step, is_thread_gone
from bot.relay.sender import Sender
from bot.render.chat_media import MediaNote, MediaRef, is_media

log = logging.getLogger(__name__)

PHOTO_MAX = 10 * MB  # what tokobot downloads for a photo (Telegram's upload limit too)
VIDEO_MAX = 20 * MB  # larger videos become a note with their size


@dataclass(frozen=True)
class Fetched:
    """A message's media as it will be posted: bytes, a public URL, or only a note."""

    note: MediaNote
    data: bytes | None = None
    url: str = ""
    video: bool = False

    @property
    def postable(self) -> bytes | str | None:
        return self.data if self.data is not None else (self.url or None)


async def fetch_buyer_media(marketplace: Marketplace, message: BuyerMessage) -> Fetched | None:
    """The message's photo or video, fetched now (its URL expires); None if it has none."""
    if not is_media(message):
        return None
    url, video = message.attachment_url.strip(), message.attachment_kind == "video"
    ref = MediaRef(message.conversation.conversation_id, url, message.attachment_kind).dumps()
    if not isinstance(marketplace, FetchesMedia):
        if not video and url.startswith("https://"):
            return Fetched(MediaNote("shown"), url=url)
        return None
    try:
        data = await marketplace.fetch_media(message, max_bytes=VIDEO_MAX if video else PHOTO_MAX)
    except MediaTooLarge as exc:
        if video:
            return Fetched(MediaNote("too_big", size=exc.size, limit=VIDEO_MAX))
        log.warning("a buyer photo in %s is over %d bytes", message.conversation, PHOTO_MAX)
        return Fetched(MediaNote("failed"))
    except MarketplaceError as exc:
        log.warning("a buyer's %s in %s could not be fetched: %s", message.attachment_kind,
                    message.conversation, exc)  # fmt: skip
        return Fetched(MediaNote("failed", retry_ref=ref))
    return Fetched(MediaNote("shown"), data=data, video=video)


async def post_buyer_media(
    sender: Sender,
    chat_id: int,
    fetched: Fetched,
    outgoing: Outgoing,
    step: Step,
    *,
    thread_id: int | None,
) -> list[int] | None:
    """Post the media with the text as its caption; None when Telegram refused the media.

    A refused picture (a format Telegram can't read, a URL its servers can't fetch) is not
    worth losing the text over: the caller then posts the text alone.
    """
    media = fetched.postable
    if media is None:
        return None
    try:
        return await sender.post_media_step(
            chat_id, media, outgoing, step, video=fetched.video, thread_id=thread_id
        )
    except BadRequest as exc:
        if is_thread_gone(exc):
            raise
        log.warning("Telegram refused a buyer's media (%s); posting the text alone", exc)
        return None
