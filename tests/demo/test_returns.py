"""Returns in the demo: a buyer of a shipped Tokopedia & Shop order asks for a refund with
photos, and the alert, its photos and the answer work from the demo group, over HTTP."""

from __future__ import annotations

from bot.demo.cast import BUYERS
from bot.demo.run import Demo
from tests.demo.conftest import Client, bot_message, eventually, group, titles
from tests.demo.test_tiktokshop import SHOP, _entry, _order, _press

SITI = BUYERS[0].user_id


def _labels(message) -> list[str]:
    return [
        key["text"]
        for row in (message.reply_markup or {}).get("inline_keyboard", [])
        for key in row
    ]


async def test_buyer_asks_for_a_refund_and_staff_see_the_photos_and_approve(
    running: Demo, client: Client
):
    order, _ = await _order(client, running, buyer=SITI)
    ref = {"order_id": order["order_id"], "market": SHOP}
    assert not order["can_request_return"]
    refused = await client.post("market/return-request", ref, status=409)
    assert "sudah dikirim" in refused["error"]
    await client.post("market/pickup", ref)
    shipped = await client.post("market/pickup", ref)
    assert shipped["can_request_return"]

    asked = await client.post("market/return-request", ref)
    assert (asked["webhook_status"], asked["return_requested"]) == (200, True)
    assert asked["status_label"] == "Sampai"  # the parcel arrived before the buyer asked
    await client.post("market/return-request", ref, status=409)
    assert titles(running, SHOP)[-2:] == [
        "→ tokobot: webhook status pesanan",
        "→ tokobot: webhook permintaan retur",
    ]

    alert = await eventually(lambda: bot_message(running, "Pembeli minta pengembalian dana"))
    assert order["order_id"] in alert.plain_text
    assert "TikTok" not in alert.plain_text
    assert _labels(alert) == ["✅ Setujui", "❌ Tolak", "📷 Lihat foto (2)"]

    await _press(client, alert, "Lihat foto")

    def under_alert():
        found = [m for m in group(running) if "photo" in m.content]
        return found if len(found) == 2 else None

    photos = await eventually(under_alert)
    assert {p.reply_to_message_id for p in photos} == {alert.message_id}
    case = running.stage.tts.returns.case(asked["return_id"])
    files = running.stage.tts.media.files
    sent = [files[p["url"].rsplit("/", 1)[1].split(".")[0]][1] for p in case.photos]
    assert [running.stage.fake.photo_bytes(p) for p in photos] == sent

    await _press(client, alert, "Setujui")
    await eventually(lambda: _entry(running, "← retur disetujui"))
    assert case.status == "RETURN_OR_REFUND_REQUEST_SUCCESS"
    await eventually(lambda: bot_message(running, "Disetujui oleh Rina"))
    state = await client.state()
    [shown] = state["market"][SHOP]["orders"]
    assert not shown["return_requested"]


async def test_tokopedia_orders_have_no_returns(running: Demo, client: Client):
    """The Tokopedia Open Platform documents no returns API: the demo says so."""
    order = await client.post("market/order", {"market": "tokopedia"})
    refused = await client.post(
        "market/return-request", {"order_id": order["order_id"], "market": "tokopedia"}, status=400
    )
    assert "Tokopedia & Shop" in refused["error"]
