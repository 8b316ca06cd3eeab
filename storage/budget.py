"""The group's Telegram budget, shared by every tokobot process through the database.

Telegram allows a group about 20 bot messages a minute, whoever sends them. Each process
takes a slot here before a call (``bot.relay.pacer``), so processes on one PostgreSQL
database share one rolling window, and a restarted process starts with what the group
already spent in the last minute instead of an empty window. Times are the database's
clock in epoch seconds: one clock for every process.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.dialect import dialect
from storage.models import TelegramSend

KEEP_SECONDS = 3600.0  # older sends say nothing about any window; pruned as we go


@dataclass(frozen=True)
class Window:
    """The group's window as the database saw it: ``wait`` > 0 means no slot was taken."""

    wait: float
    ages: list[float]  # seconds since each send still in the window, newest first


def advisory_key(name: str) -> int:
    """A stable 64-bit key for a PostgreSQL advisory lock named ``name``."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def db_now(session: AsyncSession) -> Any:
    """The database's clock in epoch seconds, as a SQL expression."""
    if dialect(session) == "postgresql":
        return func.extract("epoch", func.clock_timestamp())
    return (func.julianday("now") - literal_column("2440587.5")) * literal_column("86400.0")


async def take_slot(
    *, session: AsyncSession, chat_id: int, cap: int, period: float, take: bool = True
) -> Window:
    """Take a slot in the group's window if fewer than ``cap`` calls are in it.

    On PostgreSQL a transaction-scoped advisory lock per group makes the read and the
    insert one step across processes; SQLite serialises writers by itself. With
    ``take=False`` only reads the window (a process starting up).
    """
    if dialect(session) == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(advisory_key(f"send:{chat_id}"))))
    now = float((await session.execute(select(db_now(session)))).scalar_one())
    recent = [
        float(at)
        for at in (
            await session.execute(
                select(col(TelegramSend.sent_at))
                .where(
                    col(TelegramSend.chat_id) == chat_id, col(TelegramSend.sent_at) > now - period
                )
                .order_by(col(TelegramSend.sent_at).desc())
                .limit(max(cap, 1))
            )
        ).scalars()
    ]
    ages = [max(0.0, now - at) for at in recent]
    if not take:
        return Window(0.0, ages)
    if len(recent) >= cap:
        return Window(recent[-1] + period - now, ages)
    await session.execute(insert(TelegramSend).values(chat_id=chat_id, sent_at=now))
    await session.execute(
        delete(TelegramSend).where(
            col(TelegramSend.chat_id) == chat_id, col(TelegramSend.sent_at) < now - KEEP_SECONDS
        )
    )
    return Window(0.0, [0.0, *ages])
