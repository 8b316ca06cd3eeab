"""The audit trail of staff replies and order actions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

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


async def for_order(
    *, session: AsyncSession, marketplace: str | None, order_id: str, limit: int = 50
) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.order_id == order_id)  # type: ignore[arg-type]
    if marketplace is not None:
        query = query.where(AuditEntry.marketplace == marketplace)  # type: ignore[arg-type]
    query = query.order_by(AuditEntry.at, AuditEntry.id).limit(limit)  # type: ignore[arg-type]
    return list((await session.execute(query)).scalars())


async def for_conversation(
    *, session: AsyncSession, marketplace: str, conversation_id: str, limit: int = 50
) -> list[AuditEntry]:
    query = (
        select(AuditEntry)
        .where(
            AuditEntry.marketplace == marketplace,  # type: ignore[arg-type]
            AuditEntry.conversation_id == conversation_id,  # type: ignore[arg-type]
        )
        .order_by(AuditEntry.at, AuditEntry.id)  # type: ignore[arg-type]
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())
