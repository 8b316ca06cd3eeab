"""Staff act from Telegram: replies reach the buyer once, orders are decided once."""

from __future__ import annotations

import asyncio

import pytest

from bot.domain.vocab import LinkKind
from bot.render.base import reject_reason_label
from bot.staff.rejects import RejectDraft
from tests.harness import ADMIN_ID, CHAT_ID, OUTSIDER_ID, SHOP_ID, STAFF_ID, harness


async def _relayed_chat(h, text="Kak, ready?"):
    room = h.sandbox.add_chat(SHOP_ID, 654321, "Budi Santoso", text)
    await h.webhook("chat", room)
    await h.deliver()
    return room, h.last()


async def _relayed_order(h, **overrides):
    order = h.sandbox.add_order(SHOP_ID, **overrides)
    await h.webhook("order_notification", order["order_id"])
    await h.deliver()
    return order, h.last()


class TestReplies:
    async def test_reply_to_relayed_chat_reaches_the_buyer_and_is_marked(self, sqlite_url):
        """A Telegram reply to a relayed chat is sent to that buyer and gets a 👍."""
        async with harness(sqlite_url) as h:
            room, relayed = await _relayed_chat(h)
            mid = await h.say("Siap kak, stok ada 😊 <b>", reply_to=relayed.message_id)
            assert [r["message"] for r in h.sandbox.replies] == ["Siap kak, stok ada 😊 <b>"]
            assert h.sandbox.replies[0]["msg_id"] == room
            staff = next(m for m in h.fake.messages(CHAT_ID) if m.message_id == mid)
            assert staff.reactions == ("👍",)

    async def test_reply_after_restart_still_reaches_the_right_buyer(self, sqlite_url):
        """The Telegram-to-conversation mapping survives a restart."""
        async with harness(sqlite_url) as h:
            room, relayed = await _relayed_chat(h)
            sandbox, fake, offset = h.sandbox, h.fake, h.offset
        async with harness(sqlite_url, sandbox=sandbox, fake=fake) as again:
            again.offset = offset
            await again.say("Halo lagi kak", reply_to=relayed.message_id)
            assert sandbox.replies[-1]["msg_id"] == room
            assert sandbox.replies[-1]["message"] == "Halo lagi kak"

    async def test_staff_chatter_and_commands_are_never_sent(self, sqlite_url):
        """Plain group talk and replies to non-chat messages stay in the group."""
        async with harness(sqlite_url) as h:
            _, alert = await _relayed_order(h)
            await h.say("siapa yang pegang order ini?")
            await h.say("aku aja", reply_to=alert.message_id)
            help_id = await h.say("/help")
            assert h.sandbox.replies == []
            # The updates were handled, not dropped: the command after the chatter got its answer.
            answer = h.last()
            assert answer.reply_to_message_id == help_id
            assert "/accept" in answer.plain_text

    async def test_sticker_gets_a_clear_answer_and_nothing_is_sent(self, sqlite_url):
        """A sticker as a reply is refused with a note on what can be sent."""
        async with harness(sqlite_url) as h:
            _, relayed = await _relayed_chat(h)
            h.fake.user_sends_sticker(CHAT_ID, ADMIN_ID, reply_to=relayed.message_id)
            await h.updates()
            assert h.sandbox.replies == []
            assert "teks" in h.last().plain_text.lower()

    async def test_reply_button_then_force_reply_answer(self, sqlite_url):
        """Tapping Balas asks for the answer; replying to that prompt sends it."""
        async with harness(sqlite_url) as h:
            room, relayed = await _relayed_chat(h)
            await h.press(relayed, "Balas")
            prompt = h.last()
            assert prompt.reply_markup
            assert prompt.reply_markup.get("force_reply")
            await h.say("Baik kak", reply_to=prompt.message_id)
            assert h.sandbox.replies[-1] == {
                **h.sandbox.replies[-1],
                "msg_id": room,
                "message": "Baik kak",
            }

    async def test_same_update_twice_sends_once(self, sqlite_url):
        """A redelivered Telegram update does not make the buyer receive the text twice."""
        async with harness(sqlite_url) as h:
            _, relayed = await _relayed_chat(h)
            mid = h.fake.user_sends(CHAT_ID, ADMIN_ID, "Oke kak", reply_to=relayed.message_id)
            updates = await h.rt.application.bot.get_updates(offset=h.offset, timeout=0)
            for update in updates + updates:
                await h.rt.application.process_update(update)
            assert [r["message"] for r in h.sandbox.replies] == ["Oke kak"]
            staff = next(m for m in h.fake.messages(CHAT_ID) if m.message_id == mid)
            assert staff.reactions == ("👍",)

    async def test_failed_reply_offers_retry_and_retry_sends_once(self, sqlite_url):
        """A 5xx from Tokopedia is reported with Retry; two Retry taps send one message."""
        async with harness(sqlite_url) as h:
            _, relayed = await _relayed_chat(h)
            h.sandbox.fail_next(r"/reply$", 500, "SHP_GRPC_001")
            await h.say("Ditunggu ya kak", reply_to=relayed.message_id)
            failure = h.last()
            assert h.sandbox.replies == []
            data = h.button(failure, "Kirim ulang")
            h.fake.user_presses(CHAT_ID, ADMIN_ID, failure.message_id, data)
            h.fake.user_presses(CHAT_ID, ADMIN_ID, failure.message_id, data)
            await h.updates()
            assert [r["message"] for r in h.sandbox.replies] == ["Ditunggu ya kak"]

    async def test_timeout_is_reported_as_unknown_and_not_resent(self, sqlite_url):
        """If Tokopedia may have got the reply, staff are told and nothing is resent."""
        async with harness(sqlite_url) as h:
            _, relayed = await _relayed_chat(h)
            h.sandbox.fail_next(r"/reply$", 0)  # the connection drops after sending
            await h.say("Sudah dikirim kak", reply_to=relayed.message_id)
            posts = [c for c in h.sandbox.calls if c.path.endswith("/reply")]
            assert len(posts) == 1
            notice = h.last()
            assert "Seller Center" in notice.plain_text or "mungkin" in notice.plain_text.lower()
            assert not (notice.reply_markup or {}).get("inline_keyboard")

    async def test_topic_mode_message_in_buyer_topic_is_sent(self, sqlite_url):
        """In topic mode, writing in the buyer's topic answers that buyer."""
        async with harness(sqlite_url, topics=True) as h:
            room, relayed = await _relayed_chat(h)
            assert relayed.thread_id is not None
            await h.say("Halo dari topik", thread_id=relayed.thread_id)
            assert h.sandbox.replies[-1]["msg_id"] == room


