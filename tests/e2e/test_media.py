"""Pictures both ways: buyers' photos shown as photos, staff photos sent to buyers."""

from __future__ import annotations

from bot.relay.pacer import GroupPacer
from bot.sandbox.images import make_png
from tests.harness import ADMIN_ID, CHAT_ID, SHOP_ID, TTS_SHOP_ID, harness

BOTH = "tokopedia,tiktokshop"
MB = 1024 * 1024


async def _tts_chat(h, text="Kak, warnanya yang ini?"):
    """A connected shop, a buyer's relayed message; returns (conversation, relayed message)."""
    response = await h.authorize_tts()
    assert response.status_code == 200, response.text
    conversation = h.tts.add_conversation(TTS_SHOP_ID, "Dewi Lestari")
    h.tts.buyer_says(conversation, text)
    assert (await h.post_tts(h.tts.webhook_body(14, conversation_id=conversation))).status_code
    await h.deliver()
    return conversation, h.last()


def _staff(h, message_id):
    return next(m for m in h.fake.messages(CHAT_ID) if m.message_id == message_id)


class TestStaffPhotos:
    async def test_photo_is_uploaded_and_sent_as_an_image_then_its_caption_as_text(
        self, sqlite_url
    ):
        """The same bytes reach the buyer as one IMAGE message; the caption follows as TEXT."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            _, relayed = await _tts_chat(h)
            picture = make_png(640, 480, shade=7)
            mid = h.fake.user_sends_photo(
                CHAT_ID, ADMIN_ID, reply_to=relayed.message_id, data=picture, caption="Ini kak"
            )
            await h.updates()
            sent = h.tts.sent_messages
            assert [m["type"] for m in sent] == ["IMAGE", "TEXT"]
            assert h.tts.media.image(sent[0]["content"]) == picture
            assert sent[1]["content"] == "Ini kak"
            uploads = [c for c in h.tts.calls if c.path.endswith("/images/upload")]
            assert len(uploads) == 1
            assert _staff(h, mid).reactions == ("👍",)

    async def test_album_sends_each_photo_once(self, sqlite_url):
        """An album's photos each become an IMAGE message, in order, each confirmed."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            _, relayed = await _tts_chat(h)
            pictures = [make_png(300, 200, shade=n) for n in (1, 2, 3)]
            ids = [
                h.fake.user_sends_photo(
                    CHAT_ID,
                    ADMIN_ID,
                    reply_to=relayed.message_id,
                    data=picture,
                    media_group_id="album-1",
                    caption="Tiga warna kak" if n == 0 else None,
                )
                for n, picture in enumerate(pictures)
            ]
            await h.updates()
            await h.updates()  # nothing is sent twice when updates are processed again
            sent = h.tts.sent_messages
            assert [m["type"] for m in sent] == ["IMAGE", "TEXT", "IMAGE", "IMAGE"]
            images = [h.tts.media.image(m["content"]) for m in sent if m["type"] == "IMAGE"]
            assert images == pictures
            assert sent[1]["content"] == "Tiga warna kak"
            assert all(_staff(h, mid).reactions == ("👍",) for mid in ids)

    async def test_photo_in_the_buyers_topic_and_through_the_reply_prompt(self, sqlite_url):
        """A photo written in the buyer's topic, or answering the Reply prompt, is sent."""
        async with harness(sqlite_url, marketplaces=BOTH, topics=True) as h:
            _, relayed = await _tts_chat(h)
            first, second = make_png(50, 50, shade=1), make_png(60, 60, shade=2)
            h.fake.user_sends_photo(CHAT_ID, ADMIN_ID, thread_id=relayed.thread_id, data=first)
            await h.updates()
            await h.press(relayed, "Balas")
            prompt = h.last()
            h.fake.user_sends_photo(CHAT_ID, ADMIN_ID, reply_to=prompt.message_id, data=second)
            await h.updates()
            sent = [h.tts.media.image(m["content"]) for m in h.tts.sent_messages]
            assert sent == [first, second]

    async def test_caption_refused_then_retry_sends_only_the_caption(self, sqlite_url):
        """Part 2 (the caption) fails: staff see which part; Retry never resends the photo."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            _, relayed = await _tts_chat(h)
            h.tts.sensitive_words = ["whatsapp"]
            picture = make_png(100, 100)
            mid = h.fake.user_sends_photo(
                CHAT_ID, ADMIN_ID, reply_to=relayed.message_id, data=picture, caption="wa.me ya"
            )
            h.tts.sensitive_words = ["wa.me"]
            await h.updates()
            assert [m["type"] for m in h.tts.sent_messages] == ["IMAGE"]
            failure = h.last()
            assert "2 dari 2" in failure.plain_text
            assert "teks" in failure.plain_text
            assert _staff(h, mid).reactions != ("👍",)
            h.tts.sensitive_words = []
            data = h.button(failure, "Kirim ulang")
            h.fake.user_presses(CHAT_ID, ADMIN_ID, failure.message_id, data)
            h.fake.user_presses(CHAT_ID, ADMIN_ID, failure.message_id, data)
            await h.updates()
            assert [m["type"] for m in h.tts.sent_messages] == ["IMAGE", "TEXT"]
            assert len([c for c in h.tts.calls if c.path.endswith("/images/upload")]) == 1

    async def test_failed_upload_sends_nothing_and_retry_sends_the_photo(self, sqlite_url):
        """Upload Image down: no message reaches the buyer; Retry uploads and sends once."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            _, relayed = await _tts_chat(h)
            h.tts.fail_next(r"/images/upload$", 400, code=36009004, times=1)
            picture = make_png(120, 80)
            h.fake.user_sends_photo(CHAT_ID, ADMIN_ID, reply_to=relayed.message_id, data=picture)
            await h.updates()
            assert h.tts.sent_messages == []
            failure = h.last()
            assert "1 dari 1" in failure.plain_text
            await h.press(failure, "Kirim ulang")
            assert [h.tts.media.image(m["content"]) for m in h.tts.sent_messages] == [picture]

    async def test_photo_over_ten_megabytes_is_refused_before_any_call(self, sqlite_url):
        """Upload Image takes at most 10 MB: a larger photo is refused with the limit."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            _, relayed = await _tts_chat(h)
            big = make_png(10, 10, padding=11 * MB)
            h.fake.user_sends_photo(CHAT_ID, ADMIN_ID, reply_to=relayed.message_id, data=big)
            await h.updates()
            assert h.tts.sent_messages == []
            assert not [c for c in h.tts.calls if c.path.endswith("/images/upload")]
            assert "10 MB" in h.last().plain_text

    async def test_sticker_voice_and_video_get_one_line_on_what_can_be_sent(self, sqlite_url):
        """Other media never reach the buyer; staff read that text and photos can."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            _, relayed = await _tts_chat(h)
            h.fake.user_sends_sticker(CHAT_ID, ADMIN_ID, reply_to=relayed.message_id)
            await h.updates()
            answers = [h.last().plain_text]
            for kind in ("voice", "video", "document"):
                h.fake.user_sends_file(CHAT_ID, ADMIN_ID, kind, reply_to=relayed.message_id)
                await h.updates()
                answers.append(h.last().plain_text)
            assert h.tts.sent_messages == []
            assert all("teks dan foto" in answer for answer in answers)
            assert all("TikTok" not in answer for answer in answers)


