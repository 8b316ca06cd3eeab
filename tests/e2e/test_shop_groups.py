"""One staff group per shop (SHOP_GROUPS), and overflow groups (TELEGRAM_OVERFLOW_CHAT_IDS).

Shop 479573 stays in the main group; shop 479574 and the Tokopedia & Shop shop belong to
the warehouse group. Every kind of message about a shop must reach its group and no other;
staff in one group cannot act on another group's orders or chats; each group has its own
20-a-minute budget; overflow groups take the main group's new work only while its budget
is spent, and what appeared there stays there.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.jobs.reminders import chat_reminders, deadline_reminders
from bot.jobs.summary import daily_summary
from bot.relay.pacer import GroupPacer
from bot.sandbox.telegram import FakeTelegram
from tests.harness import (
    ADMIN_ID,
    CHAT_ID,
    SHOP_ID,
    STAFF_ID,
    TTS_SHOP_ID,
    Clock,
    Harness,
    default_sandbox,
    harness,
)

GROUP_B = -1002222222222  # the warehouse group
OVERFLOW = -1003333333333
SHOP_B = 479574
BOTH = "tokopedia,tiktokshop"
# Friday 27 Nov 2026, 10:00 in Jakarta: business hours, for chat reminders.
FRIDAY_10 = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
STAFF = {ADMIN_ID: "administrator", STAFF_ID: "member"}
SHOP_GROUPS = f"tokopedia:{SHOP_B}={GROUP_B}, tiktokshop:{TTS_SHOP_ID}={GROUP_B}"


def _fake(*extra: int, limits: bool = False, forums: bool = False) -> FakeTelegram:
    fake = FakeTelegram(enforce_limits=limits)
    fake.add_chat(CHAT_ID, "Staff Toko Maju", is_forum=forums, members=STAFF)
    for chat in extra:
        fake.add_chat(chat, f"Staff {chat}", is_forum=forums, members=STAFF)
    return fake


def _sandbox(clock: Clock):
    sandbox = default_sandbox()
    sandbox.clock = lambda: clock.now.timestamp()  # noqa: PLW0108 - clock.now moves
    sandbox.add_shop(SHOP_B, "Toko Gudang")
    return sandbox


def _shop_groups(
    url: str, clock: Clock, *extra: int, limits: bool = False, forums: bool = False, **options: Any
) -> AbstractAsyncContextManager[Harness]:
    """tokobot on ``clock`` with the main and the warehouse group (and ``extra`` chats), the
    shops split between them by SHOP_GROUPS."""
    return harness(
        url,
        clock=clock,
        sandbox=_sandbox(clock),
        fake=_fake(GROUP_B, *extra, limits=limits, forums=forums),
        shop_groups=SHOP_GROUPS,
        **options,
    )


def _texts(h: Harness, chat_id: int) -> str:
    return "\n".join(m.plain_text or "" for m in h.group(chat_id=chat_id))


async def _chat(h: Harness, shop: int, buyer: int, text: str) -> int:
    room = h.sandbox.add_chat(shop, buyer, f"Buyer {buyer}", text)
    await h.webhook("chat", room)
    await h.deliver()
    return room


def _status(h: Harness, order: dict[str, object]) -> int:
    return int(h.sandbox.orders[int(order["order_id"])]["order_status"])


async def _order(h: Harness, shop: int, hours: float = 10) -> dict[str, object]:
    deadline = h.clock.now + timedelta(hours=hours)
    order = h.sandbox.add_order(shop, accept_deadline=deadline.isoformat())
    await h.webhook("order_notification", int(order["order_id"]))
    await h.deliver()
    return order


def _by_invoice(h: Harness, chat_id: int, order: dict[str, object]):
    invoice = str(order["invoice_num"])
    return [m for m in h.group(chat_id=chat_id) if invoice in (m.plain_text or "")]


class TestRouting:
    async def test_every_kind_of_message_reaches_its_shops_group_only(self, sqlite_url):
        """Chats, alerts, status changes, cancellation requests, reminders, authorization
        notices and the daily summary of shop B go to the warehouse group, the rest to main."""
        clock = Clock(FRIDAY_10)
        async with _shop_groups(sqlite_url, clock, marketplaces=BOTH) as h:
            await _chat(h, SHOP_B, 7, "stok kaos hitam ada kak?")
            chat_b = h.group(chat_id=GROUP_B)[-1]
            await _chat(h, SHOP_ID, 8, "halo toko utama")
            chat_a = h.last()
            assert "stok kaos hitam" in _texts(h, GROUP_B)
            assert "stok kaos hitam" not in _texts(h, CHAT_ID)
            assert "halo toko utama" in _texts(h, CHAT_ID)
            assert "halo toko utama" not in _texts(h, GROUP_B)

            order_b = await _order(h, SHOP_B)
            order_a = await _order(h, SHOP_ID)
            (alert_b,) = _by_invoice(h, GROUP_B, order_b)
            assert _by_invoice(h, CHAT_ID, order_b) == []
            assert _by_invoice(h, GROUP_B, order_a) == []
            assert len(_by_invoice(h, CHAT_ID, order_a)) == 1

            # A status change is told under the alert, in the alert's group.
            h.sandbox.set_status(int(order_b["order_id"]), 450)
            await h.webhook("order_status", int(order_b["order_id"]))
            h.sandbox.request_cancellation(int(order_b["order_id"]), "Salah alamat")
            await h.webhook("request_cancellation", int(order_b["order_id"]))
            await h.deliver()
            under = [m for m in h.group(chat_id=GROUP_B) if m.reply_to_message_id]
            assert {m.reply_to_message_id for m in under} == {alert_b.message_id}
            assert "Salah alamat" in _texts(h, GROUP_B)
            assert "Salah alamat" not in _texts(h, CHAT_ID)

            # Reminders follow their order and chat.
            before_main = len(h.group(chat_id=CHAT_ID))
            clock.advance(hours=4, minutes=1)
            assert await deadline_reminders(h.rt.services, clock.now) == 1  # order A only
            assert await chat_reminders(h.rt.services, clock.now) == 2
            reminded_b = [m for m in h.group(chat_id=GROUP_B) if "menunggu balasan" in m.text]
            reminded_a = h.group(chat_id=CHAT_ID)[before_main:]
            assert [m.reply_to_message_id for m in reminded_b] == [chat_b.message_id]
            assert len(reminded_a) == 2
            assert chat_a.message_id in {m.reply_to_message_id for m in reminded_a}

            # A Tokopedia & Shop authorization notice names its shop in the shop's group.
            assert (await h.authorize_tts()).status_code == 200
            body = h.tts.webhook_body(6, shop_id=TTS_SHOP_ID)
            assert (await h.post_tts(body)).status_code == 200
            await h.deliver()
            assert "Tokopedia & Shop" in h.group(chat_id=GROUP_B)[-1].plain_text
            assert "Tokopedia & Shop" not in _texts(h, CHAT_ID)

            # One evening summary per group, each of its own shops.
            await daily_summary(h.rt.services, clock.now)
            await daily_summary(h.rt.services, clock.now)  # once only
            summaries_b = [m for m in h.group(chat_id=GROUP_B) if "Ringkasan" in m.text]
            summaries_a = [m for m in h.group(chat_id=CHAT_ID) if "Ringkasan" in m.text]
            assert len(summaries_b) == len(summaries_a) == 1
            assert "Chat masuk: 1 " in summaries_b[0].plain_text
            assert "Pesanan baru: 1 " in summaries_a[0].plain_text

    async def test_a_return_request_reaches_its_shops_group_and_is_refused_elsewhere(
        self, sqlite_url
    ):
        """A Tokopedia & Shop return request of the warehouse shop is alerted there only;
        its Setujui pressed from the main group approves nothing."""
        clock = Clock(FRIDAY_10)
        async with _shop_groups(sqlite_url, clock, marketplaces=BOTH) as h:
            assert (await h.authorize_tts()).status_code == 200
            order = h.tts.add_order(TTS_SHOP_ID, status="DELIVERED")
            return_id = h.tts.returns.request(order["id"], "ecom_return_reason_damaged")
            assert (await h.post_tts(h.tts.webhook_body(12, return_id=return_id))).status_code
            await h.deliver()
            (alert,) = [m for m in h.group(chat_id=GROUP_B) if "Pembeli minta" in m.text]
            assert order["id"] in alert.plain_text
            assert "Pembeli minta" not in _texts(h, CHAT_ID)
            note = await h.say("catatan")
            approve = h.button(alert, "Setujui")
            h.fake.user_presses(CHAT_ID, ADMIN_ID, note, approve, unchecked=True)
            await h.updates()
            assert "grup staf lain" in h.fake.calls_to("answerCallbackQuery")[-1].params["text"]
            assert h.tts.returns.case(return_id).decisions == []
            await h.press(alert, "Setujui", chat_id=GROUP_B)
            assert h.tts.returns.case(return_id).decisions == ["APPROVE_REFUND"]

    async def test_a_burst_becomes_digests_in_the_busy_shops_group_only(self, sqlite_url):
        """Thirty orders of shop B fill the warehouse group's budget, not the main group's:
        B's become digests there, while main's two orders still come as single alerts."""
        clock = Clock(FRIDAY_10)
        async with _shop_groups(sqlite_url, clock, limits=True, pacer=GroupPacer()) as h:
            placed_b = [h.sandbox.add_order(SHOP_B) for _ in range(30)]
            placed_a = [h.sandbox.add_order(SHOP_ID) for _ in range(2)]
            for order in placed_b + placed_a:
                await h.webhook("order_notification", int(order["order_id"]))
            for _ in range(4):  # a busy group's orders wait a few seconds for company
                await h.deliver()
                clock.advance(seconds=20)
            digests = h.group(chat_id=GROUP_B)
            assert 1 <= len(digests) <= 3
            listed = "\n".join(m.plain_text or "" for m in digests)
            assert all(str(o["invoice_num"])[-4:] in listed for o in placed_b)
            for order in placed_a:
                (alert,) = _by_invoice(h, CHAT_ID, order)
                assert h.button(alert, "Terima")
            assert not any(str(o["invoice_num"]) in _texts(h, CHAT_ID) for o in placed_b)
            assert not [c for c in h.fake.calls if not c.ok]


class TestEachGroupActsOnItsOwnShops:
    async def test_lists_and_summary_cover_the_groups_own_shops(self, sqlite_url):
        """/orders, /chats and /summary asked in a group show that group's shops only;
        an admin's private chat sees every shop."""
        clock = Clock(FRIDAY_10)
        async with _shop_groups(sqlite_url, clock) as h:
            await _order(h, SHOP_B)
            await _order(h, SHOP_ID)
            await _chat(h, SHOP_B, 7, "kapan dikirim?")
            await _chat(h, SHOP_ID, 8, "ada warna merah?")
            main_shop, shop_b = "Toko Maju Jaya", "Toko Gudang"

            await h.say("/orders", chat_id=GROUP_B)
            listed = h.group(chat_id=GROUP_B)[-1].plain_text
            assert "(1)" in listed
            assert shop_b in listed
            assert main_shop not in listed
            await h.say("/orders")
            listed = h.last().plain_text
            assert main_shop in listed
            assert shop_b not in listed

            await h.say("/chats", chat_id=GROUP_B)
            listed = h.group(chat_id=GROUP_B)[-1].plain_text
            assert "kapan dikirim?" in listed
            assert "ada warna merah?" not in listed

            h.clock.advance(minutes=5)
            await h.say("/summary", chat_id=GROUP_B)
            summary = h.group(chat_id=GROUP_B)[-1].plain_text
            assert "Pesanan baru: 1 " in summary
            assert "Chat masuk: 1 " in summary

            h.fake.add_chat(ADMIN_ID, "Rina")
            await h.say("/orders", chat_id=ADMIN_ID)
            private = h.group(chat_id=ADMIN_ID)[-1].plain_text
            assert "(2)" in private
            assert main_shop in private
            assert shop_b in private

    async def test_actions_on_another_groups_order_or_chat_are_refused(self, sqlite_url):
        """A press, a command or a reply from the main group about the warehouse group's
        order or buyer does nothing and says where to act; in its own group it works."""
        clock = Clock(FRIDAY_10)
        async with _shop_groups(sqlite_url, clock) as h:
            order = await _order(h, SHOP_B)
            (alert,) = _by_invoice(h, GROUP_B, order)
            accept = h.button(alert, "Terima")
            room = await _chat(h, SHOP_B, 7, "kak?")
            relayed = h.group(chat_id=GROUP_B)[-1]
            main_message = await h.say("catatan")
            order_id = str(order["order_id"])

            # A press of B's button sent from the main group (a replayed token).
            h.fake.user_presses(CHAT_ID, ADMIN_ID, main_message, accept, unchecked=True)
            await h.updates()
            answer = h.fake.calls_to("answerCallbackQuery")[-1].params
            assert answer["show_alert"] is True
            assert "grup staf lain" in answer["text"]

            await h.say(f"/accept {order_id}")
            assert "grup staf lain" in h.last().plain_text
            await h.say(f"/reject {order_id}")
            assert "grup staf lain" in h.last().plain_text
            await h.say(f"/order {order_id}")
            assert "grup staf lain" in h.last().plain_text
            await h.say(f"/reply {room} halo dari grup lain")
            assert "grup staf lain" in h.last().plain_text
            assert h.sandbox.replies == []
            assert _status(h, order) == 220

            # In its own group the same actions go through.
            await h.press(alert, "Terima", chat_id=GROUP_B)
            assert _status(h, order) == 400
            await h.say("siap kak", reply_to=relayed.message_id, chat_id=GROUP_B)
            assert [r["message"] for r in h.sandbox.replies] == ["siap kak"]

    async def test_admins_act_in_every_group(self, sqlite_url):
        """TELEGRAM_ADMIN_IDS limits who decides in every group alike: a member is refused
        in the warehouse group too, an admin may accept there."""
        clock = Clock(FRIDAY_10)
        async with _shop_groups(sqlite_url, clock) as h:
            order = await _order(h, SHOP_B)
            (alert,) = _by_invoice(h, GROUP_B, order)
            await h.press(alert, "Terima", user_id=STAFF_ID, chat_id=GROUP_B)
            assert _status(h, order) == 220
            await h.press(alert, "Terima", user_id=ADMIN_ID, chat_id=GROUP_B)
            assert _status(h, order) == 400

    async def test_a_group_not_configured_is_ignored(self, sqlite_url):
        """A chat the bot was added to but no setting names gets nothing and is not heard."""
        stranger = -1009999999999
        clock = Clock(FRIDAY_10)
        async with _shop_groups(sqlite_url, clock, stranger) as h:
            order = await _order(h, SHOP_B)
            await h.say(f"/accept {order['order_id']}", chat_id=stranger)
            assert [m.text for m in h.group(chat_id=stranger)] == [f"/accept {order['order_id']}"]
            assert _status(h, order) == 220


