"""Claiming a buyer conversation: 🙋 Saya tangani, takeover, Lepas, release by time, /mine.

Staff in the harness: Rina (ADMIN_ID, the only admin) and Dewi (STAFF_ID, a member).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.jobs.reminders import chat_reminders, reminders
from bot.sandbox.telegram import FakeTelegram
from tests.harness import (
    ADMIN_ID,
    CHAT_ID,
    SHOP_ID,
    STAFF_ID,
    TTS_SHOP_ID,
    Clock,
    default_sandbox,
    harness,
)

# Friday 27 Nov 2026, 10:00 in Jakarta: inside business hours.
FRIDAY_10 = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
RINA = {"user_id": ADMIN_ID, "first_name": "Rina"}
DEWI = {"user_id": STAFF_ID, "first_name": "Dewi"}


def _sandbox_at(clock: Clock):
    sandbox = default_sandbox()
    sandbox.clock = lambda: clock.now.timestamp()  # noqa: PLW0108 - clock.now moves
    return sandbox


async def _chat(h, buyer_id: int = 654321, name: str = "Budi", text: str = "Kak, ready?"):
    room = h.sandbox.add_chat(SHOP_ID, buyer_id, name, text)
    await h.webhook("chat", room)
    await h.deliver()
    return room, h.last()


def _now(h, message):
    """The message as the group sees it now (after any edits)."""
    return next(m for m in h.fake.messages(CHAT_ID) if m.message_id == message.message_id)


def _labels(message) -> list[str]:
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


def _answers(h) -> list[str]:
    return [c.params.get("text") or "" for c in h.fake.calls_to("answerCallbackQuery")]


async def _audit(h, message) -> str:
    await h.say("/audit", reply_to=message.message_id)
    return h.last().plain_text


class TestClaimButton:
    async def test_pressing_makes_the_presser_the_handler_and_the_message_says_so(
        self, sqlite_url
    ):
        async with harness(sqlite_url) as h:
            _, relayed = await _chat(h, text="Kak, <b>ready</b> 2 & 3?")
            assert "🙋 Saya tangani" in _labels(relayed)
            edits = len(h.fake.calls_to("editMessageText"))
            await h.press(relayed, "Saya tangani", **DEWI)
            shown = _now(h, relayed)
            assert "Ditangani oleh Dewi" in shown.plain_text
            assert "Kak, <b>ready</b> 2 & 3?" in shown.plain_text  # exactly as written
            assert "🙋 Dewi" in _labels(shown)
            assert "✋ Lepas" in _labels(shown)
            assert "Saya tangani" not in " ".join(_labels(shown))
            assert len(h.fake.calls_to("editMessageText")) == edits + 1
            assert "Sekarang Anda yang menangani" in _answers(h)[-1]
            assert "menangani chat" in await _audit(h, relayed)

    async def test_someone_else_hears_who_handles_it_and_nothing_changes(self, sqlite_url):
        """A member who is not an admin is told the handler's name; no takeover is offered."""
        async with harness(sqlite_url) as h:
            _, relayed = await _chat(h)
            await h.press(relayed, "Saya tangani", **RINA)
            edits = len(h.fake.calls_to("editMessageText"))
            markup_edits = len(h.fake.calls_to("editMessageReplyMarkup"))
            await h.press(_now(h, relayed), "🙋 Rina", **DEWI)
            assert "ditangani oleh Rina" in _answers(h)[-1]
            assert len(h.fake.calls_to("editMessageText")) == edits
            assert len(h.fake.calls_to("editMessageReplyMarkup")) == markup_edits
            assert "Ditangani oleh Rina" in _now(h, relayed).plain_text

    async def test_two_staff_claiming_at_once_leave_one_handler(self, db_url):
        async with harness(db_url) as h:
            _, relayed = await _chat(h)
            data = h.button(relayed, "Saya tangani")
            h.fake.user_presses(CHAT_ID, ADMIN_ID, relayed.message_id, data, first_name="Rina")
            h.fake.user_presses(CHAT_ID, STAFF_ID, relayed.message_id, data, first_name="Dewi")
            updates = await h.rt.application.bot.get_updates(offset=h.offset, timeout=0)
            h.offset = updates[-1].update_id + 1
            await asyncio.gather(*(h.rt.application.process_update(u) for u in updates))
            text = _now(h, relayed).plain_text
            winner = "Rina" if "Ditangani oleh Rina" in text else "Dewi"
            loser = "Dewi" if winner == "Rina" else "Rina"
            assert f"Ditangani oleh {winner}" in text
            assert f"Ditangani oleh {loser}" not in text
            answers = _answers(h)
            assert sum("Sekarang Anda yang menangani" in a for a in answers) == 1
            assert any(winner in a for a in answers if "Sekarang" not in a)
            trail = await _audit(h, relayed)
            assert trail.count("menangani chat") == 1


