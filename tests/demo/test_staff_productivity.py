"""The demo shows quick replies (seeded templates) and the away message (a closed-shop switch)."""

from __future__ import annotations

from bot.demo.cast import BUYERS
from bot.demo.run import Demo
from tests.demo.conftest import Client, bot_message, button, eventually

SITI = BUYERS[0].user_id


async def test_a_seeded_template_reaches_the_buyer_from_the_page(running: Demo, client: Client):
    await client.post("market/chat", {"buyer": SITI, "text": "Kak, kopi gayo ada?"})
    relayed = await eventually(lambda: bot_message(running, "kopi gayo ada?"))
    data = button(relayed, "Balasan cepat")
    await client.post(
        "telegram/press", {"user": "rina", "message_id": relayed.message_id, "data": data}
    )
    menu = await eventually(lambda: bot_message(running, "Balasan cepat"))
    labels = [key["text"] for row in menu.reply_markup["inline_keyboard"] for key in row]
    assert set(labels) == {"salam", "stok", "ongkir", "resi"}
    data = button(menu, "stok")
    await client.post(
        "telegram/press", {"user": "rina", "message_id": menu.message_id, "data": data}
    )
    await eventually(lambda: running.stage.sandbox.replies)
    assert running.stage.sandbox.replies[-1]["message"].startswith("Stoknya masih ada, Kak Siti")


async def test_the_closed_switch_sends_the_away_message_once(running: Demo, client: Client):
    assert (await client.post("shop/closed", {"closed": True}))["closed"] is True
    await client.post("market/chat", {"buyer": SITI, "text": "Malam kak, masih buka?"})
    relayed = await eventually(lambda: bot_message(running, "balasan otomatis terkirim"))
    assert "Malam kak, masih buka?" in relayed.plain_text
    await client.post("market/chat", {"buyer": SITI, "text": "Halo?"})
    await eventually(lambda: bot_message(running, "Halo?"))
    away = [r for r in running.stage.sandbox.replies if "sedang tutup" in r["message"]]
    assert len(away) == 1
    assert (await client.post("shop/closed", {"closed": False}))["closed"] is False
    await client.post("market/chat", {"buyer": SITI, "text": "Pagi kak"})
    shown = await eventually(lambda: bot_message(running, "Pagi kak"))
    assert "🤖" not in shown.plain_text
