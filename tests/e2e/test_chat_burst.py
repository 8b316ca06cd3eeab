"""Sale day: buyer messages under a backlog, at Telegram's real group limit.

The strict Telegram fake enforces 20 messages a minute per group and the real pacer keeps
under it. The harness runs the worker one pass at a time on a clock that moves only when
told, so "held briefly" is a clock step here.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from bot.relay.chat_digests import ChatDigestDelivery
from bot.relay.pacer import GroupPacer
from bot.render.base import Rendered
from bot.sandbox.telegram import FakeMessage, FakeTelegram
from storage import orders as orders_store
from tests.harness import CHAT_ID, SHOP_ID, Harness, harness


def _buttons(message: FakeMessage) -> list[dict[str, Any]]:
    markup = message.reply_markup or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


async def _buyer_says(h: Harness, buyer_id: int, name: str, text: str) -> int:
    room = h.sandbox.add_chat(SHOP_ID, buyer_id, name, text)
    body = h.sandbox.webhook_body("chat", room) | {"message": text}
    response = await h.post_webhook("chat", body)
    assert response.status_code == 200, response.text
    return room


def _sent(fake: FakeTelegram) -> list[str]:
    return [call.method for call in fake.calls if call.method != "getUpdates"]


async def test_quiet_day_one_message_each_at_once(sqlite_url):
    """Two buyers, one message each: two ordinary messages, sent in the first pass."""
    fake = FakeTelegram(enforce_limits=True)
    async with harness(sqlite_url, fake=fake, pacer=GroupPacer()) as h:
        await _buyer_says(h, 1001, "Budi", "Kak, ready stok?")
        await _buyer_says(h, 1002, "Sari", "Bisa kirim hari ini?")
        await h.deliver()
        texts = [m.plain_text or "" for m in h.group()]
        assert len(texts) == 2
        assert "Budi" in texts[0]
        assert "Kak, ready stok?" in texts[0]
        assert "Sari" in texts[1]
        assert "Bisa kirim hari ini?" in texts[1]
        assert not any("pembeli" in text and "pesan dari" in text for text in texts)


async def test_burst_of_many_buyers_becomes_one_digest_answerable_per_buyer(sqlite_url):
    """24 messages from 12 buyers: held briefly, then one digest listing every text.

    Each buyer has an answer button; it opens a reply prompt for that buyer, and the answer
    reaches that buyer's room with a 👍. A reply to the digest itself gets a hint and goes
    to nobody.
    """
    fake = FakeTelegram(enforce_limits=True)
    async with harness(sqlite_url, fake=fake, pacer=GroupPacer()) as h:
        rooms: dict[str, int] = {}
        for n in range(12):
            name = f"Pembeli{n:02d}"
            for text in (f"Halo kak, saya {name}", f"Ukuran {n + 36} ada?"):
                rooms[name] = await _buyer_says(h, 2000 + n, name, text)
        await h.deliver()
        assert h.group() == [], "held briefly for company, not sent one by one"
        h.clock.advance(seconds=20)
        await h.deliver()
        [digest] = h.group()
        shown = digest.plain_text or ""
        assert "24 pesan dari 12 pembeli" in shown
        for n in range(12):
            assert f"Halo kak, saya Pembeli{n:02d}" in shown
            assert f"Ukuran {n + 36} ada?" in shown
        assert "Toko Maju Jaya" in shown
        buttons = _buttons(digest)
        assert len(buttons) == 12
        assert all(any(f"Pembeli{n:02d}" in b["text"] for b in buttons) for n in range(12))

        await h.say("oke ditunggu ya", reply_to=digest.message_id)
        assert h.sandbox.replies == []
        assert "beberapa pembeli" in (h.last().plain_text or "")

        await h.press(digest, "Pembeli07")
        prompt = h.last()
        assert "Pembeli07" in (prompt.plain_text or "")
        answer = await h.say("Ada kak, ukuran 43 ready", reply_to=prompt.message_id)
        assert h.sandbox.replies[-1]["msg_id"] == rooms["Pembeli07"]
        assert h.sandbox.replies[-1]["message"] == "Ada kak, ukuran 43 ready"
        assert "👍" in next(m for m in h.group() if m.message_id == answer).reactions
        assert all(c.ok for c in fake.calls), [c for c in fake.calls if not c.ok][:1]


async def test_one_buyers_burst_is_one_message_that_a_reply_answers(sqlite_url):
    """Nine quick messages from one buyer become one message; a reply to it answers them."""
    fake = FakeTelegram(enforce_limits=True)
    async with harness(sqlite_url, fake=fake, pacer=GroupPacer()) as h:
        texts = ["halo", "kak", "mau tanya", "yang hitam", "ukuran L", "masih ada?"]
        texts += ["warna lain?", "bisa COD?", "ditunggu ya"]
        for text in texts:
            room = await _buyer_says(h, 3001, "Dewi", text)
        await h.deliver()
        h.clock.advance(seconds=20)
        await h.deliver()
        [combined] = h.group()
        shown = combined.plain_text or ""
        assert all(text in shown for text in texts)
        assert "Dewi" in shown
        await h.say("Masih kak", reply_to=combined.message_id)
        assert h.sandbox.replies[-1]["msg_id"] == room
        assert h.sandbox.replies[-1]["message"] == "Masih kak"


async def test_long_text_is_previewed_in_the_digest_and_follows_whole(sqlite_url):
    """Nothing is cut silently: the digest says how much follows, and it follows whole."""
    fake = FakeTelegram(enforce_limits=True)
    async with harness(sqlite_url, fake=fake, pacer=GroupPacer()) as h:
        long_text = "Kak saya mau komplain. " + "Barangnya belum sampai juga. " * 40 + "SELESAI"
        await _buyer_says(h, 4001, "Rudi", long_text)
        for n in range(8):
            await _buyer_says(h, 4100 + n, f"Teman{n}", f"pesan {n}")
        await h.deliver()
        h.clock.advance(seconds=20)
        await h.deliver()
        digest, whole = h.group()
        assert "karakter; teks lengkap menyusul" in (digest.plain_text or "")
        assert "SELESAI" not in (digest.plain_text or "")
        assert long_text in (whole.plain_text or "")
        assert len(_buttons(digest)) == 9


async def test_topic_mode_under_load_announces_new_buyers_in_general(sqlite_url):
    """Under a backlog new buyers get no topic yet: the General digest announces them.

    A buyer who already has a topic gets a link into it. Once the window has room, the
    announced buyers' topics open, each starting with a link to the digest.
    """
    fake = FakeTelegram(enforce_limits=True)
    window = [0.0]  # the pacer's clock: the fake's real-time window is never near full here
    pacer = GroupPacer(clock=lambda: window[0])
    async with harness(sqlite_url, topics=True, fake=fake, pacer=pacer) as h:
        await _buyer_says(h, 5000, "Lama", "sudah pernah chat")
        await h.deliver()
        [old_topic] = h.fake.topics(CHAT_ID)
        h.clock.advance(minutes=5)
        for n in range(8):
            await _buyer_says(h, 5001 + n, f"Baru{n}", f"pertanyaan {n}")
        await _buyer_says(h, 5000, "Lama", "masih ada kak?")
        await h.deliver()
        h.clock.advance(seconds=20)
        await h.deliver()
        assert len(h.fake.topics(CHAT_ID)) == 1, "no topic is opened under the backlog"
        general = [m for m in h.group() if m.thread_id is None and not m.is_service]
        [digest] = general
        buttons = _buttons(digest)
        link = next(b for b in buttons if "Lama" in b["text"])
        assert link["url"].endswith(f"/{old_topic.thread_id}")
        assert sum("callback_data" in b for b in buttons) == 8

        # Two calls a topic, and only while over half the window is free: a few per window.
        assert await h.rt.relay.open_announced_topics() == 3
        assert await h.rt.relay.open_announced_topics() == 0
        window[0] += 61
        assert await h.rt.relay.open_announced_topics() == 3
        assert await h.rt.relay.open_announced_topics() == 1
        window[0] += 61
        assert await h.rt.relay.open_announced_topics() == 1
        topics = [t for t in h.fake.topics(CHAT_ID) if "Baru" in t.name]
        assert len(topics) == 8
        first = next(m for m in h.group(topics[0].thread_id) if not m.is_service)
        assert "ringkasan chat" in (first.plain_text or "")
        await h.say("dijawab di topik", thread_id=topics[0].thread_id)
        assert h.sandbox.replies[-1]["message"] == "dijawab di topik"
        assert await h.rt.relay.open_announced_topics() == 0
        assert all(c.ok for c in fake.calls), [c for c in fake.calls if not c.ok][:1]


async def test_the_budget_goes_to_staff_then_orders_then_buyer_messages(sqlite_url):
    """With the window nearly spent, the one slot left goes to the new orders' digest; the
    buyers' digest waits for the next window, while a staff answer's 👍 goes at once."""
    fake = FakeTelegram(enforce_limits=True)
    window = [0.0]  # the pacer's clock, moved by hand past a window
    pacer = GroupPacer(clock=lambda: window[0])
    async with harness(sqlite_url, fake=fake, pacer=pacer) as h:
        earlier = await _buyer_says(h, 6000, "Lama", "pesanan saya kapan dikirim?")
        await h.deliver()
        for n in range(pacer.bulk_capacity - 2):  # the group's minute, spent but one slot
            await h.rt.services.sender.send(
                CHAT_ID, Rendered(f"pesan lain {n}"), marketplace="", shop_id=""
            )
        before = len(h.group())
        orders = [h.sandbox.add_order(SHOP_ID) for _ in range(10)]
        for order in orders:
            await h.webhook("order_notification", order["order_id"])
        for n in range(6):
            await _buyer_says(h, 6001 + n, f"Sale{n}", f"flash sale masih? {n}")
        await h.deliver()
        h.clock.advance(seconds=30)
        await h.deliver()
        [digest] = h.group()[before:]
        assert "10 pesanan baru" in (digest.plain_text or "")

        answer = await h.say(f"/reply {earlier} Sudah dikirim kak")
        assert h.sandbox.replies[-1]["message"] == "Sudah dikirim kak"
        assert "👍" in next(m for m in h.group() if m.message_id == answer).reactions
        assert not any("flash sale" in (m.plain_text or "") for m in h.group())

        window[0] += 61
        h.clock.advance(seconds=61)
        await h.deliver()
        chats = h.group()[-1]
        assert "6 pesan dari 6 pembeli" in (chats.plain_text or "")
        assert all(c.ok for c in fake.calls), [c for c in fake.calls if not c.ok][:1]


async def test_a_handful_of_buyers_in_a_quiet_minute_each_get_their_own_message(sqlite_url):
    """Five buyers writing within seconds do not make the group busy: five ordinary
    messages, as on any day. The sixth within ten seconds does: then they are combined."""
    fake = FakeTelegram(enforce_limits=True)
    async with harness(sqlite_url, fake=fake, pacer=GroupPacer()) as h:
        for n in range(5):
            await _buyer_says(h, 7001 + n, f"Pembeli{n}", f"halo kak {n}")
        await h.deliver()
        texts = [m.plain_text or "" for m in h.group()]
        assert len(texts) == 5
        assert not any("pesan dari" in text for text in texts)
        for n in range(5, 12):
            await _buyer_says(h, 7001 + n, f"Pembeli{n}", f"halo kak {n}")
        await h.deliver()
        h.clock.advance(seconds=30)
        await h.deliver()
        [digest] = h.group()[5:]
        assert "7 pesan dari 7 pembeli" in (digest.plain_text or "")


async def test_a_pass_cut_at_its_batch_size_leaves_no_part_filled_digest(sqlite_url):
    """100 new orders worked off in passes of 60 while the group is busy: the first pass's
    last 12 wait for the rest instead of going as a digest of their own, so staff get
    48 + 48 + 4 (three messages), not 48 + 12 + 40."""
    fake = FakeTelegram(enforce_limits=True)
    window = [0.0]
    pacer = GroupPacer(clock=lambda: window[0])
    async with harness(sqlite_url, fake=fake, pacer=pacer) as h:
        h.rt.relay._config = replace(h.rt.relay._config, batch=60)
        for n in range(2):  # the window in use: digests wait for company
            await h.rt.services.sender.send(
                CHAT_ID, Rendered(f"lain {n}"), marketplace="", shop_id=""
            )
        before = len(h.group())
        orders = [h.sandbox.add_order(SHOP_ID) for _ in range(100)]
        for order in orders:
            await h.webhook("order_notification", order["order_id"])
        h.clock.advance(seconds=5)  # every order has waited its hold already
        await h.deliver()
        h.clock.advance(seconds=1)
        await h.deliver()
        digests = [m.plain_text or "" for m in h.group()[before:]]
        assert [d.split(" pesanan baru")[0].split()[-1] for d in digests] == ["48", "48", "4"]
        lines = [line.split(" · ")[0] for d in digests for line in d.splitlines()]
        listed = [line for line in lines if line.startswith("#")]
        assert len(listed) == len(set(listed)) == len(orders)  # each order once


class _Crash(BaseException):
    """The process dying: nothing after it runs, not even the worker's fallbacks."""