class TestOrders:
    async def test_accept_by_button_edits_alert_and_removes_buttons(self, sqlite_url):
        """Accept acks once; the alert then says who accepted and has no buttons."""
        async with harness(sqlite_url) as h:
            order, alert = await _relayed_order(h)
            await h.press(alert, "Terima", first_name="Rina")
            assert h.sandbox.orders[order["order_id"]]["order_status"] == 400
            alert = next(m for m in h.group() if m.message_id == alert.message_id)
            assert "Rina" in alert.plain_text
            assert not (alert.reply_markup or {}).get("inline_keyboard")

    async def test_accept_by_command(self, sqlite_url):
        """/accept <order_id> accepts the order."""
        async with harness(sqlite_url) as h:
            order, _ = await _relayed_order(h)
            await h.say(f"/accept {order['order_id']}")
            assert h.sandbox.orders[order["order_id"]]["order_status"] == 400

    async def test_stale_button_answers_with_state_and_calls_nothing(self, sqlite_url):
        """Pressing Accept on an order already accepted makes no second ack."""
        async with harness(sqlite_url) as h:
            _order, alert = await _relayed_order(h)
            data = h.button(alert, "Terima")
            await h.press(alert, "Terima")
            h.fake.user_presses(CHAT_ID, ADMIN_ID, alert.message_id, data, unchecked=True)
            await h.updates()
            acks = [c for c in h.sandbox.calls if c.path.endswith("/ack")]
            assert len(acks) == 1
            answers = h.fake.calls_to("answerCallbackQuery")
            assert len(answers) == 2

    async def test_non_admin_is_refused_and_nothing_is_called(self, sqlite_url):
        """A staff member who is not an admin gets 'not allowed' and no ack is made."""
        async with harness(sqlite_url) as h:
            _order, alert = await _relayed_order(h)
            await h.press(alert, "Terima", user_id=STAFF_ID, first_name="Budi")
            assert not [c for c in h.sandbox.calls if c.path.endswith("/ack")]
            answer = h.fake.calls_to("answerCallbackQuery")[-1]
            assert answer.params.get("show_alert") is True

    async def test_foreign_chat_is_refused(self, sqlite_url):
        """Updates from a chat that is not the staff group do nothing."""
        async with harness(sqlite_url) as h:
            order, _ = await _relayed_order(h)
            h.fake.add_chat(-100999, "Other group", members={OUTSIDER_ID: "member"})
            h.fake.user_sends(-100999, OUTSIDER_ID, f"/accept {order['order_id']}")
            await h.updates()
            assert not [c for c in h.sandbox.calls if c.path.endswith("/ack")]

    async def test_forged_callback_is_refused(self, sqlite_url):
        """Callback data that tokobot never issued resolves to nothing."""
        async with harness(sqlite_url) as h:
            order, alert = await _relayed_order(h)
            h.fake.user_presses(
                CHAT_ID, ADMIN_ID, alert.message_id, f"accept:{order['order_id']}", unchecked=True
            )
            await h.updates()
            assert not [c for c in h.sandbox.calls if c.path.endswith("/ack")]
            assert h.fake.calls_to("answerCallbackQuery")[-1].params.get("show_alert") is True

    @pytest.mark.parametrize("code", ["1", "2", "3", "5", "7", "8", "0"])
    async def test_reject_with_each_reason_by_picker(self, sqlite_url, code):
        """Reject -> reason -> confirm sends a nack with that code and a default text."""
        async with harness(sqlite_url) as h:
            order, alert = await _relayed_order(h)
            if code == "8":
                h.sandbox.request_cancellation(order["order_id"], "salah pesan")
            await h.press(alert, "Tolak")
            alert = next(m for m in h.group() if m.message_id == alert.message_id)
            await h.press(alert, reject_reason_label(code, lang="id"))
            alert = next(m for m in h.group() if m.message_id == alert.message_id)
            await h.press(alert, "Tolak:")
            nacks = [c for c in h.sandbox.calls if c.path.endswith("/nack")]
            assert len(nacks) == 1
            assert str(nacks[0].json["reason_code"]) == code
            assert nacks[0].json["reason"]

    async def test_reject_code_4_asks_for_date_and_note(self, sqlite_url):
        """Shop closed needs a reopening date and a note; a bad date is refused first."""
        async with harness(sqlite_url) as h:
            order, _alert = await _relayed_order(h)
            await h.say(f"/reject {order['order_id']} 4 31/02/2020 libur")
            assert not [c for c in h.sandbox.calls if c.path.endswith("/nack")]
            await h.say(f"/reject {order['order_id']} 4 31/12/2099 Libur akhir tahun")
            confirm = h.last()
            await h.press(confirm, "Tolak:")
            nack = [c for c in h.sandbox.calls if c.path.endswith("/nack")][-1]
            assert nack.json["shop_close_end_date"] == "31/12/2099"
            assert nack.json["shop_close_note"] == "Libur akhir tahun"

    async def test_cancellation_request_approve_and_reject(self, sqlite_url):
        """A buyer's request shows two buttons; rejecting calls reject-cancel once."""
        async with harness(sqlite_url) as h:
            order, alert = await _relayed_order(h)
            await h.press(alert, "Terima")
            h.sandbox.request_cancellation(order["order_id"], "Salah pilih warna")
            await h.webhook("request_cancellation", order["order_id"])
            await h.deliver()
            request = h.last()
            assert "Salah pilih warna" in request.plain_text
            await h.press(request, "Tolak permintaan")
            calls = [c for c in h.sandbox.calls if "reject-cancel" in c.path]
            assert len(calls) == 1
            h.clock.advance(minutes=5)  # the buyer asks again later
            h.sandbox.request_cancellation(order["order_id"], "Berubah pikiran")
            await h.webhook("request_cancellation", order["order_id"])
            await h.deliver()
            await h.press(h.last(), "Setujui")
            nacks = [c for c in h.sandbox.calls if c.path.endswith("/nack")]
            assert len(nacks) == 1
            assert str(nacks[0].json["reason_code"]) == "8"

    async def test_audit_trail_shows_who_did_what(self, sqlite_url):
        """/audit <order> lists the accept with the actor and the result."""
        async with harness(sqlite_url) as h:
            order, alert = await _relayed_order(h)
            await h.press(alert, "Terima", first_name="Rina")
            await h.say(f"/audit {order['order_id']}")
            text = h.last().plain_text
            assert "Rina" in text
            await h.say("/audit", reply_to=alert.message_id)
            assert "Rina" in h.last().plain_text


