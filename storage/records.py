"""Translation between the neutral domain models and storage rows (pure)."""

from __future__ import annotations

from datetime import datetime

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.values import (
    Conversation,
    MarketplaceEvent,
    MarketplaceName,
    Order,
    OrderState,
    OrderStatus,
    ParsedEvent,
)
from bot.render.messages import Outcome
from storage import orders
from storage.inbox import InboxItem
from storage.models import ConversationRow, InboxEvent, OrderRow

_EVENT = TypeAdapter[MarketplaceEvent](MarketplaceEvent)


def inbox_item(parsed: ParsedEvent, received_at: datetime) -> InboxItem:
    event = parsed.event
    if event.kind == "buyer_message":
        marketplace, order_id = event.message.conversation.marketplace, ""
    elif event.kind == "order_created":
        marketplace, order_id = event.order.marketplace, event.order.order_id
    elif event.kind == "authorization":
        marketplace, order_id = event.marketplace, ""
    else:
        marketplace, order_id = event.marketplace, event.order_id
    return InboxItem(
        dedup_key=parsed.dedup_key,
        window=parsed.dedup_window,
        marketplace=marketplace.value,
        kind=event.kind,
        payload=event.model_dump_json(),
        order_id=order_id,
        received_at=received_at,
    )


def event_of(row: InboxEvent) -> MarketplaceEvent:
    return _EVENT.validate_json(row.payload)


def order_of(row: OrderRow) -> Order:
    """The stored domain order, with the row's latest status folded in."""
    order = Order.model_validate_json(row.payload)
    if order.status.code != row.status_code or order.status.state.value != row.state:
        order = order.model_copy(
            update={"status": OrderStatus(code=row.status_code, state=OrderState(row.state))}
        )
    return order


async def save_order(
    session: AsyncSession, order: Order, now: datetime, *, keep_state: str | None = None
) -> OrderRow:
    """Store a domain order; ``keep_state`` overrides the state (our newer decision)."""
    return await orders.upsert_order(
        session=session,
        marketplace=order.marketplace.value,
        shop_id=order.shop_id,
        order_id=order.order_id,
        invoice=order.invoice,
        status_code=order.status.code,
        state=keep_state or order.status.state.value,
        total=order.total,
        # The column holds whichever deadline staff must act before.
        accept_deadline=order.accept_deadline or order.ship_deadline,
        payload=order.model_dump_json(),
        now=now,
    )


def outcome_of(row: OrderRow) -> Outcome | None:
    """What staff decided about an order, for its alert's footer."""
    if not row.outcome or row.outcome_at is None:
        return None
    return Outcome(
        verb=row.outcome, actor=row.outcome_by, at=row.outcome_at, detail=row.outcome_detail
    )


def conversation_of(row: ConversationRow) -> Conversation:
    return Conversation(
        marketplace=MarketplaceName(row.marketplace),
        shop_id=row.shop_id,
        conversation_id=row.conversation_id,
        buyer_id=row.buyer_id,
        buyer_name=row.buyer_name,
    )
