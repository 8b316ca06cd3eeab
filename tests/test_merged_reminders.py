"""Merged reminders: many due in one tick, or a group without room, get one list per kind.

Time comes from the injected clocks only: tokobot's ``Clock`` and the pacer's own ticks.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from telegram.error import TelegramError

from bot.domain.values import Conversation, MarketplaceName, Order, OrderStatus
from bot.domain.vocab import ButtonAction
from bot.jobs.posting import once, unsent
from bot.jobs.reminders import chat_reminders, deadline_reminders
from bot.relay.pacer import GroupPacer
from bot.render.catalogue import DEFAULT_TZ
from bot.render.formatting import TELEGRAM_TEXT_LIMIT, utf16_len, visible_text
from bot.render.reminders import DueChat, DueOrder, render_chat_batches, render_deadline_batches
from storage import notices
from tests.harness import ADMIN_ID, CHAT_ID, OUTSIDER_ID, SHOP_ID, Clock, default_sandbox, harness

# Friday 27 Nov 2026, 10:00 in Jakarta: business hours, for chat reminders.
FRIDAY_10 = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
MENTION = f"tg://user?id={ADMIN_ID}"


class Ticks:
    """The pacer's monotonic clock, moved only by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _pacer(ticks: Ticks) -> GroupPacer:
    # Telegram's real budget: 20 a minute; reminders leave 8 of them to everything else.
    return GroupPacer(group_limit=20, bulk_reserve=4, low_reserve=8, clock=ticks)


async def _spend(pacer: GroupPacer, count: int) -> None:
    """Staff outcomes and order alerts take ``count`` of the group's slots this minute."""

    async def sent() -> bool:
        return True

    data: dict[str, Any] = {"chat_id": CHAT_ID}
    for _ in range(count):
        await pacer.process_request(sent, (), {}, "sendMessage", data, None)


def _sandbox_at(clock: Clock):
    sandbox = default_sandbox()
    sandbox.clock = lambda: clock.now.timestamp()  # noqa: PLW0108 - clock.now moves
    return sandbox


async def _orders(h, count: int, *, hours: float = 10, ticks: Ticks | None = None) -> list[dict]:
    """``count`` paid orders, each alerted; the pacer's minute passes between them."""
    made = []
    for n in range(count):
        deadline = h.clock.now + timedelta(hours=hours)
        order = h.sandbox.add_order(
            SHOP_ID, accept_deadline=deadline.isoformat(), buyer_name=f"Pembeli {n + 1}"
        )
        await h.webhook("order_notification", order["order_id"])
        await h.deliver()
        if ticks is not None:
            ticks.now += 61
        made.append(order)
    return made


def _merged(h) -> list:
    return [m for m in h.group() if "pesanan mendekati batas terima" in (m.plain_text or "")]


def _singles(h) -> list:
    return [m for m in h.group() if "Segera proses" in (m.plain_text or "")]


def _labels(message) -> list[str]:
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


