"""Quick replies: staff store templates, and send one to a buyer with a press or /t, once."""

from __future__ import annotations

import asyncio

from storage import audit
from tests.e2e.test_tiktokshop import _connected
from tests.harness import ADMIN_ID, CHAT_ID, SHOP_ID, STAFF_ID, TTS_SHOP_ID, harness

SALAM = "Halo {buyer}, terima kasih sudah menghubungi {shop}!"


async def _relayed_chat(h, text="Kak, ready?", buyer="Budi Santoso"):
    room = h.sandbox.add_chat(SHOP_ID, 654321, buyer, text)
    await h.webhook("chat", room)
    await h.deliver()
    return room, h.last()


async def _add(h, name, text, user_id=ADMIN_ID):
    await h.say(f"/template add {name} {text}", user_id=user_id)
    return h.last().plain_text


async def _menu(h, relayed, user_id=ADMIN_ID):
    """Press ⚡ on a relayed message; the menu of templates is posted under it."""
    await h.press(relayed, "Balasan cepat", user_id=user_id)
    menu = h.last()
    assert menu.reply_to_message_id == relayed.message_id
    return menu


def _labels(message) -> list[str]:
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


class TestManaging:
    async def test_add_list_delete_and_survive_a_restart(self, sqlite_url):
        """Templates are stored with their text, listed, kept across restarts and deletable."""
        async with harness(sqlite_url) as h:
            assert "disimpan" in await _add(h, "Salam", f"{SALAM}\nBaris kedua <b>")
            fake, sandbox, offset, clock = h.fake, h.sandbox, h.offset, h.clock
        async with harness(sqlite_url, fake=fake, sandbox=sandbox, clock=clock) as h:
            h.offset = offset
            await h.say("/templates")
            listing = h.last().plain_text
            assert "salam" in listing
            assert "Halo {buyer}, terima kasih sudah menghubungi {shop}!\nBaris kedua <b>" in (
                listing
            )
            await h.say("/template del SALAM")
            assert "dihapus" in h.last().plain_text
            await h.say("/templates")
            assert "Belum ada template" in h.last().plain_text

    async def test_names_are_one_word_and_unique_whatever_their_case(self, sqlite_url):
        async with harness(sqlite_url) as h:
            await _add(h, "ongkir", "Ongkir dihitung otomatis ya kak.")
            assert "sudah ada" in await _add(h, "ONGKIR", "Teks lain")
            await h.say("/template add ong/kir Teks")
            assert "satu kata" in h.last().plain_text
            await h.say("/templates")
            assert "Teks lain" not in h.last().plain_text

    async def test_an_unknown_placeholder_is_refused_naming_the_known_ones(self, sqlite_url):
        async with harness(sqlite_url) as h:
            answer = await _add(h, "salam", "Halo {nama}, dari {shop}")
            assert "{nama}" in answer
            assert "{buyer}" in answer
            assert "{shop}" in answer
            await h.say("/templates")
            assert "Belum ada template" in h.last().plain_text

    async def test_a_template_too_long_for_tokopedia_and_shop_is_refused(self, sqlite_url):
        """2,000 characters per message on Tokopedia & Shop, counting a filled-in name."""
        async with harness(sqlite_url) as h:
            answer = await _add(h, "panjang", "x" * 1990 + "{buyer}")
            assert "2000" in answer
            assert "disimpan" in await _add(h, "pas", "x" * 1936 + "{buyer}")

    async def test_only_admins_add_or_delete_when_admins_are_set(self, sqlite_url):
        """With TELEGRAM_ADMIN_IDS set, other staff may use templates but not change them."""
        async with harness(sqlite_url) as h:
            await _add(h, "salam", SALAM)
            assert "tidak diizinkan" in await _add(h, "liar", "Teks", user_id=STAFF_ID)
            await h.say("/template del salam", user_id=STAFF_ID)
            assert "tidak diizinkan" in h.last().plain_text
            await h.say("/templates", user_id=STAFF_ID)
            listing = h.last().plain_text
            assert "salam" in listing
            assert "liar" not in listing
            _, relayed = await _relayed_chat(h)
            menu = await _menu(h, relayed, user_id=STAFF_ID)
            await h.press(menu, "salam", user_id=STAFF_ID)
            assert len(h.sandbox.replies) == 1


