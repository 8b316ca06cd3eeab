"""Who handles a conversation: the database keeps exactly one handler, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from storage import assignments
from storage.assignments import ChatKey

T0 = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
IDLE = timedelta(minutes=60)
KEY = ChatKey("tokopedia", "479573", "room-1")


async def _claim(session, actor_id: int, name: str, now: datetime = T0) -> bool:
    return await assignments.claim(
        session=session, key=KEY, actor_id=actor_id, actor_name=name, now=now, idle=IDLE
    )


async def test_a_claim_waiting_on_an_uncommitted_one_loses(sessions):
    """The second claim waits for the first to commit, then finds the row taken."""
    first = sessions()
    await first.begin()
    assert await _claim(first, 1, "Rina")

    async def second() -> bool:
        async with sessions() as session, session.begin():
            return await _claim(session, 2, "Dewi")

    racing = asyncio.create_task(second())
    await asyncio.sleep(0.3)
    assert not racing.done()  # held at the row (PostgreSQL) or the write lock (SQLite)
    await first.commit()
    await first.close()
    assert await asyncio.wait_for(racing, 10) is False
    async with sessions() as session:
        row = await assignments.current(session=session, key=KEY, now=T0, idle=IDLE)
    assert row is not None
    assert (row.handler_id, row.handler_name) == (1, "Rina")


async def test_many_claims_at_once_leave_one_handler(sessions):
    async def claim(actor_id: int) -> bool:
        async with sessions() as session, session.begin():
            return await _claim(session, actor_id, f"staff {actor_id}")

    won = await asyncio.gather(*(claim(n) for n in range(1, 9)))
    assert sum(won) == 1
    async with sessions() as session:
        row = await assignments.current(session=session, key=KEY, now=T0, idle=IDLE)
    assert row is not None
    assert row.handler_id == won.index(True) + 1


async def test_a_lapsed_claim_is_free_and_an_answer_keeps_it(sessions):
    async with sessions() as session, session.begin():
        assert await _claim(session, 1, "Rina")
    later = T0 + timedelta(minutes=50)
    async with sessions() as session, session.begin():
        # The handler's answer restarts the clock; someone else's claim is refused.
        became = await assignments.answered(
            session=session, key=KEY, actor_id=1, actor_name="Rina", now=later, idle=IDLE
        )
        assert became is False
        assert not await _claim(session, 2, "Dewi", later + timedelta(minutes=59))
    lapsed_at = later + timedelta(minutes=61)
    async with sessions() as session, session.begin():
        assert [
            r.handler_id
            for r in await assignments.lapsed(session=session, now=lapsed_at, idle=IDLE)
        ] == [1]
        assert await _claim(session, 2, "Dewi", lapsed_at)
    async with sessions() as session, session.begin():
        assert not await assignments.release_lapsed(
            session=session, key=KEY, now=lapsed_at, idle=IDLE
        )


async def test_a_takeover_only_from_the_handler_it_names(sessions):
    async with sessions() as session, session.begin():
        assert await _claim(session, 1, "Rina")
        assert not await assignments.take_over(
            session=session, key=KEY, actor_id=3, actor_name="Ayu", expected_id=2, now=T0
        )
        assert await assignments.take_over(
            session=session, key=KEY, actor_id=3, actor_name="Ayu", expected_id=1, now=T0
        )
        assert not await assignments.release(session=session, key=KEY, expected_id=1)
        assert await assignments.release(session=session, key=KEY, expected_id=3)
        assert await assignments.current(session=session, key=KEY, now=T0, idle=IDLE) is None
