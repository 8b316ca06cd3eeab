"""What each kind of event becomes in the staff group (used by the relay worker).

``Delivery`` hands each event to the delivery for its kind: ``chats`` (buyer messages, shop
notices), ``orders`` (alerts, status changes, cancellation requests), ``returns`` (return and
refund requests) and ``digests`` (many new orders at once). Each reads what it needs and
stores its buttons' tokens in one transaction, posts, then remembers which Telegram
messages stand for which conversation or order and closes the event in one commit. Failures
are raised as they are; the worker sorts them (``bot.relay.outage``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.values import (
    AuthorizationChanged,
    BuyerMessageReceived,
    CancellationRequested,
    MarketplaceEvent,
    OrderCreated,
    OrderStatusChanged,
    ReturnStatusChanged,
)
from bot.marketplaces import Marketplace
from bot.relay.backlog import Backlog
from bot.relay.base import EventDelivery
from bot.relay.chat_digests import ChatDigestDelivery, Coalesced
from bot.relay.chat_topics import AnnouncedTopics
from bot.relay.chats import ChatDelivery
from bot.relay.config import RelayConfig
from bot.relay.digests import DigestDelivery
from bot.relay.orders import OrderDelivery
from bot.relay.pacer import GroupPacer
from bot.relay.returns import ReturnDelivery
from bot.relay.sender import Sender
from storage.models import InboxEvent

_Kind = TypeVar("_Kind", bound=EventDelivery)


class Delivery:
    """Sends one event (or a digest of new orders) to the staff group."""

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
        # The pacer tells a delivery whether the main group's budget is spent (overflow).
        self.backlog = Backlog(sessions=sessions, pacer=pacer, config=config, clock=clock)

        def build(kind: type[_Kind]) -> _Kind:
            """Every kind of delivery gets the same services."""
            return kind(
                sessions=sessions,
                sender=sender,
                marketplaces=marketplaces,
                config=config,
                clock=clock,
                pacer=pacer,
            )

        self._chats = build(ChatDelivery)
        self._orders = build(OrderDelivery)
        self._returns = build(ReturnDelivery)
        self._digests = build(DigestDelivery)
        self._topics = build(AnnouncedTopics)
        self._chat_digests = ChatDigestDelivery(
            backlog=self.backlog,
            sessions=sessions,
            sender=sender,
            marketplaces=marketplaces,
            config=config,
            clock=clock,
            pacer=pacer,
        )

    async def deliver(self, event_id: int, event: MarketplaceEvent) -> None:
        """Deliver one event and mark it delivered."""
        if isinstance(event, AuthorizationChanged):
            await self._chats.authorization(event_id, event)
        elif isinstance(event, BuyerMessageReceived):
            await self._chats.buyer_message(event_id, event)
        elif isinstance(event, OrderCreated):
            await self._orders.order_created(event_id, event.order)
        elif isinstance(event, OrderStatusChanged):
            await self._orders.status_changed(event_id, event)
        elif isinstance(event, CancellationRequested):
            await self._orders.cancellation(event_id, event)
        elif isinstance(event, ReturnStatusChanged):
            await self._returns.return_status(event_id, event)

    async def digests(self, rows: Sequence[InboxEvent]) -> set[int]:
        """Coalesce new orders into digests; returns the ids of the events handled."""
        return await self._digests.digests(rows)

    async def chat_digests(self, rows: Sequence[InboxEvent]) -> Coalesced:
        """Combine buyer messages where the group's budget cannot carry them one by one."""
        return await self._chat_digests.coalesce(rows)

    async def hold_orders(self, rows: Sequence[InboxEvent], *, more_due: bool) -> set[int]:
        """Postpone new orders that should wait for a slot or for company (``Backlog``)."""
        return await self.backlog.hold_orders(rows, more_due=more_due)

    async def open_announced_topics(self) -> int:
        """Topic mode: open the topics a backlog put off, while the budget allows."""
        return await self._topics.open_announced_topics()