class TestTokopediaPhotos:
    async def test_photo_to_a_tokopedia_chat_is_refused_and_nothing_is_sent(self, sqlite_url):
        """Tokopedia's image upload is undocumented: staff read that its chats take text."""
        async with harness(sqlite_url) as h:
            room = h.sandbox.add_chat(SHOP_ID, 654321, "Budi Santoso", "halo")
            await h.webhook("chat", room)
            await h.deliver()
            relayed = h.last()
            h.fake.user_sends_photo(CHAT_ID, ADMIN_ID, reply_to=relayed.message_id, caption="x")
            await h.updates()
            assert h.sandbox.replies == []
            answer = h.last().plain_text
            assert "Tokopedia hanya menerima teks" in answer


async def _buyer_media(h, data, kind="IMAGE", text_before=None):
    """A connected shop whose buyer sends ``data`` as an IMAGE or VIDEO; delivered."""
    response = await h.authorize_tts()
    assert response.status_code == 200, response.text
    conversation = h.tts.add_conversation(TTS_SHOP_ID, "Dewi Lestari")
    if text_before:
        h.tts.buyer_says(conversation, text_before)
        await h.post_tts(h.tts.webhook_body(14, conversation_id=conversation))
    h.tts.buyer_sends_media(conversation, data, kind)
    assert (await h.post_tts(h.tts.webhook_body(14, conversation_id=conversation))).status_code
    await h.deliver()
    return conversation


