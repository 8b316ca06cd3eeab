"""RETENTION_DAYS covers what buyers and staff wrote, not only events and buttons."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.jobs.housekeeping import housekeeping
from storage.models import AuditEntry, ConversationHandler, ConversationRow, StaffReply
from tests.harness import SHOP_ID, STAFF_ID, Clock, default_sandbox, harness

FRIDAY_10 = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


async def _texts(h) -> list[str]:
    async with h.rt.sessions() as session:
        buyer = (await session.scalars(select(ConversationRow.last_buyer_text))).all()
        staff = (await session.scalars(select(StaffReply.text))).all()
        audit = (await session.scalars(select(AuditEntry.text))).all()
        shown = (await session.scalars(select(ConversationHandler.shown_html))).all()
    return [*buyer, *staff, *audit, *shown]


def _shown(h, message):
    return next(m for m in h.group() if m.message_id == message.message_id)


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
        text_before = _shown(h, relayed).plain_text
        await h.say(
            "masih bisa dibalas", reply_to=relayed.message_id, user_id=STAFF_ID, first_name="Dewi"
        )
        assert h.sandbox.replies[-1]["message"] == "masih bisa dibalas"
        # Its text is no longer kept to redraw: only its buttons name who handles it now.
        shown = _shown(h, relayed)
        assert shown.plain_text == text_before
        assert any(
            "🙋 Dewi" in b["text"] for row in shown.reply_markup["inline_keyboard"] for b in row
        )
