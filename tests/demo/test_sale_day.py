"""The demo's "200 buyers at once" button: a sale day anyone can watch."""

from __future__ import annotations

from bot.demo.run import Demo
from tests.demo.conftest import Client, eventually, group, titles


async def test_two_hundred_buyers_become_answerable_chat_digests(running: Demo, client: Client):
    """Every buyer's webhook is acknowledged and each buyer gets an answer button in a digest.

    Sent one by one, 200 buyers would take the group ten minutes; as digests they all are
    one tap away within the first minute's budget.
    """
    result = await client.post("market/buyers-burst", {"count": 200})
    assert result["ok"]
    assert result["buyers"] == 200
    assert result["accepted"] == result["created"] >= 200

    def answer_buttons() -> set[str]:
        return {
            key["text"]
            for message in group(running)
            if "pembeli" in (message.plain_text or "")
            for row in (message.reply_markup or {}).get("inline_keyboard", [])
            for key in row
        }

    # Buyers already shown one by one before the backlog was seen have their own message.
    shown = await eventually(lambda: len(answer_buttons()) >= 180, timeout=90)
    assert shown
    messages = group(running)
    assert len(messages) < 40
    assert f"→ tokobot: {result['created']} pesan dari 200 pembeli" in titles(running)
