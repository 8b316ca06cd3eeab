"""Who handles which buyer conversation: claim, take over, release, and where it is shown.

A handler holds a conversation until they have not answered it for ``idle`` (the
``CLAIM_RELEASE_MINUTES`` setting): past that the claim has lapsed and counts as nobody's,
whether or not the release job has cleared it yet. Every change of hands is one
conditional UPDATE on the conversation's row, so concurrent presses in one process or in
several sharing PostgreSQL leave exactly one handler: PostgreSQL makes the second UPDATE
wait for the first to commit and then re-checks its condition against the new row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.dialect import count_changed, insert_ignoring_conflicts
from storage.models import ConversationHandler


@dataclass(frozen=True)
class ChatKey:
    marketplace: str
    shop_id: str
    conversation_id: str


def key_of(row: ConversationHandler) -> ChatKey:
    return ChatKey(row.marketplace, row.shop_id, row.conversation_id)


def _is(key: ChatKey) -> ColumnElement[bool]:
    return and_(
        col(ConversationHandler.marketplace) == key.marketplace,
        col(ConversationHandler.shop_id) == key.shop_id,
        col(ConversationHandler.conversation_id) == key.conversation_id,
    )


def _held(now: datetime, idle: timedelta) -> ColumnElement[bool]:
    return and_(
        col(ConversationHandler.handler_id).is_not(None),
        col(ConversationHandler.active_at) >= now - idle,
    )


def _free(now: datetime, idle: timedelta) -> ColumnElement[bool]:
    return or_(
        col(ConversationHandler.handler_id).is_(None),
        col(ConversationHandler.active_at) < now - idle,
    )


def holds(row: ConversationHandler | None, now: datetime, idle: timedelta) -> bool:
    """Whether the row names a handler whose claim has not lapsed."""
    return (
        row is not None
        and row.handler_id is not None
        and row.active_at is not None
        and row.active_at >= now - idle
    )


async def _ensure(session: AsyncSession, key: ChatKey) -> None:
    values: dict[str, Any] = {
        "marketplace": key.marketplace,
        "shop_id": key.shop_id,
        "conversation_id": key.conversation_id,
        "handler_name": "",
        "shown_html": "",
    }
    await session.execute(
        insert_ignoring_conflicts(
            session, ConversationHandler, values, ["marketplace", "shop_id", "conversation_id"]
        )
    )


async def get(*, session: AsyncSession, key: ChatKey) -> ConversationHandler | None:
    query = select(ConversationHandler).where(_is(key)).execution_options(populate_existing=True)
    return (await session.execute(query)).scalar_one_or_none()


async def current(
    *, session: AsyncSession, key: ChatKey, now: datetime, idle: timedelta
) -> ConversationHandler | None:
    """The conversation's row if someone handles it now; None when nobody does."""
    row = await get(session=session, key=key)
    return row if holds(row, now, idle) else None


def _take(actor_id: int, actor_name: str, now: datetime) -> dict[str, Any]:
    return {
        "handler_id": actor_id,
        "handler_name": actor_name,
        "claimed_at": now,
        "active_at": now,
    }


async def _hold(
    session: AsyncSession,
    key: ChatKey,
    actor_id: int,
    actor_name: str,
    now: datetime,
    idle: timedelta,
) -> str:
    """ "kept" (the actor handled it already: idle time restarts), "took" or "lost"."""
    await _ensure(session, key)
    kept = await count_changed(
        session,
        update(ConversationHandler)
        .where(_is(key), _held(now, idle), col(ConversationHandler.handler_id) == actor_id)
        .values(active_at=now),
    )
    if kept:
        return "kept"
    took = await count_changed(
        session,
        update(ConversationHandler)
        .where(_is(key), _free(now, idle))
        .values(**_take(actor_id, actor_name, now)),
    )
    return "took" if took == 1 else "lost"


async def claim(
    *,
    session: AsyncSession,
    key: ChatKey,
    actor_id: int,
    actor_name: str,
    now: datetime,
    idle: timedelta,
) -> bool:
    """Become the handler if nobody is (or the claim lapsed); True if the actor now is.

    A handler claiming again keeps the conversation and restarts its idle time.
    """
    return await _hold(session, key, actor_id, actor_name, now, idle) != "lost"


