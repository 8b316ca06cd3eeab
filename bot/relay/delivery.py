"""What each kind of event becomes in the staff group (used by the relay worker).

``Delivery`` hands each event to the delivery for its kind: ``chats`` (buyer messages, shop
notices), ``orders`` (alerts, status changes, cancellation requests) and ``digests`` (many new
orders at once). Each reads what it needs and stores its buttons' tokens in one transaction,
posts, then remembers which Telegram messages stand for which conversation or order and
closes the event in one commit. Failures are raised as they are; the worker sorts them
(``bot.relay.outage``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.values import (
    AuthorizationChanged,
    BuyerMessageReceived,
    CancellationRequested,
    MarketplaceEvent,
    OrderCreated,
    OrderStatusChanged,
)
from bot.marketplaces import Marketplace
from bot.relay.chats import ChatDelivery
from bot.relay.config import RelayConfig
from bot.relay.digests import DigestDelivery
from bot.relay.orders import OrderDelivery
from bot.relay.sender import Sender
from storage.models import InboxEvent


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
    ) -> None:
        self._chats = ChatDelivery(
            sessions=sessions, sender=sender, marketplaces=marketplaces, config=config, clock=clock
        )
        self._orders = OrderDelivery(
            sessions=sessions, sender=sender, marketplaces=marketplaces, config=config, clock=clock
        )
        self._digests = DigestDelivery(
            sessions=sessions, sender=sender, marketplaces=marketplaces, config=config, clock=clock
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

    async def digests(self, rows: Sequence[InboxEvent]) -> set[int]:
        """Coalesce new orders into digests; returns the ids of the events handled."""
        return await self._digests.digests(rows)
