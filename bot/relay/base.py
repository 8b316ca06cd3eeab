"""What every kind of delivery shares: its services, and the commit that closes an event.

A delivery reads what it needs, stores its buttons' tokens and the marketplace's state in one
transaction; posts, journalling each sent message (``Sender.post_step``); then records what
the group was shown (links, the order's alert and shown status, a notice's key) and closes
the event in one commit. A retry skips what the journal holds. A crash between a Telegram
call and its journal row re-sends that one message after a restart: the one window for a
duplicate that at-least-once delivery leaves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.vocab import LinkKind
from bot.marketplaces import Marketplace
from bot.relay.config import RelayConfig
from bot.relay.pacer import GroupPacer
from bot.relay.sender import Sender
from storage import inbox, links, steps


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
        pacer: GroupPacer | None = None,
    ) -> None:
        self._sessions = sessions
        self._sender = sender
        self._marketplaces = marketplaces
        self._config = config
        self._clock = clock
        self._pacer = pacer

    def _group(self, chat_id: int | None = None) -> int:
        """A staff group's id now (the main one by default; a group made supergroup moves)."""
        return self._sender.chat(self._config.chat_id if chat_id is None else chat_id)

    def _place(self, marketplace: str, shop_id: str, shown_in: int | None = None) -> int:
        """The configured group for a conversation's or order's next message.

        ``shown_in`` is the group it was first shown in (``group_chat_id``): it stays there.
        Something new goes to its shop's group, or to an overflow group while that one's
        budget is spent (``GroupMap.place``).
        """
        free = self._pacer.free_slots if self._pacer is not None else (lambda _: 1)
        return self._config.groups.place(marketplace, shop_id, shown_in=shown_in, free=free)

    async def _close(self, session: AsyncSession, event_id: int) -> None:
        """Mark the event delivered; what it showed is recorded in this same transaction."""
        await steps.forget(session=session, event_id=event_id)
        await inbox.mark_delivered(session=session, event_id=event_id, now=self._clock())

    async def _close_alone(self, event_id: int) -> None:
        """Close an event that needs nothing shown (an echo, a redelivery)."""
        async with self._sessions() as session, session.begin():
            await self._close(session, event_id)

    async def _record(
        self,
        session: AsyncSession,
        event_id: int,
        message_ids: Sequence[int],
        kind: LinkKind,
        *,
        marketplace: str,
        shop_id: str,
        ref: str,
        chat_id: int | None = None,
    ) -> None:
        """Remember what the sent messages (in ``chat_id``, else the main group) stand for."""
        await links.link_messages(
            session=session,
            chat_id=self._group(chat_id),
            message_ids=message_ids,
            kind=kind,
            marketplace=marketplace,
            shop_id=shop_id,
            ref=ref,
            now=self._clock(),
        )
        await self._close(session, event_id)
