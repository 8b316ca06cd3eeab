"""Accept all on a digest, and /accept with several orders: each order accepted once."""

from __future__ import annotations

import asyncio

from bot.relay.pacer import GroupPacer
from bot.sandbox.telegram import FakeTelegram
from bot.staff import bulk_run
from bot.staff.bulk_run import drain
from storage import audit, orders
from tests.harness import ADMIN_ID, CHAT_ID, SHOP_ID, STAFF_ID, TTS_SHOP_ID, harness

ACK = r"/v1/order/{}/fs/\d+/ack$"


async def _digest(h, count):
    """``count`` new orders at once: the relay shows them as one digest."""
    placed = [h.sandbox.add_order(SHOP_ID) for _ in range(count)]
    for order in placed:
        await h.webhook("order_notification", order["order_id"])
    await h.deliver()
    digest = h.last()
    return [order["order_id"] for order in placed], digest


def _accepts(h, order_id):
    """How many times the marketplace accepted the order (its own history says)."""
    history = h.sandbox.orders[order_id]["order_history"]
    return sum(1 for entry in history if entry["message"] == "Seller accepted order")


async def _decided(h, ids):
    async with h.rt.services.sessions() as session:
        rows = [
            await orders.get_order(session=session, marketplace="tokopedia", order_id=str(i))
            for i in ids
        ]
    return sum(1 for row in rows if row is not None and row.outcome)


def _message(h, message_id):
    return next(m for m in h.fake.messages(CHAT_ID) if m.message_id == message_id)


def _labels(message):
    markup = message.reply_markup or {}
    return [button["text"] for row in markup.get("inline_keyboard", []) for button in row]


async def test_accept_all_skips_changed_orders_reports_failures_and_retries_only_them(
    db_url,
):
    fake = FakeTelegram(enforce_limits=True)
    async with harness(db_url, fake=fake, pacer=GroupPacer()) as h:
        ids, digest = await _digest(h, 10)
        assert "✅ Terima semua (10)" in _labels(digest)
        # Meanwhile: one accepted on its own, one cancelled by the buyer.
        await h.say(f"/accept {ids[0]}")
        h.sandbox.set_status(ids[1], 0)
        await h.webhook("order_status", ids[1])
        await h.deliver()
        # The marketplace refuses one order, and limits the accept endpoint.
        h.sandbox.fail_next(ACK.format(ids[2]), 403, "RBAC_MDLW_001")
        h.sandbox.set_rate_limit(r"/ack$", per_second=5, burst=2)
        for _ in range(2):  # another app of the seller's spends the quota: the run meets 429s
            h.sandbox.rate_limit("/ack")

        await h.press(digest, "Terima semua")
        asking = _message(h, digest.message_id)
        assert "Terima 8 pesanan" in asking.plain_text
        assert "Rp" in asking.plain_text
        assert "2 pesanan lain sudah ditangani" in asking.plain_text
        sent_before = len([c for c in fake.calls if c.method == "sendMessage"])
        await h.press(asking, "Ya")
        await drain()

        done = _message(h, digest.message_id)
        assert "7 diterima, 1 gagal" in done.plain_text
        assert "2 dilewati" in done.plain_text
        assert "1 sudah diterima" in done.plain_text
        assert "1 dibatalkan" in done.plain_text
        invoice = h.sandbox.orders[ids[2]]["invoice_num"]
        assert f"#{invoice[-4:]}" in done.plain_text
        assert _labels(done) == ["🔁 Coba lagi yang gagal (1)"]
        # Progress was this one message, edited: no message per order.
        assert len([c for c in fake.calls if c.method == "sendMessage"]) == sent_before
        # 429s on the way were waited out, not failures.
        assert len([c for c in h.sandbox.calls if c.path.endswith("/ack")]) > 1 + 1 + 7
        assert [_accepts(h, order_id) for order_id in ids] == [1, 0, 0] + [1] * 7
        async with h.rt.services.sessions() as session:
            entries = await audit.for_order(
                session=session, marketplace=None, order_id=str(ids[5])
            )
        assert [(e.action, e.result) for e in entries] == [("bulk_accept", "ok")]
        assert "#" in entries[0].text

        await h.press(done, "Coba lagi")
        await drain()
        again = _message(h, digest.message_id)
        assert "1 diterima, 0 gagal" in again.plain_text
        assert _labels(again) == []
        assert [_accepts(h, order_id) for order_id in ids] == [1, 0, 1] + [1] * 7
        assert all(c.ok for c in fake.calls), [c for c in fake.calls if not c.ok][:1]


async def test_two_staff_confirming_at_once_start_one_run(db_url):
    async with harness(db_url, pacer=GroupPacer()) as h:
        ids, digest = await _digest(h, 9)
        await h.press(digest, "Terima semua")
        asking = _message(h, digest.message_id)
        data = h.button(asking, "Ya")
        first = h.fake.user_presses(CHAT_ID, ADMIN_ID, digest.message_id, data)
        second = h.fake.user_presses(CHAT_ID, ADMIN_ID, digest.message_id, data, first_name="Dewi")
        updates = await h.rt.application.bot.get_updates(offset=h.offset, timeout=0)
        h.offset = updates[-1].update_id + 1
        await asyncio.gather(*(h.rt.application.process_update(u) for u in updates))
        await drain()
        answers = [h.fake.callback_query(query).answer_text for query in (first, second)]
        assert sum("Mulai" in (a or "") for a in answers) == 1
        assert sum("Sudah dijalankan" in (a or "") for a in answers) == 1
        assert [_accepts(h, order_id) for order_id in ids] == [1] * 9
        assert "9 diterima, 0 gagal" in _message(h, digest.message_id).plain_text


