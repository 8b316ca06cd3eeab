"""Shared fixtures: clean environment, settings, and databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from storage.db import make_engine, make_sessionmaker, upgrade

PG_ADMIN_URL = os.environ.get("TOKOBOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True)
def _clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read the developer's real settings."""
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "TOKOPEDIA_", "TIKTOKSHOP_")) or name in {
            "DATABASE_URL",
            "HTTP_HOST",
            "HTTP_PORT",
            "BOT_LANGUAGE",
            "TIMEZONE",
        }:
            monkeypatch.delenv(name)


def make_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "telegram_bot_token": "123456:TEST",
        "telegram_chat_id": -1001000000001,
        "telegram_api_url": "http://telegram.test",
        "marketplaces": "tokopedia",
        "tokopedia_app_id": 13000,
        "tokopedia_client_id": "sandbox-client",
        "tokopedia_client_secret": "sandbox-secret",
        "tokopedia_webhook_secret": "sandbox-webhook-secret",
        "tokopedia_api_url": "http://tokopedia.test",
        "tokopedia_auth_url": "http://tokopedia.test",
        "database_url": "sqlite+aiosqlite:///:memory:",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def _pg_available() -> bool:
    import asyncpg  # noqa: PLC0415

    try:
        connection = await asyncio.wait_for(asyncpg.connect(PG_ADMIN_URL), 3)
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return False
    await connection.close()
    return True


_PG: dict[str, bool] = {}


async def pg_available() -> bool:
    if "ok" not in _PG:
        _PG["ok"] = await _pg_available()
    return _PG["ok"]


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/tokobot.db"


async def _pg_database() -> AsyncIterator[str]:
    """A fresh PostgreSQL database, dropped afterwards."""
    if not await pg_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI but {PG_ADMIN_URL} is unreachable")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}; start it to run this test")
    import asyncpg  # noqa: PLC0415

    name = f"tokobot_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def db_url(request: pytest.FixtureRequest, tmp_path: object) -> AsyncIterator[str]:
    """Run the test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/tokobot.db"
        return
    generator = _pg_database()
    url = await generator.__anext__()
    try:
        yield url
    finally:
        await generator.aclose()


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    generator = _pg_database()
    url = await generator.__anext__()
    try:
        yield url
    finally:
        await generator.aclose()


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(db_url)
    await upgrade(engine)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns on every int RetryAfter unless told to use timedelta (our code takes both)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