class TestBuyerMedia:
    async def test_buyer_photo_becomes_a_group_photo_with_the_same_bytes(self, sqlite_url):
        """Downloaded with the shop's token and uploaded: header as caption, buttons kept."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            picture = make_png(400, 300, shade=9)
            await _buyer_media(h, picture)
            photo = h.last()
            assert h.fake.photo_bytes(photo) == picture
            assert "Dewi" in photo.content["caption"]
            assert "TikTok" not in photo.content["caption"]
            labels = [b["text"] for row in photo.reply_markup["inline_keyboard"] for b in row]
            assert any("Balas" in label for label in labels)
            assert [d["allowed"] for d in h.tts.media.downloads] == [True]
            # The media URL itself is useless without the token: a tap on it is refused.
            url = next(iter(h.tts.media.files))
            anonymous = await h.web.get(f"http://tiktok.test/media/image/{url}.jpeg")
            assert anonymous.status_code in (403, 404)

    async def test_staff_reply_to_the_photo_reaches_the_buyer(self, sqlite_url):
        """The posted photo is linked to the conversation like a text message."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            await _buyer_media(h, make_png(10, 10))
            await h.say("Warnanya ready kak", reply_to=h.last().message_id)
            assert [m["content"] for m in h.tts.sent_messages] == ["Warnanya ready kak"]

    async def test_failed_download_keeps_the_message_and_offers_a_retry(self, sqlite_url):
        """The media host fails: a text message says so; the retry posts the photo once."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            picture = make_png(200, 200, shade=3)
            h.tts.media.fail_downloads = 1
            await _buyer_media(h, picture, text_before="lihat fotonya kak")
            shown = h.last()
            assert "foto tidak dapat diambil" in shown.plain_text
            assert "photo" not in shown.content
            first = h.group()[-2]
            assert "lihat fotonya kak" in first.plain_text  # the text around it is not lost
            await h.press(shown, "Ambil foto lagi")
            await h.press(shown, "Ambil foto lagi")
            photos = [m for m in h.group() if "photo" in m.content]
            assert len(photos) == 1
            assert h.fake.photo_bytes(photos[0]) == picture
            assert photos[0].reply_to_message_id == shown.message_id

    async def test_photo_over_the_cap_shows_the_note_instead(self, sqlite_url):
        """A photo past 10 MB is not posted; the message says it could not be fetched."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            big = make_png(10, 10, padding=12 * MB)
            await _buyer_media(h, big)
            shown = h.last()
            assert "foto tidak dapat diambil" in shown.plain_text
            assert not h.fake.calls_to("sendPhoto")

    async def test_small_video_goes_up_as_a_video_and_a_large_one_as_a_note(self, sqlite_url):
        """A video up to 20 MB is posted as a video; a larger one is named with its size."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            clip = b"\x00\x00\x00\x18ftypmp42" + b"\x01" * 5000
            conversation = await _buyer_media(h, clip, kind="VIDEO")
            video = h.last()
            assert h.fake.file_bytes(video.content["video"]["file_id"]) == clip
            h.tts.buyer_sends_media(conversation, b"\x00" * (21 * MB), "VIDEO")
            await h.post_tts(h.tts.webhook_body(14, conversation_id=conversation))
            await h.deliver()
            note = h.last()
            assert "video" not in note.content
            assert "terlalu besar" in note.plain_text
            assert "MB" in note.plain_text

    async def test_media_counts_against_the_group_budget(self, sqlite_url):
        """Each photo takes a slot in the group's 20/min window, like any message."""
        pacer = GroupPacer(group_limit=20, overall_per_second=100)
        async with harness(sqlite_url, marketplaces=BOTH, pacer=pacer) as h:
            response = await h.authorize_tts()
            assert response.status_code == 200
            conversation = h.tts.add_conversation(TTS_SHOP_ID, "Dewi")
            before = pacer.free_slots(CHAT_ID, bulk=False)
            for n in range(3):
                h.tts.buyer_sends_media(conversation, make_png(20, 20, shade=n))
                await h.post_tts(h.tts.webhook_body(14, conversation_id=conversation))
            await h.deliver()
            assert len(h.fake.calls_to("sendPhoto")) == 3
            assert before - pacer.free_slots(CHAT_ID, bulk=False) == 3

    async def test_claiming_a_photo_redraws_its_caption(self, sqlite_url):
        """Buttons on a relayed photo work: a claim redraws the caption, not a text."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            await _buyer_media(h, make_png(30, 30))
            photo = h.last()
            await h.press(photo, "Saya tangani")
            redrawn = next(m for m in h.group() if m.message_id == photo.message_id)
            assert "photo" in redrawn.content
            assert redrawn.content["caption"] != photo.content["caption"]
            assert [c.ok for c in h.fake.calls_to("editMessageCaption")] == [True]

    async def test_a_buyer_photo_after_a_staff_photo_is_not_taken_for_an_echo(self, sqlite_url):
        """Neither has text: the buyer's photo is still shown."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            conversation, relayed = await _tts_chat(h)
            h.fake.user_sends_photo(CHAT_ID, ADMIN_ID, reply_to=relayed.message_id)
            await h.updates()
            assert [m["type"] for m in h.tts.sent_messages] == ["IMAGE"]
            picture = make_png(33, 33)
            h.tts.buyer_sends_media(conversation, picture)
            await h.post_tts(h.tts.webhook_body(14, conversation_id=conversation))
            await h.deliver()
            assert h.fake.photo_bytes(h.last()) == picture


