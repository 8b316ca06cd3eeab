"""Buyer conversations: who, where in Telegram, and whether staff have answered."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.domain.groups import ShopScope
from bot.domain.values import Conversation, MarketplaceName
from storage.models import ConversationRow
from storage.scopes import in_scope


def conversation_of(row: ConversationRow) -> Conversation:
    """The domain conversation a row stands for."""
    return Conversation(
        marketplace=MarketplaceName(row.marketplace),
        shop_id=row.shop_id,
        conversation_id=row.conversation_id,
        buyer_id=row.buyer_id,
        buyer_name=row.buyer_name,
    )


async def get_conversation(
    *, session: AsyncSession, marketplace: str, shop_id: str, conversation_id: str
) -> ConversationRow | None:
    query = select(ConversationRow).where(
        col(ConversationRow.marketplace) == marketplace,
        col(ConversationRow.shop_id) == shop_id,
        col(ConversationRow.conversation_id) == conversation_id,
    )
    return (await session.execute(query)).scalar_one_or_none()


async def record_buyer_message(
    *,
    session: AsyncSession,
    marketplace: str,
    shop_id: str,
    conversation_id: str,
    buyer_id: str,
    buyer_name: str,
    text: str,
    received_at: datetime,
) -> ConversationRow:
    """Note a buyer message; the conversation waits for staff from its first unanswered one."""
    row = await get_conversation(
        session=session, marketplace=marketplace, shop_id=shop_id, conversation_id=conversation_id
    )
    if row is None:
        row = ConversationRow(
            marketplace=marketplace, shop_id=shop_id, conversation_id=conversation_id
        )
        session.add(row)
    row.buyer_id = buyer_id or row.buyer_id
    row.buyer_name = buyer_name or row.buyer_name
    if row.last_buyer_at is None or received_at >= row.last_buyer_at:
        row.last_buyer_at = received_at
        row.last_buyer_text = text
    answered_after = row.last_staff_at is not None and row.last_staff_at >= received_at
    if row.waiting_since is None and not answered_after:
        row.waiting_since = received_at
    await session.flush()
    return row


async def find_by_thread(
    *,
    session: AsyncSession,
    thread_id: int,
    group_chat_id: int | None = None,
    main_group: bool = True,
) -> ConversationRow | None:
    """The conversation whose forum topic this is, in the group ``group_chat_id``.

    Topic ids are numbered per group, so the group is part of the question. Rows from
    before groups were recorded (NULL) lived in the main group: they count when
    ``main_group`` says the group asked about is the main one.
    """
    query = select(ConversationRow).where(col(ConversationRow.thread_id) == thread_id)
    if group_chat_id is not None:
        in_group = col(ConversationRow.group_chat_id) == group_chat_id
        if main_group:
            in_group = or_(in_group, col(ConversationRow.group_chat_id).is_(None))
        query = query.where(in_group)
    return (await session.execute(query)).scalars().first()


async def mark_answered(
    *, session: AsyncSession, marketplace: str, shop_id: str, conversation_id: str, at: datetime
) -> datetime | None:
    """Record a staff answer; returns since when the buyer had been waiting, if they were."""
    row = await get_conversation(
        session=session, marketplace=marketplace, shop_id=shop_id, conversation_id=conversation_id
    )
    if row is None:
        return None
    waited_since = row.waiting_since
    row.last_staff_at = at
    row.waiting_since = None
    return waited_since


async def announced(*, session: AsyncSession, limit: int) -> list[ConversationRow]:
    """Conversations announced in a chat digest whose own topic is still to be opened."""
    query = (
        select(ConversationRow)
        .where(col(ConversationRow.topic_announced_id).is_not(None))
        .order_by(col(ConversationRow.last_buyer_at), col(ConversationRow.id))
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def waiting(
    *, session: AsyncSession, limit: int = 30, scope: ShopScope | None = None
) -> list[ConversationRow]:
    """Conversations whose latest buyer message has no staff answer, oldest first."""
    query = (
        select(ConversationRow)
        .where(
            col(ConversationRow.waiting_since).is_not(None),
            in_scope(scope, col(ConversationRow.marketplace), col(ConversationRow.shop_id)),
        )
        .order_by(col(ConversationRow.waiting_since), col(ConversationRow.id))
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def by_conversation_id(
    *, session: AsyncSession, marketplace: str, conversation_id: str
) -> list[ConversationRow]:
    query = select(ConversationRow).where(
        col(ConversationRow.marketplace) == marketplace,
        col(ConversationRow.conversation_id) == conversation_id,
    )
    return list((await session.execute(query)).scalars())
