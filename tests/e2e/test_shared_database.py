"""Two tokobot processes on one PostgreSQL database: leases and scheduled jobs.

Two runtimes (two processes, as far as the database can tell) share one PostgreSQL database,
the strict fake Telegram and the Tokopedia sandbox. A pacer with a gate holds one worker at
the moment before its Telegram call, where a slow send budget would.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.jobs.reconcile import reconcile
from bot.jobs.runner import schedule
from bot.relay.pacer import GroupPacer
from bot.sandbox.telegram import FakeTelegram
from tests.harness import CHAT_ID, SHOP_ID, harness

pytestmark = pytest.mark.postgres


class GatedPacer(GroupPacer):
    """Waits at the gate before every call, as if the group's budget were spent."""

    def __init__(self) -> None:
        super().__init__(group_limit=10_000, overall_per_second=10_000)
        self.gate = asyncio.Event()
        self.waiting = asyncio.Event()

    async def _acquire(self, chat: int | str | None, bulk: bool) -> None:
        self.waiting.set()
        await self.gate.wait()
        await super()._acquire(chat, bulk)


def _lease(h, seconds: float) -> None:
    relay = h.rt.relay
    relay._config = dataclasses.replace(relay._config, lease=timedelta(seconds=seconds))


async def test_an_event_whose_lease_ran_out_is_left_to_the_worker_that_took_it(pg_url):
    """A stalled worker whose lease expired by the database's clock does not send after all."""
    fake = FakeTelegram(enforce_limits=False)
    pacer = GatedPacer()
    async with (
        harness(pg_url, fake=fake, pacer=pacer) as a,
        harness(pg_url, fake=fake, sandbox=a.sandbox, clock=a.clock) as b,
    ):
        room = a.sandbox.add_chat(SHOP_ID, 700001, "Budi", "masih ada stok kak?")
        await a.webhook("chat", room)
        stalled = asyncio.create_task(a.rt.relay.run_once())
        await asyncio.wait_for(pacer.waiting.wait(), 10)
        async with a.rt.engine.begin() as connection:  # a stall longer than the lease
            await connection.execute(
                text("UPDATE inbox_event SET lease_until = now() - interval '1 second'")
            )
        assert await b.rt.relay.run_once() == 1
        pacer.gate.set()
        await asyncio.wait_for(stalled, 10)
        shown = [m for m in fake.messages(CHAT_ID) if "masih ada stok" in (m.plain_text or "")]
        assert len(shown) == 1


async def test_a_lease_is_renewed_while_its_event_waits_for_the_budget(pg_url):
    """Waiting three leases long for a send slot, the event stays with its worker."""
    fake = FakeTelegram(enforce_limits=False)
    pacer = GatedPacer()
    async with (
        harness(pg_url, fake=fake, pacer=pacer) as a,
        harness(pg_url, fake=fake, sandbox=a.sandbox, clock=a.clock) as b,
    ):
        _lease(a, 0.6)
        room = a.sandbox.add_chat(SHOP_ID, 700001, "Budi", "masih ada stok kak?")
        await a.webhook("chat", room)
        waiting = asyncio.create_task(a.rt.relay.run_once())
        await asyncio.wait_for(pacer.waiting.wait(), 10)
        for _ in range(9):
            await asyncio.sleep(0.2)
            assert await b.rt.relay.run_once() == 0  # still leased: never B's to send
        pacer.gate.set()
        assert await asyncio.wait_for(waiting, 10) == 1
        shown = [m for m in fake.messages(CHAT_ID) if "masih ada stok" in (m.plain_text or "")]
        assert len(shown) == 1


class RecordingJobQueue:
    """Takes what ``schedule`` registers, so a test can fire a job when it likes."""

    def __init__(self) -> None:
        self.jobs: dict[str, object] = {}

    def run_repeating(self, callback, *, name, **_kwargs):
        self.jobs[name] = callback

    def run_daily(self, callback, *, name, **_kwargs):
        self.jobs[name] = callback