class TestCards:
    async def _card(self, h, kind, content):
        response = await h.authorize_tts()
        assert response.status_code == 200
        conversation = h.tts.add_conversation(TTS_SHOP_ID, "Dewi Lestari")
        h.tts.add_message(conversation, "BUYER", content, kind)
        await h.post_tts(h.tts.webhook_body(14, conversation_id=conversation))
        await h.deliver()
        return h.last()

    async def test_order_card_names_the_order_and_opens_tokobots_card(self, sqlite_url):
        """An ORDER_CARD shows the order number; its button posts the order's own card."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            await h.authorize_tts()
            order = h.tts.add_order(TTS_SHOP_ID)
            await h.post_tts(h.tts.webhook_body(1, order_id=order["id"]))
            await h.deliver()
            shown = await self._card(h, "ORDER_CARD", f'{{"order_id": "{order["id"]}"}}')
            assert order["id"] in shown.plain_text
            await h.press(shown, "Kartu pesanan")
            card = h.last()
            assert card.message_id != shown.message_id
            assert card.reply_to_message_id == shown.message_id
            assert order["id"] in card.plain_text

    async def test_product_card_and_emoticon_are_readable(self, sqlite_url):
        """A product card shows its id; an emoticon shows its emoji, not a link."""
        async with harness(sqlite_url, marketplaces=BOTH) as h:
            product = await self._card(h, "PRODUCT_CARD", '{"product_id": "1729000000000000042"}')
            assert "Kartu produk" in product.plain_text
            assert "1729000000000000042" in product.plain_text
            conversation = h.tts.add_conversation(TTS_SHOP_ID, "Sari")
            h.tts.add_message(conversation, "BUYER", '{"content": "😍"}', "EMOTICONS")
            await h.post_tts(h.tts.webhook_body(14, conversation_id=conversation))
            await h.deliver()
            emoticon = h.last()
            assert "😍" in emoticon.plain_text
            assert "Stiker" not in emoticon.plain_text
