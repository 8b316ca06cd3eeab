"""A second ``tokobot demo`` picks up where the first stopped; ``--fresh`` starts clean."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bot.demo.cast import BUYERS, CHAT_ID, FIRST_ORDER_ID, TTS_SHOP_ID
from bot.demo.persist import DemoFiles, new_stage, restore, snapshot
from bot.demo.run import DemoOptions, demo
from bot.sandbox.images import make_png
from tests.demo.conftest import eventually

SITI, ANDI = BUYERS[0].user_id, BUYERS[1].user_id


def _relayed(stage, text):
    bot_id = stage.fake.bot_id
    for message in stage.fake.messages(CHAT_ID):
        if message.from_id == bot_id and text in (message.plain_text or ""):
            return message
    return None


async def test_second_run_picks_up_where_the_first_left_off(tmp_path: Path):
    """Messages, orders and the log survive; replies to old messages still reach the buyer."""
    async with demo(DemoOptions(tmp_path, port=0)) as first:
        await first.stage.buyer_writes(SITI, "Kak, ready?")
        await first.stage.new_order(ANDI)
        relayed = await eventually(lambda: _relayed(first.stage, "Kak, ready?"))
        await eventually(lambda: _relayed(first.stage, "Pesanan baru"))
        before = first.stage.state()

    async with demo(DemoOptions(tmp_path, port=0)) as second:
        after = second.stage.state()
        assert after["messages"] == before["messages"]
        assert after["market"] == before["market"]
        second.stage.staff_sends("rina", "Ready kak", reply_to=relayed.message_id)
        await eventually(lambda: second.stage.sandbox.replies[-1:])
        reply = second.stage.sandbox.replies[-1]
        assert (reply["message"], reply["msg_id"]) == ("Ready kak", relayed_room(second, SITI))
        order = await second.stage.new_order()
        assert order["order_id"] == FIRST_ORDER_ID + 1


def relayed_room(running, buyer_id):
    return next(r.msg_id for r in running.stage.sandbox.rooms.values() if r.buyer_id == buyer_id)


async def test_fresh_forgets_the_previous_session(tmp_path: Path):
    """--fresh removes the database and the state file before starting."""
    async with demo(DemoOptions(tmp_path, port=0)) as first:
        await first.stage.buyer_writes(SITI, "Halo")
        await eventually(lambda: _relayed(first.stage, "Halo"))
    async with demo(DemoOptions(tmp_path, port=0, fresh=True)) as again:
        state = again.stage.state()
        assert state["messages"] == []
        # A new session: only the Tokopedia & Shop authorization that starts every one.
        assert [e["title"] for e in state["market"]["log"]] == [
            "→ tokobot: penjual menghubungkan toko"
        ]


def test_state_file_without_its_database_is_discarded(tmp_path: Path, caplog):
    """The two files belong together: a lone state file means a clean start, with a warning."""
    files = DemoFiles(tmp_path)
    stage = new_stage(topics=False)
    stage.sandbox.add_chat(479573, SITI, "Siti Aminah", "Halo")
    files.state.write_text(json.dumps(snapshot(stage)))
    with caplog.at_level(logging.WARNING):
        opened = files.open(fresh=False, topics=False)
    assert opened.sandbox.rooms == {}
    assert not files.state.exists()
    assert "starting a fresh demo" in caplog.text


@pytest.mark.parametrize("content", ["{not json", '{"version": 99}', "[]"])
def test_unreadable_state_starts_clean(tmp_path: Path, content: str):
    """A damaged or foreign state file never stops the demo from starting."""
    files = DemoFiles(tmp_path)
    files.state.write_text(content)
    files.database.write_bytes(b"")
    opened = files.open(fresh=False, topics=False)
    assert opened.fake.messages(CHAT_ID) == []
    assert not files.database.exists()


def test_snapshot_restores_to_the_same_snapshot():
    """Telegram messages, topics, rooms, orders, replies and the log all round-trip."""
    stage = new_stage(topics=True)
    stage.fake.user_sends(CHAT_ID, 5_100_001, "halo semua", first_name="Rina")
    stage.sandbox.add_chat(479573, SITI, "Siti Aminah", "Kak?")
    stage.sandbox.add_chat(479574, ANDI, "Andi Wijaya", "Batik L?")
    stage.sandbox.post_reply(stage.sandbox.rooms[10_000], "Ada kak")
    stage.sandbox.add_order(479573, order_id=FIRST_ORDER_ID)
    stage.note("in", "judul", "isi")
    _tokopedia_and_shop(stage)
    data = json.loads(json.dumps(snapshot(stage)))
    restored = restore(data, topics=True)
    # The order was added behind the stage's back; restoring still continues after it.
    assert restored.next_order == FIRST_ORDER_ID + 1
    assert json.loads(json.dumps(snapshot(restored))) == data | {"next_order": FIRST_ORDER_ID + 1}
    assert restored.fake.user_sends(CHAT_ID, 5_100_001, "lagi", first_name="Rina") == 2
    assert restored.sandbox.room_for(479573, BUYERS[2].user_id, "Dewi").msg_id == 10_002


def _tokopedia_and_shop(stage):
    """Arrange a conversation, an order with a pending cancellation, and a seller grant."""
    tts = stage.tts
    conversation = tts.add_conversation(TTS_SHOP_ID, "Siti Aminah")
    tts.buyer_says(conversation, "Kak?")
    tts.add_message(conversation, "SHOP", "Ada kak")
    tts.conversation(conversation).read_ids.add(tts.conversation(conversation).messages[0]["id"])
    order = tts.add_order(TTS_SHOP_ID, buyer_nickname="Andi Wijaya")
    tts.request_cancellation(order["id"], "Berubah pikiran")
    delivered = tts.add_order(TTS_SHOP_ID, buyer_nickname="Siti Aminah", status="DELIVERED")
    tts.returns.request(delivered["id"], photos=[make_png(8, 8)])
    tts.webhook_body(1, order_id=order["id"])  # uses a notification id
    return tts.exchange_auth_code(tts.issue_auth_code([TTS_SHOP_ID]))


def test_tokopedia_and_shop_tokens_and_ids_survive_a_restore():
    """tokobot's stored tokens stay valid and no id (notification ids above all) repeats."""
    stage = new_stage(topics=False)
    grant = _tokopedia_and_shop(stage)
    before = stage.tts
    restored = restore(json.loads(json.dumps(snapshot(stage))), topics=False).tts
    assert restored.access_token(grant["access_token"]) is not None
    assert restored.grant_for_shop(TTS_SHOP_ID).open_id == grant["open_id"]
    assert restored.refresh_tokens(grant["refresh_token"])["open_id"] == grant["open_id"]
    for kind in ("order", "conversation", "message", "cancel", "return", "notification", "user"):
        assert restored.new_id(kind) == before.new_id(kind)
    [conversation] = restored.conversations.values()
    assert (conversation.buyer.nickname, conversation.unread_count) == ("Siti Aminah", 0)
    [cancel] = restored.cancellations.values()
    assert cancel.reason == "Berubah pikiran"
    [request] = restored.returns.cases.values()
    assert (request.status, request.action) == (
        "RETURN_OR_REFUND_REQUEST_PENDING",
        "SELLER_RESPOND_REFUND",
    )
    assert len(request.photos) == 1


def test_a_version_1_state_gets_a_fresh_tokopedia_and_shop():
    """A file from before Tokopedia & Shop still restores the rest."""
    stage = new_stage(topics=False)
    stage.sandbox.add_chat(479573, SITI, "Siti Aminah", "Kak?")
    _tokopedia_and_shop(stage)
    data = json.loads(json.dumps(snapshot(stage)))
    del data["tiktokshop"]
    data["log"] = [{"at": 1.0, "dir": "in", "title": "judul", "detail": "isi", "ok": True}]
    restored = restore(data | {"version": 1}, topics=False)
    assert list(restored.sandbox.rooms) == [10_000]
    assert restored.log[0]["market"] == "tokopedia"
    assert restored.tts.orders == {}
    assert not restored.tiktok.connected
