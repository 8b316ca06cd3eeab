"""Chat pictures of ``TikTokShopMarketplace``: a buyer's media fetched, a staff photo sent.

Kept apart from ``adapter`` for the module size rule. A staff photo goes up with Upload Image
and out as one IMAGE message with the url, width and height the upload answered (doc §8.1).
"""

from __future__ import annotations

import logging

from bot.clock import Clock
from bot.domain.errors import as_marketplace_errors
from bot.domain.values import BuyerMessage, Conversation, SentReply
from bot.marketplaces.media import MediaTooLarge

from . import media
from .client import TikTokShopClient
from .errors import TikTokShopError

log = logging.getLogger(__name__)


class TikTokShopMedia:
    """The media half of ``TikTokShopMarketplace``."""

    _client: TikTokShopClient
    _clock: Clock

    @property
    def image_max_bytes(self) -> int:
        return media.IMAGE_UPLOAD_MAX

    async def send_image(self, conversation: Conversation, data: bytes) -> SentReply:
        shop_id, conversation_id = conversation.shop_id, conversation.conversation_id
        with as_marketplace_errors():
            uploaded = await self._client.upload_image(shop_id, data)
            sent = await self._client.send_image(shop_id, conversation_id, uploaded)
        try:
            await self._client.mark_read(shop_id, conversation_id)
        except TikTokShopError as exc:  # the picture is out; an unread badge is not worth failing
            log.warning("TikTok Shop mark-read failed after a picture: %s", exc)
        return SentReply(
            conversation_id=conversation_id,
            text="",
            sent_at=self._clock(),
            message_id=sent.message_id,
        )

    async def fetch_media(self, message: BuyerMessage, *, max_bytes: int) -> bytes:
        with as_marketplace_errors():
            try:
                return await self._client.download_media(
                    message.conversation.shop_id, message.attachment_url, max_bytes=max_bytes
                )
            except media.MediaTooLarge as exc:  # the core's own type: it shows the size
                raise MediaTooLarge(exc.size) from None
