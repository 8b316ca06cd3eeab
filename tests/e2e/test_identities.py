"""Only people act: chat identities and automatic forwards never decide or reach a buyer.

Telegram lets a group member post "as" a channel or as the group itself (``sender_chat``), and
a linked channel's posts arrive as automatic forwards from 777000. Such a message names no
person, so tokobot explains once an hour and does nothing else. Edited commands never run,
and a long answer is split rather than refused by Telegram.
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.telegram import inbound
from storage import audit
from tests.harness import ADMIN_ID, CHAT_ID, SHOP_ID, Harness, harness

CHANNEL = {"id": -1002000000002, "title": "Toko Maju Official", "type": "channel"}
GROUP = {"id": CHAT_ID, "title": "Staff Toko Maju", "type": "supergroup"}
CHANNEL_BOT, ANONYMOUS_ADMIN, TELEGRAM = 136817688, 1087968824, 777000
EXPLANATION = "tidak menjalankan perintah"


async def relayed_order(h: Harness) -> tuple[dict[str, Any], Any]:
    order = h.sandbox.add_order(SHOP_ID)
    await h.webhook("order_notification", order["order_id"])
    await h.deliver()
    return order, h.last()


async def relayed_chat(h: Harness) -> Any:
    room = h.sandbox.add_chat(SHOP_ID, 654321, "Budi Santoso", "Kak, ready?")
    await h.webhook("chat", room)
    await h.deliver()
    return h.last()


async def post_as(
    h: Harness, user_id: int, text: str, *, reply_to: int | None = None, **content: Any
) -> None:
    inbound.user_message(
        h.fake.world,
        CHAT_ID,
        user_id,
        first_name="Toko Maju Official",
        reply_to=reply_to,
        thread_id=None,
        text=text,
        content=content,
    )
    await h.updates()


def explanations(h: Harness) -> int:
    return sum(EXPLANATION in message.plain_text for message in h.group())


def acks(h: Harness) -> int:
    return sum(call.path.endswith("/ack") for call in h.sandbox.calls)


class TestChatIdentities:
    async def test_accept_sent_as_a_channel_accepts_nothing(self, sqlite_url):
        """The reproduced case: /accept "as a channel" accepted the order."""
        async with harness(sqlite_url) as h:
            order, _ = await relayed_order(h)
            await post_as(h, CHANNEL_BOT, f"/accept {order['order_id']}", sender_chat=CHANNEL)
            assert acks(h) == 0
            assert h.sandbox.orders[order["order_id"]]["order_status"] != 400
            assert explanations(h) == 1

    async def test_explained_at_most_once_an_hour(self, sqlite_url):
        async with harness(sqlite_url) as h:
            order, _ = await relayed_order(h)
            command = f"/accept {order['order_id']}"
            for _ in range(3):
                await post_as(h, CHANNEL_BOT, command, sender_chat=CHANNEL)
            assert explanations(h) == 1
            h.clock.advance(minutes=59)
            await post_as(h, ANONYMOUS_ADMIN, command, sender_chat=GROUP)
            assert explanations(h) == 1
            h.clock.advance(minutes=2)
            await post_as(h, ANONYMOUS_ADMIN, command, sender_chat=GROUP)
            assert explanations(h) == 2
            assert acks(h) == 0

    async def test_anonymous_admin_reply_never_reaches_the_buyer(self, sqlite_url):
        async with harness(sqlite_url) as h:
            relayed = await relayed_chat(h)
            await post_as(
                h, ANONYMOUS_ADMIN, "ready kak", reply_to=relayed.message_id, sender_chat=GROUP
            )
            assert h.sandbox.replies == []
            assert explanations(h) == 1

    async def test_automatic_forward_never_reaches_the_buyer(self, sqlite_url):
        """A linked channel's post forwarded into the group, even as a reply, stays put."""
        async with harness(sqlite_url) as h:
            relayed = await relayed_chat(h)
            forward = {"sender_chat": CHANNEL, "is_automatic_forward": True}
            await post_as(h, TELEGRAM, "Promo 12.12!", reply_to=relayed.message_id, **forward)
            await post_as(h, TELEGRAM, "/orders", **forward)
            assert h.sandbox.replies == []
            assert explanations(h) == 1

    async def test_a_person_still_acts(self, sqlite_url):
        """The gate is not simply closed: the same command from a person accepts the order."""
        async with harness(sqlite_url) as h:
            order, _ = await relayed_order(h)
            await h.say(f"/accept {order['order_id']}", user_id=ADMIN_ID)
            assert acks(h) == 1
            assert explanations(h) == 0


class TestEdits:
    async def edit(self, h: Harness, message_id: int, text: str) -> None:
        """The staff member edits an earlier message, as Telegram reports it."""
        message = h.fake.world.message(CHAT_ID, message_id)
        assert message is not None
        body = h.fake.world.message_json(message)
        body |= {"text": text, "edit_date": body["date"] + 30}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        h.fake.push_update({"edited_message": body})
        await h.updates()

    async def test_edited_command_does_not_run_again(self, sqlite_url):
        async with harness(sqlite_url) as h:
            order, _ = await relayed_order(h)
            mid = await h.say(f"/order {order['order_id']}")
            answers = len(h.group())
            await self.edit(h, mid, f"/accept {order['order_id']}")
            await self.edit(h, mid, f"/order {order['order_id']}")
            assert acks(h) == 0
            assert len(h.group()) == answers

    async def test_edited_reply_is_not_sent_again(self, sqlite_url):
        async with harness(sqlite_url) as h:
            relayed = await relayed_chat(h)
            mid = await h.say("ready kak", reply_to=relayed.message_id)
            await self.edit(h, mid, "ready kak, warna hitam")
            assert [reply["message"] for reply in h.sandbox.replies] == ["ready kak"]


class TestLongAnswers:
    async def test_audit_past_4096_characters_is_split(self, sqlite_url):
        """/audit with fifty long entries arrives in several messages, none over the limit."""
        async with harness(sqlite_url) as h:
            order, _ = await relayed_order(h)
            async with h.rt.sessions() as session, session.begin():
                for n in range(50):
                    await audit.record(
                        session=session,
                        at=h.clock.now,
                        actor_id=ADMIN_ID,
                        actor_name=f"Staf nomor {n:02d}",
                        action="reply",
                        marketplace="tokopedia",
                        shop_id=str(SHOP_ID),
                        order_id=str(order["order_id"]),
                        result="failed",
                        text="x" * 150,
                        detail="Gagal: toko sedang libur & <tutup>",
                    )
            before = len(h.group())
            await h.say(f"/audit {order['order_id']}")
            answers = h.group()[before + 1 :]
            assert len(answers) >= 2
            assert all(len(m.plain_text) <= 4096 for m in answers)
            shown = "".join(m.plain_text for m in answers)
            assert all(f"Staf nomor {n:02d}" in shown for n in range(50))
