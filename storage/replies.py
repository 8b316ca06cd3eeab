"""Staff replies to buyers, one row per staff Telegram message: sent at most once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.dialect import count_changed, insert_ignoring_conflicts, table_of
from storage.models import StaffReply


async def begin(
    *,
    session: AsyncSession,
    chat_id: int,
    message_id: int,
    marketplace: str,
    shop_id: str,
    conversation_id: str,
    text: str,
    actor_id: int,
    actor_name: str,
    now: datetime,
    media_file_id: str = "",
) -> tuple[bool, StaffReply]:
    """Record the intent to send; False (with the existing row) if this message is known.

    ``media_file_id`` names a photo sent ahead of ``text`` (then its caption).
    """
    values = {
        "chat_id": chat_id,
        "message_id": message_id,
        "marketplace": marketplace,
        "shop_id": shop_id,
        "conversation_id": conversation_id,
        "text": text,
        "status": "sending",
        "actor_id": actor_id,
        "actor_name": actor_name,
        "error": "",
        "media_file_id": media_file_id,
        "updated_at": now,
    }
    inserted = await count_changed(
        session, insert_ignoring_conflicts(session, StaffReply, values, ["chat_id", "message_id"])
    )
    row = (
        await session.execute(
            table_of(StaffReply)
            .select()
            .where(col(StaffReply.chat_id) == chat_id, col(StaffReply.message_id) == message_id)
        )
    ).one()
    reply = StaffReply.model_validate(dict(row._mapping))
    return bool(inserted), reply


async def retake(*, session: AsyncSession, reply_id: int, now: datetime) -> bool:
    """Move a failed reply back to sending; exactly one Retry press wins."""
    retaken = await count_changed(
        session,
        update(StaffReply)
        .where(col(StaffReply.id) == reply_id, col(StaffReply.status) == "failed")
        .values(status="sending", updated_at=now),
    )
    return retaken == 1


async def record_part(
    *, session: AsyncSession, reply_id: int, parts_sent: int, now: datetime
) -> None:
    """Note that the first ``parts_sent`` parts of a split reply have arrived."""
    await session.execute(
        update(StaffReply)
        .where(col(StaffReply.id) == reply_id)
        .values(parts_sent=parts_sent, updated_at=now)
    )


async def settle(
    *, session: AsyncSession, reply_id: int, status: str, error: str, now: datetime
) -> None:
    await session.execute(
        update(StaffReply)
        .where(col(StaffReply.id) == reply_id)
        .values(status=status, error=error[:1000], updated_at=now)
    )


async def get(*, session: AsyncSession, reply_id: int) -> StaffReply | None:
    return await session.get(StaffReply, reply_id, populate_existing=True)


async def recently_sent(
    *,
    session: AsyncSession,
    marketplace: str,
    shop_id: str,
    conversation_id: str,
    text: str,
    since: datetime,
) -> bool:
    """Whether staff sent exactly this text to this conversation since ``since``."""
    query = (
        select(col(StaffReply.id))
        .where(
            col(StaffReply.marketplace) == marketplace,
            col(StaffReply.shop_id) == shop_id,
            col(StaffReply.conversation_id) == conversation_id,
            col(StaffReply.status).in_(("sent", "unknown")),
            col(StaffReply.updated_at) >= since,
            col(StaffReply.text) == text,
        )
        .limit(1)
    )
    return (await session.execute(query)).first() is not None


async def find(*, session: AsyncSession, chat_id: int, message_id: int) -> StaffReply | None:
    """The reply recorded for a staff message (or a quick-reply menu), if there is one."""
    query = select(StaffReply).where(
        col(StaffReply.chat_id) == chat_id, col(StaffReply.message_id) == message_id
    )
    return (await session.execute(query)).scalar_one_or_none()