class TestTakeover:
    async def test_an_admin_takes_over_after_confirming(self, sqlite_url):
        async with harness(sqlite_url) as h:
            _, relayed = await _chat(h)
            await h.press(relayed, "Saya tangani", **DEWI)
            await h.press(_now(h, relayed), "🙋 Dewi", **RINA)
            assert "Tekan ✅" in _answers(h)[-1]
            asked = _now(h, relayed)
            assert "Ditangani oleh Dewi" in asked.plain_text  # nothing changed yet
            assert _labels(asked) == ["✅ Ambil alih dari Dewi", "↩️ Batal"]
            await h.press(asked, "Batal", **RINA)
            back = _now(h, relayed)
            assert "🙋 Dewi" in _labels(back)
            assert "Ditangani oleh Dewi" in back.plain_text
            await h.press(back, "🙋 Dewi", **RINA)
            await h.press(_now(h, relayed), "Ambil alih", **RINA)
            taken = _now(h, relayed)
            assert "Ditangani oleh Rina" in taken.plain_text
            assert "Dewi" not in taken.plain_text
            assert "🙋 Rina" in _labels(taken)
            assert "dari Dewi" in _answers(h)[-1]
            assert "mengambil alih chat" in await _audit(h, relayed)

    async def test_a_stale_confirmation_takes_nothing(self, sqlite_url):
        """Dewi lets go while Rina is asked: the old question no longer takes it over."""
        async with harness(sqlite_url) as h:
            _, relayed = await _chat(h)
            await h.press(relayed, "Saya tangani", **DEWI)
            release = h.button(_now(h, relayed), "Lepas")  # still on Dewi's phone
            await h.press(_now(h, relayed), "🙋 Dewi", **RINA)
            confirm = h.button(_now(h, relayed), "Ambil alih")
            await h.press(_now(h, relayed), "Ambil alih", **DEWI)  # not an admin
            assert "Ditangani oleh Dewi" in _now(h, relayed).plain_text
            h.fake.user_presses(
                CHAT_ID, STAFF_ID, relayed.message_id, release, first_name="Dewi", unchecked=True
            )
            await h.updates()
            assert "dilepas" in _answers(h)[-1]
            h.fake.user_presses(
                CHAT_ID, ADMIN_ID, relayed.message_id, confirm, first_name="Rina", unchecked=True
            )
            await h.updates()
            assert "berubah" in _answers(h)[-1]
            shown = _now(h, relayed)
            assert "Ditangani oleh" not in shown.plain_text
            assert "🙋 Saya tangani" in _labels(shown)