class TestTopics:
    async def test_each_group_has_its_own_topics(self, sqlite_url):
        """In topic mode a buyer's topic opens in their shop's group. Topic numbers repeat
        from group to group: writing in the warehouse group's topic answers its own buyer,
        never the main group's buyer whose topic has the same number."""
        clock = Clock(FRIDAY_10)
        async with _shop_groups(sqlite_url, clock, forums=True, topics=True) as h:
            room_a = await _chat(h, SHOP_ID, 8, "halo utama")
            room_b = await _chat(h, SHOP_B, 7, "halo gudang")
            (topic_a,) = h.fake.topics(CHAT_ID)
            (topic_b,) = h.fake.topics(GROUP_B)
            assert "Toko Gudang" in topic_b.name
            assert topic_a.thread_id == topic_b.thread_id  # numbered per group
            await h.say("dijawab gudang", thread_id=topic_b.thread_id, chat_id=GROUP_B)
            await h.say("dijawab utama", thread_id=topic_a.thread_id)
            sent = [(r["msg_id"], r["message"]) for r in h.sandbox.replies]
            assert sent == [(room_b, "dijawab gudang"), (room_a, "dijawab utama")]
            clock.advance(seconds=30)
            await _chat(h, SHOP_B, 7, "oke makasih")
            assert "oke makasih" in _texts(h, GROUP_B)
            assert [t.thread_id for t in h.fake.topics(GROUP_B)] == [topic_b.thread_id]


