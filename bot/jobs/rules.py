"""Pure scheduling rules: business hours, holidays and reminder offsets.

``BUSINESS_HOURS`` reads like ``mon-sat 08:00-21:00``; several spans are separated by ``;``
(``mon-fri 08:00-21:00; sat 09:00-15:00``). Times are local to ``TIMEZONE``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(
    r"^(?P<d1>[a-z]{3})(?:-(?P<d2>[a-z]{3}))?\s+(?P<t1>\d{1,2}:\d{2})-(?P<t2>\d{1,2}:\d{2})$"
)
_OFFSET = re.compile(r"^(?P<n>\d+)\s*(?P<unit>[mhd])$")


@dataclass(frozen=True)
class Span:
    days: frozenset[int]  # 0 = Monday
    start: time
    end: time


@dataclass(frozen=True)
class BusinessHours:
    spans: tuple[Span, ...]
    holidays: frozenset[date] = frozenset()

    def is_open(self, moment: datetime, tz: ZoneInfo) -> bool:
        local = moment.astimezone(tz)
        if local.date() in self.holidays:
            return False
        now = local.time()
        return any(
            local.weekday() in span.days and span.start <= now < span.end for span in self.spans
        )

    def next_opening(self, moment: datetime, tz: ZoneInfo) -> datetime | None:
        """When business next opens at or after ``moment``; None if it never does."""
        if self.is_open(moment, tz):
            return moment
        local = moment.astimezone(tz)
        for offset in range(0, 370):
            day = local.date() + timedelta(days=offset)
            if day in self.holidays:
                continue
            starts = sorted(span.start for span in self.spans if day.weekday() in span.days)
            for start in starts:
                opening = datetime.combine(day, start, tzinfo=tz)
                if opening >= local:
                    return opening
        return None


def _parse_time(text: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    if hours == 24 and minutes == 0:
        return time.max
    return time(hours, minutes)


def parse_business_hours(spec: str, holidays: str = "") -> BusinessHours:
    """Parse ``BUSINESS_HOURS`` and ``HOLIDAYS``; raises ValueError saying what is wrong."""
    spans: list[Span] = []
    for raw in spec.lower().split(";"):
        part = " ".join(raw.split())
        if not part:
            continue
        match = _SPAN.match(part)
        if match is None:
            raise ValueError(f"{raw.strip()!r} is not like 'mon-sat 08:00-21:00'")
        first, last = match["d1"], match["d2"] or match["d1"]
        if first not in DAYS or last not in DAYS:
            raise ValueError(f"unknown day in {raw.strip()!r}; use mon tue wed thu fri sat sun")
        a, b = DAYS.index(first), DAYS.index(last)
        days = frozenset(range(a, b + 1)) if a <= b else frozenset([*range(a, 7), *range(b + 1)])
        try:
            start, end = _parse_time(match["t1"]), _parse_time(match["t2"])
        except ValueError as exc:
            raise ValueError(f"bad time in {raw.strip()!r}") from exc
        if end <= start:
            raise ValueError(f"closing time must be after opening time in {raw.strip()!r}")
        spans.append(Span(days, start, end))
    if not spans:
        raise ValueError("no opening hours given")
    dates: set[date] = set()
    for raw in holidays.replace(";", ",").split(","):
        if raw.strip():
            try:
                dates.add(date.fromisoformat(raw.strip()))
            except ValueError as exc:
                raise ValueError(f"{raw.strip()!r} is not a date like 2026-12-25") from exc
    return BusinessHours(tuple(spans), frozenset(dates))


def parse_offsets(spec: str) -> tuple[timedelta, ...]:
    """``"6h,1h"`` -> (6 h, 1 h), largest first; units m, h, d."""
    offsets: list[timedelta] = []
    for raw in spec.split(","):
        part = raw.strip().lower()
        if not part:
            continue
        match = _OFFSET.match(part)
        if match is None:
            raise ValueError(f"{raw.strip()!r} is not like '6h', '90m' or '1d'")
        unit = {"m": "minutes", "h": "hours", "d": "days"}[match["unit"]]
        offsets.append(timedelta(**{unit: int(match["n"])}))
    if not offsets or any(offset <= timedelta(0) for offset in offsets):
        raise ValueError("give at least one positive offset, like '6h,1h'")
    return tuple(sorted(set(offsets), reverse=True))


def due_offset(
    deadline: datetime, now: datetime, offsets: tuple[timedelta, ...]
) -> tuple[timedelta | None, tuple[timedelta, ...]]:
    """The reminder to send now, and the earlier ones it makes redundant.

    After downtime several thresholds may have passed at once; only the most urgent one is
    sent, and the others are marked as done so they never fire late.
    """
    if now >= deadline:
        return None, ()
    passed = [offset for offset in offsets if now >= deadline - offset]
    if not passed:
        return None, ()
    most_urgent = min(passed)
    return most_urgent, tuple(offset for offset in passed if offset != most_urgent)


def offset_label(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"
