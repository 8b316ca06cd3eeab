"""Figures for the daily summary, for one local day given as a UTC interval."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    AuditEntry,
    ConversationRow,
    FirstResponse,
    InboxEvent,
    OrderRow,
)


@dataclass
class DayFigures:
    new_orders: int = 0
    new_value: int = 0
    accepted: int = 0
    accepted_value: int = 0
    rejected: int = 0
    rejected_value: int = 0
    cancelled: int = 0
    cancelled_value: int = 0
    pending: int = 0
    pending_value: int = 0
    chats_received: int = 0
    chats_answered: int = 0
    response_seconds: list[float] = field(default_factory=list)
    oldest_waiting: ConversationRow | None = None
    per_staff: dict[str, dict[str, int]] = field(default_factory=dict)


async def day_figures(*, session: AsyncSession, start: datetime, end: datetime) -> DayFigures:
    figures = DayFigures()
    orders = (
        await session.execute(
            select(OrderRow).where(
                (OrderRow.created_at >= start) & (OrderRow.created_at < end)  # type: ignore[arg-type]
                | ((OrderRow.outcome_at >= start) & (OrderRow.outcome_at < end))  # type: ignore[operator]
                | ((OrderRow.updated_at >= start) & (OrderRow.updated_at < end))
            )
        )
    ).scalars()
    for row in orders:
        if start <= row.created_at < end:
            figures.new_orders += 1
            figures.new_value += row.total
        decided_today = row.outcome_at is not None and start <= row.outcome_at < end
        if decided_today and row.outcome == "accepted":
            figures.accepted += 1
            figures.accepted_value += row.total
        elif decided_today and row.outcome == "rejected":
            figures.rejected += 1
            figures.rejected_value += row.total
        elif row.state == "cancelled" and start <= row.updated_at < end:
            figures.cancelled += 1
            figures.cancelled_value += row.total
    pending = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(OrderRow.total), 0)).where(
                OrderRow.state == "awaiting_acceptance",  # type: ignore[arg-type]
                OrderRow.outcome == "",  # type: ignore[arg-type]
            )
        )
    ).one()
    figures.pending, figures.pending_value = int(pending[0]), int(pending[1])
    figures.chats_received = int(
        (
            await session.execute(
                select(func.count()).where(
                    InboxEvent.kind == "buyer_message",  # type: ignore[arg-type]
                    InboxEvent.received_at >= start,  # type: ignore[arg-type]
                    InboxEvent.received_at < end,  # type: ignore[arg-type]
                )
            )
        ).scalar_one()
    )
    responses = list(
        (
            await session.execute(
                select(FirstResponse).where(
                    FirstResponse.answered_at >= start,  # type: ignore[arg-type]
                    FirstResponse.answered_at < end,  # type: ignore[arg-type]
                )
            )
        ).scalars()
    )
    figures.chats_answered = len(responses)
    figures.response_seconds = sorted(
        (r.answered_at - r.asked_at).total_seconds() for r in responses
    )
    figures.oldest_waiting = (
        await session.execute(
            select(ConversationRow)
            .where(ConversationRow.waiting_since.is_not(None))  # type: ignore[union-attr]
            .order_by(ConversationRow.waiting_since)  # type: ignore[arg-type]
            .limit(1)
        )
    ).scalar_one_or_none()
    entries = (
        await session.execute(
            select(AuditEntry.actor_name, AuditEntry.action, func.count())  # type: ignore[call-overload]
            .where(
                AuditEntry.at >= start,
                AuditEntry.at < end,
                AuditEntry.result == "ok",
            )
            .group_by(AuditEntry.actor_name, AuditEntry.action)
        )
    ).all()
    for actor, action, count in entries:
        figures.per_staff.setdefault(actor, {})[action] = int(count)
    return figures


async def record_first_response(
    *,
    session: AsyncSession,
    marketplace: str,
    conversation_id: str,
    asked_at: datetime,
    answered_at: datetime,
    actor_name: str,
) -> None:
    session.add(
        FirstResponse(
            marketplace=marketplace,
            conversation_id=conversation_id,
            asked_at=asked_at,
            answered_at=answered_at,
            actor_name=actor_name,
        )
    )
