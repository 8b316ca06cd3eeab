"""Tests for bot.render.formatting, and for the Telegram-HTML checker in tests.factories."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.render.formatting import (
    TELEGRAM_TEXT_LIMIT,
    chat_text_to_html,
    chat_text_to_plain,
    clip,
    escape,
    escape_attr,
    rupiah,
    split_html,
    utf16_len,
    visible_text,
)
from tests.factories import assert_telegram_html, shown, width
from tests.hostile_bodies import FUZZ


class TestChecker:
    def test_accepts_telegram_html(self) -> None:
        """Allowed tags, attributes and entities pass."""
        assert_telegram_html('<b>a &amp; <a href="https://x.id/?a=1&amp;b">l</a></b> &lt;')

    @pytest.mark.parametrize(
        "markup",
        ["a < b", "a > b", "a & b", "<b>x", "<b><i>x</b></i>", "<script>x</script>",
         '<a href="javascript:x">y</a>', "</b>", "&nbsp;"],
    )  # fmt: skip
    def test_rejects_bad_html(self, markup: str) -> None:
        """Bare specials, bad nesting, unknown tags and unsafe links fail."""
        with pytest.raises(AssertionError):
            assert_telegram_html(markup)


# --- basics ---------------------------------------------------------------------------------


class TestEscape:
    def test_escapes_specials_but_not_quotes(self) -> None:
        """Text escaping covers <, > and & and leaves quotes readable."""
        assert escape("""<b> & "q" 'a'""") == """&lt;b&gt; &amp; "q" 'a'"""

    def test_attribute_escaping_covers_quotes(self) -> None:
        """Attribute values also escape quotes."""
        assert escape_attr('a"b&c') == "a&quot;b&amp;c"


class TestRupiah:
    @pytest.mark.parametrize(
        ("amount", "text"),
        [(1250000, "Rp1.250.000"), (0, "Rp0"), (999, "Rp999"), (1000, "Rp1.000"),
         (-5000, "-Rp5.000"), (12345678901, "Rp12.345.678.901")],
    )  # fmt: skip
    def test_formats_whole_rupiah(self, amount: int, text: str) -> None:
        """Rupiah use dots between thousands and no decimals."""
        assert text == rupiah(amount)


class TestLengths:
    def test_utf16_counts_emoji_twice(self) -> None:
        """Characters outside the BMP take two UTF-16 units."""
        assert utf16_len("a😀é") == 4

    def test_visible_text_drops_tags_and_decodes_entities(self) -> None:
        """Visible text is what Telegram shows."""
        assert visible_text('<b>a &amp; <a href="https://x.id">b</a></b>&lt;') == "a & b<"

    def test_clip_marks_cuts(self) -> None:
        """Long text is shortened with an ellipsis; short text is untouched."""
        assert clip("abcdef", 4) == "abc…"
        assert clip("abc", 4) == "abc"


# --- buyer chat text --------------------------------------------------------------------------


class TestChatText:
    def test_plain_text_arrives_exactly(self) -> None:
        """Buyer text with <, & and quotes shows exactly as typed."""
        text = "harga <100rb & gratis ongkir? \"ok\" 'ya' 😀 &amp;"
        markup = chat_text_to_html(text)
        assert_telegram_html(markup)
        assert text == shown(markup)

    def test_unknown_tags_stay_literal(self) -> None:
        """Markup-looking text that Tokopedia does not send arrives as literal text."""
        text = "<script>alert(1)</script> <u>x</u> <img src=x>"
        markup = chat_text_to_html(text)
        assert_telegram_html(markup)
        assert text == shown(markup)

    def test_product_link_becomes_a_link(self) -> None:
        """A Tokopedia product link is kept as a real link with an escaped href."""
        text = 'cek <a href="https://www.tokopedia.com/toko/kaos?x=1&amp;y=2">Kaos &amp; Topi</a>'
        markup = chat_text_to_html(text)
        assert_telegram_html(markup)
        assert markup == (
            'cek <a href="https://www.tokopedia.com/toko/kaos?x=1&amp;y=2">Kaos &amp; Topi</a>'
        )
        assert shown(markup) == "cek Kaos & Topi"

    @pytest.mark.parametrize(
        "text",
        [
            "a<b R&D x&y 3 > 2 ok",  # was shown as "a 2 ok"
            "size <i think 40> &amp; ok",  # was shown as "size  & ok"
            "<p>dibuka tapi tidak ditutup",
            "tutup saja</div> &lt;",
            '<a href="https://a.id">tanpa penutup',
            "<b>tebal?</b> <span>x</span> <br class=x y>",
        ],
    )
    def test_malformed_or_unknown_markup_is_literal(self, text: str) -> None:
        """Text that only looks like markup reaches staff exactly as the buyer typed it."""
        markup = chat_text_to_html(text)
        assert_telegram_html(markup)
        assert shown(markup) == text

    @pytest.mark.parametrize(
        "href", ["javascript:alert(1)", "tokopedia://product/1", "/relative", "https://"]
    )
    def test_links_to_other_schemes_stay_literal(self, href: str) -> None:
        """Only a link to an absolute http(s) URL is interpreted; others are shown as sent."""
        text = f'<a href="{href}">lihat</a>'
        markup = chat_text_to_html(text)
        assert_telegram_html(markup)
        assert shown(markup) == text

    def test_breaks_and_blocks_become_newlines(self) -> None:
        """<br> and balanced block tags become line breaks."""
        text = "<p>Halo kak</p><div>ready?<br/>warna hitam<br>ya</div>"
        assert chat_text_to_html(text) == "Halo kak\nready?\nwarna hitam\nya"

    def test_entities_decoded_once_in_tokopedia_html(self) -> None:
        """In Tokopedia HTML, &amp;lt; is decoded once and then shown literally."""
        markup = chat_text_to_html("a &amp;lt; b<br>c &lt;3")
        assert shown(markup) == "a &lt; b\nc <3"

    def test_literal_text_around_known_tags(self) -> None:
        """A literal < next to real Tokopedia markup still arrives intact."""
        markup = chat_text_to_html("harga <100rb <i>murah</i><br>gratis ongkir")
        assert_telegram_html(markup)
        assert shown(markup) == "harga <100rb <i>murah</i>\ngratis ongkir"

    def test_empty_link_shows_its_url(self) -> None:
        """A complete link without a label shows its URL; an unclosed one stays literal."""
        assert chat_text_to_html('<a href="https://a.id"></a> <a href="https://b.id">x') == (
            '<a href="https://a.id">https://a.id</a> &lt;a href="https://b.id"&gt;x'
        )

    @FUZZ
    @given(
        st.text(
            st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"], include_characters="\n")
        )
    )
    def test_text_without_markup_is_shown_as_written(self, text: str) -> None:
        """Any text holding none of the interpreted tags is shown as typed (up to spacing)."""
        if any(tag in text.lower() for tag in ("<br", "<p", "<div", "<a", "</")):
            text = text.replace("<", "")
        markup = chat_text_to_html(text)
        assert_telegram_html(markup)
        assert " ".join(shown(markup).split()) == " ".join(text.split())

    @FUZZ
    @given(
        st.lists(st.sampled_from(["<", ">", "&", "amp;", "lt;", "#60;", "a", "b", "i", " "])).map(
            "".join
        )
    )
    def test_tag_and_entity_soup_is_shown_as_written(self, text: str) -> None:
        """Brackets and entity-like runs, the shapes that used to eat text, arrive intact."""
        markup = chat_text_to_html(text)
        assert_telegram_html(markup)
        assert shown(markup) == text

    def test_plain_version_keeps_labels(self) -> None:
        """The plain form drops markup and keeps link labels."""
        assert (
            chat_text_to_plain('lihat <a href="https://x.id">Kaos</a><br>ya') == "lihat Kaos\nya"
        )


# --- splitting --------------------------------------------------------------------------------


def _assert_split(markup: str, limit: int) -> list[str]:
    chunks = split_html(markup, limit)
    for chunk in chunks:
        assert_telegram_html(chunk)
        assert 0 < width(chunk) <= limit
    assert shown(markup) == "".join(shown(c) for c in chunks)
    return chunks


class TestSplitHtml:
    def test_short_text_is_one_unchanged_chunk(self) -> None:
        """Markup that fits comes back as it is."""
        assert split_html("<b>hi</b> &amp;") == ["<b>hi</b> &amp;"]

    def test_default_keeps_a_margin(self) -> None:
        """At the default limit, chunks stay at or under 4000 visible units."""
        chunks = _assert_split("x" * 9000, TELEGRAM_TEXT_LIMIT)
        assert all(width(c) <= 4000 for c in chunks)
        assert len(chunks) == 3

    def test_prefers_newlines(self) -> None:
        """Cuts fall after a newline when one is available."""
        markup = "\n".join(f"baris {i:03} dengan teks" for i in range(200))
        chunks = _assert_split(markup, 500)
        assert all(shown(c).endswith("\n") for c in chunks[:-1])

    def test_then_spaces(self) -> None:
        """Without newlines, cuts fall after a space."""
        chunks = _assert_split("kata " * 500, 300)
        assert all(shown(c).endswith(" ") for c in chunks[:-1])

    def test_reopens_tags_across_chunks(self) -> None:
        """Open tags are closed at a cut and reopened in the next chunk."""
        markup = (
            '<blockquote><b>bold <a href="https://x.id">' + "link " * 100 + "</a></b></blockquote>"
        )
        chunks = _assert_split(markup, 200)
        assert chunks[1].startswith('<blockquote><b><a href="https://x.id">')
        assert chunks[0].endswith("</a></b></blockquote>")

    def test_never_cuts_entities_or_surrogates(self) -> None:
        """Entities and emoji stay whole even on hard cuts."""
        markup = "&amp;😀&lt;" * 400
        chunks = _assert_split(markup, 101)
        assert all(c.endswith((";", "😀")) for c in chunks)

    def test_no_empty_tags_at_a_cut(self) -> None:
        """A tag that opens right at a cut moves to the next chunk instead of ending empty."""
        chunks = _assert_split("a" * 90 + "<b>" + "b" * 50 + "</b>", 100)
        assert "<b></b>" not in "".join(chunks)

    def test_rejects_tiny_limits(self) -> None:
        """A limit too small to hold a character is refused."""
        with pytest.raises(ValueError, match="too small"):
            split_html("abc", 1)

    def test_random_markup_round_trips(self) -> None:
        """Random well-formed markup splits into valid chunks that add up to the original."""
        rng = random.Random(20261127)  # noqa: S311 -- a fixed seed for reproducible test data
        for _ in range(300):
            markup = _random_markup(rng, depth=0)
            _assert_split(markup, rng.randint(12, 400))


_ALPHABET = [*"abc xyz", "\n", " ", "&", "<", ">", '"', "'", "😀", "é", "中", "👍🏽", "\t"]
_WRAPPERS = [
    ("<b>", "</b>"), ("<i>", "</i>"), ("<code>", "</code>"), ("<s>", "</s>"),
    ('<a href="https://x.id/?a=1&amp;b=2">', "</a>"), ('<span class="tg-spoiler">', "</span>"),
    ("<blockquote>", "</blockquote>"), ("<pre>", "</pre>"),
]  # fmt: skip


def _random_markup(rng: random.Random, depth: int) -> str:
    parts = []
    for _ in range(rng.randint(1, 6)):
        if depth < 3 and rng.random() < 0.3:
            opening, closing = rng.choice(_WRAPPERS)
            parts.append(opening + _random_markup(rng, depth + 1) + closing)
        else:
            word = "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 120)))
            parts.append(escape(word))
    return "".join(parts)
