"""Repositories behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from storage import claims, inbox, leases
from storage.inbox import InboxItem, InboxWriter
from storage.kv import DbStateStore
from storage.models import AccessToken
from storage.tokens import DbTokenStore

T0 = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def _item(key: str, at: datetime = T0, window: int = 0) -> InboxItem:
    return InboxItem(
        dedup_key=key,
        window=window,
        marketplace="tokopedia",
        kind="order_created",
        payload="{}",
        order_id=key,
        received_at=at,
    )


async def test_migrations_match_the_models(engine):
    """The Alembic head schema is exactly what the table models describe."""
    async with engine.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), SQLModel.metadata)
        )
    assert diff == []


async def test_token_survives_a_restart(sessions):
    """A saved token is read back, with its absolute expiry, by a new store instance."""
    expires = T0 + timedelta(days=14)
    await DbTokenStore(sessions, lambda: T0).save("tokopedia:client", "tok-1", expires)
    assert await DbTokenStore(sessions, lambda: T0).load("tokopedia:client") == ("tok-1", expires)
    later = T0 + timedelta(hours=1)
    await DbTokenStore(sessions, lambda: later).save("tokopedia:client", "tok-2", expires)
    assert (await DbTokenStore(sessions, lambda: T0).load("tokopedia:client"))[0] == "tok-2"
    async with sessions() as session:
        row = await session.get(AccessToken, "tokopedia:client")
    assert row is not None
    assert row.updated_at == later  # stamped by the injected clock, not the machine's


async def test_inbox_stores_each_event_once(sessions):
    """Redelivered keys are reported as duplicates and stored once, even in one batch."""
    async with InboxWriter(sessions) as writer:
        first, again = await asyncio.gather(
            writer.store([_item("a"), _item("b")]), writer.store([_item("a"), _item("c")])
        )
    assert sorted([*first, *again]) == [False, True, True, True]
    async with sessions() as session:
        assert (await inbox.backlog(session=session)).pending == 3


async def test_windowed_keys_expire(sessions):
    """A windowed key is a duplicate within its window and new long after it."""
    async with InboxWriter(sessions) as writer:
        assert await writer.store([_item("chat", T0, 120)]) == [True]
        assert await writer.store([_item("chat", T0 + timedelta(seconds=90), 120)]) == [False]
        assert await writer.store([_item("chat", T0 + timedelta(minutes=10), 120)]) == [True]


async def test_claim_is_won_once_and_can_be_retaken_after_release(sessions):
    """Only one claimant wins; a released (failed) action may be claimed again."""

    async def take(actor: int) -> bool:
        async with sessions() as session, session.begin():
            result = await claims.claim(
                session=session,
                key="k",
                action="accept",
                actor_id=actor,
                actor_name=str(actor),
                now=T0,
            )
        return result.won

    results = await asyncio.gather(*(take(actor) for actor in range(5)))
    assert results.count(True) == 1
    async with sessions() as session, session.begin():
        await claims.release(session=session, key="k")
    assert await take(9) is True
    async with sessions() as session, session.begin():
        await claims.finish(session=session, key="k", now=T0)
    assert await take(10) is False


async def test_state_store_replaces_values(sessions):
    """Adapter state round-trips and is replaced whole."""
    store = DbStateStore(sessions, lambda: T0)
    assert await store.get("x") is None
    await store.put("x", '{"a": 1}')
    await store.put("x", '{"a": 2}')
    assert await DbStateStore(sessions, lambda: T0).get("x") == '{"a": 2}'


async def test_claiming_due_events_leases_them(sessions):
    """Claimed events are not handed out again until their lease runs out."""
    async with InboxWriter(sessions) as writer:
        await writer.store([_item("a"), _item("b")])
    # Short and real: on PostgreSQL leases run out by the database's clock.
    lease = timedelta(seconds=0.3)
    async with sessions() as session, session.begin():
        first = await leases.claim_due(session=session, now=T0, limit=10, lease=lease, token="a")
    async with sessions() as session, session.begin():
        second = await leases.claim_due(session=session, now=T0, limit=10, lease=lease, token="b")
    await asyncio.sleep(0.4)
    async with sessions() as session, session.begin():
        later = await leases.claim_due(
            session=session, now=T0 + 2 * lease, limit=10, lease=lease, token="c"
        )
    assert (len(first), len(second), len(later)) == (2, 0, 2)
