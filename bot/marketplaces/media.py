"""What a marketplace may do with pictures and videos, as optional capabilities.

A marketplace that can send a staff photo to a buyer implements ``SendsImages``; one whose
buyer media must be fetched by tokobot (a token-gated URL Telegram can't open) implements
``FetchesMedia``. The core checks with ``isinstance`` and, where a marketplace has neither,
says so to staff (Tokopedia's image upload is undocumented) or shows the buyer's link.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from bot.domain.values import BuyerMessage, Conversation, SentReply

MB = 1024 * 1024


class MediaTooLarge(Exception):
    """A file past the cap; ``size`` is its size, or how far a download got before stopping."""

    def __init__(self, size: int) -> None:
        super().__init__(f"file of {size} bytes or more is past the limit")
        self.size = size


@runtime_checkable
class SendsImages(Protocol):
    """A marketplace whose chats take a picture from the shop."""

    @property
    def image_max_bytes(self) -> int:
        """The largest picture it accepts."""
        ...

    async def send_image(self, conversation: Conversation, data: bytes) -> SentReply:
        """Upload and send one picture, once (a possibly-delivered failure is OUTCOME_UNKNOWN)."""
        ...


@runtime_checkable
class FetchesMedia(Protocol):
    """A marketplace whose buyer media only tokobot can download."""

    async def fetch_media(self, message: BuyerMessage, *, max_bytes: int) -> bytes:
        """The message's image or video; ``MediaTooLarge`` past ``max_bytes``."""
        ...


@runtime_checkable
class ShowsReturnPhotos(Protocol):
    """A marketplace whose return requests carry the buyer's photos (TikTok Shop's Get Return
    Records); the URLs may need the shop's token, so tokobot downloads them itself."""

    async def return_photos(self, shop_id: str, return_id: str) -> tuple[str, ...]:
        """The URLs of the photos the buyer attached to the request, oldest first."""
        ...

    async def fetch_return_photo(self, shop_id: str, url: str, *, max_bytes: int) -> bytes:
        """One of those photos; ``MediaTooLarge`` past ``max_bytes``."""
        ...
