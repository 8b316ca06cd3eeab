"""Locks across tokobot processes sharing one PostgreSQL database; SQLite has one process.

* ``exclusive_xact``: a transaction-scoped advisory lock, for one run of a scheduled job.
  It goes with the transaction, so a process that dies mid-job frees it.
* ``serial_xact``: the same lock, waited for: transactions that take it first thing run one
  after another across processes.
* ``hold``: a session-scoped advisory lock kept for the life of a process (long polling:
  Telegram hands updates to one poller only).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from storage.budget import advisory_key
from storage.dialect import dialect


async def exclusive_xact(*, session: AsyncSession, name: str) -> bool:
    """Try to take ``name`` until the session's transaction ends; True if this one has it."""
    if dialect(session) != "postgresql":
        return True
    taken = await session.execute(select(func.pg_try_advisory_xact_lock(advisory_key(name))))
    return bool(taken.scalar_one())


async def serial_xact(*, session: AsyncSession, name: str) -> None:
    """Wait for ``name`` and keep it until the session's transaction ends.

    Take it before anything else in the transaction: a transaction that holds row locks
    and then waits here could close a cycle with the holder.
    """
    if dialect(session) == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(advisory_key(name))))


async def hold(engine: AsyncEngine, name: str) -> AsyncConnection | None:
    """Take ``name`` for as long as the returned connection stays open.

    Returns None when another process holds it. On SQLite it returns a plain connection
    (one process per database file is the rule there already).
    """
    connection = await engine.connect()
    try:
        if engine.dialect.name == "postgresql":
            taken = await connection.execute(select(func.pg_try_advisory_lock(advisory_key(name))))
            if not taken.scalar_one():
                await connection.close()
                return None
            await connection.commit()  # the lock is the session's; the transaction may end
    except BaseException:
        await connection.close()
        raise
    return connection