async def test_a_digest_posted_just_before_a_crash_is_neither_repeated_nor_swallowing(
    sqlite_url, monkeypatch
):
    """Telegram accepted a chat digest, then the process died before closing its events.
    The retry comes with new messages in the same batch: the digest's messages are not shown
    again, and the new ones get a digest of their own (not the old one's journal)."""
    fake = FakeTelegram(enforce_limits=True)
    async with harness(sqlite_url, fake=fake, pacer=GroupPacer()) as h:
        before = [f"sebelum mati {n:02d}" for n in range(12)]
        after = [f"sesudah hidup {n:02d}" for n in range(8)]
        for n, text in enumerate(before):
            await _buyer_says(h, 7101 + n, f"Awal{n}", text)
        await h.deliver()  # held for company
        h.clock.advance(seconds=5)

        async def dies(*_args: object, **_kwargs: object) -> None:
            raise _Crash

        monkeypatch.setattr(ChatDigestDelivery, "_shown", dies)
        with pytest.raises(_Crash):
            await h.rt.relay.run_once()
        monkeypatch.undo()
        assert sum(any(t in (m.plain_text or "") for t in before) for m in h.group()) == 1
        for n, text in enumerate(after):
            await _buyer_says(h, 7201 + n, f"Baru{n}", text)
        h.clock.advance(seconds=61)  # the dead pass's leases have run out
        await h.deliver()
        h.clock.advance(seconds=30)
        await h.deliver()
        shown = [m.plain_text or "" for m in h.group()]
        for text in before + after:
            assert sum(text in message for message in shown) == 1, text


