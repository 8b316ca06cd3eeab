"""Return and refund requests (Tokopedia & Shop, webhook type 12), end to end: the alert,
approve and reject with the platform's reasons, the deadline reminders, later status
updates, and reconciliation of a request whose webhook never came."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import select

from bot.domain.vocab import ButtonAction
from bot.jobs.reconcile import reconcile
from bot.jobs.reminders import reminders
from bot.sandbox.images import make_png
from bot.staff.common import Actor, Pressed, Status
from bot.staff.return_photos import show_return_photos
from bot.staff.returns import approve_pressed
from storage.links import ButtonMeaning
from storage.models import AuditEntry
from tests.harness import ADMIN_ID, CHAT_ID, STAFF_ID, TTS_SHOP_ID, harness

BOTH = "tokopedia,tiktokshop"
ITEMS = [
    {"product_name": "Kopi Gayo Arabika 250g", "sku_name": "250g", "sale_price": "85000",
     "quantity": 2},
    {"product_name": "Gula Aren Cair 500ml", "sku_name": "500ml", "sale_price": "32000"},
]  # fmt: skip


async def _request(h, *, return_type="REFUND", webhook=True, photos=()):
    """A delivered order, a buyer's request about it and (unless not) its type-12 webhook."""
    assert (await h.authorize_tts()).status_code == 200
    order = h.tts.add_order(TTS_SHOP_ID, status="DELIVERED", line_items=ITEMS)
    return_id = h.tts.returns.request(
        order["id"], "ecom_return_reason_damaged", return_type=return_type, photos=photos
    )
    if webhook:
        await _notify(h, return_id)
    return order, return_id


async def _notify(h, return_id):
    response = await h.post_tts(h.tts.webhook_body(12, return_id=return_id))
    assert response.status_code == 200, response.text
    await h.deliver()


def _alert(h, order_id):
    found = [m for m in h.group() if "Pembeli minta" in (m.plain_text or "")]
    assert [order_id in (m.plain_text or "") for m in found] == [True]
    return found[0]


def _buttons(message):
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


async def _audit(h):
    async with h.rt.sessions() as session:
        rows = (await session.execute(select(AuditEntry))).scalars()
        return [(e.action, e.result, e.actor_name, e.text, e.detail) for e in rows]


async def test_alert_shows_what_staff_decide_on(sqlite_url):
    """Order, items, the buyer's reason in Indonesian, refund, deadline, Setujui/Tolak."""
    async with harness(sqlite_url, marketplaces=BOTH) as h:
        order, return_id = await _request(h)
        alert = _alert(h, order["id"])
        text = alert.plain_text or ""
        assert "Tokopedia & Shop" in text
        assert "TikTok" not in text
        assert "2 × Kopi Gayo Arabika 250g · 250g" in text
        assert "Barang rusak atau cacat" in text
        assert "Rp202.000" in text.replace(" ", "").replace("\xa0", "")
        assert "Jawab sebelum" in text
        assert "WIB" in text
        assert _buttons(alert) == ["✅ Setujui", "❌ Tolak"]
        # The same request announced again (a redelivery, another notification) shows nothing.
        before = len(h.group())
        await _notify(h, return_id)
        assert len(h.group()) == before


async def test_approve_once_audited_and_shown_on_the_alert(sqlite_url):
    """Two presses approve once; the alert loses its buttons and names who approved."""
    async with harness(sqlite_url, marketplaces=BOTH) as h:
        order, return_id = await _request(h)
        alert = _alert(h, order["id"])
        stale = h.button(alert, "Setujui")
        await h.press(alert, "Setujui")
        # A second phone still showing the old keyboard presses too; staff who may not
        # decide (admins are configured) are refused whatever they press.
        answers = []
        for user_id in (ADMIN_ID, STAFF_ID):
            query = h.fake.user_presses(
                CHAT_ID, user_id, alert.message_id, stale, first_name="Budi", unchecked=True
            )
            await h.updates()
            answers.append(h.fake.callback_query(query).answer_text or "")
        assert "sudah tidak menunggu" in answers[0]
        assert "tidak diizinkan" in answers[1]
        case = h.tts.returns.case(return_id)
        assert case.decisions == ["APPROVE_REFUND"]
        assert len([c for c in h.tts.calls if c.path.endswith("/approve")]) == 1
        alert = _alert(h, order["id"])
        assert "Disetujui oleh Rina" in (alert.plain_text or "")
        assert _buttons(alert) == []
        assert await _audit(h) == [("return_approved", "ok", "Rina", "", "")]


