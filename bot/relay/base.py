"""What every kind of delivery shares: its services, and the commit that closes an event.

A delivery reads what it needs, stores its buttons' tokens and any state the event changes
in one transaction; posts; then links the sent messages and closes the event in one more.
Only a new forum topic or an order fetched from the marketplace first adds a commit. A crash
between the post and the last commit re-sends the message after a restart: the one window
for a duplicate that at-least-once delivery leaves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Message

from bot.domain.vocab import LinkKind
from bot.marketplaces import Marketplace
from bot.relay.config import RelayConfig
from bot.relay.sender import Sender
from storage import inbox, links


class EventDelivery:
    """Base of the per-kind deliveries (chats, orders, digests)."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        sender: Sender,
        marketplaces: Mapping[str, Marketplace],
        config: RelayConfig,
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._sender = sender
        self._marketplaces = marketplaces
        self._config = config
        self._clock = clock

    async def _close(self, session: AsyncSession, event_id: int) -> None:
        await inbox.mark_delivered(session=session, event_id=event_id, now=self._clock())

    async def _close_alone(self, event_id: int) -> None:
        """Close an event that needs nothing shown (an echo, a redelivery)."""
        async with self._sessions() as session, session.begin():
            await self._close(session, event_id)

    async def _record(
        self,
        session: AsyncSession,
        event_id: int,
        sent: Sequence[Message],
        kind: LinkKind,
        *,
        marketplace: str,
        shop_id: str,
        ref: str,
    ) -> None:
        """Remember what the sent messages stand for and close the event."""
        await links.link_messages(
            session=session,
            chat_id=self._config.chat_id,
            message_ids=[m.message_id for m in sent],
            kind=kind,
            marketplace=marketplace,
            shop_id=shop_id,
            ref=ref,
            now=self._clock(),
        )
        await self._close(session, event_id)