async def test_an_order_digest_posted_just_before_a_crash_is_neither_repeated_nor_swallowing(
    sqlite_url, monkeypatch
):
    """The same for new orders: the dead pass's digest keeps its orders, later orders that
    come in the same retry batch get their own digest, and every order is listed once."""
    fake = FakeTelegram(enforce_limits=True)
    async with harness(sqlite_url, fake=fake, pacer=GroupPacer()) as h:
        first = [h.sandbox.add_order(SHOP_ID) for _ in range(10)]
        for order in first:
            await h.webhook("order_notification", order["order_id"])
        set_alert = orders_store.set_alert

        def dies(**_kwargs: object) -> None:
            raise _Crash

        monkeypatch.setattr(orders_store, "set_alert", dies)
        with pytest.raises(_Crash):
            await h.rt.relay.run_once()
        monkeypatch.setattr(orders_store, "set_alert", set_alert)
        later = [h.sandbox.add_order(SHOP_ID) for _ in range(5)]
        for order in later:
            await h.webhook("order_notification", order["order_id"])
        h.clock.advance(seconds=61)
        await h.deliver()
        h.clock.advance(seconds=30)
        await h.deliver()
        digests = [m.plain_text or "" for m in h.group()]
        assert [d.split(" pesanan baru")[0].split()[-1] for d in digests] == ["10", "5"]
        lines = [line.split(" · ")[0] for d in digests for line in d.splitlines()]
        listed = [line for line in lines if line.startswith("#")]
        assert len(listed) == len(set(listed)) == 15