async def test_two_approvals_at_once_call_the_platform_once(sqlite_url):
    """Two staff approving at the same moment: one claim wins, one call is made."""
    async with harness(sqlite_url, marketplaces=BOTH) as h:
        _, return_id = await _request(h)
        meaning = ButtonMeaning(ButtonAction.RETURN_APPROVE, "tiktokshop", TTS_SHOP_ID, return_id)
        services = h.rt.services
        answers = await asyncio.gather(
            approve_pressed(services, Actor(ADMIN_ID, "Rina"), meaning),
            approve_pressed(services, Actor(ADMIN_ID + 1, "Sari"), meaning),
        )
        statuses = {answer.result.status for answer in answers}
        assert Status.DONE in statuses
        assert statuses & {Status.BUSY, Status.STALE}
        assert len([c for c in h.tts.calls if c.path.endswith("/approve")]) == 1
        assert [e[:2] for e in await _audit(h)] == [("return_approved", "ok")]


async def test_reject_with_a_platform_reason_and_a_comment(sqlite_url):
    """Tolak shows the platform's own reasons, fetched each time; the comment goes along."""
    async with harness(sqlite_url, marketplaces=BOTH) as h:
        order, return_id = await _request(h)
        alert = _alert(h, order["id"])
        await h.press(alert, "Tolak")
        alert = _alert(h, order["id"])
        assert "Barang sesuai deskripsi produk" in _buttons(alert)
        await h.press(alert, "Barang sesuai deskripsi produk")
        alert = _alert(h, order["id"])
        assert any(b.startswith("❌ Tolak: Barang sesuai") for b in _buttons(alert))
        await h.press(alert, "Tambah komentar")
        question = h.last()
        assert question.reply_markup
        assert question.reply_markup.get("force_reply")
        await h.say("Foto <b>tidak</b> menunjukkan cacat", reply_to=question.message_id)
        case = h.tts.returns.case(return_id)
        assert case.status == "REFUND_OR_RETURN_REQUEST_REJECT"
        assert case.reject_reason == "reverse_reject_reason_item_as_described"
        assert case.comment == "Foto <b>tidak</b> menunjukkan cacat"
        assert case.reasons_fetched == 2  # for the picker, and again before rejecting
        alert = _alert(h, order["id"])
        assert "Ditolak oleh Rina" in (alert.plain_text or "")
        assert "Barang sesuai deskripsi produk" in (alert.plain_text or "")
        assert _buttons(alert) == []
        [entry] = await _audit(h)
        assert entry[:3] == ("return_rejected", "ok", "Rina")
        assert entry[3] == "Foto <b>tidak</b> menunjukkan cacat"


