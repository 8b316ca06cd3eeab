"""The away message: a buyer writing while the shop is closed hears so once per closed period.

Business hours here are ``mon-sat 08:00-21:00`` in Jakarta (UTC+7) with 25 December a holiday.
Monday 7 December 2026 is a working day.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from bot.config import describe_errors
from bot.relay import crashpoints
from bot.relay.crashpoints import Crash
from storage import audit
from tests.conftest import make_settings
from tests.e2e.test_tiktokshop import _connected
from tests.harness import SHOP_ID, TTS_SHOP_ID, Clock, harness

AWAY = "Halo {buyer}, {shop} sedang tutup. Kami balas besok mulai pukul 08.00 ya."
HOURS = {
    "auto_reply_text": AWAY,
    "business_hours": "mon-sat 08:00-21:00",
    "holidays": "2026-12-25",
}
SENT_MARK = "🤖 balasan otomatis terkirim"
WIB = timedelta(hours=7)


def jakarta(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 12) -> datetime:
    """A moment given in Jakarta time, as the UTC instant tokobot's clock holds."""
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC) - WIB


async def _buyer_writes(h, text, at, buyer_id=654321):
    h.clock.now = at
    room = h.sandbox.add_chat(SHOP_ID, buyer_id, "Budi Santoso", text)
    await h.webhook("chat", room)
    await h.deliver()
    return room, h.last()


def _away_sent(h) -> list[str]:
    return [r["message"] for r in h.sandbox.replies if "sedang tutup" in r["message"]]


