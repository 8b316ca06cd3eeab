"""A durable key-value store for marketplace adapters (``bot.marketplaces.StateStore``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import MarketplaceState


class DbStateStore:
    """Each ``put`` replaces one row in its own transaction, so a value is never half-written."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    async def get(self, key: str) -> str | None:
        async with self._sessions() as session:
            row = await session.get(MarketplaceState, key)
            return None if row is None else row.value

    async def put(self, key: str, value: str) -> None:
        async with self._sessions() as session, session.begin():
            await session.merge(MarketplaceState(key=key, value=value, updated_at=self._clock()))
