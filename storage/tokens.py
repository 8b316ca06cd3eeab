"""Access tokens, cached across restarts (the ``bot.marketplaces.TokenStore`` contract)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import AccessToken


class DbTokenStore:
    """Tokens in the ``access_token`` table; one row per key, replaced atomically."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    async def load(self, key: str) -> tuple[str, datetime] | None:
        async with self._sessions() as session:
            row = await session.get(AccessToken, key)
            return None if row is None else (row.token, row.expires_at)

    async def save(self, key: str, token: str, expires_at: datetime) -> None:
        async with self._sessions() as session, session.begin():
            await session.merge(
                AccessToken(key=key, token=token, expires_at=expires_at, updated_at=self._clock())
            )
