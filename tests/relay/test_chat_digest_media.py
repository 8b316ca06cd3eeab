"""The chat digest relay with photos whose URL is public (Tokopedia's kind of attachment).

Buyer messages are put straight into the inbox, as a webhook would, so the relay sees
photo messages the Tokopedia sandbox does not send; Telegram (the strict fake, 20 a minute
per group) fetches such a photo by its URL itself.
"""

from __future__ import annotations

from typing import Any

from bot.domain.values import (
    BuyerMessage,
    BuyerMessageReceived,
    Conversation,
    MarketplaceName,
    ParsedEvent,
)
from bot.relay.pacer import GroupPacer
from bot.render.chat_digests import PREVIEW_CHARS, TELEGRAM_MAX_BUTTONS
from bot.sandbox.images import make_png
from bot.sandbox.telegram import FakeMessage, FakeTelegram
from storage import inbox
from tests.harness import SHOP_ID, Harness, harness


def _buttons(message: FakeMessage) -> list[dict[str, Any]]:
    markup = message.reply_markup or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


async def _buyer_sends(h: Harness, n: int, text: str = "", url: str = "") -> None:
    """Buyer ``n`` writes ``text``, with a photo at ``url`` if given."""
    conv = Conversation(
        marketplace=MarketplaceName.TOKOPEDIA,
        shop_id=str(SHOP_ID),
        conversation_id=str(70_000 + n),
        buyer_id=str(n),
        buyer_name=f"Pembeli{n:03d}",
    )
    message = BuyerMessage(
        conversation=conv,
        text=text,
        received_at=h.clock.now,
        message_id=f"m-{n}-{url or text}",
        attachment_kind="image" if url else "",
        attachment_url=url,
    )
    parsed = ParsedEvent(
        dedup_key=f"test:{message.message_id}", event=BuyerMessageReceived(message=message)
    )
    async with h.rt.services.sessions() as session, session.begin():
        await inbox.store_events(session=session, items=[inbox.inbox_item(parsed, h.clock.now)])


def _photo(h: Harness, n: int, k: int = 0) -> tuple[str, bytes]:
    url = f"https://images.tokopedia.test/chat/{n}-{k}.png"
    data = make_png(20 + n % 50, 20 + k, shade=n % 200)
    h.fake.serve_url(url, data)
    return url, data


async def test_public_url_photos_are_lines_and_the_button_posts_them_by_url(sqlite_url):
    """Ten buyers' photos under a backlog: one digest; a press posts the same picture once."""
    fake = FakeTelegram(enforce_limits=True)
    async with harness(sqlite_url, fake=fake, pacer=GroupPacer()) as h:
        pictures = {}
        for n in range(10):
            url, data = _photo(h, n)
            pictures[n] = data
            await _buyer_sends(h, n, "yang ini ada kak?" if n == 3 else "", url)
            await _buyer_sends(h, n, f"tolong dicek {n}")
        await h.deliver()
        h.clock.advance(seconds=20)
        await h.deliver()
        [digest] = h.group()
        shown = digest.plain_text or ""
        assert shown.count("📷 Foto") == 10
        assert "📷 Foto · yang ini ada kak?" in shown, "the caption, as written"
        await h.press(digest, "Lihat foto · Pembeli003")
        await h.press(digest, "Lihat foto · Pembeli003")
        [photo] = [m for m in h.group() if "photo" in m.content]
        assert h.fake.photo_bytes(photo) == pictures[3]
        assert photo.reply_to_message_id == digest.message_id
        assert all(c.ok for c in fake.calls), [c for c in fake.calls if not c.ok][:1]


async def test_more_photos_than_one_keyboard_holds_spill_into_the_next_digest(sqlite_url):
    """120 photos from 60 buyers: each digest within Telegram's 100 buttons; each photo's
    button appears exactly once over all digests, and no photo is posted by itself."""
    fake = FakeTelegram(enforce_limits=True)
    async with harness(sqlite_url, fake=fake, pacer=GroupPacer()) as h:
        for n in range(60):
            for k in range(2):
                await _buyer_sends(h, n, "", _photo(h, n, k)[0])
        for _ in range(6):
            await h.deliver()
            h.clock.advance(seconds=30)
        digests = h.group()
        assert len(digests) >= 2
        labels = [b["text"] for m in digests for b in _buttons(m) if "Lihat foto" in b["text"]]
        assert len(labels) == 120
        assert len(set(labels)) == 120
        assert all(len(_buttons(m)) <= TELEGRAM_MAX_BUTTONS for m in digests)
        assert sum((m.plain_text or "").count("📷 Foto") for m in digests) == 120
        assert not fake.calls_to("sendPhoto")
        assert all(c.ok for c in fake.calls), [c for c in fake.calls if not c.ok][:1]


async def test_a_photo_with_a_long_caption_follows_whole_as_a_photo_instead(sqlite_url):
    """The digest previews the caption and offers no button; the photo then follows once,
    with the whole caption, the ordinary way."""
    fake = FakeTelegram(enforce_limits=True)
    async with harness(sqlite_url, fake=fake, pacer=GroupPacer()) as h:
        url, data = _photo(h, 1)
        caption = "Kak, ini barang yang datang. " * 20 + "SELESAI"
        assert len(caption) > PREVIEW_CHARS
        await _buyer_sends(h, 1, caption, url)
        for n in range(2, 10):
            await _buyer_sends(h, n, f"pesan {n}")
        await h.deliver()
        h.clock.advance(seconds=20)
        await h.deliver()
        digest, whole = h.group()
        assert "teks lengkap menyusul" in (digest.plain_text or "")
        assert not [b for b in _buttons(digest) if "Lihat foto" in b["text"]]
        assert h.fake.photo_bytes(whole) == data
        assert "SELESAI" in whole.content["caption"]
        h.clock.advance(minutes=5)
        await h.deliver()
        assert len(fake.calls_to("sendPhoto")) == 1