class TestLifetime:
    async def test_released_after_the_idle_time_and_an_answer_restarts_it(self, sqlite_url):
        clock = Clock(FRIDAY_10)
        async with harness(sqlite_url, clock=clock, sandbox=_sandbox_at(clock)) as h:
            _, relayed = await _chat(h)
            await h.press(relayed, "Saya tangani", **DEWI)
            clock.advance(minutes=50)
            await h.say("Siap kak, ready", reply_to=relayed.message_id, **DEWI)
            clock.advance(minutes=50)  # 100 min after the claim, 50 after her answer
            await reminders(h.rt.services, clock.now)
            assert "Ditangani oleh Dewi" in _now(h, relayed).plain_text
            clock.advance(minutes=11)
            await reminders(h.rt.services, clock.now)
            shown = _now(h, relayed)
            assert "Ditangani oleh" not in shown.plain_text
            assert "🙋 Saya tangani" in _labels(shown)
            assert "Kak, ready?" in shown.plain_text
            assert "chat dilepas otomatis" in await _audit(h, relayed)
            await h.press(_now(h, relayed), "Saya tangani", **RINA)
            assert "Ditangani oleh Rina" in _now(h, relayed).plain_text

    async def test_release_minutes_are_a_setting(self, sqlite_url):
        clock = Clock(FRIDAY_10)
        async with harness(
            sqlite_url, clock=clock, sandbox=_sandbox_at(clock), claim_release_minutes=5
        ) as h:
            _, relayed = await _chat(h)
            await h.press(relayed, "Saya tangani", **DEWI)
            clock.advance(minutes=6)
            await reminders(h.rt.services, clock.now)
            assert "Ditangani oleh" not in _now(h, relayed).plain_text

    async def test_lepas_releases_and_only_the_handler_or_an_admin_may(self, sqlite_url):
        async with harness(sqlite_url) as h:
            _, relayed = await _chat(h)
            await h.press(relayed, "Saya tangani", **RINA)
            await h.press(_now(h, relayed), "Lepas", **DEWI)
            assert "Hanya Rina atau admin" in _answers(h)[-1]
            assert "Ditangani oleh Rina" in _now(h, relayed).plain_text
            await h.press(_now(h, relayed), "Lepas", **RINA)
            assert "dilepas" in _answers(h)[-1]
            shown = _now(h, relayed)
            assert "Ditangani oleh" not in shown.plain_text
            assert "🙋 Saya tangani" in _labels(shown)
            assert "melepas chat" in await _audit(h, relayed)

    async def test_a_reply_to_an_unhandled_chat_makes_its_writer_the_handler(self, sqlite_url):
        async with harness(sqlite_url) as h:
            room, relayed = await _chat(h)
            await h.say("Ready kak", reply_to=relayed.message_id, **DEWI)
            assert h.sandbox.replies[-1]["msg_id"] == room
            assert "Ditangani oleh Dewi" in _now(h, relayed).plain_text
            await h.say("Stok ada ya", reply_to=relayed.message_id, **RINA)
            assert "Ditangani oleh Dewi" in _now(h, relayed).plain_text  # an answer, no takeover

    async def test_a_failed_reply_makes_nobody_the_handler(self, sqlite_url):
        async with harness(sqlite_url) as h:
            _, relayed = await _chat(h)
            h.sandbox.fail_next(r"/reply$", 500, "SHP_GRPC_001")
            await h.say("Ready kak", reply_to=relayed.message_id, **DEWI)
            assert "Ditangani oleh" not in _now(h, relayed).plain_text

    async def test_the_buyers_next_message_shows_the_handler_and_a_release_redraws_it(
        self, sqlite_url
    ):
        async with harness(sqlite_url) as h:
            _, first = await _chat(h)
            await h.press(first, "Saya tangani", **DEWI)
            _, second = await _chat(h, text="Ongkirnya berapa?")
            assert second.message_id != first.message_id
            assert "Ditangani oleh Dewi" in second.plain_text
            assert "🙋 Dewi" in _labels(second)
            await h.press(second, "Lepas", **DEWI)
            shown = _now(h, second)
            assert "Ditangani oleh" not in shown.plain_text
            assert "Ongkirnya berapa?" in shown.plain_text

    async def test_a_restart_keeps_the_handler(self, sqlite_url):
        fake = FakeTelegram(enforce_limits=False)
        async with harness(sqlite_url, fake=fake) as h:
            _, relayed = await _chat(h)
            await h.press(relayed, "Saya tangani", **DEWI)
            sandbox, offset = h.sandbox, h.offset
        async with harness(sqlite_url, sandbox=sandbox, fake=fake) as again:
            again.offset = offset
            await again.press(_now(again, relayed), "🙋 Dewi", **RINA)
            assert "Tekan ✅" in _answers(again)[-1]
            await again.press(_now(again, relayed), "Ambil alih", **RINA)
            assert "Ditangani oleh Rina" in _now(again, relayed).plain_text
            await again.say("/mine", **DEWI)
            assert "tidak sedang menangani" in again.last().plain_text