class TestSaleDayDeadlines:
    async def test_twelve_due_in_a_spent_group_become_one_list(self, sqlite_url):
        """Twelve orders at the 6 h offset, two free slots: one list of all twelve."""
        clock, ticks = Clock(FRIDAY_10), Ticks()
        pacer = _pacer(ticks)
        async with harness(sqlite_url, clock=clock, sandbox=_sandbox_at(clock), pacer=pacer) as h:
            made = await _orders(h, 12, ticks=ticks)
            clock.advance(hours=4, minutes=1)
            await _spend(pacer, 10)  # 20 - 10 - 8 reserved: room for 2 reminders
            before = len(h.group())
            assert await deadline_reminders(h.rt.services, clock.now) == 12
            assert len(h.group()) == before + 1
            [merged] = _merged(h)
            assert "12 pesanan mendekati batas terima" in merged.plain_text
            for n, order in enumerate(made, start=1):
                assert f"{n}. {order['invoice_num']}" in merged.plain_text
                assert f"Pembeli {n}" in merged.plain_text
            # Deadline 20:00 Jakarta (13:00 UTC), six hours left less a minute.
            assert "27 Nov 20:00 (5 jam 59 menit lagi)" in merged.plain_text
            assert _labels(merged) == [f"🧾 {n}" for n in range(1, 13)]
            assert MENTION not in merged.text, "the 6 h reminder names no admins"
            assert merged.reply_to_message_id is None
            assert _singles(h) == []

    async def test_each_button_opens_its_orders_card_and_the_list_keeps_the_rest(self, sqlite_url):
        """A list's button posts the card of the order on its line, whose Accept accepts
        that order alone (an outsider's press is refused); the list keeps every button."""
        clock = Clock(FRIDAY_10)
        async with harness(sqlite_url, clock=clock, sandbox=_sandbox_at(clock)) as h:
            made = await _orders(h, 5)
            clock.advance(hours=4, minutes=1)
            assert await deadline_reminders(h.rt.services, clock.now) == 5
            [merged] = _merged(h)
            await h.press(merged, "🧾 3")
            card = h.last()
            assert card.reply_to_message_id == merged.message_id
            assert made[2]["invoice_num"] in (card.plain_text or "")
            await h.press(card, "Terima", user_id=OUTSIDER_ID, first_name="Asing")
            assert "tidak diizinkan" in h.fake.calls_to("answerCallbackQuery")[-1].params["text"]
            assert h.sandbox.orders[made[2]["order_id"]]["order_status"] == 220
            await h.press(card, "Terima")
            statuses = [h.sandbox.orders[o["order_id"]]["order_status"] for o in made]
            assert statuses == [220, 220, 400, 220, 220]
            [listed] = [m for m in h.group() if m.message_id == merged.message_id]
            assert _labels(listed) == [f"🧾 {n}" for n in range(1, 6)]

    async def test_a_list_is_sent_once_across_ticks_and_restarts(self, sqlite_url):
        """Every key of the list is claimed: the next tick and the next process send nothing."""
        clock = Clock(FRIDAY_10)
        sandbox = _sandbox_at(clock)
        async with harness(sqlite_url, clock=clock, sandbox=sandbox) as h:
            await _orders(h, 12)
            clock.advance(hours=4, minutes=1)
            assert await deadline_reminders(h.rt.services, clock.now) == 12
            clock.advance(seconds=30)
            assert await deadline_reminders(h.rt.services, clock.now) == 0
            fake = h.fake
        async with harness(sqlite_url, clock=clock, sandbox=sandbox, fake=fake) as again:
            assert await deadline_reminders(again.rt.services, clock.now) == 0
            assert len(_merged(again)) == 1

    async def test_a_failed_list_is_sent_by_the_next_tick(self, sqlite_url):
        """Telegram refuses the list: none of its keys stays claimed; the next tick sends it."""
        clock = Clock(FRIDAY_10)
        async with harness(sqlite_url, clock=clock, sandbox=_sandbox_at(clock)) as h:
            await _orders(h, 12)
            clock.advance(hours=4, minutes=1)
            h.fake.fail_next("sendMessage", 400, "Bad Request: message is too long")
            with pytest.raises(TelegramError):
                await deadline_reminders(h.rt.services, clock.now)
            assert _merged(h) == []
            clock.advance(seconds=30)
            assert await deadline_reminders(h.rt.services, clock.now) == 12
            [merged] = _merged(h)
            assert "12 pesanan" in merged.plain_text

    async def test_the_last_offset_names_the_admins_once(self, sqlite_url):
        """Twelve orders an hour before their deadline: the admins are named once, not twelve
        times."""
        clock = Clock(FRIDAY_10)
        async with harness(sqlite_url, clock=clock, sandbox=_sandbox_at(clock)) as h:
            await _orders(h, 12)
            clock.advance(hours=9, minutes=30)
            assert await deadline_reminders(h.rt.services, clock.now) == 12
            [merged] = _merged(h)
            assert merged.text.count(MENTION) == 1
            assert "30 menit lagi" in merged.plain_text

    async def test_two_due_in_a_group_without_room_are_merged(self, sqlite_url):
        """Even two reminders become one message when the group has room for one only."""
        clock, ticks = Clock(FRIDAY_10), Ticks()
        pacer = _pacer(ticks)
        async with harness(sqlite_url, clock=clock, sandbox=_sandbox_at(clock), pacer=pacer) as h:
            await _orders(h, 2, ticks=ticks)
            clock.advance(hours=4, minutes=1)
            await _spend(pacer, 11)  # room for one reminder
            assert await deadline_reminders(h.rt.services, clock.now) == 2
            [merged] = _merged(h)
            assert "2 pesanan" in merged.plain_text
            assert _singles(h) == []