async def _concurrent_accepts(url):
    async with harness(url) as h:
        _order, alert = await _relayed_order(h)
        data = h.button(alert, "Terima")
        h.fake.user_presses(CHAT_ID, ADMIN_ID, alert.message_id, data)
        h.fake.user_presses(CHAT_ID, ADMIN_ID, alert.message_id, data)
        updates = await h.rt.application.bot.get_updates(offset=h.offset, timeout=0)
        await asyncio.gather(*(h.rt.application.process_update(u) for u in updates))
        return [c for c in h.sandbox.calls if c.path.endswith("/ack")]


async def test_two_concurrent_accepts_make_one_ack(db_url):
    """Two staff pressing Accept at once produce exactly one ack (SQLite and PostgreSQL)."""
    assert len(await _concurrent_accepts(db_url)) == 1


class TestCommandsAndErrors:
    async def test_orders_lists_waiting_orders_soonest_deadline_first(self, sqlite_url):
        """/orders lists orders awaiting acceptance by deadline, one button each."""
        async with harness(sqlite_url) as h:
            later, _ = await _relayed_order(h, accept_deadline=(h.clock.now.timestamp() + 7200))
            sooner, _ = await _relayed_order(h, accept_deadline=(h.clock.now.timestamp() + 600))
            await h.say("/orders")
            listing = h.last()
            text = listing.plain_text
            assert text.index(sooner["invoice_num"][-4:]) < text.index(later["invoice_num"][-4:])
            buttons = [b for row in listing.reply_markup["inline_keyboard"] for b in row]
            assert len(buttons) == 2

    async def test_order_command_shows_the_live_order(self, sqlite_url):
        """/order fetches the order from the marketplace, even one never relayed."""
        async with harness(sqlite_url) as h:
            order = h.sandbox.add_order(SHOP_ID)
            h.sandbox.set_status(order["order_id"], 450)
            await h.say(f"/order {order['order_id']}")
            card = h.last()
            assert order["invoice_num"] in card.plain_text
            assert not (card.reply_markup or {}).get("inline_keyboard")

    async def test_reply_command_reaches_the_buyer(self, sqlite_url):
        """/reply <conversation> <text> is the fallback way to answer."""
        async with harness(sqlite_url) as h:
            room, _ = await _relayed_chat(h)
            await h.say(f"/reply {room} Baik kak, kami cek dulu")
            assert h.sandbox.replies[-1]["message"] == "Baik kak, kami cek dulu"

    async def test_marketplace_refusal_is_explained_in_plain_words(self, sqlite_url):
        """An order Tokopedia no longer lets us accept gets a 'not possible' answer."""
        async with harness(sqlite_url) as h:
            order, alert = await _relayed_order(h)
            h.sandbox.set_status(order["order_id"], 0)
            await h.press(alert, "Terima")
            answer = h.fake.calls_to("answerCallbackQuery")[-1]
            assert answer.params.get("show_alert") is True
            assert "bisa dilakukan" in answer.params["text"]
            assert "not eligible" in answer.params["text"]
            alert = next(m for m in h.group() if m.message_id == alert.message_id)
            h.button(alert, "Terima")  # still actionable: nothing was decided

    async def test_permission_error_names_the_shop_permission(self, sqlite_url):
        """An RBAC refusal tells staff the shop has not granted permission."""
        async with harness(sqlite_url) as h:
            _, alert = await _relayed_order(h)
            h.sandbox.fail_next(r"/ack$", 403, "RBAC_MDLW_002")
            await h.press(alert, "Terima")
            text = h.fake.calls_to("answerCallbackQuery")[-1].params["text"].lower()
            assert "izin" in text