async def test_a_job_fired_by_two_processes_at_once_runs_once(pg_url, caplog):
    """Reconciliation due in two processes at the same moment runs in one of them."""
    fake = FakeTelegram(enforce_limits=False)
    async with (
        harness(pg_url, fake=fake) as a,
        harness(pg_url, fake=fake, sandbox=a.sandbox, clock=a.clock) as b,
    ):
        queues = [RecordingJobQueue(), RecordingJobQueue()]
        for queue, h in zip(queues, (a, b), strict=True):
            schedule(queue, h.rt.services, h.rt.store)

        def said(words: str) -> int:
            return sum(words in record.getMessage() for record in caplog.records)

        caplog.set_level(logging.INFO)
        await asyncio.gather(*(queue.jobs["reconcile"](None) for queue in queues))
        assert (said("reconciliation:"), said("reconcile skipped")) == (1, 1)
        await queues[1].jobs["reconcile"](None)  # the lock went with the first run
        assert said("reconciliation:") == 2


async def test_a_message_brought_by_poll_and_webhook_to_two_processes_is_shown_once(pg_url):
    """Reconciliation in one process and the late webhook in another deliver one message once.

    This is the race the three-process bench caught (4 of 600 chats shown twice): process A
    is posting the copy its reconciliation found when the webhook's copy reaches process B.
    """
    fake = FakeTelegram(enforce_limits=False)
    pacer = GatedPacer()
    async with (
        harness(pg_url, fake=fake, pacer=pacer) as a,
        harness(pg_url, fake=fake, sandbox=a.sandbox, clock=a.clock) as b,
    ):
        await reconcile(a.rt.services, a.rt.store, a.clock.now)  # sets the cursor
        room = a.sandbox.add_chat(SHOP_ID, 700002, "Dewi", "warna merah masih ada?")
        a.clock.advance(seconds=20)
        assert (await reconcile(a.rt.services, a.rt.store, a.clock.now)).chats_missing == 1
        posting = asyncio.create_task(a.rt.relay.run_once())
        await asyncio.wait_for(pacer.waiting.wait(), 10)
        await b.webhook("chat", room)
        assert await b.rt.relay.run_once() == 1  # closed: the message is A's to show
        pacer.gate.set()
        await asyncio.wait_for(posting, 10)
        await b.deliver()
        shown = [m for m in fake.messages(CHAT_ID) if "warna merah" in (m.plain_text or "")]
        assert len(shown) == 1


async def test_two_processes_combining_copies_of_the_same_burst_never_deadlock(pg_url, caplog):
    """A sale-day burst whose webhooks reach one process while another's reconciliation
    brings the same messages, in the opposite order: both combine at once, each message is
    shown once, and the database never has to break a deadlock (which would send the whole
    pass one message at a time into a full group)."""
    fake = FakeTelegram(enforce_limits=True)
    async with (
        harness(pg_url, fake=fake, pacer=GroupPacer()) as a,
        harness(pg_url, fake=fake, sandbox=a.sandbox, clock=a.clock, pacer=GroupPacer()) as b,
    ):
        burst = 12
        for h in (a, b):
            h.rt.relay._config = dataclasses.replace(h.rt.relay._config, batch=burst)
        await reconcile(a.rt.services, a.rt.store, a.clock.now)  # sets the cursor
        a.clock.advance(seconds=20)
        rooms = [
            a.sandbox.add_chat(SHOP_ID, 710_000 + n, f"Pembeli{n}", f"flash sale {n:02d}?")
            for n in range(burst)
        ]
        assert (await reconcile(a.rt.services, a.rt.store, a.clock.now)).chats_missing == burst
        for room in reversed(rooms):  # the late webhooks arrive newest first
            await b.webhook("chat", room)
        caplog.set_level(logging.INFO)
        await asyncio.gather(a.rt.relay.run_once(), b.rt.relay.run_once())  # held for company
        assert fake.messages(CHAT_ID) == []
        a.clock.advance(seconds=5)
        await asyncio.gather(a.rt.relay.run_once(), b.rt.relay.run_once())
        await asyncio.gather(a.deliver(), b.deliver())
        assert not [r for r in caplog.records if "combining buyer messages failed" in r.message]
        texts = [m.plain_text or "" for m in fake.messages(CHAT_ID)]
        for n in range(burst):
            assert sum(f"flash sale {n:02d}?" in text for text in texts) == 1, n