class TestBudgets:
    async def test_each_group_has_its_own_budget(self, sqlite_url):
        """With room for three relayed messages a minute per group, three alerts in each of
        two groups go out at once: neither group waits for the other's window."""
        clock = Clock(FRIDAY_10)
        async with _shop_groups(
            sqlite_url,
            clock,
            limits=True,
            pacer=GroupPacer(group_limit=4, bulk_reserve=1),
        ) as h:
            started = time.monotonic()
            for shop in (SHOP_ID, SHOP_B, SHOP_ID, SHOP_B, SHOP_ID, SHOP_B):
                await _order(h, shop)
                clock.advance(seconds=5)  # one at a time, as on a normal day
            assert time.monotonic() - started < 20  # a shared window would wait a minute
            assert len(h.group(chat_id=CHAT_ID)) == len(h.group(chat_id=GROUP_B)) == 3
            assert h.rt.pacer.free_slots(CHAT_ID) == h.rt.pacer.free_slots(GROUP_B) == 0
            assert not [c for c in h.fake.calls if not c.ok]


class TestOverflow:
    @staticmethod
    def _pacer(clock: Clock) -> GroupPacer:
        # Three relayed messages a minute per group, on the test's clock.
        moment = lambda: clock.now.timestamp()  # noqa: E731, PLW0108 - clock.now moves
        return GroupPacer(group_limit=4, bulk_reserve=1, clock=moment)

    def _harness(self, sqlite_url: str, clock: Clock) -> AbstractAsyncContextManager[Harness]:
        """The main group on the small budget above, and one overflow group. The pacer runs on the
        test's clock: a send that waits for a window would wait for ever, so a regression
        fails (under the caller's timeout) instead of hanging."""
        return harness(
            sqlite_url,
            clock=clock,
            sandbox=_sandbox(clock),
            fake=_fake(OVERFLOW, limits=True),
            pacer=self._pacer(clock),
            telegram_overflow_chat_ids=str(OVERFLOW),
        )

    async def test_overflow_takes_new_work_only_when_the_main_budget_is_spent(self, sqlite_url):
        """Orders go to the main group while it has room; the fourth goes to the overflow
        group; its later news stays there, while a new order goes back to the main group
        once its window has room again."""
        clock = Clock()
        async with asyncio.timeout(30), self._harness(sqlite_url, clock) as h:
            first = []
            for _ in range(3):
                first.append(await _order(h, SHOP_ID))
                clock.advance(seconds=11)  # apart: no burst to combine
            assert h.group(chat_id=OVERFLOW) == []
            spilled = await _order(h, SHOP_ID)
            (alert,) = _by_invoice(h, OVERFLOW, spilled)
            assert _by_invoice(h, CHAT_ID, spilled) == []

            clock.advance(seconds=62)  # the main group's window has room again
            h.sandbox.set_status(int(spilled["order_id"]), 450)
            await h.webhook("order_status", int(spilled["order_id"]))
            await h.deliver()
            update = h.group(chat_id=OVERFLOW)[-1]
            assert update.reply_to_message_id == alert.message_id
            later = await _order(h, SHOP_ID)
            assert len(_by_invoice(h, CHAT_ID, later)) == 1
            assert _by_invoice(h, OVERFLOW, later) == []
            assert all(len(_by_invoice(h, CHAT_ID, o)) == 1 for o in first)
            assert not [c for c in h.fake.calls if not c.ok]

    async def test_a_conversation_stays_in_the_group_where_it_first_appeared(self, sqlite_url):
        """A buyer first shown in the overflow group is shown there again even when the main
        group has room; staff answer them from there."""
        clock = Clock()
        async with asyncio.timeout(30), self._harness(sqlite_url, clock) as h:
            for _ in range(3):
                await _order(h, SHOP_ID)
                clock.advance(seconds=11)  # apart: no burst to combine
            await _chat(h, SHOP_ID, 5, "masih ada stok?")
            relayed = h.group(chat_id=OVERFLOW)[-1]
            assert "masih ada stok?" in relayed.plain_text
            clock.advance(seconds=62)
            await _chat(h, SHOP_ID, 5, "halo kak?")
            assert "halo kak?" in h.group(chat_id=OVERFLOW)[-1].plain_text
            assert "halo kak?" not in _texts(h, CHAT_ID)
            await _chat(h, SHOP_ID, 6, "pembeli baru")
            assert "pembeli baru" in _texts(h, CHAT_ID)
            await h.say("ada kak", reply_to=relayed.message_id, chat_id=OVERFLOW)
            assert [r["message"] for r in h.sandbox.replies] == ["ada kak"]


class TestMigration:
    async def test_a_shop_group_upgraded_to_a_supergroup_is_followed_and_heard(self, sqlite_url):
        """The warehouse group becomes a supergroup: its shop's messages follow it, the group
        is told which setting to change, and staff replies typed there reach the buyer."""
        moved = -1004444444444
        clock = Clock(FRIDAY_10)
        async with _shop_groups(sqlite_url, clock) as h:
            h.fake.migrate_chat(GROUP_B, moved)
            await _chat(h, SHOP_B, 7, "sudah dikirim?")
            await _chat(h, SHOP_ID, 8, "toko utama")
            relayed = next(m for m in h.group(chat_id=moved) if "sudah dikirim?" in m.text)
            notice = h.group(chat_id=moved)[-1].plain_text
            assert str(GROUP_B) in notice
            assert "SHOP_GROUPS" in notice
            assert "toko utama" in _texts(h, CHAT_ID)
            await h.say("sudah kak", reply_to=relayed.message_id, chat_id=moved)
            assert [r["message"] for r in h.sandbox.replies] == ["sudah kak"]
            await h.say("/orders", chat_id=moved)
            assert "Toko Maju Jaya" not in h.group(chat_id=moved)[-1].plain_text
