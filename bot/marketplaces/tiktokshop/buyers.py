"""Who the buyer of a conversation is, looked up once and kept in the ``StateStore``.

The chat webhook carries no buyer name, avatar or platform (doc §7.5). The first time a
conversation needs them, Get Conversation (202601) answers; where that version is not
available the senders of the latest messages still name the buyer (without the platform).
Conversations seen while polling are remembered for free. Entries live under
``tiktokshop:conversation:{shop_id}:{conversation_id}``, with an in-memory copy.
"""

from __future__ import annotations

import logging

from pydantic import BaseModel

from bot.marketplaces import StateStore

from .client import TikTokShopClient
from .errors import InvalidRequest, NotFound, TikTokShopError
from .models import Participant

log = logging.getLogger(__name__)

CONVERSATION_KEY = "tiktokshop:conversation:{shop_id}:{conversation_id}"


class Buyer(BaseModel):
    """What tokobot keeps about a conversation's buyer."""

    nickname: str = ""
    avatar: str = ""
    platform: str = ""  # TOKOPEDIA | TIKTOK_SHOP, as the platform spells it
    user_id: str = ""
    im_user_id: str = ""

    @classmethod
    def of(cls, participant: Participant | None) -> Buyer:
        if participant is None:
            return cls()
        return cls(
            nickname=participant.nickname,
            avatar=participant.avatar,
            platform=participant.buyer_platform,
            user_id=participant.user_id,
            im_user_id=participant.im_user_id,
        )


class BuyerDirectory:
    def __init__(self, client: TikTokShopClient, store: StateStore) -> None:
        self._client = client
        self._store = store
        self._known: dict[str, Buyer] = {}

    async def lookup(self, shop_id: str, conversation_id: str) -> Buyer | None:
        """The conversation's buyer, fetched at most once; None if it can't be looked up now.

        Lookups are non-essential Customer Service calls: below the quota reserve they are
        refused, and the message is relayed without a name.
        """
        key = CONVERSATION_KEY.format(shop_id=shop_id, conversation_id=conversation_id)
        if key in self._known:
            return self._known[key]
        raw = await self._store.get(key)
        if raw is not None:
            self._known[key] = Buyer.model_validate_json(raw)
            return self._known[key]
        try:
            buyer = await self._fetch(shop_id, conversation_id)
        except TikTokShopError as exc:
            log.warning("TikTok Shop buyer lookup for %s failed: %s", conversation_id, exc)
            return None
        await self.remember(shop_id, conversation_id, buyer)
        return buyer

    async def remember(self, shop_id: str, conversation_id: str, buyer: Buyer) -> None:
        """Keep what a response told us; written only when it changed."""
        key = CONVERSATION_KEY.format(shop_id=shop_id, conversation_id=conversation_id)
        if self._known.get(key) == buyer:
            return
        self._known[key] = buyer
        await self._store.put(key, buyer.model_dump_json())

    async def _fetch(self, shop_id: str, conversation_id: str) -> Buyer:
        try:
            conv = await self._client.get_conversation(shop_id, conversation_id)
        except (NotFound, InvalidRequest) as exc:
            log.info("TikTok Shop Get Conversation unavailable (%s); reading messages", exc)
            page = await self._client.list_messages(shop_id, conversation_id)
            sender = next((m.sender for m in page.messages if m.sender.role == "BUYER"), None)
            if sender is None:
                return Buyer()
            return Buyer(
                nickname=sender.nickname, avatar=sender.avatar, im_user_id=sender.im_user_id
            )
        return Buyer.of(conv.buyer)
