"""Sale day with pictures: buyers' photos join the chat digests instead of costing a message each.

The strict Telegram fake enforces 20 messages a minute per group and the real pacer keeps
under it; the worker runs one pass at a time on a clock that moves only when told (as in
``test_chat_burst``). TikTok Shop's buyer photos need the shop's token to fetch, so the
"📷 Lihat foto" button posts bytes tokobot downloaded itself.
"""

from __future__ import annotations

from typing import Any

from bot.relay.pacer import GroupPacer
from bot.sandbox.images import make_png
from bot.sandbox.telegram import FakeMessage, FakeTelegram
from tests.harness import TTS_SHOP_ID, Harness, harness

BOTH = "tokopedia,tiktokshop"


def _buttons(message: FakeMessage) -> list[dict[str, Any]]:
    markup = message.reply_markup or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def _photo_buttons(message: FakeMessage) -> list[str]:
    return [b["text"] for b in _buttons(message) if "Lihat foto" in b["text"]]


async def _post(h: Harness, conversation: str) -> None:
    response = await h.post_tts(h.tts.webhook_body(14, conversation_id=conversation))
    assert response.status_code == 200, response.text


async def _says(h: Harness, conversation: str, text: str) -> None:
    h.tts.buyer_says(conversation, text)
    await _post(h, conversation)


async def _sends_photo(h: Harness, conversation: str, picture: bytes) -> None:
    h.tts.buyer_sends_media(conversation, picture)
    await _post(h, conversation)


async def _connected(h: Harness) -> None:
    response = await h.authorize_tts()
    assert response.status_code == 200, response.text


def _photos(h: Harness) -> list[FakeMessage]:
    return [m for m in h.group() if "photo" in m.content]


def _all_ok(fake: FakeTelegram) -> None:
    assert all(c.ok for c in fake.calls), [c for c in fake.calls if not c.ok][:1]


async def _twelve_buyers_five_with_photos(h: Harness) -> tuple[dict[str, str], dict[bytes, str]]:
    """Each buyer writes twice; five send a photo between, one of them two: 30 messages.

    Returns each buyer's conversation, and each picture's conversation.
    """
    await _connected(h)
    conversations: dict[str, str] = {}
    pictures: dict[bytes, str] = {}
    for n in range(12):
        name = f"Pembeli{n:02d}"
        conversations[name] = conversation = h.tts.add_conversation(TTS_SHOP_ID, name)
        await _says(h, conversation, f"Halo kak, saya {name}")
        for k in range(2 if n == 4 else int(n < 5)):
            picture = make_png(40 + n, 30 + k, shade=n + 40 * k)
            pictures[picture] = conversation
            await _sends_photo(h, conversation, picture)
        await _says(h, conversation, f"Ukuran {n + 36} ada?")
    return conversations, pictures


async def test_photos_under_a_backlog_are_digest_lines_each_shown_once_on_demand(sqlite_url):
    """30 messages from 12 buyers, 6 of them photos: one digest, no photo posted by itself.

    Each photo is a "📷 Foto" line with a "Lihat foto" button; pressing it (twice) posts the
    buyer's very bytes once, under the digest, and a reply to that photo answers its buyer.
    Later passes post nothing more: every photo was shown exactly once, none was lost.
    """
    fake = FakeTelegram(enforce_limits=True)
    async with harness(sqlite_url, marketplaces=BOTH, fake=fake, pacer=GroupPacer()) as h:
        conversations, pictures = await _twelve_buyers_five_with_photos(h)
        await h.deliver()
        assert h.group() == [], "held briefly for company, not sent one by one"
        h.clock.advance(seconds=20)
        await h.deliver()

        [digest] = h.group()
        assert not fake.calls_to("sendPhoto"), "no photo costs a message of its own"
        shown = digest.plain_text or ""
        assert "30 pesan dari 12 pembeli" in shown
        for n in range(12):
            assert f"Pembeli{n:02d}" in shown
            assert f"Ukuran {n + 36} ada?" in shown
        assert shown.count("📷 Foto") == 6
        assert "📷 Foto 1" in shown
        assert "📷 Foto 2" in shown
        labels = _photo_buttons(digest)
        assert len(labels) == 6
        assert sum("Pembeli04" in label for label in labels) == 2
        assert len(_buttons(digest)) == 12 + 6

        first = next(label for label in labels if "Pembeli00" in label)
        await h.press(digest, first)
        again = await h.press(digest, first)
        [photo] = _photos(h)
        assert pictures[h.fake.photo_bytes(photo)] == conversations["Pembeli00"]
        assert photo.reply_to_message_id == digest.message_id
        assert "sudah ditampilkan" in (h.fake.callback_query(again).answer_text or "")

        await h.say("Ready kak, warna itu ada", reply_to=photo.message_id)
        [answer] = h.tts.sent_messages
        assert answer["conversation_id"] == conversations["Pembeli00"]
        assert answer["content"] == "Ready kak, warna itu ada"

        for label in labels:
            await h.press(digest, label)
        posted = [h.fake.photo_bytes(m) for m in _photos(h)]
        assert sorted(posted) == sorted(pictures), "every photo once, the buyers' own bytes"

        h.clock.advance(minutes=5)
        await h.deliver()
        assert len(fake.calls_to("sendPhoto")) == 6, "none is posted the ordinary way later"
        _all_ok(fake)


