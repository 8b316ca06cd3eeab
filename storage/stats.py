"""Figures for the daily summary, for one local day given as a UTC interval."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.domain.figures import DayFigures, OutcomeVerb, WaitingChat
from bot.domain.values import EventKind, OrderState
from storage.models import (
    AuditEntry,
    ConversationRow,
    FirstResponse,
    InboxEvent,
    OrderRow,
)


async def day_figures(*, session: AsyncSession, start: datetime, end: datetime) -> DayFigures:
    figures = DayFigures()
    orders = (
        await session.execute(
            select(OrderRow).where(
                ((col(OrderRow.created_at) >= start) & (col(OrderRow.created_at) < end))
                | ((col(OrderRow.outcome_at) >= start) & (col(OrderRow.outcome_at) < end))
                | ((col(OrderRow.updated_at) >= start) & (col(OrderRow.updated_at) < end))
            )
        )
    ).scalars()
    for row in orders:
        if start <= row.created_at < end:
            figures.new_orders += 1
            figures.new_value += row.total
        decided_today = row.outcome_at is not None and start <= row.outcome_at < end
        if decided_today and row.outcome == OutcomeVerb.ACCEPTED:
            figures.accepted += 1
            figures.accepted_value += row.total
        elif decided_today and row.outcome == OutcomeVerb.REJECTED:
            figures.rejected += 1
            figures.rejected_value += row.total
        elif row.state == OrderState.CANCELLED and start <= row.updated_at < end:
            figures.cancelled += 1
            figures.cancelled_value += row.total
    pending = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(col(OrderRow.total)), 0)).where(
                col(OrderRow.state) == OrderState.AWAITING_ACCEPTANCE,
                col(OrderRow.outcome) == "",
            )
        )
    ).one()
    figures.pending, figures.pending_value = int(pending[0]), int(pending[1])
    figures.chats_received = int(
        (
            await session.execute(
                select(func.count()).where(
                    col(InboxEvent.kind) == EventKind.BUYER_MESSAGE,
                    col(InboxEvent.received_at) >= start,
                    col(InboxEvent.received_at) < end,
                )
            )
        ).scalar_one()
    )
    responses = list(
        (
            await session.execute(
                select(FirstResponse).where(
                    col(FirstResponse.answered_at) >= start,
                    col(FirstResponse.answered_at) < end,
                )
            )
        ).scalars()
    )
    figures.chats_answered = len(responses)
    figures.response_seconds = sorted(
        (r.answered_at - r.asked_at).total_seconds() for r in responses
    )
    oldest = (
        await session.execute(
            select(ConversationRow)
            .where(col(ConversationRow.waiting_since).is_not(None))
            .order_by(col(ConversationRow.waiting_since))
            .limit(1)
        )
    ).scalar_one_or_none()
    if oldest is not None and oldest.waiting_since is not None:
        figures.oldest_waiting = WaitingChat(oldest.buyer_name, oldest.waiting_since)
    entries = (
        await session.execute(
            select(col(AuditEntry.actor_name), col(AuditEntry.action), func.count())
            .where(
                col(AuditEntry.at) >= start,
                col(AuditEntry.at) < end,
                col(AuditEntry.result) == "ok",
            )
            .group_by(col(AuditEntry.actor_name), col(AuditEntry.action))
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