async def test_reject_refuses_a_reason_withdrawn_meanwhile(sqlite_url):
    """Reasons change: one withdrawn since the picker opened is refused, nothing sent."""
    async with harness(sqlite_url, marketplaces=BOTH) as h:
        order, return_id = await _request(h)
        await h.press(_alert(h, order["id"]), "Tolak")
        await h.press(_alert(h, order["id"]), "Bukti dari pembeli")
        h.tts.returns.case(return_id).reject_reasons.remove("reverse_reject_reason_no_evidence")
        await h.press(_alert(h, order["id"]), "Tolak: Bukti")
        assert not [c for c in h.tts.calls if c.path.endswith("/reject")]
        assert h.tts.returns.case(return_id).status == "RETURN_OR_REFUND_REQUEST_PENDING"
        [entry] = await _audit(h)
        assert entry[:2] == ("return_rejected", "failed")
        # The claim was released: picking a current reason now works.
        await h.press(_alert(h, order["id"]), "Kembali")
        await h.press(_alert(h, order["id"]), "Tolak")
        await h.press(_alert(h, order["id"]), "Barang sudah dipakai")
        await h.press(_alert(h, order["id"]), "Tolak: Barang sudah")
        assert h.tts.returns.case(return_id).reject_reason == "reverse_reject_reason_used_item"


async def test_reminders_before_the_deadline_the_last_naming_admins(sqlite_url):
    """At 6 h and 1 h before the platform decides; once each; the last one names admins."""
    async with harness(sqlite_url, marketplaces=BOTH) as h:
        order, _ = await _request(h)
        alert = _alert(h, order["id"])
        services = h.rt.services
        await reminders(services, h.clock.now)
        assert len(h.group()) == 1
        h.clock.advance(hours=42, minutes=1)
        await reminders(services, h.clock.now)
        first = h.last()
        assert "Segera jawab permintaan retur" in (first.plain_text or "")
        assert first.reply_to_message_id == alert.message_id
        assert f"tg://user?id={ADMIN_ID}" not in (first.text or "")
        assert _buttons(first) == ["✅ Setujui", "❌ Tolak"]
        await reminders(services, h.clock.now)
        assert h.last().message_id == first.message_id
        h.clock.advance(hours=5)
        await reminders(services, h.clock.now)
        last = h.last()
        assert last.message_id != first.message_id
        assert f"tg://user?id={ADMIN_ID}" in (last.text or "")
        assert "disetujui otomatis" in (last.plain_text or "")
        # Approving from the reminder answers the request and marks the reminder too.
        await h.press(last, "Setujui")
        assert "Disetujui oleh Rina" in (h.last().plain_text or "")
        h.clock.advance(minutes=30)
        count = len(h.group())
        await reminders(services, h.clock.now)
        assert len(h.group()) == count


async def test_later_statuses_edit_the_alert_and_post_an_update(sqlite_url):
    """A return's life: approved, buyer ships (answer again), received, refunded."""
    async with harness(sqlite_url, marketplaces=BOTH) as h:
        order, return_id = await _request(h, return_type="RETURN_AND_REFUND")
        await h.press(_alert(h, order["id"]), "Setujui")
        await _notify(h, return_id)
        update = h.last()
        assert "menunggu pembeli mengirim barang" in (update.plain_text or "")
        assert update.reply_to_message_id == _alert(h, order["id"]).message_id
        h.tts.returns.buyer_ships(return_id)
        await _notify(h, return_id)
        assert "Pembeli sudah mengirim barang kembali" in (h.last().plain_text or "")
        alert = _alert(h, order["id"])
        assert alert.edited
        assert "Periksa paketnya" in (alert.plain_text or "")
        assert _buttons(alert) == ["✅ Setujui", "❌ Tolak"]  # the parcel needs an answer too
        await h.press(alert, "Setujui", first_name="Sari")
        assert h.tts.returns.case(return_id).decisions == [
            "APPROVE_RETURN",
            "APPROVE_RECEIVED_PACKAGE",
        ]
        await _notify(h, return_id)
        assert "Paket retur diterima" in (h.last().plain_text or "")
        h.tts.returns.complete_refund(return_id)
        await _notify(h, return_id)
        assert "Dana sudah dikembalikan" in (h.last().plain_text or "")
        alert = _alert(h, order["id"])
        assert "Dana sudah dikembalikan" in (alert.plain_text or "")
        assert _buttons(alert) == []


