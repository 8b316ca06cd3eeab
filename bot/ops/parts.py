"""The clients an operator command needs, built from ``Settings`` as ``tokobot run`` does."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import httpx
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.marketplaces.tiktokshop import TikTokShopClient, TikTokShopTokens
from bot.marketplaces.tokopedia import TokopediaAuth, TokopediaClient
from storage.db import make_engine, make_sessionmaker
from storage.kv import DbStateStore


def secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""


class MemoryTokens:
    """A token store that forgets: each command fetches its token with the credentials."""

    def __init__(self) -> None:
        self._tokens: dict[str, tuple[str, datetime]] = {}

    async def load(self, key: str) -> tuple[str, datetime] | None:
        return self._tokens.get(key)

    async def save(self, key: str, token: str, expires_at: datetime) -> None:
        self._tokens[key] = (token, expires_at)


@dataclass
class Parts:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    http: httpx.AsyncClient
    clock: Clock

    def tokopedia(self) -> TokopediaClient:
        """The Seller API client, asking the token server with the credentials every time.

        Tokopedia hands back the current token while it is valid (docs §3.3), so this proves
        the credentials without disturbing the token ``tokobot run`` has cached.
        """
        s = self.settings
        auth = TokopediaAuth(
            auth_url=s.tokopedia_auth_url,
            client_id=s.tokopedia_client_id,
            client_secret=secret(s.tokopedia_client_secret),
            store=MemoryTokens(),
            clock=self.clock,
        )
        return TokopediaClient(
            self.http,
            api_url=s.tokopedia_api_url,
            fs_id=s.tokopedia_app_id or 0,
            auth=auth,
            clock=self.clock,
        )

    def tiktokshop(self) -> TikTokShopClient:
        """The Partner API client over the shops' stored authorizations."""
        s = self.settings
        return TikTokShopClient(
            self.http,
            app_key=s.tiktokshop_app_key,
            app_secret=secret(s.tiktokshop_app_secret),
            tokens=TikTokShopTokens(DbStateStore(self.sessions, self.clock), clock=self.clock),
            api_url=s.tiktokshop_api_url,
            auth_url=s.tiktokshop_auth_url,
            clock=self.clock,
        )


@contextlib.asynccontextmanager
async def parts(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock = system_clock,
) -> AsyncIterator[Parts]:
    """Open the database engine and one HTTP client for every outside call; close both."""
    engine = make_engine(settings.database_url)
    try:
        timeout = httpx.Timeout(20.0, connect=5.0)
        async with httpx.AsyncClient(timeout=timeout, transport=transport) as http:
            yield Parts(settings, engine, make_sessionmaker(engine), http, clock)
    finally:
        await engine.dispose()
