"""How a conversation's handler is drawn: the line, the buttons, /mine and the summary."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.figures import DayFigures
from bot.domain.values import BuyerMessage
from bot.render.assignments import (
    MyChat,
    render_mine,
    takeover_ref,
    with_handler,
    without_handler,
)
from bot.render.chats import render_buyer_message
from bot.render.formatting import TELEGRAM_TEXT_LIMIT, visible_text
from bot.render.staff import render_chat_reminder, render_summary
from tests.factories import make_conversation

JAKARTA = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 11, 27, 3, 32, tzinfo=UTC)


def _message(text: str = "Halo kak") -> BuyerMessage:
    return BuyerMessage(conversation=make_conversation(), text=text, received_at=NOW)


def _labels(rendered) -> list[tuple[str, str]]:
    return [(b.label, b.action) for row in rendered.buttons for b in row]


class TestRelayedMessage:
    def test_a_handled_chat_names_its_handler_with_release(self) -> None:
        rendered = render_buyer_message(
            _message(), "Toko", "900", lang="id", tz=JAKARTA, handler="Dewi <Admin>"
        )
        assert rendered.text.endswith("\n🙋 Ditangani oleh <b>Dewi &lt;Admin&gt;</b>")
        assert ("🙋 Dewi <Admin>", "claim") in _labels(rendered)
        assert ("✋ Lepas", "claim_release") in _labels(rendered)
        assert ("🙋 Saya tangani", "claim") not in _labels(rendered)

    def test_the_line_comes_off_again_in_both_languages(self) -> None:
        for lang in ("id", "en"):
            plain = render_buyer_message(_message(), "Toko", "900", lang=lang, tz=JAKARTA)
            handled = render_buyer_message(
                _message(), "Toko", "900", lang=lang, tz=JAKARTA, handler="Dewi"
            )
            assert without_handler(handled.text) == plain.text
            assert without_handler(plain.text) == plain.text

    def test_a_buyer_line_that_looks_like_the_handler_line_stays(self) -> None:
        """Only tokobot's own last line is taken off: the buyer's text is inside a quote."""
        rendered = render_buyer_message(
            _message("🙋 Ditangani oleh siapa?"), "Toko", "900", lang="id", tz=JAKARTA
        )
        assert without_handler(rendered.text) == rendered.text

    def test_a_full_chunk_keeps_its_text_and_the_buttons_name_the_handler(self) -> None:
        full = "x" * TELEGRAM_TEXT_LIMIT
        assert with_handler(full, "Dewi", lang="id") == full
        assert visible_text(with_handler("abc", "Dewi", lang="en")) == "abc\n🙋 Handled by Dewi"


def test_takeover_refs_carry_the_expected_handler() -> None:
    assert takeover_ref("222:room:7") == (222, "room:7")
    assert takeover_ref("room") is None
    assert takeover_ref("x:room") is None


def test_mine_lists_waiting_chats_first_oldest_first() -> None:
    def chat(name: str, minutes_ago: int | None) -> MyChat:
        since = None if minutes_ago is None else NOW - timedelta(minutes=minutes_ago)
        return MyChat(make_conversation(buyer_name=name), name, since, f"dari {name}")

    rendered = render_mine(
        [chat("Ani", None), chat("Budi", 5), chat("Cici", 30)], now=NOW, lang="id", tz=JAKARTA
    )
    text = visible_text(rendered.text)
    assert text.index("Cici") < text.index("Budi") < text.index("Ani")
    assert "30 menit lalu" in text
    assert [b.ref for row in rendered.buttons for b in row] == ["Cici", "Budi", "Ani"]
    empty = render_mine([], now=NOW, lang="id", tz=JAKARTA)
    assert "tidak sedang menangani" in empty.text


def test_a_reminder_mentions_only_the_handler() -> None:
    conv = make_conversation()
    since = NOW - timedelta(minutes=20)
    handled = render_chat_reminder(
        conv, since, "900", now=NOW, lang="id", tz=JAKARTA, handler=(222, "Dewi & co")
    )
    assert '<a href="tg://user?id=222">Dewi &amp; co</a>' in handled.text
    alone = render_chat_reminder(conv, since, "900", now=NOW, lang="id", tz=JAKARTA)
    assert "tg://user" not in alone.text


def test_the_summary_gives_answers_and_median_first_response_per_staff() -> None:
    figures = DayFigures(
        per_staff={"Dewi": {"reply": 3, "claim": 2}, "Rina": {"accept": 1}},
        first_response_seconds={"Dewi": [120.0, 240.0, 900.0]},
    )
    text = visible_text(
        render_summary(figures, date(2026, 11, 27), lang="id", tz=JAKARTA, now=NOW).text
    )
    assert "Dewi: 3 balasan · median respons pertama 4 menit" in text
    assert "Rina: 1 × menerima pesanan" in text
    assert "Rina: 0 balasan" not in text  # she answered no buyer today
    quiet = render_summary(DayFigures(), date(2026, 11, 27), lang="id", tz=JAKARTA, now=NOW)
    assert "Balasan per staf" not in quiet.text
