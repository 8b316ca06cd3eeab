"""Telegram message <-> conversation/order links, and opaque callback tokens."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.dialect import count_changed
from storage.models import CallbackToken, TelegramLink


async def link_messages(
    *,
    session: AsyncSession,
    chat_id: int,
    message_ids: Sequence[int],
    kind: str,
    marketplace: str,
    shop_id: str,
    ref: str,
    now: datetime,
) -> None:
    for message_id in message_ids:
        await session.merge(
            TelegramLink(
                chat_id=chat_id,
                message_id=message_id,
                kind=kind,
                marketplace=marketplace,
                shop_id=shop_id,
                ref=ref,
                created_at=now,
            )
        )


async def find_link(
    *, session: AsyncSession, chat_id: int, message_id: int
) -> TelegramLink | None:
    return await session.get(TelegramLink, (chat_id, message_id))


@dataclass(frozen=True)
class ButtonMeaning:
    action: str
    marketplace: str
    shop_id: str
    ref: str


async def issue_token(
    *, session: AsyncSession, action: str, marketplace: str, shop_id: str, ref: str, now: datetime
) -> str:
    """A fresh unguessable token standing for (action, target); this is the callback_data."""
    token = secrets.token_urlsafe(12)  # 16 chars, 96 random bits, far under 64 bytes
    session.add(
        CallbackToken(
            token=token,
            action=action,
            marketplace=marketplace,
            shop_id=shop_id,
            ref=ref,
            created_at=now,
        )
    )
    return token


async def resolve_token(*, session: AsyncSession, token: str) -> ButtonMeaning | None:
    if not token or len(token) > 24:
        return None
    query = select(CallbackToken).where(col(CallbackToken.token) == token)
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None:
        return None
    return ButtonMeaning(row.action, row.marketplace, row.shop_id, row.ref)


async def latest_message(
    *, session: AsyncSession, chat_id: int, kind: str, marketplace: str, ref: str
) -> int | None:
    """The newest Telegram message standing for this conversation or order."""
    query = (
        select(col(TelegramLink.message_id))
        .where(
            col(TelegramLink.chat_id) == chat_id,
            col(TelegramLink.kind) == kind,
            col(TelegramLink.marketplace) == marketplace,
            col(TelegramLink.ref) == ref,
        )
        .order_by(col(TelegramLink.message_id).desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def prune_tokens(*, session: AsyncSession, before: datetime) -> int:
    """Forget buttons issued before ``before``; pressing one then says it has expired."""
    return await count_changed(
        session, delete(CallbackToken).where(col(CallbackToken.created_at) < before)
    )
