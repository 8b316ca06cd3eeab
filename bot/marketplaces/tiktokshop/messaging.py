"""``can_send_message`` of ``TikTokShopMarketplace`` (``bot.marketplaces.messaging``).

Kept apart from ``adapter`` for the module size rule. Get Conversation (202601) answers with
the flag; a send outside the window would fail with 45109001 (doc §8.2).
"""

from __future__ import annotations

from bot.domain.errors import as_marketplace_errors
from bot.domain.values import Conversation

from .client import TikTokShopClient


class TikTokShopMessaging:
    """The eligibility half of ``TikTokShopMarketplace``."""

    _client: TikTokShopClient

    async def may_message(self, conversation: Conversation) -> bool:
        with as_marketplace_errors():
            found = await self._client.get_conversation(
                conversation.shop_id, conversation.conversation_id
            )
        return bool(found.can_send_message)
