"""Business hours, holidays and reminder offsets (pure rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.jobs.rules import due_offset, parse_business_hours, parse_offsets

JKT = ZoneInfo("Asia/Jakarta")


def _jkt(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=JKT)


def test_business_hours_follow_local_time_and_days():
    """Mon-sat 08:00-21:00 is open Friday 20:59 and closed Friday 21:00 and all Sunday."""
    hours = parse_business_hours("mon-sat 08:00-21:00")
    assert hours.is_open(_jkt(27, 20, 59), JKT)
    assert not hours.is_open(_jkt(27, 21, 0), JKT)
    assert not hours.is_open(_jkt(29, 12, 0), JKT)
    assert hours.is_open(_jkt(27, 20, 59).astimezone(UTC), JKT)


def test_several_spans_and_the_next_opening():
    """Split hours work, and the next opening skips closed days and holidays."""
    hours = parse_business_hours(
        "mon-fri 08:00-12:00; mon-fri 13:00-17:00; sat 09:00-12:00", "2026-11-30"
    )
    assert not hours.is_open(_jkt(27, 12, 30), JKT)
    assert hours.next_opening(_jkt(27, 12, 30), JKT) == _jkt(27, 13, 0)
    assert hours.next_opening(_jkt(28, 12, 0), JKT) == datetime(2026, 12, 1, 8, tzinfo=JKT)


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("mon-sat", "not like"),
        ("mon-xyz 08:00-21:00", "unknown day"),
        ("mon 21:00-08:00", "after opening"),
        ("", "no opening hours"),
    ],
)
def test_bad_business_hours_say_what_is_wrong(spec, fragment):
    """A malformed BUSINESS_HOURS is refused with the reason."""
    with pytest.raises(ValueError, match=fragment):
        parse_business_hours(spec)


def test_offsets_and_the_most_urgent_due():
    """'6h,1h' parses largest first; 30 minutes out only the 1 h reminder is due."""
    offsets = parse_offsets("1h, 6h")
    assert offsets == (timedelta(hours=6), timedelta(hours=1))
    deadline = _jkt(27, 18)
    assert due_offset(deadline, _jkt(27, 11), offsets) == (None, ())
    assert due_offset(deadline, _jkt(27, 12, 1), offsets) == (timedelta(hours=6), ())
    assert due_offset(deadline, _jkt(27, 17, 30), offsets) == (
        timedelta(hours=1),
        (timedelta(hours=6),),
    )
    assert due_offset(deadline, _jkt(27, 18, 1), offsets) == (None, ())
    with pytest.raises(ValueError, match="like"):
        parse_offsets("6 hours")
