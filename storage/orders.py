"""Orders: the stored domain order, its latest state, its Telegram alert and staff's outcome."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.domain.figures import Outcome
from bot.domain.groups import ShopScope
from bot.domain.values import Order, OrderState, OrderStatus, moves_backwards
from storage.models import OrderRow
from storage.scopes import in_scope


def order_of(row: OrderRow) -> Order:
    """The stored domain order, with the row's latest status folded in."""
    order = Order.model_validate_json(row.payload)
    if order.status.code != row.status_code or order.status.state.value != row.state:
        order = order.model_copy(
            update={"status": OrderStatus(code=row.status_code, state=OrderState(row.state))}
        )
    return order


def outcome_of(row: OrderRow) -> Outcome | None:
    """What staff decided about an order, for its alert's footer."""
    if not row.outcome or row.outcome_at is None:
        return None
    return Outcome(
        verb=row.outcome, actor=row.outcome_by, at=row.outcome_at, detail=row.outcome_detail
    )


async def get_order(*, session: AsyncSession, marketplace: str, order_id: str) -> OrderRow | None:
    query = select(OrderRow).where(
        col(OrderRow.marketplace) == marketplace, col(OrderRow.order_id) == order_id
    )
    return (await session.execute(query)).scalar_one_or_none()


async def save_order(
    session: AsyncSession, order: Order, now: datetime, *, keep_state: str | None = None
) -> OrderRow:
    """Store a domain order; ``keep_state`` overrides the state (our newer decision).

    A stored status further along than the order's is kept: the order is older news.
    """
    row = await get_order(
        session=session, marketplace=order.marketplace.value, order_id=order.order_id
    )
    status_code, state = order.status.code, keep_state or order.status.state.value
    if row is not None and row.state and moves_backwards(OrderState(row.state), OrderState(state)):
        status_code, state = row.status_code, row.state
    return await upsert_order(
        session=session,
        marketplace=order.marketplace.value,
        shop_id=order.shop_id,
        order_id=order.order_id,
        invoice=order.invoice,
        status_code=status_code,
        state=state,
        total=order.total,
        # The column holds whichever deadline staff must act before.
        accept_deadline=order.accept_deadline or order.ship_deadline,
        payload=order.model_dump_json(),
        now=now,
    )


async def upsert_order(
    *,
    session: AsyncSession,
    marketplace: str,
    shop_id: str,
    order_id: str,
    invoice: str,
    status_code: str,
    state: str,
    total: int,
    accept_deadline: datetime | None,
    payload: str,
    now: datetime,
) -> OrderRow:
    """Store the order's full details; an existing row keeps its alert and outcome."""
    row = await get_order(session=session, marketplace=marketplace, order_id=order_id)
    if row is None:
        row = OrderRow(
            marketplace=marketplace,
            shop_id=shop_id,
            order_id=order_id,
            created_at=now,
            payload="",
        )
        session.add(row)
    row.invoice = invoice
    row.status_code = status_code
    row.state = state
    row.total = total
    row.accept_deadline = accept_deadline
    row.payload = payload
    row.updated_at = now
    await session.flush()
    return row


def set_status(*, row: OrderRow, status_code: str, state: str, now: datetime) -> None:
    """Record the marketplace's status; what the group was shown moves on its own."""
    if row.status_code == status_code:
        return
    row.status_code = status_code
    row.state = state
    row.updated_at = now


def set_alert(*, row: OrderRow, chat_id: int, message_id: int, in_digest: bool = False) -> None:
    """The order's alert was posted: it shows the order's status as stored now."""
    row.alert_chat_id = chat_id
    row.alert_message_id = message_id
    row.in_digest = in_digest
    row.shown_status_code = row.status_code


def set_shown(*, row: OrderRow, status_code: str) -> None:
    """The group has been shown this status (committed with the event that showed it)."""
    row.shown_status_code = status_code


def is_shown(row: OrderRow) -> bool:
    """Whether the group has been shown this order at all (an alert, a digest, an update)."""
    return row.alert_message_id is not None or bool(row.shown_status_code)


async def finish_action(
    *,
    session: AsyncSession,
    marketplace: str,
    order_id: str,
    outcome: str,
    by: str,
    at: datetime,
    detail: str = "",
    status: tuple[str, str] | None = None,
) -> None:
    values: dict[str, object] = {
        "outcome": outcome,
        "outcome_by": by,
        "outcome_at": at,
        "outcome_detail": detail,
        "updated_at": at,
    }
    if status is not None:
        # Staff's action redraws the alert with this status: the group has been shown it.
        values |= {"status_code": status[0], "state": status[1], "shown_status_code": status[0]}
    await session.execute(
        update(OrderRow)
        .where(col(OrderRow.marketplace) == marketplace, col(OrderRow.order_id) == order_id)
        .values(**values)
    )


async def awaiting_acceptance(
    *, session: AsyncSession, limit: int = 50, scope: ShopScope | None = None
) -> list[OrderRow]:
    """Orders staff still have to accept or reject, soonest deadline first (of ``scope``)."""
    query = (
        select(OrderRow)
        .where(
            col(OrderRow.state) == OrderState.AWAITING_ACCEPTANCE,
            col(OrderRow.outcome) == "",
            in_scope(scope, col(OrderRow.marketplace), col(OrderRow.shop_id)),
        )
        .order_by(
            col(OrderRow.accept_deadline).is_(None),
            col(OrderRow.accept_deadline),
            col(OrderRow.id),
        )
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def get_by_invoice(
    *, session: AsyncSession, marketplace: str, invoice: str
) -> OrderRow | None:
    query = select(OrderRow).where(
        col(OrderRow.marketplace) == marketplace, col(OrderRow.invoice) == invoice
    )
    return (await session.execute(query)).scalars().first()