async def test_echo_of_our_own_reply_is_not_relayed_as_a_buyer_message(sqlite_url):
    """If Tokopedia echoes a staff reply through the chat webhook, the group does not see it."""
    async with harness(sqlite_url) as h:
        room, relayed = await _relayed_chat(h)
        await h.say("Stok ada kak", reply_to=relayed.message_id)
        before = len(h.group())
        echo = h.sandbox.webhook_body("chat", room) | {"message": "Stok ada kak"}
        assert (await h.post_webhook("chat", echo)).status_code == 200
        await h.deliver()
        assert len(h.group()) == before
        h.clock.advance(minutes=1)
        genuine = h.sandbox.webhook_body("chat", room) | {"message": "Oke, saya order"}
        await h.post_webhook("chat", genuine)
        await h.deliver()
        assert "Oke, saya order" in h.last().plain_text


async def test_two_tokobot_instances_sharing_a_database_ack_once(db_url):
    """Two separate tokobot runtimes (as two processes would) pressing Accept make one ack."""
    async with harness(db_url) as first:
        order, alert = await _relayed_order(first)
        data = first.button(alert, "Terima")
        async with harness(db_url, fake=first.fake, sandbox=first.sandbox) as second:
            # The same admin on two phones: permission passes twice, the claim decides.
            first.fake.user_presses(CHAT_ID, ADMIN_ID, alert.message_id, data)
            first.fake.user_presses(CHAT_ID, ADMIN_ID, alert.message_id, data)
            one, two = await first.rt.application.bot.get_updates(offset=first.offset, timeout=0)
            await asyncio.gather(
                first.rt.application.process_update(one),
                second.rt.application.process_update(two),
            )
        acks = [c for c in first.sandbox.calls if c.path.endswith("/ack")]
        assert len(acks) == 1
        assert first.sandbox.orders[order["order_id"]]["order_status"] == 400


