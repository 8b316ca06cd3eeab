"""Reconciliation: poll each marketplace for what its webhooks missed, and relay it.

Whatever tokobot has not shown yet goes into the inbox through the same ``store`` as a
webhook, and the delivery worker relays it. An event still waiting in the inbox (pending or
being delivered) counts as known, whichever way it came; and a buyer message is shown once
whether the webhook or the poll brings it first (``bot.relay.chats.message_identity``). An
order counts as known only once the group has been shown its status: a stored order whose
alert never went out is relayed again. The polling cursor lives in ``job_state``.
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
    moves_backwards,
)
from bot.jobs.reconcile_returns import missed_returns
from bot.marketplaces import Marketplace
from bot.relay.chats import message_identity
from storage import conversations, job_runs, orders, shops, undelivered
from storage.inbox import event_of

log = logging.getLogger(__name__)


@dataclass
class ReconcileFigures:
    orders_checked: int = 0
    orders_missing: int = 0
    chats_checked: int = 0
    chats_missing: int = 0
    returns_checked: int = 0
    returns_missing: int = 0
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


@dataclass(frozen=True)
class Waiting:
    """What the inbox holds undelivered: orders by (order id, status code), chats by key."""

    orders: set[tuple[str, str]]
    chats: set[str]


async def _waiting(services: Services, name: str) -> Waiting:
    async with services.sessions() as session:
        rows = await undelivered.undelivered_of(session=session, marketplace=name)
    waiting = Waiting(set(), set())
    for row in rows:
        event = event_of(row)
        if isinstance(event, OrderCreated):
            waiting.orders.add((event.order.order_id, event.order.status.code))
        elif isinstance(event, OrderStatusChanged):
            waiting.orders.add((event.order_id, event.status.code))
        elif isinstance(event, BuyerMessageReceived):
            waiting.chats.update(message_identity(event.message))
    return waiting


async def _missed_orders(
    services: Services,
    name: str,
    found: list[Order],
    *,
    first_run: bool,
    waiting: Waiting,
    figures: ReconcileFigures,
) -> list[ParsedEvent]:
    """Events for the orders whose status the group has not been shown nor will be."""
    events: list[ParsedEvent] = []
    for order in found:
        figures.orders_checked += 1
        async with services.sessions() as session:
            row = await orders.get_order(
                session=session, marketplace=name, order_id=order.order_id
            )
        if (order.order_id, order.status.code) in waiting.orders:
            continue  # its event waits in the inbox
        shown = row is not None and orders.is_shown(row)
        if shown and row is not None and row.shown_status_code == order.status.code:
            continue
        if row is not None and moves_backwards(OrderState(row.state), order.status.state):
            continue  # the poll is older than what we know
        awaiting = order.status.state is OrderState.AWAITING_ACCEPTANCE
        if row is None and first_run and not awaiting:
            continue  # a fresh install does not replay history, only what needs action
        figures.orders_missing += 1
        events.append(
            ParsedEvent(
                dedup_key=f"reconcile:{name}:order:{order.order_id}:{order.status.code}",
                event=_order_event(order.status.state, order, known=shown),
            )
        )
    return events


async def _missed_chats(
    services: Services,
    name: str,
    unread: list[BuyerMessage],
    *,
    waiting: Waiting,
    figures: ReconcileFigures,
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
        if waiting.chats.intersection(message_identity(message)):
            continue  # the webhook brought it, and it waits in the inbox
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
            # Read after the poll: an event stored meanwhile is then seen as waiting.
            waiting = await _waiting(services, name)
            events += await _missed_orders(
                services, name, found, first_run=cursor is None, waiting=waiting, figures=figures
            )
            unread = await marketplace.unread_messages(shop_id)
            waiting = await _waiting(services, name)
            events += await _missed_chats(services, name, unread, waiting=waiting, figures=figures)
            checked, missed = await missed_returns(services, name, marketplace, shop_id)
            figures.returns_checked += checked
            figures.returns_missing += len(missed)
            events += missed
    if events:
        figures.relayed = sum(await store(events, now))
    async with services.sessions() as session, session.begin():
        state = await job_runs.get_state(session=session, name="reconcile")
        state.cursor = now
    log.info(
        "reconciliation: %d orders checked, %d missing; %d chats checked, %d missing; "
        "%d returns checked, %d missing; %d relayed",
        figures.orders_checked,
        figures.orders_missing,
        figures.chats_checked,
        figures.chats_missing,
        figures.returns_checked,
        figures.returns_missing,
        figures.relayed,
    )
    return figures