class TestListsAndReminders:
    async def test_the_reminder_mentions_the_handler(self, sqlite_url):
        clock = Clock(FRIDAY_10)
        async with harness(sqlite_url, clock=clock, sandbox=_sandbox_at(clock)) as h:
            _, handled = await _chat(h, 1, "Budi")
            _, unhandled = await _chat(h, 2, "Joko")
            await h.press(handled, "Saya tangani", **DEWI)
            clock.advance(minutes=16)
            assert await chat_reminders(h.rt.services, clock.now) == 2
            texts = {
                m.reply_to_message_id: m for m in h.group() if "menunggu balasan" in m.plain_text
            }
            assert f"tg://user?id={STAFF_ID}" in texts[handled.message_id].text
            assert "Dewi" in texts[handled.message_id].plain_text
            assert "tg://user?id=" not in texts[unhandled.message_id].text

    async def test_mine_lists_my_chats_waiting_ones_first(self, sqlite_url):
        clock = Clock(FRIDAY_10)
        async with harness(sqlite_url, clock=clock, sandbox=_sandbox_at(clock)) as h:
            _, answered = await _chat(h, 1, "Ani")
            await h.say("Halo kak", reply_to=answered.message_id, **DEWI)  # handler by reply
            clock.advance(minutes=1)
            _, older = await _chat(h, 2, "Budi")
            clock.advance(minutes=5)
            _, newer = await _chat(h, 3, "Cici")
            _, others = await _chat(h, 4, "Dodi")
            await h.press(newer, "Saya tangani", **DEWI)
            await h.press(older, "Saya tangani", **DEWI)
            await h.press(others, "Saya tangani", **RINA)
            await h.say("/mine", **DEWI)
            text = h.last().plain_text
            assert "(3)" in text
            assert text.index("Budi") < text.index("Cici") < text.index("Ani")
            assert "Dodi" not in text
            assert "sudah dibalas" in text
            await h.press(h.last(), "Budi", **DEWI)  # its Balas asks for the answer
            assert h.last().reply_markup.get("force_reply")

    async def test_chats_shows_each_handler(self, sqlite_url):
        async with harness(sqlite_url) as h:
            _, budi = await _chat(h, 1, "Budi")
            await _chat(h, 2, "Joko")
            await h.press(budi, "Saya tangani", **DEWI)
            await h.say("/chats", **RINA)
            lines = h.last().plain_text.splitlines()
            budi_at = next(i for i, line in enumerate(lines) if "Budi" in line)
            joko_at = next(i for i, line in enumerate(lines) if "Joko" in line)
            assert any("🙋 Dewi" in line for line in lines[budi_at:joko_at])
            assert all("🙋" not in line for line in lines[joko_at:])

    async def test_the_summary_counts_answers_and_median_first_response_per_staff(
        self, sqlite_url
    ):
        clock = Clock(FRIDAY_10)
        async with harness(sqlite_url, clock=clock, sandbox=_sandbox_at(clock)) as h:
            waits = {"Ani": (2, DEWI), "Budi": (4, DEWI), "Cici": (10, RINA)}
            for number, (buyer, (minutes, staff)) in enumerate(waits.items(), start=1):
                _, relayed = await _chat(h, number, buyer)
                clock.advance(minutes=minutes)
                await h.say("Halo kak", reply_to=relayed.message_id, **staff)
                if buyer == "Ani":
                    await h.say("Ada lagi kak?", reply_to=relayed.message_id, **staff)
            clock.advance(minutes=1)
            await h.say("/summary")
            text = h.last().plain_text
            assert "Dewi: 3 balasan · median respons pertama 3 menit" in text
            assert "Rina: 1 balasan · median respons pertama 10 menit" in text


class TestMarketplacesAndTopics:
    async def test_a_tokopedia_and_shop_conversation_is_claimed_alike(self, sqlite_url):
        async with harness(sqlite_url, marketplaces="tokopedia,tiktokshop") as h:
            assert (await h.authorize_tts()).status_code == 200
            conversation = h.tts.add_conversation(TTS_SHOP_ID, "Wati")
            h.tts.buyer_says(conversation, "Kak, ukuran M ready?")
            body = h.tts.webhook_body(14, conversation_id=conversation)
            assert (await h.post_tts(body)).status_code == 200
            await h.deliver()
            relayed = h.last()
            await h.press(relayed, "Saya tangani", **DEWI)
            shown = _now(h, relayed)
            assert "Ditangani oleh Dewi" in shown.plain_text
            assert "TikTok" not in shown.plain_text
            await h.say("/mine", **DEWI)
            assert "Wati · Tokopedia & Shop" in h.last().plain_text

    async def test_writing_in_the_buyers_topic_makes_the_writer_the_handler(self, sqlite_url):
        async with harness(sqlite_url, topics=True) as h:
            _, relayed = await _chat(h)
            assert relayed.thread_id is not None
            await h.say("Ready kak", thread_id=relayed.thread_id, **DEWI)
            assert h.sandbox.replies[-1]["message"] == "Ready kak"
            shown = _now(h, relayed)
            assert "Ditangani oleh Dewi" in shown.plain_text
            await h.press(shown, "Lepas", **DEWI)
            assert "Ditangani oleh" not in _now(h, relayed).plain_text


@pytest.mark.postgres
async def test_two_processes_claiming_at_once_leave_one_handler(pg_url):
    """Dewi's press reaches one tokobot process and Rina's another, at the same moment."""
    fake = FakeTelegram(enforce_limits=False)
    async with (
        harness(pg_url, fake=fake) as a,
        harness(pg_url, fake=fake, sandbox=a.sandbox, clock=a.clock) as b,
    ):
        _, relayed = await _chat(a)
        data = a.button(relayed, "Saya tangani")
        fake.user_presses(CHAT_ID, STAFF_ID, relayed.message_id, data, first_name="Dewi")
        fake.user_presses(CHAT_ID, ADMIN_ID, relayed.message_id, data, first_name="Rina")
        updates = await a.rt.application.bot.get_updates(offset=a.offset, timeout=0)
        assert len(updates) == 2
        await asyncio.gather(
            a.rt.application.process_update(updates[0]),
            b.rt.application.process_update(updates[1]),
        )
        answers = _answers(a)
        assert sum("Sekarang Anda yang menangani" in text for text in answers) == 1
        text = _now(a, relayed).plain_text
        assert ("Ditangani oleh Dewi" in text) != ("Ditangani oleh Rina" in text)
