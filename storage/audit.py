"""The audit trail of staff replies and order actions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.domain.figures import AuditRecord
from storage.models import AuditEntry


async def record(
    *,
    session: AsyncSession,
    at: datetime,
    actor_id: int,
    actor_name: str,
    action: str,
    marketplace: str,
    shop_id: str,
    result: str,
    order_id: str = "",
    conversation_id: str = "",
    text: str = "",
    detail: str = "",
) -> None:
    session.add(
        AuditEntry(
            at=at,
            actor_id=actor_id,
            actor_name=actor_name,
            action=action,
            marketplace=marketplace,
            shop_id=shop_id,
            order_id=order_id,
            conversation_id=conversation_id,
            text=text,
            result=result,
            detail=detail,
        )
    )


def record_of(entry: AuditEntry) -> AuditRecord:
    """The stored entry as a domain value, for rendering."""
    return AuditRecord(
        at=entry.at,
        actor_id=entry.actor_id,
        actor_name=entry.actor_name,
        action=entry.action,
        marketplace=entry.marketplace,
        shop_id=entry.shop_id,
        result=entry.result,
        order_id=entry.order_id,
        conversation_id=entry.conversation_id,
        text=entry.text,
        detail=entry.detail,
    )


async def for_order(
    *, session: AsyncSession, marketplace: str | None, order_id: str, limit: int = 50
) -> list[AuditRecord]:
    query = select(AuditEntry).where(col(AuditEntry.order_id) == order_id)
    if marketplace is not None:
        query = query.where(col(AuditEntry.marketplace) == marketplace)
    query = query.order_by(col(AuditEntry.at), col(AuditEntry.id)).limit(limit)
    return [record_of(entry) for entry in (await session.execute(query)).scalars()]


async def for_conversation(
    *, session: AsyncSession, marketplace: str, conversation_id: str, limit: int = 50
) -> list[AuditRecord]:
    query = (
        select(AuditEntry)
        .where(
            col(AuditEntry.marketplace) == marketplace,
            col(AuditEntry.conversation_id) == conversation_id,
        )
        .order_by(col(AuditEntry.at), col(AuditEntry.id))
        .limit(limit)
    )
    return [record_of(entry) for entry in (await session.execute(query)).scalars()]