async def test_a_cancelled_request_loses_its_buttons(sqlite_url):
    """The buyer withdrew: an update says so and the alert can no longer be answered."""
    async with harness(sqlite_url, marketplaces=BOTH) as h:
        order, return_id = await _request(h)
        h.tts.returns.buyer_cancels(return_id)
        await _notify(h, return_id)
        assert "Permintaan dibatalkan" in (h.last().plain_text or "")
        alert = _alert(h, order["id"])
        assert _buttons(alert) == []
        assert "Permintaan dibatalkan" in (alert.plain_text or "")


async def test_reconciliation_catches_a_missed_webhook(sqlite_url):
    """A request whose webhook never came is found by the return search and alerted once;
    its webhook arriving late shows nothing more."""
    async with harness(sqlite_url, marketplaces=BOTH) as h:
        order, return_id = await _request(h, webhook=False)
        figures = await reconcile(h.rt.services, h.rt.store, h.clock.now)
        await h.deliver()
        assert (figures.returns_checked, figures.returns_missing) == (1, 1)
        alert = _alert(h, order["id"])
        assert _buttons(alert) == ["✅ Setujui", "❌ Tolak"]
        h.clock.advance(minutes=5)
        again = await reconcile(h.rt.services, h.rt.store, h.clock.now)
        await h.deliver()
        assert again.returns_missing == 0
        await _notify(h, return_id)
        _alert(h, order["id"])  # still exactly one alert


async def test_hostile_type_12_bodies(sqlite_url):
    """Unknown fields are tolerated; a body without the order is a 400; a forged one 401."""
    async with harness(sqlite_url, marketplaces=BOTH) as h:
        _, return_id = await _request(h, webhook=False)
        body = h.tts.webhook_body(12, return_id=return_id)
        body["data"] |= {"surprise": {"deep": [1, None]}, "return_role": None}
        body["extra_top_level"] = "<script>"
        assert (await h.post_tts(body)).status_code == 200
        await h.deliver()
        assert len([m for m in h.group() if "Pembeli minta" in (m.plain_text or "")]) == 1
        broken = h.tts.webhook_body(12, return_id=return_id)
        del broken["data"]["order_id"]
        response = await h.post_tts(broken)
        assert response.status_code == 400
        assert response.text
        forged = json.dumps(h.tts.webhook_body(12, return_id=return_id)).encode()
        assert (await h.post_tts(forged, signature="bad")).status_code == 401
        assert [m.chat_id for m in h.group()] == [CHAT_ID]


def _photos(h):
    return [m for m in h.group() if "photo" in m.content]


async def test_buyer_photos_on_demand_with_the_same_bytes_once(sqlite_url):
    """The alert offers the buyer's photos behind one button; a press posts each photo under
    the alert, downloaded with the shop's token, bytes unchanged; pressing again (another
    staff member, a second phone) posts nothing more."""
    async with harness(sqlite_url, marketplaces=BOTH) as h:
        pictures = [make_png(320, 240, shade=3), make_png(240, 320, shade=4)]
        order, _ = await _request(h, photos=pictures)
        alert = _alert(h, order["id"])
        assert _buttons(alert) == ["✅ Setujui", "❌ Tolak", "📷 Lihat foto (2)"]
        assert _photos(h) == []  # nothing spent from the group's budget until asked
        query = await h.press(alert, "Lihat foto", user_id=STAFF_ID, first_name="Budi")
        photos = _photos(h)
        assert [h.fake.photo_bytes(p) for p in photos] == pictures
        assert {p.reply_to_message_id for p in photos} == {alert.message_id}
        assert "2 foto" in (h.fake.callback_query(query).answer_text or "")
        assert [d["allowed"] for d in h.tts.media.downloads] == [True, True]
        again = await h.press(alert, "Lihat foto")
        assert len(_photos(h)) == 2
        assert "sudah ditampilkan" in (h.fake.callback_query(again).answer_text or "")
        # Looking is not deciding: the request still waits, and the button outlives the answer.
        await h.press(_alert(h, order["id"]), "Setujui")
        assert _buttons(_alert(h, order["id"])) == ["📷 Lihat foto (2)"]
        audit_rows = await _audit(h)
        assert ("return_photos", "ok", "Budi", "", "2/2") in audit_rows


