"""Tests for bot.render.catalogue: the catalogue, t()/t_plain(), dates and durations."""

from __future__ import annotations

import ast
import re
import string
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.render.catalogue import (
    CATALOGUE,
    DEFAULT_TZ,
    LANGUAGES,
    Html,
    format_datetime,
    format_day_time,
    format_duration,
    format_time,
    t,
    t_plain,
)
from bot.render.texts_id import BUYER_REJECT_TEXTS
from tests.factories import assert_telegram_html


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


class TestCatalogue:
    def test_every_key_in_every_language(self) -> None:
        """Both languages define exactly the same keys."""
        assert set(CATALOGUE["id"]) == set(CATALOGUE["en"])
        assert set(LANGUAGES) == set(CATALOGUE)

    @pytest.mark.parametrize("key", sorted(CATALOGUE["id"]))
    def test_placeholders_match(self, key: str) -> None:
        """A key uses the same placeholders in every language."""
        assert _placeholders(CATALOGUE["id"][key]) == _placeholders(CATALOGUE["en"][key])
        assert not _placeholders(CATALOGUE["id"][key]) & {"key", "lang"}

    @pytest.mark.parametrize("lang", LANGUAGES)
    def test_every_text_is_valid_html(self, lang: str) -> None:
        """Every template, filled with awkward values, is valid Telegram HTML."""
        for key, template in CATALOGUE[lang].items():
            values = dict.fromkeys(_placeholders(template), "<x> & 'y'")
            assert_telegram_html(t(key, lang, **values))

    def test_no_tiktok_in_indonesian(self) -> None:
        """Indonesian texts never name TikTok."""
        texts = [*CATALOGUE["id"].values(), *BUYER_REJECT_TEXTS.values()]
        assert not [text for text in texts if "tiktok" in text.lower()]

    def test_buyer_reject_texts_fit(self) -> None:
        """Texts sent to buyers cover every reason code and fit the strictest limit."""
        assert set(BUYER_REJECT_TEXTS) == {0, 1, 2, 3, 4, 5, 7, 8}
        assert all(0 < len(text) <= 490 for text in BUYER_REJECT_TEXTS.values())