class TestSending:
    async def test_a_press_sends_the_filled_template_once_and_is_audited(self, sqlite_url):
        """The buyer gets the text with their name and the shop's; the menu says who sent it."""
        async with harness(sqlite_url) as h:
            await _add(h, "salam", SALAM)
            room, relayed = await _relayed_chat(h)
            menu = await _menu(h, relayed)
            query = await h.press(menu, "salam", first_name="Rina")
            assert [r["message"] for r in h.sandbox.replies] == [
                "Halo Budi, terima kasih sudah menghubungi Toko Maju Jaya!"
            ]
            assert h.sandbox.replies[0]["msg_id"] == room
            assert h.fake.callback_query(query).answer_text == "✅ Terkirim ke pembeli."
            shown = next(m for m in h.group() if m.message_id == menu.message_id)
            assert "salam · Rina" in shown.plain_text
            assert _labels(shown) == []
            async with h.rt.services.sessions() as session:
                trail = await audit.for_conversation(
                    session=session, marketplace="tokopedia", conversation_id=str(room)
                )
            assert [(e.action, e.actor_name, e.text, e.result) for e in trail][-1] == (
                "template",
                "Rina",
                "salam",
                "ok",
            )
            await h.say("/audit", reply_to=relayed.message_id)
            assert "Rina · mengirim template: salam" in h.last().plain_text

    async def test_two_staff_pressing_the_same_template_at_once_send_it_once(self, db_url):
        """Both presses are handled concurrently (SQLite and PostgreSQL): one reply."""
        async with harness(db_url) as h:
            await _add(h, "salam", SALAM)
            await _add(h, "stok", "Stok ready kak {buyer}")
            _, relayed = await _relayed_chat(h)
            menu = await _menu(h, relayed)
            salam = h.button(menu, "salam")
            stok = h.button(menu, "stok")
            h.fake.user_presses(CHAT_ID, ADMIN_ID, menu.message_id, salam, first_name="Rina")
            h.fake.user_presses(CHAT_ID, STAFF_ID, menu.message_id, salam, first_name="Dodi")
            h.fake.user_presses(CHAT_ID, STAFF_ID, menu.message_id, stok, first_name="Dodi")
            updates = await h.rt.application.bot.get_updates(offset=h.offset, timeout=0)
            h.offset = updates[-1].update_id + 1
            await asyncio.gather(*(h.rt.application.process_update(u) for u in updates))
            assert len(h.sandbox.replies) == 1
            posts = [c for c in h.sandbox.calls if c.path.endswith("/reply")]
            assert len(posts) == 1

    async def test_a_menu_shown_before_a_restart_still_sends_once_after_it(self, db_url):
        async with harness(db_url) as h:
            await _add(h, "salam", SALAM)
            _, relayed = await _relayed_chat(h)
            menu = await _menu(h, relayed)
            state = {"fake": h.fake, "sandbox": h.sandbox, "clock": h.clock, "tts": h.tts}
            offset = h.offset
        async with harness(db_url, **state) as h:
            h.offset = offset
            await h.press(menu, "salam")
            assert len(h.sandbox.replies) == 1
            shown = next(m for m in h.group() if m.message_id == menu.message_id)
            assert _labels(shown) == []

    async def test_the_menu_shows_the_most_used_templates_first(self, sqlite_url):
        async with harness(sqlite_url) as h:
            for name in ("alamat", "ongkir", "stok"):
                await _add(h, name, f"Info {name} untuk {{buyer}}")
            for number in range(2):
                _, relayed = await _relayed_chat(h, f"Stok ada? ({number})")
                await h.press(await _menu(h, relayed), "stok")
            _, relayed = await _relayed_chat(h, "Ongkir ke Bandung?")
            await h.press(await _menu(h, relayed), "ongkir")
            _, relayed = await _relayed_chat(h, "Alamat toko di mana?")
            assert _labels(await _menu(h, relayed)) == ["stok", "ongkir", "alamat"]

    async def test_without_templates_the_button_says_how_to_add_one(self, sqlite_url):
        async with harness(sqlite_url) as h:
            _, relayed = await _relayed_chat(h)
            before = len(h.group())
            query = await h.press(relayed, "Balasan cepat")
            answer = h.fake.callback_query(query)
            assert "/template add" in (answer.answer_text or "")
            assert len(h.group()) == before

    async def test_slash_t_in_reply_to_a_relayed_message_sends_it_with_a_thumbs_up(
        self, sqlite_url
    ):
        async with harness(sqlite_url) as h:
            await _add(h, "salam", SALAM)
            _, relayed = await _relayed_chat(h, buyer="Sari")
            mid = await h.say("/t Salam", reply_to=relayed.message_id, user_id=STAFF_ID)
            assert [r["message"] for r in h.sandbox.replies] == [
                "Halo Sari, terima kasih sudah menghubungi Toko Maju Jaya!"
            ]
            command = next(m for m in h.fake.messages(CHAT_ID) if m.message_id == mid)
            assert command.reactions == ("👍",)
            await h.say("/t tidakada", reply_to=relayed.message_id)
            assert "tidakada" in h.last().plain_text
            await h.say("/t salam")  # not a reply: nobody to send it to
            assert "balas pesan chat pembeli" in h.last().plain_text
            assert len(h.sandbox.replies) == 1

    async def test_a_failed_send_says_why_and_retry_sends_it_once(self, sqlite_url):
        async with harness(sqlite_url) as h:
            await _add(h, "salam", SALAM)
            _, relayed = await _relayed_chat(h)
            menu = await _menu(h, relayed)
            h.sandbox.fail_next(r"/reply$", 500, "SHP_GRPC_001")
            query = await h.press(menu, "salam")
            assert h.sandbox.replies == []
            assert h.fake.callback_query(query).show_alert
            shown = next(m for m in h.group() if m.message_id == menu.message_id)
            data = h.button(shown, "Kirim ulang")
            h.fake.user_presses(CHAT_ID, ADMIN_ID, menu.message_id, data)
            h.fake.user_presses(CHAT_ID, STAFF_ID, menu.message_id, data)
            await h.updates()
            assert len(h.sandbox.replies) == 1

    async def test_a_template_reaches_a_tokopedia_and_shop_buyer(self, sqlite_url):
        """The same button works for the other marketplace, through its own API."""
        async with harness(sqlite_url, marketplaces="tokopedia,tiktokshop") as h:
            await _connected(h)
            await _add(h, "salam", SALAM)
            conversation = h.tts.add_conversation(TTS_SHOP_ID, "Ani")
            h.tts.buyer_says(conversation, "Halo kak")
            await h.post_tts(h.tts.webhook_body(14, conversation_id=conversation))
            await h.deliver()
            menu = await _menu(h, h.last())
            await h.press(menu, "salam")
            assert [m["content"] for m in h.tts.sent_messages] == [
                "Halo Ani, terima kasih sudah menghubungi Toko Maju Jaya!"
            ]