class TestRejectDraft:
    def test_a_draft_survives_its_wire_format(self):
        """What a reject button carries decodes to the same draft."""
        draft = RejectDraft("123", "4", close_date="31/12/2099", close_note="Libur")
        assert draft == RejectDraft.decode(draft.encode())

    def test_buttons_issued_before_the_draft_still_work(self):
        """The one-letter JSON object of earlier versions is the wire format."""
        ref = '{"o": "123", "c": "2", "t": "habis", "d": "", "n": ""}'
        assert RejectDraft("123", "2", text="habis") == RejectDraft.decode(ref)

    @pytest.mark.parametrize("ref", ["", "123", "[1]", '{"c": "2"}', '{"o": 1, "c": "2"}'])
    def test_anything_else_is_no_draft(self, ref):
        """A ref that is not a draft decodes to nothing (the press has expired)."""
        assert RejectDraft.decode(ref) is None

    def test_an_answer_completes_the_draft(self):
        """The closing question's answer is a date then a note; the reason's is all text."""
        draft = RejectDraft("123", "4")
        closed = draft.answered(LinkKind.PROMPT_CLOSE, " 31/12/2099  Libur akhir tahun ")
        assert (closed.close_date, closed.close_note) == ("31/12/2099", "Libur akhir tahun")
        assert draft.answered(LinkKind.PROMPT_REASON, " Stok habis ").text == "Stok habis"