async def test_staff_who_may_not_accept_cannot_accept_all(sqlite_url):
    async with harness(sqlite_url, pacer=GroupPacer()) as h:
        ids, digest = await _digest(h, 9)
        query = await h.press(digest, "Terima semua", user_id=STAFF_ID, first_name="Tono")
        assert "tidak" in (h.fake.callback_query(query).answer_text or "").lower()
        assert _labels(_message(h, digest.message_id)) == _labels(digest)
        await h.press(digest, "Terima semua")
        asking = _message(h, digest.message_id)
        query = await h.press(asking, "Ya", user_id=STAFF_ID, first_name="Tono")
        await drain()
        assert "tidak" in (h.fake.callback_query(query).answer_text or "").lower()
        assert [_accepts(h, order_id) for order_id in ids] == [0] * 9
        # No puts the digest back as it was.
        await h.press(asking, "Tidak")
        assert _labels(_message(h, digest.message_id)) == _labels(digest)


async def test_accept_command_takes_several_orders(sqlite_url):
    async with harness(sqlite_url) as h:
        placed = [h.sandbox.add_order(SHOP_ID) for _ in range(3)]
        for order in placed:
            await h.webhook("order_notification", order["order_id"])
        await h.deliver()
        ids = [order["order_id"] for order in placed]
        invoice = placed[2]["invoice_num"]
        await h.say(f"/accept {ids[0]} {ids[1]} {invoice} 999999")
        await drain()
        shown = h.last()
        assert "3 diterima, 1 gagal" in shown.plain_text
        assert "pesanan tidak ditemukan" in shown.plain_text
        assert [_accepts(h, order_id) for order_id in ids] == [1, 1, 1]
        # Again: all three are accepted already, so nothing is called twice.
        await h.say(f"/accept {ids[0]} {ids[1]}")
        await drain()
        assert "0 diterima, 0 gagal" in h.last().plain_text
        assert "2 sudah diterima" in h.last().plain_text
        assert [_accepts(h, order_id) for order_id in ids] == [1, 1, 1]


async def test_process_all_on_tokopedia_and_shop_checks_each_order_within_its_qps(sqlite_url):
    """No accept step there: "Proses semua" claims each order still open on the platform."""
    async with harness(sqlite_url, marketplaces="tokopedia,tiktokshop", pacer=GroupPacer()) as h:
        assert (await h.authorize_tts()).status_code == 200
        placed = [h.tts.add_order(TTS_SHOP_ID) for _ in range(60)]
        for order in placed:
            response = await h.post_tts(h.tts.webhook_body(1, order_id=order["id"]))
            assert response.status_code == 200
        await h.deliver()
        digest = next(m for m in h.group() if "▶️ Proses semua (48)" in _labels(m))
        assert not any("Terima semua" in label for label in _labels(digest))
        h.tts.set_order_status(placed[0]["id"], "CANCELLED")  # no webhook yet
        await h.press(digest, "Proses semua")
        asking = _message(h, digest.message_id)
        assert "Proses 48 pesanan" in asking.plain_text
        await h.press(asking, "Ya")
        await drain()
        done = _message(h, digest.message_id)
        assert "47 diproses, 0 gagal" in done.plain_text
        assert "1 dibatalkan" in done.plain_text
        assert h.tts.qps.refused == 0  # the client kept under the platform's QPS
        async with h.rt.services.sessions() as session:
            entries = await audit.for_order(
                session=session, marketplace="tiktokshop", order_id=placed[5]["id"]
            )
        assert [(e.action, e.result) for e in entries] == [("bulk_process", "ok")]


async def test_run_stopped_by_a_crash_is_taken_over_without_accepting_twice(sqlite_url):
    """The process dies mid-run: a minute later the run goes on where it stopped."""
    async with harness(sqlite_url, pacer=GroupPacer()) as h:
        ids, digest = await _digest(h, 9)
        await h.press(digest, "Terima semua")
        h.sandbox.fail_next(ACK.format(ids[3]), 200, delay=30.0)  # hangs until the "crash"
        await h.press(_message(h, digest.message_id), "Ya")
        while await _decided(h, ids) < 8:  # all but the hanging one accepted and recorded
            await asyncio.sleep(0.05)
        for task in list(bulk_run._RUNNING):  # the process stops: its tasks die with it
            task.cancel()
        await drain()
        assert _accepts(h, ids[3]) == 0
        assert await bulk_run.resume_stopped(h.rt.services) == 0  # not stale yet
        h.clock.advance(minutes=2)
        assert await bulk_run.resume_stopped(h.rt.services) == 1
        await drain()
        assert [_accepts(h, order_id) for order_id in ids] == [1] * 9
        assert "9 diterima, 0 gagal" in _message(h, digest.message_id).plain_text
        assert await bulk_run.resume_stopped(h.rt.services) == 0  # done: nothing to take over