def _catalogue_calls() -> list[tuple[str, str, set[str] | None]]:
    """Every t()/t_plain() call with a literal key in the app: (where, key, keyword names)."""
    root = Path(__file__).resolve().parents[1]
    calls = []
    for package in ("bot", "handlers", "storage"):
        for path in sorted((root / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in {"t", "t_plain"}
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    continue
                names = {k.arg for k in node.keywords if k.arg is not None}
                spread = any(k.arg is None for k in node.keywords)  # **values: unknown names
                where = f"{path.relative_to(root)}:{node.lineno}"
                calls.append((where, node.args[0].value, None if spread else names))
    return calls


class TestCatalogueUse:
    def test_app_uses_known_keys_with_their_placeholders(self) -> None:
        """Every literal key the app asks for exists and gets all of its placeholders."""
        problems = []
        for where, key, names in _catalogue_calls():
            if key not in CATALOGUE["id"]:
                problems.append(f"{where}: unknown key {key!r}")
            elif names is not None and not _placeholders(CATALOGUE["id"][key]) <= names:
                missing = _placeholders(CATALOGUE["id"][key]) - names
                problems.append(f"{where}: {key!r} needs {sorted(missing)}")
        assert problems == []


class TestT:
    def test_escapes_values(self) -> None:
        """Inserted values are escaped; the template's own markup is kept."""
        assert t("reply.prompt", "en", buyer="<Budi & co>") == (
            "✍️ Write your reply to <b>&lt;Budi &amp; co&gt;</b> as a reply to this message."
        )

    def test_html_values_pass_through(self) -> None:
        """Values marked as Html are inserted as they are."""
        assert t("order.status", "id", status=Html("<b>x</b>")) == "Status: <b>x</b>"

    def test_result_is_html(self) -> None:
        """t() marks its result as Html so it nests without double escaping."""
        inner = t("reject.reason.1", "id")
        assert isinstance(inner, Html)
        assert t("order.status", "id", status=t("state.cancelled", "id")) == "Status: Dibatalkan"

    def test_unknown_language_falls_back_to_indonesian(self) -> None:
        """An unknown language reads Indonesian."""
        assert t("state.shipping", "fr") == "Dikirim"

    def test_missing_key_falls_back_to_key(self) -> None:
        """An unknown key shows itself rather than failing."""
        assert t("no.such.key", "en") == "no.such.key"

    def test_plain_drops_markup(self) -> None:
        """t_plain gives plain text with raw values for button labels and toasts."""
        assert t_plain("reply.prompt", "id", buyer="<Budi>") == (
            "✍️ Tulis balasan untuk <Budi> dengan membalas pesan ini."
        )
        assert "/order <invoice>" in t_plain("help.text", "en")


class TestDates:
    def test_utc_renders_in_jakarta_time(self) -> None:
        """A UTC moment renders as WIB, seven hours ahead."""
        moment = datetime(2026, 11, 27, 3, 32, tzinfo=UTC)
        assert format_datetime(moment, DEFAULT_TZ) == "27 Nov 2026 10:32 WIB"
        assert format_time(moment, DEFAULT_TZ) == "10:32"

    def test_naive_datetimes_are_utc(self) -> None:
        """A naive datetime is read as UTC."""
        assert format_time(datetime(2026, 11, 27, 20, 5), DEFAULT_TZ) == "03:05"  # noqa: DTZ001

    def test_other_zones_use_their_abbreviation(self) -> None:
        """The configured zone decides the clock and the abbreviation."""
        moment = datetime(2026, 8, 17, 1, 0, tzinfo=UTC)
        assert format_datetime(moment, ZoneInfo("Asia/Makassar")) == "17 Agu 2026 09:00 WITA"
        assert format_datetime(moment, ZoneInfo("Asia/Jayapura"), lang="en") == (
            "17 Aug 2026 10:00 WIT"
        )

    def test_day_time_is_compact(self) -> None:
        """Lists use day, month and time only."""
        moment = datetime(2026, 5, 1, 17, 30, tzinfo=UTC)
        assert format_day_time(moment, DEFAULT_TZ, lang="id") == "2 Mei 00:30"


class TestDurations:
    @pytest.mark.parametrize(
        ("delta", "id_text", "en_text"),
        [
            (timedelta(hours=2, minutes=15), "2 jam 15 menit", "2 h 15 min"),
            (timedelta(minutes=35, seconds=59), "35 menit", "35 min"),
            (timedelta(seconds=59), "kurang dari 1 menit", "less than 1 min"),
            (timedelta(hours=3), "3 jam", "3 h"),
            (timedelta(days=1, hours=3, minutes=9), "1 hari 3 jam", "1 d 3 h"),
            (timedelta(days=2), "2 hari", "2 d"),
            (-timedelta(minutes=5), "5 menit", "5 min"),
        ],
    )
    def test_words(self, delta: timedelta, id_text: str, en_text: str) -> None:
        """Durations read naturally in both languages, to the minute."""
        assert (id_text, en_text) == (
            format_duration(delta, lang="id"),
            format_duration(delta, lang="en"),
        )


# --- no English words in Indonesian text ------------------------------------------------------

# Common English words that have an everyday Indonesian word staff would rather read.
_ENGLISH = frozenset(
    """event events pending order orders failed fail error errors retry retrying delivered
    deliver sent send sending queue queued waiting wait reply replied cancel cancelled
    canceled accept accepted reject rejected shipped shipping buyer buyers seller shop
    done success unknown message messages today yesterday hours minutes the and of
    with from not please new items update updated loading offline online connected
    disconnected tip health stock click here next back settings""".split()  # noqa: SIM905
)
# Proper names stay as they are; commands are stripped before the scan.
_ALLOWED = ("Tokopedia & Shop", "Tokopedia &amp; Shop", "Seller Center")
# Words that mark a string as Indonesian text (the demo page mixes code and Indonesian).
_INDONESIAN = frozenset(
    """yang dan menunggu pesan kirim pembeli pesanan belum sudah tidak gagal langsung sebagai
    baru toko balas diterima dikirim untuk atau buat mencoba lagi terputus ulang
    dibatalkan penjual""".split()  # noqa: SIM905
)
_DEMO = Path(__file__).parent.parent / "bot" / "demo"


def _english_words(text: str) -> list[str]:
    for name in _ALLOWED:
        text = text.replace(name, "")
    # Markup, placeholders, /commands, entities and links are not words staff read.
    text = re.sub(r"<code>.*?</code>", " ", text, flags=re.S)
    text = re.sub(r"<[^>]+>|\$?\{[^}]*\}|/[a-z_]+|&[a-z]+;|https?://\S+", " ", text)
    return [w for w in re.findall(r"[A-Za-z]+", text) if w.lower() in _ENGLISH]


def _looks_indonesian(text: str) -> bool:
    return bool({w.lower() for w in re.findall(r"[A-Za-z]+", text)} & _INDONESIAN)


class _PageText(HTMLParser):
    """The text a visitor reads on the page: text nodes and label-like attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip += tag in {"script", "style"}
        readable = {"title", "placeholder", "aria-label", "alt", "value"}
        self.texts += [value for name, value in attrs if name in readable and value]

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in {"script", "style"}

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.texts.append(data)


def _demo_strings() -> list[str]:
    """The demo page's Indonesian strings: Python constants, the page and its script."""
    found: list[str] = []
    for path in sorted(_DEMO.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append(node.value)
    page = _PageText()
    page.feed((_DEMO / "static" / "index.html").read_text(encoding="utf-8"))
    found += page.texts
    script = (_DEMO / "static" / "demo.js").read_text(encoding="utf-8")
    for raw in script.splitlines():
        line = re.sub(r"\$\{[^}]*\}", "", raw)
        found += [m.group(2) for m in re.finditer(r"([\"'`])((?:(?!\1).)*)\1", line)]
    return [text for text in found if _looks_indonesian(text)]


class TestIndonesianIsIndonesian:
    def test_the_scan_catches_english(self) -> None:
        """The scan itself finds the English that slipped into an Indonesian sentence."""
        assert _english_words("tokobot: 52 event menunggu kirim") == ["event"]
        assert _english_words("Pesanan <b>{order}</b> · /orders · Tokopedia &amp; Shop") == []

    @pytest.mark.parametrize("key", sorted(CATALOGUE["id"]))
    def test_catalogue(self, key: str) -> None:
        """Indonesian staff texts use Indonesian words, not English ones."""
        assert _english_words(CATALOGUE["id"][key]) == []

    def test_buyer_texts(self) -> None:
        """The texts sent to buyers are Indonesian throughout."""
        assert [w for text in BUYER_REJECT_TEXTS.values() for w in _english_words(text)] == []

    def test_demo_page(self) -> None:
        """The demo page's Indonesian strings (header, badges, hints) are Indonesian too."""
        strings = _demo_strings()
        assert len(strings) > 20  # the scan found the page's texts at all
        assert {text: _english_words(text) for text in strings if _english_words(text)} == {}