async def answered(
    *,
    session: AsyncSession,
    key: ChatKey,
    actor_id: int,
    actor_name: str,
    now: datetime,
    idle: timedelta,
) -> bool:
    """A staff answer: the handler's restarts their idle time, and an answer to a
    conversation nobody handles makes its writer the handler (True then)."""
    return await _hold(session, key, actor_id, actor_name, now, idle) == "took"


async def take_over(
    *,
    session: AsyncSession,
    key: ChatKey,
    actor_id: int,
    actor_name: str,
    expected_id: int,
    now: datetime,
) -> bool:
    """Take the conversation from ``expected_id``; False if it changed hands meanwhile."""
    changed = await count_changed(
        session,
        update(ConversationHandler)
        .where(_is(key), col(ConversationHandler.handler_id) == expected_id)
        .values(**_take(actor_id, actor_name, now)),
    )
    return changed == 1


async def release(*, session: AsyncSession, key: ChatKey, expected_id: int) -> bool:
    """Let go of the conversation, if ``expected_id`` still handles it."""
    changed = await count_changed(
        session,
        update(ConversationHandler)
        .where(_is(key), col(ConversationHandler.handler_id) == expected_id)
        .values(handler_id=None, handler_name="", claimed_at=None, active_at=None),
    )
    return changed == 1


async def release_lapsed(
    *, session: AsyncSession, key: ChatKey, now: datetime, idle: timedelta
) -> bool:
    """Clear a claim whose handler has not answered for ``idle``; True if this call did."""
    changed = await count_changed(
        session,
        update(ConversationHandler)
        .where(
            _is(key),
            col(ConversationHandler.handler_id).is_not(None),
            col(ConversationHandler.active_at) < now - idle,
        )
        .values(handler_id=None, handler_name="", claimed_at=None, active_at=None),
    )
    return changed == 1


async def lapsed(
    *, session: AsyncSession, now: datetime, idle: timedelta, limit: int = 200
) -> list[ConversationHandler]:
    query = (
        select(ConversationHandler)
        .where(
            col(ConversationHandler.handler_id).is_not(None),
            col(ConversationHandler.active_at) < now - idle,
        )
        .order_by(col(ConversationHandler.active_at))
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def handled_by(
    *, session: AsyncSession, actor_id: int, now: datetime, idle: timedelta
) -> list[ConversationHandler]:
    query = select(ConversationHandler).where(
        col(ConversationHandler.handler_id) == actor_id, _held(now, idle)
    )
    return list((await session.execute(query)).scalars())


async def handlers_of(
    *, session: AsyncSession, keys: Sequence[ChatKey], now: datetime, idle: timedelta
) -> dict[ChatKey, str]:
    """The current handler's name of each of ``keys`` that has one."""
    if not keys:
        return {}
    wanted = [(k.marketplace, k.shop_id, k.conversation_id) for k in keys]
    query = select(ConversationHandler).where(
        tuple_(
            col(ConversationHandler.marketplace),
            col(ConversationHandler.shop_id),
            col(ConversationHandler.conversation_id),
        ).in_(wanted),
        _held(now, idle),
    )
    return {key_of(row): row.handler_name for row in (await session.execute(query)).scalars()}


async def note_shown(
    *,
    session: AsyncSession,
    key: ChatKey,
    chat_id: int,
    message_id: int,
    html: str,
    now: datetime,
) -> None:
    """The conversation's newest relayed message, and its text without a handler's line."""
    await _ensure(session, key)
    await session.execute(
        update(ConversationHandler)
        .where(_is(key))
        .values(chat_id=chat_id, message_id=message_id, shown_html=html, shown_at=now)
    )


async def handler_name(*, session: AsyncSession, key: ChatKey) -> str:
    """Who the conversation's row names as its handler ("" for nobody), lapsed or not.

    The relay draws new messages with it; the release job redraws the newest one when a
    lapsed claim is cleared.
    """
    row = await get(session=session, key=key)
    return row.handler_name if row is not None and row.handler_id is not None else ""
