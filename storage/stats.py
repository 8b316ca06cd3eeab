"""Figures for the daily summary, for one local day given as a UTC interval."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.domain.figures import DayFigures, OutcomeVerb, WaitingChat
from bot.domain.groups import EVERY_SHOP, ShopScope
from bot.domain.values import BuyerMessageReceived, EventKind, OrderState
from storage.inbox import event_of
from storage.models import (
    AuditEntry,
    ConversationRow,
    FirstResponse,
    InboxEvent,
    OrderRow,
)
from storage.scopes import in_scope


async def day_figures(
    *, session: AsyncSession, start: datetime, end: datetime, scope: ShopScope | None = None
) -> DayFigures:
    """The day's figures for the shops in ``scope`` (a staff group's; all by default)."""
    figures = DayFigures()
    order_shops = in_scope(scope, col(OrderRow.marketplace), col(OrderRow.shop_id))
    chat_shops = in_scope(scope, col(ConversationRow.marketplace), col(ConversationRow.shop_id))
    orders = (
        await session.execute(
            select(OrderRow).where(
                order_shops,
                ((col(OrderRow.created_at) >= start) & (col(OrderRow.created_at) < end))
                | ((col(OrderRow.outcome_at) >= start) & (col(OrderRow.outcome_at) < end))
                | ((col(OrderRow.updated_at) >= start) & (col(OrderRow.updated_at) < end)),
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
                order_shops,
            )
        )
    ).one()
    figures.pending, figures.pending_value = int(pending[0]), int(pending[1])
    figures.chats_received = await _chats_received(session, start, end, scope)
    # A first response names its conversation; the conversation names the shop.
    answered_here = (
        select(col(ConversationRow.id))
        .where(
            col(ConversationRow.marketplace) == col(FirstResponse.marketplace),
            col(ConversationRow.conversation_id) == col(FirstResponse.conversation_id),
            chat_shops,
        )
        .exists()
    )
    responses = list(
        (
            await session.execute(
                select(FirstResponse).where(
                    col(FirstResponse.answered_at) >= start,
                    col(FirstResponse.answered_at) < end,
                    answered_here if scope is not None and scope != EVERY_SHOP else true(),
                )
            )
        ).scalars()
    )
    figures.chats_answered = len(responses)
    figures.response_seconds = sorted(
        (r.answered_at - r.asked_at).total_seconds() for r in responses
    )
    for r in responses:
        by_staff = figures.first_response_seconds.setdefault(r.actor_name, [])
        by_staff.append((r.answered_at - r.asked_at).total_seconds())
    oldest = (
        await session.execute(
            select(ConversationRow)
            .where(col(ConversationRow.waiting_since).is_not(None), chat_shops)
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
                in_scope(scope, col(AuditEntry.marketplace), col(AuditEntry.shop_id)),
            )
            .group_by(col(AuditEntry.actor_name), col(AuditEntry.action))
        )
    ).all()
    for actor, action, count in entries:
        figures.per_staff.setdefault(actor, {})[action] = int(count)
    return figures


async def _chats_received(
    session: AsyncSession, start: datetime, end: datetime, scope: ShopScope | None
) -> int:
    """Buyer messages received in the interval, in ``scope``'s shops.

    The inbox row names no shop; its event does, so a group's count reads the day's events.
    """
    received = (
        col(InboxEvent.kind) == EventKind.BUYER_MESSAGE,
        col(InboxEvent.received_at) >= start,
        col(InboxEvent.received_at) < end,
    )
    if scope is None or scope == EVERY_SHOP:
        return int((await session.execute(select(func.count()).where(*received))).scalar_one())
    rows = (await session.execute(select(InboxEvent).where(*received))).scalars()
    count = 0
    for row in rows:
        event = event_of(row)
        if isinstance(event, BuyerMessageReceived):
            conv = event.message.conversation
            count += scope.covers(conv.marketplace.value, conv.shop_id)
    return count


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