class TestWhen:
    async def test_closing_time_is_the_edge_and_one_per_closed_period(self, sqlite_url):
        """20:59:59 is open, 21:00:00 closed: one away message until 08:00, then none."""
        async with harness(sqlite_url, clock=Clock(jakarta(7, 20, 59, 59)), **HOURS) as h:
            _, relayed = await _buyer_writes(h, "Masih buka kak?", jakarta(7, 20, 59, 59))
            assert _away_sent(h) == []
            assert "🤖" not in relayed.plain_text
            _, relayed = await _buyer_writes(h, "Halo?", jakarta(7, 21, 0, 0))
            assert _away_sent(h) == [
                "Halo Budi, Toko Maju Jaya sedang tutup. Kami balas besok mulai pukul 08.00 ya."
            ]
            assert SENT_MARK in relayed.plain_text
            # Staff still see the buyer's words, and can still answer them.
            assert "Halo?" in relayed.plain_text
            assert h.button(relayed, "Balas")
            _, relayed = await _buyer_writes(h, "Kak?", jakarta(8, 7, 59, 59))
            assert len(_away_sent(h)) == 1
            assert "🤖" not in relayed.plain_text
            await _buyer_writes(h, "Pagi kak", jakarta(8, 8, 0, 0))
            assert len(_away_sent(h)) == 1
            # Tuesday evening is a new closed period.
            _, relayed = await _buyer_writes(h, "Kak, malam lagi", jakarta(8, 21, 30))
            assert len(_away_sent(h)) == 2
            assert SENT_MARK in relayed.plain_text

    async def test_a_holiday_is_closed_all_day(self, sqlite_url):
        async with harness(sqlite_url, clock=Clock(jakarta(25, 10)), **HOURS) as h:
            _, relayed = await _buyer_writes(h, "Hari ini buka?", jakarta(25, 10))
            assert len(_away_sent(h)) == 1
            assert SENT_MARK in relayed.plain_text
            # The next day (a Saturday) opens at 08:00: the period ended at that opening.
            await _buyer_writes(h, "Sudah buka?", jakarta(26, 8, 0, 0))
            assert len(_away_sent(h)) == 1

    async def test_each_conversation_gets_its_own(self, sqlite_url):
        async with harness(sqlite_url, clock=Clock(jakarta(7, 22)), **HOURS) as h:
            await _buyer_writes(h, "Halo", jakarta(7, 22), buyer_id=1)
            await _buyer_writes(h, "Halo juga", jakarta(7, 22, 5), buyer_id=2)
            assert len(_away_sent(h)) == 2

    async def test_never_when_staff_answered_in_the_last_hour(self, sqlite_url):
        """Staff talking to the buyer at 21:10: no away message at 21:30, but one at 22:15."""
        async with harness(sqlite_url, clock=Clock(jakarta(7, 21, 5)), **HOURS) as h:
            h.clock.now = jakarta(7, 20, 50)
            _, relayed = await _buyer_writes(h, "Kak, ukuran M ada?", jakarta(7, 20, 50))
            h.clock.now = jakarta(7, 21, 10)
            await h.say("Ada kak, silakan diorder", reply_to=relayed.message_id)
            await _buyer_writes(h, "Oke, makasih", jakarta(7, 21, 30))
            assert _away_sent(h) == []
            _, relayed = await _buyer_writes(h, "Kak, satu lagi", jakarta(7, 22, 15))
            assert len(_away_sent(h)) == 1
            assert SENT_MARK in relayed.plain_text

    async def test_a_message_relayed_after_opening_gets_none(self, sqlite_url):
        """Written at 07:59 but shown to staff at 08:00:01: the shop is open, staff answer."""
        async with harness(sqlite_url, clock=Clock(jakarta(8, 7, 59)), **HOURS) as h:
            room = h.sandbox.add_chat(SHOP_ID, 654321, "Budi", "Pagi kak")
            await h.webhook("chat", room)
            h.clock.now = jakarta(8, 8, 0, 1)
            await h.deliver()
            assert _away_sent(h) == []
            assert "Pagi kak" in h.last().plain_text

    async def test_its_echo_from_tokopedia_is_not_shown_as_the_buyer_writing(self, sqlite_url):
        async with harness(sqlite_url, clock=Clock(jakarta(7, 22)), **HOURS) as h:
            room, _ = await _buyer_writes(h, "Halo", jakarta(7, 22))
            before = len(h.group())
            echo = h.sandbox.webhook_body("chat", room) | {"message": _away_sent(h)[0]}
            assert (await h.post_webhook("chat", echo)).status_code == 200
            await h.deliver()
            assert len(h.group()) == before

    async def test_no_text_no_away_message(self, sqlite_url):
        settings = {**HOURS, "auto_reply_text": ""}
        async with harness(sqlite_url, clock=Clock(jakarta(7, 23)), **settings) as h:
            _, relayed = await _buyer_writes(h, "Halo", jakarta(7, 23))
            assert h.sandbox.replies == []
            assert "🤖" not in relayed.plain_text


