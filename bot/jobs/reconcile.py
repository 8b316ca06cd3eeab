"""Reconciliation: poll each marketplace for what its webhooks missed, and relay it.

Whatever tokobot has not stored yet goes into the inbox through the same ``store`` as a
webhook, and the delivery worker relays it. The polling cursor lives in ``job_state``.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.context import Services
from bot.domain.values import (
    BuyerMessage,
    BuyerMessageReceived,
    MarketplaceEvent,
    Order,
    OrderCreated,
    OrderState,
    OrderStatusChanged,
    ParsedEvent,
    Store,
)
from bot.marketplaces import Marketplace
from storage import conversations, job_runs, orders, shops

log = logging.getLogger(__name__)


@dataclass
class ReconcileFigures:
    orders_checked: int = 0
    orders_missing: int = 0
    chats_checked: int = 0
    chats_missing: int = 0
    relayed: int = 0


def _order_event(order_state: OrderState, order: Order, known: bool) -> MarketplaceEvent:
    if not known and order_state is OrderState.AWAITING_ACCEPTANCE:
        return OrderCreated(order=order)
    return OrderStatusChanged(
        marketplace=order.marketplace,
        shop_id=order.shop_id,
        order_id=order.order_id,
        status=order.status,
    )


async def _shop_ids(services: Services, name: str, marketplace: Marketplace) -> list[str]:
    """The shops tokobot saved, else the marketplace's list (start-up may have failed to save)."""
    async with services.sessions() as session:
        shop_ids = [
            row.shop_id
            for row in await shops.all_shops(session=session)
            if row.marketplace == name
        ]
    if not shop_ids:
        shop_ids = [shop.shop_id for shop in await marketplace.list_shops()]
    return shop_ids


async def _missed_orders(
    services: Services,
    name: str,
    found: list[Order],
    *,
    first_run: bool,
    figures: ReconcileFigures,
) -> list[ParsedEvent]:
    """Events for the orders whose status tokobot has not stored."""
    events: list[ParsedEvent] = []
    for order in found:
        figures.orders_checked += 1
        async with services.sessions() as session:
            row = await orders.get_order(
                session=session, marketplace=name, order_id=order.order_id
            )
        if row is not None and row.status_code == order.status.code:
            continue
        waiting = order.status.state is OrderState.AWAITING_ACCEPTANCE
        if row is None and first_run and not waiting:
            continue  # a fresh install does not replay history, only what needs action
        figures.orders_missing += 1
        events.append(
            ParsedEvent(
                dedup_key=f"reconcile:{name}:order:{order.order_id}:{order.status.code}",
                event=_order_event(order.status.state, order, known=row is not None),
            )
        )
    return events


async def _missed_chats(
    services: Services, name: str, unread: list[BuyerMessage], *, figures: ReconcileFigures
) -> list[ParsedEvent]:
    """Events for the unread buyer messages tokobot has not relayed."""
    events: list[ParsedEvent] = []
    for message in unread:
        figures.chats_checked += 1
        conv = message.conversation
        async with services.sessions() as session:
            known = await conversations.get_conversation(
                session=session,
                marketplace=name,
                shop_id=conv.shop_id,
                conversation_id=conv.conversation_id,
            )
        if known is not None and known.last_buyer_text == message.text:
            continue  # the webhook brought it
        figures.chats_missing += 1
        digest = hashlib.sha256(message.text.encode()).hexdigest()[:16]
        events.append(
            ParsedEvent(
                dedup_key=f"reconcile:{name}:chat:{conv.shop_id}:{conv.conversation_id}:{digest}",
                event=BuyerMessageReceived(message=message),
                dedup_window=3600,
            )
        )
    return events


async def reconcile(services: Services, store: Store, now: datetime) -> ReconcileFigures:
    """Relay what the webhooks missed, deduplicated against what did come."""
    figures = ReconcileFigures()
    async with services.sessions() as session, session.begin():
        state = await job_runs.get_state(session=session, name="reconcile")
        cursor = state.cursor
    catchup = timedelta(hours=services.settings.reconcile_catchup_hours)
    # Overlap the previous window: an order can be updated while a poll is in flight.
    since = max(cursor - timedelta(minutes=10), now - catchup) if cursor else now - catchup
    events: list[ParsedEvent] = []
    for name, marketplace in services.marketplaces.items():
        for shop_id in await _shop_ids(services, name, marketplace):
            found = await marketplace.list_orders(shop_id, since, now)
            events += await _missed_orders(
                services, name, found, first_run=cursor is None, figures=figures
            )
            unread = await marketplace.unread_messages(shop_id)
            events += await _missed_chats(services, name, unread, figures=figures)
    if events:
        figures.relayed = sum(await store(events, now))
    async with services.sessions() as session, session.begin():
        state = await job_runs.get_state(session=session, name="reconcile")
        state.cursor = now
    log.info(
        "reconciliation: %d orders checked, %d missing; %d chats checked, %d missing; %d relayed",
        figures.orders_checked,
        figures.orders_missing,
        figures.chats_checked,
        figures.chats_missing,
        figures.relayed,
    )
    return figures
