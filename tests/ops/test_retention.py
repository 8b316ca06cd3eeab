"""RETENTION_DAYS covers what buyers and staff wrote, not only events and buttons."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.jobs.housekeeping import housekeeping
from storage.models import AuditEntry, ConversationRow, StaffReply
from tests.harness import SHOP_ID, Clock, default_sandbox, harness

FRIDAY_10 = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


async def _texts(h) -> list[str]:
    async with h.rt.sessions() as session:
        buyer = (await session.scalars(select(ConversationRow.last_buyer_text))).all()
        staff = (await session.scalars(select(StaffReply.text))).all()
        audit = (await session.scalars(select(AuditEntry.text))).all()
    return [*buyer, *staff, *audit]


async def test_old_message_texts_are_forgotten_and_replies_still_work(sqlite_url):
    """After RETENTION_DAYS the buyer's and staff's words are gone; the conversation works."""
    clock = Clock(FRIDAY_10)
    sandbox = default_sandbox()
    sandbox.clock = lambda: clock.now.timestamp()  # noqa: PLW0108 - clock.now moves
    async with harness(sqlite_url, clock=clock, sandbox=sandbox) as h:
        room = h.sandbox.add_chat(SHOP_ID, 1, "Sari", "alamat saya Jl. Melati 5")
        await h.webhook("chat", room)
        await h.deliver()
        relayed = h.last()
        await h.say("baik kak Sari, dicatat", reply_to=relayed.message_id)
        clock.advance(days=29)
        await housekeeping(h.rt.services, clock.now)
        kept = await _texts(h)
        assert "alamat saya Jl. Melati 5" in kept
        assert "baik kak Sari, dicatat" in kept
        clock.advance(days=2)
        await housekeeping(h.rt.services, clock.now)
        assert set(await _texts(h)) == {""}
        await h.say("masih bisa dibalas", reply_to=relayed.message_id)
        assert h.sandbox.replies[-1]["message"] == "masih bisa dibalas"