class TestOnceAcrossRestartsAndFailures:
    async def test_a_restart_in_the_same_period_sends_no_second_one(self, db_url):
        async with harness(db_url, clock=Clock(jakarta(7, 21)), **HOURS) as h:
            await _buyer_writes(h, "Halo", jakarta(7, 21))
            state = {"fake": h.fake, "sandbox": h.sandbox, "clock": h.clock, "tts": h.tts}
            offset = h.offset
        async with harness(db_url, **state, **HOURS) as h:
            h.offset = offset
            await _buyer_writes(h, "Kak, tolong dibalas", jakarta(8, 2))
            assert len(_away_sent(h)) == 1
            async with h.rt.services.sessions() as session:
                trail = await audit.for_conversation(
                    session=session,
                    marketplace="tokopedia",
                    conversation_id=str(h.sandbox.replies[0]["msg_id"]),
                )
            assert [(e.action, e.actor_name, e.result) for e in trail] == [
                ("away_reply", "tokobot", "ok")
            ]

    async def test_a_crash_after_the_claim_never_sends_it_and_says_so(self, db_url):
        """Killed between claiming and sending: after the restart nothing is sent twice (or
        at all), and staff read that it may have gone out."""
        async with harness(db_url, clock=Clock(jakarta(7, 22)), **HOURS) as h:
            room = h.sandbox.add_chat(SHOP_ID, 654321, "Budi", "Halo")
            await h.webhook("chat", room)
            crashpoints.arm("away-claimed")
            try:
                with pytest.raises(Crash):
                    await h.deliver()
            finally:
                crashpoints.disarm()
            state = {"fake": h.fake, "sandbox": h.sandbox, "clock": h.clock, "tts": h.tts}
        async with harness(db_url, **state, **HOURS) as h:
            await h.rt.relay.take_back_stale_leases()  # what a restarted worker does first
            await h.deliver()
            assert h.sandbox.replies == []
            relayed = [m for m in h.group() if "Halo" in (m.plain_text or "")]
            assert len(relayed) == 1
            assert "mungkin terkirim" in relayed[0].plain_text

    async def test_a_failed_one_is_reported_once_and_never_retried(self, sqlite_url):
        async with harness(sqlite_url, clock=Clock(jakarta(7, 22)), **HOURS) as h:
            h.sandbox.fail_next(r"/reply$", 500, "SHP_GRPC_001")
            _, relayed = await _buyer_writes(h, "Halo", jakarta(7, 22))
            assert h.sandbox.replies == []
            assert "balasan otomatis tidak terkirim" in relayed.plain_text
            _, relayed = await _buyer_writes(h, "Halo lagi", jakarta(7, 23))
            _, morning = await _buyer_writes(h, "Pagi", jakarta(8, 8, 30))
            assert h.sandbox.replies == []
            assert "🤖" not in relayed.plain_text
            assert "🤖" not in morning.plain_text
            reports = [m for m in h.group() if "tidak terkirim" in (m.plain_text or "")]
            assert len(reports) == 1


class TestTokopediaAndShop:
    async def _relay(self, h, conversation, text):
        h.tts.buyer_says(conversation, text)
        await h.post_tts(h.tts.webhook_body(14, conversation_id=conversation))
        await h.deliver()
        return h.last()

    async def test_sent_through_its_api_when_the_buyer_may_be_messaged(self, sqlite_url):
        both = {**HOURS, "marketplaces": "tokopedia,tiktokshop"}
        async with harness(sqlite_url, clock=Clock(jakarta(7, 23)), **both) as h:
            await _connected(h)
            conversation = h.tts.add_conversation(TTS_SHOP_ID, "Dewi")
            relayed = await self._relay(h, conversation, "Kak, buka?")
            assert [m["content"] for m in h.tts.sent_messages] == [
                "Halo Dewi, Toko Maju Jaya sedang tutup. Kami balas besok mulai pukul 08.00 ya."
            ]
            assert SENT_MARK in relayed.plain_text

    async def test_not_sent_where_the_platform_forbids_messaging(self, sqlite_url):
        """``can_send_message`` false: nothing is sent and staff are told why, once."""
        both = {**HOURS, "marketplaces": "tokopedia,tiktokshop"}
        async with harness(sqlite_url, clock=Clock(jakarta(7, 23)), **both) as h:
            await _connected(h)
            conversation = h.tts.add_conversation(TTS_SHOP_ID, "Joko", can_send_message=False)
            relayed = await self._relay(h, conversation, "Kak?")
            assert h.tts.sent_messages == []
            assert "tidak bisa dikirimi pesan" in relayed.plain_text


def test_an_away_text_with_an_unknown_placeholder_or_too_long_is_refused_at_start():
    with pytest.raises(ValidationError) as unknown:
        make_settings(auto_reply_text="Halo {nama}")
    assert describe_errors(unknown.value) == [
        "AUTO_REPLY_TEXT: unknown placeholder {nama}; use {buyer}, {shop}"
    ]
    with pytest.raises(ValidationError) as long:
        make_settings(auto_reply_text="x" * 1990 + "{buyer}")
    assert "2000" in describe_errors(long.value)[0]
