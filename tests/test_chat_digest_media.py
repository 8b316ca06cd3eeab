"""Chat digests with attachments: photos as lines with a button each, cards as words, and
a keyboard that never passes Telegram's 100 buttons."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.domain.values import BuyerMessage, Conversation, MarketplaceName
from bot.domain.vocab import ButtonAction
from bot.render.base import Button, Rendered
from bot.render.chat_digests import (
    CHAT_DIGEST_MAX_BUTTONS,
    TELEGRAM_MAX_BUTTONS,
    DigestEntry,
    pack,
    render_buyer_burst,
    render_chat_digest,
)
from bot.render.chat_media import MediaRef
from bot.render.formatting import split_html

TZ = ZoneInfo("Asia/Jakarta")
AT = datetime(2026, 11, 11, 4, 5, tzinfo=UTC)


def _conv(n: int) -> Conversation:
    return Conversation(
        marketplace=MarketplaceName.TIKTOKSHOP,
        shop_id="7495540735365777507",
        conversation_id=f"conv-{n:05d}",
        buyer_id=str(n),
        buyer_name=f"Pembeli {n}",
    )


def _msg(n: int, text: str = "", kind: str = "", url: str = "", ref: str = "") -> BuyerMessage:
    return BuyerMessage(
        conversation=_conv(n),
        text=text,
        received_at=AT,
        attachment_kind=kind,
        attachment_url=url,
        attachment_ref=ref,
    )


def _photo(n: int, k: int = 0, text: str = "") -> BuyerMessage:
    return _msg(n, text, "image", f"https://media.test/{n}/{k}.jpeg")


def _entry(n: int, *messages: BuyerMessage) -> DigestEntry:
    return DigestEntry(_conv(n), "Toko Maju Jaya", messages)


def _flat(rendered: Rendered) -> list[Button]:
    return [button for row in rendered.buttons for button in row]


def test_a_photo_is_a_line_with_its_caption_and_a_button_that_names_it():
    """The caption is shown as written (escaped); the button's ref fetches that photo."""
    rendered = render_chat_digest(
        [_entry(1, _msg(1, "halo"), _photo(1, text="yang <ini> & itu?")), _entry(2, _msg(2, "a"))],
        lang="id",
        tz=TZ,
    )
    assert "📷 Foto · yang &lt;ini&gt; &amp; itu?" in rendered.text
    shows = [b for b in _flat(rendered) if b.action == ButtonAction.SHOW_MEDIA]
    assert [b.label for b in shows] == ["📷 Lihat foto · Pembeli 1 #0001"]
    assert MediaRef.loads(shows[0].ref) == MediaRef("conv-00001", "https://media.test/1/0.jpeg")


def test_several_photos_of_one_buyer_are_numbered_alike_in_lines_and_buttons():
    entry = _entry(
        3, _photo(3, 0), _msg(3, "dan ini"), _photo(3, 1), _msg(3, "", "video", "https://v")
    )
    rendered = render_chat_digest([entry, _entry(4, _msg(4, "x"))], lang="id", tz=TZ)
    assert "📷 Foto 1" in rendered.text
    assert "📷 Foto 2" in rendered.text
    assert "🎬 Video 3" in rendered.text
    labels = [b.label for b in _flat(rendered) if b.action == ButtonAction.SHOW_MEDIA]
    assert labels == [
        "📷 Lihat foto 1 · Pembeli 3 #0003",
        "📷 Lihat foto 2 · Pembeli 3 #0003",
        "🎬 Lihat video 3 · Pembeli 3 #0003",
    ]


def test_cards_read_as_words_and_an_order_card_gets_its_button():
    entry = _entry(
        5,
        _msg(5, "576461413038785752", "order", ref="576461413038785752"),
        _msg(5, "1729000000000000042", "product", ref="1729000000000000042"),
        _msg(5, "😍", "sticker", "https://sticker"),
    )
    rendered = render_chat_digest([entry, _entry(6, _msg(6, "x"))], lang="id", tz=TZ)
    assert "Kartu pesanan: <code>576461413038785752</code>" in rendered.text
    assert "1729000000000000042" in rendered.text
    assert "😍" in rendered.text
    assert "Stiker" not in rendered.text
    [order] = [b for b in _flat(rendered) if b.action == ButtonAction.ORDER]
    assert order.ref == "576461413038785752"


def test_packed_digests_keep_every_photo_once_and_within_the_button_limit():
    """80 buyers with 1 to 4 photos each: every photo has one button, in one digest only."""
    entries = [
        _entry(n, _msg(n, f"pesan {n}"), *(_photo(n, k) for k in range(1 + n % 4)))
        for n in range(80)
    ]
    digests = pack(entries, lang="id")
    assert len(digests) > 1
    refs: list[str] = []
    for digest in digests:
        rendered = render_chat_digest(digest, lang="id", tz=TZ)
        assert split_html(rendered.text) == [rendered.text]
        buttons = _flat(rendered)
        assert len(buttons) <= CHAT_DIGEST_MAX_BUTTONS
        refs += [b.ref for b in buttons if b.action == ButtonAction.SHOW_MEDIA]
    photos = [m for entry in entries for m in entry.messages if m.attachment_kind]
    assert len(refs) == len(photos) == len(set(refs))


def test_order_buttons_take_only_the_room_left():
    """Answers and photos first; order cards while the keyboard has room for them."""
    entries = [
        _entry(n, _photo(n), _msg(n, str(9000 + n), "order", ref=str(9000 + n)))
        for n in range(CHAT_DIGEST_MAX_BUTTONS // 2)
    ]
    rendered = render_chat_digest(entries, lang="id", tz=TZ)
    buttons = _flat(rendered)
    assert len(buttons) == TELEGRAM_MAX_BUTTONS
    assert sum(b.action == ButtonAction.ORDER for b in buttons) == 4
    assert all(f"Kartu pesanan: <code>{9000 + n}</code>" in rendered.text for n in range(48))


def test_a_burst_shows_its_photos_in_order_with_its_own_buttons():
    messages = [_msg(7, "halo kak"), _photo(7, 0, "ini"), _msg(7, "ada?")]
    rendered = render_buyer_burst(messages, "Toko Maju Jaya", "conv-00007", lang="id", tz=TZ)
    text = rendered.text
    assert text.index("halo kak") < text.index("📷 Foto") < text.index("ini") < text.index("ada?")
    labels = [b.label for b in _flat(rendered)]
    assert "📷 Lihat foto" in labels
    assert any("Balas" in label for label in labels)


def test_a_burst_of_many_photos_stays_within_the_button_limit():
    """A single buyer's digest holds at most the packed photos plus its three own buttons."""
    messages = [_photo(8, k) for k in range(200)]
    [digest] = pack([_entry(8, *messages)], lang="id")[:1]
    rendered = render_buyer_burst(digest[0].messages, "Toko", "conv-00008", lang="id", tz=TZ)
    assert len(_flat(rendered)) <= TELEGRAM_MAX_BUTTONS
    assert len(digest[0].messages) == CHAT_DIGEST_MAX_BUTTONS - 1