async def test_one_buyers_burst_with_a_photo_is_one_message_with_a_show_photo_button(
    sqlite_url,
):
    """A burst of one buyer's texts and a photo: one message, the photo a line and a button."""
    fake = FakeTelegram(enforce_limits=True)
    async with harness(sqlite_url, marketplaces=BOTH, fake=fake, pacer=GroupPacer()) as h:
        await _connected(h)
        conversation = h.tts.add_conversation(TTS_SHOP_ID, "Dewi Lestari")
        texts = ["halo", "kak", "mau tanya", "yang ini", "ada ukuran L?"]
        for text in texts[:3]:
            await _says(h, conversation, text)
        picture = make_png(64, 48, shade=5)
        await _sends_photo(h, conversation, picture)
        for text in [*texts[3:], "bisa COD?", "warna lain?", "ditunggu ya", "makasih"]:
            await _says(h, conversation, text)
        await h.deliver()
        h.clock.advance(seconds=20)
        await h.deliver()

        [combined] = h.group()
        shown = combined.plain_text or ""
        assert all(text in shown for text in texts)
        assert "Dewi Lestari" in shown
        assert shown.index("mau tanya") < shown.index("📷 Foto") < shown.index("yang ini")
        assert _photo_buttons(combined) == ["📷 Lihat foto"]
        assert not fake.calls_to("sendPhoto")

        await h.press(combined, "Lihat foto")
        [photo] = _photos(h)
        assert h.fake.photo_bytes(photo) == picture
        assert photo.reply_to_message_id == combined.message_id
        await h.say("Ada kak", reply_to=combined.message_id)
        assert [m["content"] for m in h.tts.sent_messages] == ["Ada kak"]
        _all_ok(fake)


async def test_a_quiet_days_photo_is_still_a_photo_message_at_once(sqlite_url):
    """Two buyers, one photo each, with the real pacer: two photo messages, in the first pass."""
    fake = FakeTelegram(enforce_limits=True)
    async with harness(sqlite_url, marketplaces=BOTH, fake=fake, pacer=GroupPacer()) as h:
        await _connected(h)
        pictures = [make_png(50, 50, shade=1), make_png(60, 40, shade=2)]
        for name, picture in zip(("Budi", "Sari"), pictures, strict=True):
            await _sends_photo(h, h.tts.add_conversation(TTS_SHOP_ID, name), picture)
        await h.deliver()
        photos = _photos(h)
        assert [h.fake.photo_bytes(m) for m in photos] == pictures
        assert len(h.group()) == 2
        assert not any(_photo_buttons(m) for m in photos)
        assert "Budi" in photos[0].content["caption"]
        _all_ok(fake)


async def test_cards_under_a_backlog_are_readable_lines_and_the_order_card_opens(sqlite_url):
    """Order, product and emoticon cards in a digest read as words; the order's button works."""
    fake = FakeTelegram(enforce_limits=True)
    async with harness(sqlite_url, marketplaces=BOTH, fake=fake, pacer=GroupPacer()) as h:
        await _connected(h)
        order = h.tts.add_order(TTS_SHOP_ID)
        await h.post_tts(h.tts.webhook_body(1, order_id=order["id"]))
        await h.deliver()
        before = len(h.group())
        cards = {
            "Kartu": ("ORDER_CARD", f'{{"order_id": "{order["id"]}"}}'),
            "Produk": ("PRODUCT_CARD", '{"product_id": "1729000000000000042"}'),
            "Senyum": ("EMOTICONS", '{"content": "😍"}'),
        }
        for name, (kind, content) in cards.items():
            conversation = h.tts.add_conversation(TTS_SHOP_ID, name)
            h.tts.add_message(conversation, "BUYER", content, kind)
            await _post(h, conversation)
        for n in range(10):
            await _says(h, h.tts.add_conversation(TTS_SHOP_ID, f"Lain{n}"), f"tanya {n}")
        await h.deliver()
        h.clock.advance(seconds=20)
        await h.deliver()

        [digest] = h.group()[before:]
        shown = digest.plain_text or ""
        assert "13 pesan dari 13 pembeli" in shown
        assert f"Kartu pesanan: {order['id']}" in shown
        assert "1729000000000000042" in shown
        assert "😍" in shown
        await h.press(digest, f"🧾 {order['id']}")
        card = h.last()
        assert card.reply_to_message_id == digest.message_id
        assert order["id"] in (card.plain_text or "")
        _all_ok(fake)


async def test_topic_mode_the_general_digests_photo_button_posts_under_the_digest(sqlite_url):
    """In topic mode the digest is in General; the photo is posted there, under it, once."""
    fake = FakeTelegram(enforce_limits=True)
    window = [0.0]  # the pacer's clock: the fake's real-time window is never near full here
    pacer = GroupPacer(clock=lambda: window[0])
    async with harness(sqlite_url, marketplaces=BOTH, topics=True, fake=fake, pacer=pacer) as h:
        _, pictures = await _twelve_buyers_five_with_photos(h)
        await h.deliver()
        h.clock.advance(seconds=20)
        await h.deliver()
        [digest] = [m for m in h.group() if m.thread_id is None and not m.is_service]
        labels = _photo_buttons(digest)
        assert len(labels) == 6
        await h.press(digest, labels[0])
        await h.press(digest, labels[0])
        [photo] = [m for m in h.fake.messages(digest.chat_id) if "photo" in m.content]
        assert photo.thread_id is None
        assert photo.reply_to_message_id == digest.message_id
        assert h.fake.photo_bytes(photo) in pictures
        _all_ok(fake)