async def test_a_failed_photo_download_keeps_the_alert_and_a_retry_posts_the_rest(sqlite_url):
    """The media host fails once: the alert is untouched, the press says so, and pressing
    again posts only the photo still missing."""
    async with harness(sqlite_url, marketplaces=BOTH) as h:
        pictures = [make_png(100, 80, shade=5), make_png(80, 100, shade=6)]
        order, return_id = await _request(h, photos=pictures)
        alert = _alert(h, order["id"])
        h.tts.media.fail_downloads = 1
        query = await h.press(alert, "Lihat foto")
        assert "gagal" in (h.fake.callback_query(query).answer_text or "")
        assert [h.fake.photo_bytes(p) for p in _photos(h)] == [pictures[1]]
        alert = _alert(h, order["id"])
        assert _buttons(alert) == ["✅ Setujui", "❌ Tolak", "📷 Lihat foto (2)"]
        await h.press(alert, "Lihat foto")
        assert [h.fake.photo_bytes(p) for p in _photos(h)] == [pictures[1], pictures[0]]
        assert h.tts.returns.case(return_id).status == "RETURN_OR_REFUND_REQUEST_PENDING"
        assert [e[1] for e in await _audit(h) if e[0] == "return_photos"] == ["failed", "ok"]


async def test_records_unavailable_at_delivery_the_alert_still_goes_out(sqlite_url):
    """Get Return Records fails when the alert is posted: the alert is shown anyway, its photo
    button without a count, and a press later lists and posts the photos."""
    async with harness(sqlite_url, marketplaces=BOTH) as h:
        picture = make_png(64, 64, shade=8)
        h.tts.fail_next(r"/records$", 500, times=4)  # every try the client makes
        order, _ = await _request(h, photos=[picture])
        alert = _alert(h, order["id"])
        assert _buttons(alert) == ["✅ Setujui", "❌ Tolak", "📷 Foto pembeli"]
        await h.press(alert, "Foto pembeli")
        assert [h.fake.photo_bytes(p) for p in _photos(h)] == [picture]


async def test_a_request_without_photos_has_no_photo_button(sqlite_url):
    async with harness(sqlite_url, marketplaces=BOTH) as h:
        order, _ = await _request(h)
        assert _buttons(_alert(h, order["id"])) == ["✅ Setujui", "❌ Tolak"]
        assert [c for c in h.tts.calls if c.path.endswith("/records")]  # it was asked


async def test_two_staff_pressing_at_once_post_each_photo_once(sqlite_url):
    """Two phones press "Lihat foto" in the same moment: every photo is posted exactly once."""
    async with harness(sqlite_url, marketplaces=BOTH) as h:
        pictures = [make_png(30, 30, shade=n) for n in (10, 11, 12)]
        order, return_id = await _request(h, photos=pictures)
        alert = _alert(h, order["id"])
        meaning = ButtonMeaning(ButtonAction.RETURN_PHOTOS, "tiktokshop", TTS_SHOP_ID, return_id)
        pressed = Pressed(CHAT_ID, alert.message_id, alert.text or "", None)
        services = h.rt.services
        results = await asyncio.gather(
            show_return_photos(services, Actor(ADMIN_ID, "Rina"), meaning, pressed),
            show_return_photos(services, Actor(STAFF_ID, "Budi"), meaning, pressed),
        )
        assert sorted(h.fake.photo_bytes(p) for p in _photos(h)) == sorted(pictures)
        assert {r.status for r in results} <= {Status.DONE, Status.STALE}
        assert len(h.tts.media.downloads) == 3  # nobody fetched a photo the other one took