class TestQuietDay:
    async def test_two_due_in_a_quiet_group_stay_single_replies(self, sqlite_url):
        """A quiet day is unchanged: each reminder replies to its order's alert."""
        clock, ticks = Clock(FRIDAY_10), Ticks()
        async with harness(
            sqlite_url, clock=clock, sandbox=_sandbox_at(clock), pacer=_pacer(ticks)
        ) as h:
            await _orders(h, 2, ticks=ticks)
            alerts = [m.message_id for m in h.group() if "Terima" in str(m.reply_markup)]
            clock.advance(hours=4, minutes=1)
            assert await deadline_reminders(h.rt.services, clock.now) == 2
            assert _merged(h) == []
            assert [m.reply_to_message_id for m in _singles(h)] == alerts[:2]


BUYERS = ["Ani", "Budi", "Citra", "Dewi", "Eko"]


class TestSaleDayChats:
    async def _chats(self, h, names: list[str]) -> list[int]:
        rooms = []
        for n, name in enumerate(names):
            room = h.sandbox.add_chat(SHOP_ID, 700000 + n, name, "Kak, ready?")
            await h.webhook("chat", room)
            await h.deliver()
            h.clock.advance(minutes=1)
            rooms.append(room)
        return rooms

    async def test_five_unanswered_chats_become_one_list_with_reply_buttons(self, sqlite_url):
        """Five chats waiting: one list naming each buyer, its shop and the handler; a reply
        button per chat reaches that buyer."""
        clock = Clock(FRIDAY_10)
        async with harness(sqlite_url, clock=clock, sandbox=_sandbox_at(clock)) as h:
            rooms = await self._chats(h, BUYERS)
            handled = next(m for m in h.group() if "Budi" in (m.plain_text or ""))
            await h.press(handled, "Saya tangani")
            clock.advance(minutes=16)
            assert await chat_reminders(h.rt.services, clock.now) == 5
            [merged] = [m for m in h.group() if "chat belum dijawab" in (m.plain_text or "")]
            assert "5 chat belum dijawab" in merged.plain_text
            assert "Toko Maju Jaya (Tokopedia)" in merged.plain_text
            assert "sejak 27 Nov 10:00" in merged.plain_text
            assert merged.text.count(MENTION) == 1, "the handler (Rina) is named"
            assert _labels(merged) == [f"↩️ {n} · {name}" for n, name in enumerate(BUYERS, 1)]
            await h.press(merged, "4 · Dewi")
            prompt = h.last()
            assert "Dewi" in prompt.plain_text
            await h.say("Ready kak", reply_to=prompt.message_id)
            assert h.sandbox.replies[-1]["msg_id"] == rooms[3]
            clock.advance(minutes=1)
            assert await chat_reminders(h.rt.services, clock.now) == 0


class TestOnceForMany:
    async def test_a_key_taken_meanwhile_claims_none_and_sends_nothing(self, sqlite_url):
        """Another process sent one of the list's reminders: nothing is sent or claimed, so a
        later tick lists the rest without it."""
        async with harness(sqlite_url) as h:
            services = h.rt.services
            async with services.sessions() as session, session.begin():
                await notices.claim_notice(session=session, key="k2", now=services.clock())
            sends = []

            async def send() -> None:
                sends.append(1)

            assert not await once(services, ["k1", "k2", "k3"], send)
            assert sends == []
            assert await unsent(services, ["k1", "k2", "k3"]) == {"k1", "k3"}
            assert await once(services, ["k1", "k3"], send)
            assert sends == [1]
            assert await unsent(services, ["k1", "k2", "k3"]) == set()


# --- rendering --------------------------------------------------------------------------------

NOW = FRIDAY_10


def _order(n: int, *, buyer: str = "") -> Order:
    return Order(
        marketplace=MarketplaceName.TOKOPEDIA,
        shop_id="1",
        order_id=str(1000 + n),
        invoice=f"INV/20261127/MPL/{3456000 + n}",
        status=OrderStatus(code="220", state="awaiting_acceptance"),
        buyer_name=buyer or f"Pembeli {n}",
    )


