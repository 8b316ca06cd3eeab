"""A buyer message is shown by exactly one of the events that carry it.

The webhook and reconciliation can both deliver the same buyer message, and on PostgreSQL two
processes may deliver the two copies at the same moment. The multi-process bench once showed 4
of 600 chats twice because the identity was only recorded after posting; these tests pin the
claim that now happens before anything is posted.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from storage import notices
from storage.db import make_engine, make_sessionmaker, upgrade

T0 = datetime(2026, 12, 12, 1, 0, tzinfo=UTC)
OWN = (
    "chat:tokopedia:1:room:abc@10",
    "chat:tokopedia:1:room:abc@9",
    "chat:tokopedia:1:room:abc@11",
)
NEIGHBOUR = (
    "chat:tokopedia:1:room:abc@11",
    "chat:tokopedia:1:room:abc@10",
    "chat:tokopedia:1:room:abc@12",
)


async def claim(sessions, keys, event_id) -> bool:
    async with sessions() as session, session.begin():
        return await notices.claim_identity(session=session, keys=keys, event_id=event_id, now=T0)


async def test_the_first_event_owns_the_message_through_its_retries(engine):
    sessions = make_sessionmaker(engine)
    assert await claim(sessions, OWN, event_id=7)
    assert await claim(sessions, OWN, event_id=7), "a retry of the owner must still show it"
    assert not await claim(sessions, OWN, event_id=8), "a second copy must not be shown"


async def test_a_copy_in_the_neighbouring_time_bucket_defers_to_the_owner(engine):
    sessions = make_sessionmaker(engine)
    assert await claim(sessions, OWN, event_id=7)
    assert not await claim(sessions, NEIGHBOUR, event_id=8)


async def test_identities_recorded_before_owners_existed_count_as_shown(engine):
    sessions = make_sessionmaker(engine)
    async with sessions() as session, session.begin():
        await notices.claim_notice(session=session, key=OWN[0], now=T0)
    assert not await claim(sessions, OWN, event_id=7)


async def test_an_uncommitted_claim_is_not_an_ownership(engine):
    """A delivery that failed before its first commit leaves the message to any copy."""
    sessions = make_sessionmaker(engine)
    async with sessions() as session, session.begin():
        assert await notices.claim_identity(session=session, keys=OWN, event_id=7, now=T0)
        await session.rollback()
    assert await claim(sessions, OWN, event_id=8)


@pytest.mark.postgres
async def test_two_processes_claiming_at_once_show_it_once(pg_url):
    """Two connections race on the same message: exactly one wins, whoever commits first."""
    engine = make_engine(pg_url)
    await upgrade(engine)
    sessions = make_sessionmaker(engine)
    try:
        first = sessions()
        await first.begin()
        assert await notices.claim_identity(session=first, keys=OWN, event_id=7, now=T0)
        # The second claim has to wait for the first transaction: it cannot decide on what it
        # has not seen committed.
        second = asyncio.create_task(claim(sessions, OWN, event_id=8))
        await asyncio.sleep(0.3)
        assert not second.done()
        await first.commit()
        await first.close()
        assert await asyncio.wait_for(second, 10) is False
        winners = await asyncio.gather(*(claim(sessions, OWN, event_id=n) for n in range(20, 30)))
        assert winners == [False] * 10
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_many_copies_racing_from_nothing_elect_one_owner(pg_url):
    engine = make_engine(pg_url, pool_size=10)
    await upgrade(engine)
    sessions = make_sessionmaker(engine)
    try:
        results = await asyncio.gather(*(claim(sessions, OWN, event_id=n) for n in range(1, 11)))
        assert sum(results) == 1
    finally:
        await engine.dispose()
