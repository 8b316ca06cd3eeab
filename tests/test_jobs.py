"""Scheduled work with a controllable clock: reminders, reconciliation, tokens, summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.jobs.housekeeping import housekeeping
from bot.jobs.reconcile import reconcile
from bot.jobs.reminders import chat_reminders, deadline_reminders
from bot.jobs.runner import guarded
from bot.jobs.token_refresh import refresh_tokens
from tests.harness import ADMIN_ID, SHOP_ID, Clock, default_sandbox, harness

# Friday 27 Nov 2026, 10:00 in Jakarta.
FRIDAY_10 = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def _sandbox_at(clock: Clock):
    sandbox = default_sandbox()
    sandbox.clock = lambda: clock.now.timestamp()  # noqa: PLW0108 - clock.now moves
    return sandbox


async def _order(h, hours_to_deadline: float = 48):
    deadline = h.clock.now + timedelta(hours=hours_to_deadline)
    order = h.sandbox.add_order(SHOP_ID, accept_deadline=deadline.isoformat())
    await h.webhook("order_notification", order["order_id"])
    await h.deliver()
    return order, h.last()


def _reminders(h):
    marks = ("Segera proses", "menunggu balasan sejak")
    return [m for m in h.group() if any(mark in (m.plain_text or "") for mark in marks)]


class TestDeadlineReminders:
    async def test_reminders_fire_at_6h_and_1h_and_the_last_mentions_admins(self, sqlite_url):
        """Each offset fires once, threaded to the alert, with buttons; the last pings admins."""
        clock = Clock(FRIDAY_10)
        async with harness(sqlite_url, clock=clock, sandbox=_sandbox_at(clock)) as h:
            _, alert = await _order(h, hours_to_deadline=10)
            assert await deadline_reminders(h.rt.services, clock.now) == 0
            clock.advance(hours=4, minutes=1)
            assert await deadline_reminders(h.rt.services, clock.now) == 1
            assert await deadline_reminders(h.rt.services, clock.now) == 0
            first = _reminders(h)[-1]
            assert first.reply_to_message_id == alert.message_id
            h.button(first, "Terima")
            assert f"tg://user?id={ADMIN_ID}" not in first.text
            clock.advance(hours=5)
            assert await deadline_reminders(h.rt.services, clock.now) == 1
            assert f"tg://user?id={ADMIN_ID}" in _reminders(h)[-1].text

    async def test_no_reminder_after_the_order_was_accepted(self, sqlite_url):
        """An accepted order gets no further reminders."""
        clock = Clock(FRIDAY_10)
        async with harness(sqlite_url, clock=clock, sandbox=_sandbox_at(clock)) as h:
            _, alert = await _order(h, hours_to_deadline=10)
            await h.press(alert, "Terima")
            clock.advance(hours=9, minutes=30)
            assert await deadline_reminders(h.rt.services, clock.now) == 0
            assert _reminders(h) == []

    async def test_a_reminder_is_not_repeated_across_a_restart(self, sqlite_url):
        """A reminder sent before a restart is not sent again by the next process."""
        clock = Clock(FRIDAY_10)
        sandbox = _sandbox_at(clock)
        async with harness(sqlite_url, clock=clock, sandbox=sandbox) as h:
            await _order(h, hours_to_deadline=5)
            assert await deadline_reminders(h.rt.services, clock.now) == 1
            fake = h.fake
        async with harness(sqlite_url, clock=clock, sandbox=sandbox, fake=fake) as again:
            assert await deadline_reminders(again.rt.services, clock.now) == 0

    async def test_after_downtime_only_the_most_urgent_reminder_goes_out(self, sqlite_url):
        """Missed thresholds are not sent late: 30 minutes before, only the 1 h reminder."""
        clock = Clock(FRIDAY_10)
        async with harness(sqlite_url, clock=clock, sandbox=_sandbox_at(clock)) as h:
            await _order(h, hours_to_deadline=8)
            clock.advance(hours=7, minutes=30)
            assert await deadline_reminders(h.rt.services, clock.now) == 1
            assert await deadline_reminders(h.rt.services, clock.now) == 0
            assert len(_reminders(h)) == 1


class TestChatReminders:
    async def _chat(self, h, text="halo kak?"):
        room = h.sandbox.add_chat(SHOP_ID, 654321, "Budi", text)
        await h.webhook("chat", room)
        await h.deliver()
        return h.last()

    async def test_unanswered_chat_is_reminded_once_after_15_minutes(self, sqlite_url):
        """Fifteen minutes without an answer bring one reminder, threaded to the chat."""
        clock = Clock(FRIDAY_10)
        async with harness(sqlite_url, clock=clock, sandbox=_sandbox_at(clock)) as h:
            relayed = await self._chat(h)
            clock.advance(minutes=14)
            assert await chat_reminders(h.rt.services, clock.now) == 0
            clock.advance(minutes=2)
            assert await chat_reminders(h.rt.services, clock.now) == 1
            assert _reminders(h)[-1].reply_to_message_id == relayed.message_id
            clock.advance(minutes=30)
            assert await chat_reminders(h.rt.services, clock.now) == 0

    async def test_answered_chat_is_not_reminded_and_leaves_the_chats_list(self, sqlite_url):
        """/chats and the reminders agree: an answered chat is in neither."""
        clock = Clock(FRIDAY_10)
        async with harness(sqlite_url, clock=clock, sandbox=_sandbox_at(clock)) as h:
            relayed = await self._chat(h)
            await h.say("/chats")
            assert "Budi" in h.last().plain_text
            await h.say("siap kak", reply_to=relayed.message_id)
            clock.advance(minutes=20)
            assert await chat_reminders(h.rt.services, clock.now) == 0
            await h.say("/chats")
            assert "Budi" not in h.last().plain_text

    async def test_outside_business_hours_reminders_wait_for_the_opening(self, sqlite_url):
        """A chat at 20:55 Saturday is reminded Monday 08:00 (Sunday is closed)."""
        saturday_2055 = datetime(2026, 11, 28, 13, 55, tzinfo=UTC)
        clock = Clock(saturday_2055)
        async with harness(sqlite_url, clock=clock, sandbox=_sandbox_at(clock)) as h:
            await self._chat(h)
            clock.advance(minutes=30)  # 21:25, closed
            assert await chat_reminders(h.rt.services, clock.now) == 0
            clock.now = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)  # Sunday 10:00
            assert await chat_reminders(h.rt.services, clock.now) == 0
            clock.now = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # Monday 08:00
            assert await chat_reminders(h.rt.services, clock.now) == 1

    async def test_holidays_are_closed(self, sqlite_url):
        """A configured holiday sends no reminders even within normal hours."""
        clock = Clock(FRIDAY_10)
        async with harness(
            sqlite_url, clock=clock, sandbox=_sandbox_at(clock), holidays="2026-11-27"
        ) as h:
            await self._chat(h)
            clock.advance(minutes=30)
            assert await chat_reminders(h.rt.services, clock.now) == 0
            clock.now = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)  # Saturday 08:00
            assert await chat_reminders(h.rt.services, clock.now) == 1


class TestReconciliation:
    async def test_missed_order_and_chat_are_relayed_once(self, sqlite_url):
        """What never came by webhook is relayed; what did come is not duplicated."""
        clock = Clock(FRIDAY_10)
        async with harness(sqlite_url, clock=clock, sandbox=_sandbox_at(clock)) as h:
            came = h.sandbox.add_order(SHOP_ID)
            await h.webhook("order_notification", came["order_id"])
            chatted = h.sandbox.add_chat(SHOP_ID, 1, "Sari", "ada warna merah?")
            await h.webhook("chat", chatted)
            await h.deliver()
            missed = h.sandbox.add_order(SHOP_ID)
            h.sandbox.add_chat(SHOP_ID, 2, "Joko", "kak, sudah dikirim?")
            clock.advance(minutes=5)
            figures = await reconcile(h.rt.services, h.rt.store, clock.now)
            await h.deliver()
            assert (figures.orders_missing, figures.chats_missing) == (1, 1)
            texts = [m.plain_text for m in h.group()]
            assert sum(missed["invoice_num"] in t for t in texts) == 1
            assert sum(came["invoice_num"] in t for t in texts) == 1
            assert sum("sudah dikirim?" in t for t in texts) == 1
            assert sum("warna merah" in t for t in texts) == 1
            again = await reconcile(h.rt.services, h.rt.store, clock.now)
            assert again.relayed == 0

    async def test_catch_up_after_downtime(self, sqlite_url):
        """Orders that arrived while tokobot was down are relayed by the start-up run."""
        clock = Clock(FRIDAY_10)
        sandbox = _sandbox_at(clock)
        async with harness(sqlite_url, clock=clock, sandbox=sandbox) as h:
            await reconcile(h.rt.services, h.rt.store, clock.now)
            fake = h.fake
        clock.advance(hours=6)
        during = sandbox.add_order(SHOP_ID)
        clock.advance(hours=6)
        async with harness(sqlite_url, clock=clock, sandbox=sandbox, fake=fake) as again:
            figures = await reconcile(again.rt.services, again.rt.store, clock.now)
            await again.deliver()
            assert figures.relayed == 1
            assert during["invoice_num"] in again.last().plain_text


class TestTokensAndFailures:
    async def test_token_is_renewed_when_it_expires(self, sqlite_url):
        """After expiry the job fetches a new token before any staff action needs it."""
        async with harness(sqlite_url) as h:
            await refresh_tokens(h.rt.services, h.clock.now)
            issued = h.sandbox.tokens_issued
            await refresh_tokens(h.rt.services, h.clock.now)
            assert h.sandbox.tokens_issued == issued
            h.sandbox.expire_tokens()
            h.clock.advance(days=15)
            await refresh_tokens(h.rt.services, h.clock.now)
            assert h.sandbox.tokens_issued == issued + 1

    async def test_failing_job_is_reported_once_and_its_recovery_once(self, sqlite_url):
        """A refresh failing three times is reported once; the next success is announced."""
        async with harness(sqlite_url) as h:
            h.sandbox.expire_tokens()
            h.clock.advance(days=15)
            for _ in range(3):
                h.sandbox.fail_next(r"^/token", 401)
                await guarded(
                    h.rt.services,
                    "tokens",
                    lambda: refresh_tokens(h.rt.services, h.clock.now),
                )
            failures = [m for m in h.group() if "⚠️" in m.plain_text]
            assert len(failures) == 1
            assert "token" in failures[0].plain_text.lower()
            await guarded(
                h.rt.services, "tokens", lambda: refresh_tokens(h.rt.services, h.clock.now)
            )
            await guarded(
                h.rt.services, "tokens", lambda: refresh_tokens(h.rt.services, h.clock.now)
            )
            assert len([m for m in h.group() if "✅" in m.plain_text]) == 1


async def test_summary_figures_match_known_events(sqlite_url):
    """Orders, values, chats, median first response and staff counts add up."""
    clock = Clock(FRIDAY_10)
    async with harness(sqlite_url, clock=clock, sandbox=_sandbox_at(clock)) as h:
        products = [{"Name": "Kaos", "price": 100000, "quantity": 1}]
        alerts = []
        for _ in range(3):
            order = h.sandbox.add_order(SHOP_ID, products=products)
            await h.webhook("order_notification", order["order_id"])
            await h.deliver()
            alerts.append(h.last())
        await h.press(alerts[0], "Terima", first_name="Rina")
        await h.say(f"/reject {alerts[1].plain_text.split('INV')[1].split()[0]}")  # picker
        first = h.sandbox.add_chat(SHOP_ID, 1, "Sari", "halo")
        await h.webhook("chat", first)
        await h.deliver()
        relayed = h.last()
        clock.advance(minutes=5)
        await h.say("halo juga", reply_to=relayed.message_id, first_name="Rina")
        second = h.sandbox.add_chat(SHOP_ID, 2, "Joko", "p")
        await h.webhook("chat", second)
        await h.deliver()
        clock.advance(hours=1)
        await h.say("/summary")
        text = h.last().plain_text
        assert "Pesanan baru: 3 (Rp" in text
        assert "Diterima: 1" in text
        assert "Masih menunggu: 2" in text
        assert "Chat masuk: 2 · dijawab: 1" in text
        assert "5 menit" in text
        assert "Joko" in text
        assert "Rina" in text


async def test_housekeeping_forgets_old_events_and_buttons_but_not_reply_links(sqlite_url):
    """After RETENTION_DAYS delivered events and buttons go; replies to old chats still work."""
    clock = Clock(FRIDAY_10)
    async with harness(sqlite_url, clock=clock, sandbox=_sandbox_at(clock)) as h:
        room = h.sandbox.add_chat(SHOP_ID, 1, "Sari", "halo")
        await h.webhook("chat", room)
        await h.deliver()
        relayed = h.last()
        clock.advance(days=31)
        events, buttons = await housekeeping(h.rt.services, clock.now)
        on_message = sum(len(row) for row in relayed.reply_markup["inline_keyboard"])
        assert (events, buttons) == (1, on_message)
        await h.press(relayed, "Balas")
        answer = h.fake.calls_to("answerCallbackQuery")[-1]
        assert answer.params.get("show_alert") is True  # the old button has expired
        await h.say("masih bisa dibalas", reply_to=relayed.message_id)
        assert h.sandbox.replies[-1]["message"] == "masih bisa dibalas"
