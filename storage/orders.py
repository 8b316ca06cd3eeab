"""Orders: latest state, the Telegram alert, and the once-only action claim."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OrderRow

AWAITING_ACCEPTANCE = "awaiting_acceptance"  # bot.domain.OrderState value


async def get_order(*, session: AsyncSession, marketplace: str, order_id: str) -> OrderRow | None:
    query = select(OrderRow).where(
        OrderRow.marketplace == marketplace,  # type: ignore[arg-type]
        OrderRow.order_id == order_id,  # type: ignore[arg-type]
    )
    return (await session.execute(query)).scalar_one_or_none()


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


async def set_status(
    *, session: AsyncSession, row: OrderRow, status_code: str, state: str, now: datetime
) -> bool:
    """Record a new status; False when it is the one already known (a redelivery)."""
    if row.status_code == status_code:
        return False
    row.status_code = status_code
    row.state = state
    row.updated_at = now
    return True


async def set_alert(
    *, session: AsyncSession, row: OrderRow, chat_id: int, message_id: int, in_digest: bool
) -> None:
    row.alert_chat_id = chat_id
    row.alert_message_id = message_id
    row.in_digest = in_digest


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
        values |= {"status_code": status[0], "state": status[1]}
    await session.execute(
        update(OrderRow)
        .where(
            OrderRow.marketplace == marketplace,  # type: ignore[arg-type]
            OrderRow.order_id == order_id,  # type: ignore[arg-type]
        )
        .values(**values)
    )


async def awaiting_acceptance(*, session: AsyncSession, limit: int = 50) -> list[OrderRow]:
    """Orders staff still have to accept or reject, soonest deadline first."""
    query = (
        select(OrderRow)
        .where(
            OrderRow.state == AWAITING_ACCEPTANCE,  # type: ignore[arg-type]
            OrderRow.outcome == "",  # type: ignore[arg-type]
        )
        .order_by(OrderRow.accept_deadline.is_(None), OrderRow.accept_deadline, OrderRow.id)  # type: ignore[union-attr,arg-type]
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def get_by_invoice(
    *, session: AsyncSession, marketplace: str, invoice: str
) -> OrderRow | None:
    query = select(OrderRow).where(
        OrderRow.marketplace == marketplace,  # type: ignore[arg-type]
        OrderRow.invoice == invoice,  # type: ignore[arg-type]
    )
    return (await session.execute(query)).scalars().first()
