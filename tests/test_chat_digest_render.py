"""Chat digests as staff read them: every text once, each digest one message, nothing cut
without saying so."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.domain.values import BuyerMessage, Conversation, MarketplaceName
from bot.render.chat_digests import (
    CHAT_DIGEST_MAX_CONVERSATIONS,
    PREVIEW_CHARS,
    DigestEntry,
    pack,
    render_chat_digest,
    short_refs,
)
from bot.render.formatting import split_html

TZ = ZoneInfo("Asia/Jakarta")
AT = datetime(2026, 11, 11, 4, 5, tzinfo=UTC)


def _entry(n: int, texts: list[str], shop: str = "Toko Maju Jaya") -> DigestEntry:
    conv = Conversation(
        marketplace=MarketplaceName.TOKOPEDIA,
        shop_id="479573",
        conversation_id=str(50_000_000 + n),
        buyer_id=str(n),
        buyer_name=f"Pembeli {n}",
    )
    messages = tuple(BuyerMessage(conversation=conv, text=text, received_at=AT) for text in texts)
    return DigestEntry(conv, shop, messages)


def test_packed_digests_are_one_message_each_and_show_every_text_once():
    entries = [
        _entry(
            n,
            [
                f"Kak, ukuran {n} ready & <murah>? " * (1 + n % 4) + f"[{n}-{k}]"
                for k in range(1 + n % 3)
            ],
        )
        for n in range(300)
    ]
    digests = pack(entries, lang="id")
    assert len(digests) > 1
    shown = ""
    for digest in digests:
        rendered = render_chat_digest(digest, lang="id", tz=TZ)
        assert split_html(rendered.text) == [rendered.text], "a digest never needs two messages"
        buttons = [b for row in rendered.buttons for b in row]
        assert len(buttons) == len({e.conversation.conversation_id for e in digest})
        assert len(buttons) <= CHAT_DIGEST_MAX_CONVERSATIONS
        shown += rendered.text
    for entry in entries:
        for message in entry.messages:
            marker = message.text.rsplit("[", 1)[1]
            assert shown.count(f"[{marker}") == 1
    assert "ready &amp; &lt;murah&gt;?" in shown


def test_a_long_text_says_how_much_follows():
    long_text = "x" * (PREVIEW_CHARS + 250)
    rendered = render_chat_digest([_entry(1, [long_text]), _entry(2, ["halo"])], lang="id", tz=TZ)
    assert "x" * (PREVIEW_CHARS + 1) not in rendered.text
    assert "+251 karakter; teks lengkap menyusul" in rendered.text


def test_answer_buttons_name_the_buyer_and_a_short_id_that_tells_them_apart():
    rendered = render_chat_digest([_entry(1, ["a"]), _entry(11, ["b"])], lang="en", tz=TZ)
    labels = [b.label for row in rendered.buttons for b in row]
    assert labels == ["↩️ Pembeli 1 #0001", "↩️ Pembeli 11 #0011"]
    assert short_refs(["1230001", "9990001"]) == ["30001", "90001"]
    assert short_refs(["1230001", "1230002"]) == ["0001", "0002"]
