"""The string catalogue, and dates and durations in the staff's language.

Templates are Telegram HTML and use ``str.format`` placeholders. :func:`t` escapes every
value it inserts unless the value is :class:`Html` (already-rendered markup), so a catalogue
string is always safe to send with ``parse_mode=HTML``. :func:`t_plain` gives the same text
for places that take no markup: button labels, callback answers, topic names.

Languages: "id" (default) and "en", whose texts are in :mod:`bot.render.texts_id` and
:mod:`bot.render.texts_en`. A key missing in a language falls back to "id", then to the key
itself. Buyer-facing texts (sent to the marketplace, always Indonesian, plain) are in
:data:`bot.render.texts_id.BUYER_REJECT_TEXTS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.render import texts_en, texts_id
from bot.render.formatting import aware, escape, visible_text

LANGUAGES = ("id", "en")
DEFAULT_LANG = "id"
DEFAULT_TZ = ZoneInfo("Asia/Jakarta")


class Html(str):
    """Text that is already Telegram HTML; :func:`t` inserts it without escaping."""

    __slots__ = ()


CATALOGUE: Mapping[str, Mapping[str, str]] = {"id": texts_id.TEXTS, "en": texts_en.TEXTS}
_ID = texts_id.TEXTS


def template(key: str, lang: str = DEFAULT_LANG) -> str:
    """The raw template for ``key`` in ``lang``, falling back to "id", then to the key."""
    return CATALOGUE.get(lang, _ID).get(key) or _ID.get(key) or escape(key)


def t(key: str, lang: str = DEFAULT_LANG, **values: object) -> Html:
    """The catalogue text for ``key`` as Telegram HTML, with ``values`` escaped and inserted."""
    safe = {k: v if isinstance(v, Html) else escape(str(v)) for k, v in values.items()}
    return Html(template(key, lang).format_map(safe))


def t_plain(key: str, lang: str = DEFAULT_LANG, **values: object) -> str:
    """The catalogue text for ``key`` as plain text, for places that take no markup."""
    plain = {k: visible_text(v) if isinstance(v, Html) else str(v) for k, v in values.items()}
    return visible_text(template(key, lang)).format_map(plain)


# --- dates and durations ------------------------------------------------------------------------


def _local(moment: datetime, tz: ZoneInfo) -> datetime:
    return aware(moment).astimezone(tz)


def _month(moment: datetime, lang: str) -> str:
    return template("fmt.months", lang).split()[moment.month - 1]


def format_datetime(
    moment: datetime, tz: ZoneInfo = DEFAULT_TZ, *, lang: str = DEFAULT_LANG
) -> str:
    """A moment in ``tz`` with its zone abbreviation: ``27 Nov 2026 10:32 WIB``."""
    local = _local(moment, tz)
    text = f"{local.day} {_month(local, lang)} {local.year} {local:%H:%M}"
    zone = local.tzname()
    return f"{text} {zone}" if zone else text


def format_date(day: date, *, lang: str = DEFAULT_LANG) -> str:
    """A calendar day: ``27 Nov 2026``."""
    return f"{day.day} {_month(datetime(day.year, day.month, 1, tzinfo=UTC), lang)} {day.year}"


def format_day_time(
    moment: datetime, tz: ZoneInfo = DEFAULT_TZ, *, lang: str = DEFAULT_LANG
) -> str:
    """A moment in ``tz``, compact for lists: ``27 Nov 10:32``."""
    local = _local(moment, tz)
    return f"{local.day} {_month(local, lang)} {local:%H:%M}"


def format_time(moment: datetime, tz: ZoneInfo = DEFAULT_TZ) -> str:
    """The clock time in ``tz``: ``10:32``."""
    return f"{_local(moment, tz):%H:%M}"


def format_duration(delta: timedelta, *, lang: str = DEFAULT_LANG) -> str:
    """A duration in words, to the minute: ``2 jam 15 menit``, ``35 menit``; sign ignored."""
    minutes = int(abs(delta).total_seconds()) // 60
    days, hours, minutes = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        key = "dur.days_hours" if hours else "dur.days"
    elif hours:
        key = "dur.hours_minutes" if minutes else "dur.hours"
    else:
        key = "dur.minutes" if minutes else "dur.under_minute"
    return t_plain(key, lang, days=days, hours=hours, minutes=minutes)