def _due_orders(count: int, *, last: int = -1, buyer: str = "") -> list[DueOrder]:
    return [
        DueOrder(
            _order(n, buyer=buyer),
            str(1000 + n),
            NOW + timedelta(minutes=30 + (count - n)),  # given latest first
            last=n == last,
        )
        for n in range(count)
    ]


class TestRenderDeadlineBatches:
    def test_soonest_first_one_order_card_button_each(self):
        """The soonest deadline leads; each line's number is its button's, which opens
        that order's card (where Accept and Reject are)."""
        due = _due_orders(3)
        [batch] = render_deadline_batches(due, now=NOW, lang="id", tz=DEFAULT_TZ)
        assert batch.members == (2, 1, 0)
        buttons = [b for row in batch.rendered.buttons for b in row]
        assert [(b.label, b.action, b.ref) for b in buttons] == [
            ("🧾 1", ButtonAction.ORDER, "1002"),
            ("🧾 2", ButtonAction.ORDER, "1001"),
            ("🧾 3", ButtonAction.ORDER, "1000"),
        ]
        assert "Ketuk nomornya untuk membuka kartu pesanan" in batch.rendered.text
        text = visible_text(batch.rendered.text)
        assert "1. INV/20261127/MPL/3456002 · Pembeli 2 · 27 Nov 10:31 (31 menit lagi)" in text

    def test_hundreds_are_split_under_telegrams_limits_and_admins_named_once(self):
        """250 orders with long names: every message fits 4096 UTF-16 units and 100 buttons,
        every order is in exactly one, the numbering runs on, and the admins appear once."""
        due = _due_orders(250, last=0, buyer="<Toko> & " + "🛍️" * 40)
        batches = render_deadline_batches(
            due, now=NOW, admins=(ADMIN_ID, 222), lang="id", tz=DEFAULT_TZ
        )
        assert len(batches) > 2
        members = [m for batch in batches for m in batch.members]
        assert sorted(members) == list(range(250))
        labels = [b.label for batch in batches for row in batch.rendered.buttons for b in row]
        assert labels == [f"🧾 {n}" for n in range(1, 251)]
        for number, batch in enumerate(batches, start=1):
            assert utf16_len(batch.rendered.text) <= TELEGRAM_TEXT_LIMIT
            assert sum(len(row) for row in batch.rendered.buttons) <= 100
            assert f"(bagian {number} dari {len(batches)})" in batch.rendered.text
        texts = "".join(batch.rendered.text for batch in batches)
        assert texts.count(MENTION) == 1
        assert texts.count("tg://user?id=222") == 1
        assert "&lt;Toko&gt;" in texts, "buyer names are escaped"

    def test_no_admins_without_a_last_offset_entry(self):
        batches = render_deadline_batches(
            _due_orders(5), now=NOW, admins=(ADMIN_ID,), lang="id", tz=DEFAULT_TZ
        )
        assert MENTION not in batches[0].rendered.text


class TestRenderChatBatches:
    def test_longest_waiting_first_with_handler_and_reply_buttons(self):
        due = [
            DueChat(
                Conversation(
                    marketplace=MarketplaceName.TIKTOKSHOP,
                    shop_id="7",
                    conversation_id=f"c{n}",
                    buyer_id=str(n),
                    buyer_name=f"Budi {n}",
                ),
                NOW - timedelta(minutes=20 + n),
                f"c{n}",
                shop_name="Toko Maju",
                handler=(ADMIN_ID, "Dewi") if n == 0 else None,
            )
            for n in range(3)
        ]
        [batch] = render_chat_batches(
            due, now=NOW + timedelta(minutes=1), lang="id", tz=DEFAULT_TZ
        )
        assert batch.members == (2, 1, 0)
        text = visible_text(batch.rendered.text)
        assert "3 chat belum dijawab" in text
        assert "1. Budi 2 · Toko Maju (Tokopedia & Shop) · sejak 27 Nov 09:38 (23 menit)" in text
        assert "TikTok" not in text
        assert batch.rendered.text.count(MENTION) == 1
        assert [(row[0].label, row[0].ref) for row in batch.rendered.buttons] == [
            ("↩️ 1 · Budi 2", "c2"),
            ("↩️ 2 · Budi 1", "c1"),
            ("↩️ 3 · Budi 0", "c0"),
        ]
