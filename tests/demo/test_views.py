"""The page's message HTML is built from Telegram's entities and is always escaped."""

from __future__ import annotations

from bot.demo.views import order_view, safe_html, snippet
from bot.sandbox.telegram import FakeMessage, parse_html


def _from_html(source: str) -> str:
    parsed = parse_html(source)
    return safe_html(parsed.plain, parsed.entities)


class TestSafeHtml:
    def test_text_is_escaped(self):
        """Markup-looking text is shown as text, never interpreted."""
        assert safe_html('<img src=x onerror="alert(1)"> & co', []) == (
            "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; co"
        )

    def test_telegram_html_round_trips_to_the_same_tags(self):
        """What tokobot sent as HTML comes back as the same, nested tags."""
        source = (
            "💬 <b>Siti</b> · <i>a <b>b</b></i>\n<blockquote>Kak &lt;3</blockquote> <code>x</code>"
        )
        assert _from_html(source) == source

    def test_offsets_count_utf16_units(self):
        """Entities after an emoji (two UTF-16 units) land on the right characters."""
        assert _from_html("😀😀 <b>tebal</b> ok") == "😀😀 <b>tebal</b> ok"

    def test_links_keep_only_safe_schemes(self):
        """An http link stays a link; a javascript: URL becomes plain text."""
        good = safe_html(
            "lihat",
            [{"type": "text_link", "offset": 0, "length": 5, "url": 'https://a.b/?x=1&y="2"'}],
        )
        assert good == (
            '<a href="https://a.b/?x=1&amp;y=&quot;2&quot;" target="_blank" '
            'rel="noopener noreferrer">lihat</a>'
        )
        bad = [{"type": "text_link", "offset": 0, "length": 5, "url": "javascript:alert(1)"}]
        assert safe_html("lihat", bad) == "lihat"

    def test_overlapping_entities_are_clipped_to_nest(self):
        """Malformed, overlapping entities never produce crossed tags."""
        entities = [
            {"type": "bold", "offset": 0, "length": 4},
            {"type": "italic", "offset": 2, "length": 4},
        ]
        assert safe_html("abcdef", entities) == "<b>ab<i>cd</i></b>ef"

    def test_spoilers_and_commands_get_classes(self):
        """Spoilers and bot commands are spans the page styles."""
        entities = [
            {"type": "bot_command", "offset": 0, "length": 7},
            {"type": "spoiler", "offset": 8, "length": 3},
        ]
        assert safe_html("/orders abc", entities) == (
            '<span class="cmd">/orders</span> <span class="spoiler">abc</span>'
        )


def test_snippet_is_short_and_single_line():
    """Reply quotes show the start of the replied message on one line."""
    message = FakeMessage(chat_id=-1, message_id=1, date=0, from_id=1, plain_text="a\nb " * 50)
    text = snippet(message, limit=20)
    assert len(text) == 20
    assert "\n" not in text
    assert text.endswith("…")


def test_order_view_offers_what_can_happen_next():
    """A paid order may be cancelled by the buyer but not picked up yet."""
    order = {
        "order_id": 1,
        "invoice_num": "INV/1",
        "customer": {"Name": "Siti"},
        "shop_name": "Toko",
        "products": [{"Name": "Kopi", "quantity": 2}],
        "amt": {"ttl_amount": 182000},
        "order_status": 220,
        "cancel_request_info": None,
    }
    view = order_view(order)
    assert view["items"] == "Kopi ×2"
    assert (view["can_request_cancel"], view["can_pickup"]) == (True, False)
    assert order_view(order | {"order_status": 400})["can_pickup"] is True
