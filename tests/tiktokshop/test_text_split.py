"""Splitting long replies (bot/marketplaces/text_split.py): order, limits, word boundaries."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.marketplaces.text_split import SplitsReplies, split_text, utf16_length
from bot.marketplaces.tiktokshop.adapter import TikTokShopMarketplace
from bot.marketplaces.tokopedia.adapter import TokopediaMarketplace

WORDS = st.sampled_from(
    ["a", "kak", "pesanan", "sudah", "dikirim.", "ya!", "Terima", "kasih?", "😀", "x" * 30]
)
GAPS = st.sampled_from([" ", "  ", "\n", "\n\n", " \t"])


@st.composite
def texts(draw: st.DrawFn) -> str:
    words = draw(st.lists(WORDS, max_size=80))
    pieces = [draw(GAPS) + word for word in words]
    return draw(st.sampled_from(["", " ", "\n"])) + "".join(pieces) + draw(GAPS)


def check_parts(text: str, parts: list[str], limit: int) -> None:
    """Parts rebuild the text (only whitespace at split points dropped), fit, split no word
    unless that word alone is over the limit."""
    assert parts
    assert all(utf16_length(part) <= limit for part in parts)
    pos = 0
    for index, part in enumerate(parts):
        start = pos
        if index:
            while pos < len(text) and text[pos].isspace():
                pos += 1
        else:
            while pos < len(text) and not text.startswith(part, pos):
                assert text[pos].isspace()  # only leading blanks may be dropped
                pos += 1
        assert text.startswith(part, pos), (index, part)
        if index and pos == start:  # a cut inside a word: that word is too long to fit
            assert not parts[index - 1].strip().count(" ")
            assert utf16_length(parts[index - 1].strip()) >= limit - 1
        pos += len(part)
    assert not text[pos:].strip()


@settings(max_examples=300, deadline=None)
@given(texts(), st.integers(min_value=2, max_value=60))
def test_parts_rebuild_the_text_fit_and_keep_words(text, limit):
    check_parts(text, split_text(text, limit), limit)


@settings(max_examples=50, deadline=None)
@given(st.text(min_size=0, max_size=300), st.integers(min_value=2, max_value=40))
def test_any_unicode_text_is_split_within_the_limit(text, limit):
    check_parts(text, split_text(text, limit), limit)


def test_a_text_that_fits_is_one_unchanged_part():
    text = "  Halo kak,\nterima kasih.  "
    assert split_text(text, 2000) == [text]
    assert split_text("a" * 2000, 2000) == ["a" * 2000]


def test_long_reply_splits_at_a_sentence_end_into_2000_character_parts():
    sentence = "Pesanan kakak sudah kami kirim hari ini. "  # 41 characters
    text = sentence * 100  # 4,100 characters
    parts = split_text(text, 2000)
    assert [len(p) for p in parts] == [1967, 1967, 164]
    assert all(p.rstrip().endswith("hari ini.") for p in parts)
    assert " ".join(parts) == text


def test_emoji_count_twice_like_the_platform_counts_them():
    parts = split_text("😀" * 1500, 2000)
    assert [len(p) for p in parts] == [1000, 500]


def test_a_word_longer_than_the_limit_is_cut_and_nothing_else():
    url = "https://toko.example/" + "x" * 2500
    parts = split_text(f"Lihat {url} ya", 2000)
    assert parts == ["Lihat", url[:2000], url[2000:] + " ya"]


def test_only_tokopedia_and_shop_splits_replies():
    """Tokopedia sends a reply as one message whatever its length, as it always has."""
    assert issubclass(TikTokShopMarketplace, SplitsReplies)
    assert not issubclass(TokopediaMarketplace, SplitsReplies)
