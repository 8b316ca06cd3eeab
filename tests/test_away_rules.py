"""Pure rules behind quick replies and the away message: placeholders and closed periods."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain import placeholders
from bot.jobs.rules import parse_business_hours
from bot.relay.away import closed_period

JAKARTA = ZoneInfo("Asia/Jakarta")
HOURS = parse_business_hours("mon-sat 08:00-21:00", "2026-12-25")


def wib(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, second, tzinfo=UTC) - timedelta(hours=7)


class TestPlaceholders:
    def test_known_ones_are_filled_and_doubled_braces_stay_braces(self):
        text = "Halo {buyer}, salam dari {shop} {{promo}}"
        placeholders.check(text)
        assert placeholders.fill(text, buyer="Sari", shop="Toko Maju") == (
            "Halo Sari, salam dari Toko Maju {promo}"
        )

    def test_a_buyer_without_a_name_is_kak(self):
        assert placeholders.fill("Halo {buyer}", buyer=" ", shop="") == "Halo Kak"

    @pytest.mark.parametrize(
        ("text", "names"),
        [
            ("Halo {nama}", ("nama",)),
            ("{buyer!r}", ("buyer!r",)),
            ("{shop:>9}", ("shop:>9",)),
            ("{0} {nama} {nama}", ("0", "nama")),
            ("kurung { saja", ()),
        ],
    )
    def test_anything_else_is_refused_by_name(self, text, names):
        with pytest.raises(placeholders.PlaceholderError) as refused:
            placeholders.check(text)
        assert refused.value.names == names

    def test_length_counts_names_at_their_longest_and_emoji_as_two(self):
        assert placeholders.longest_length("{buyer}") == placeholders.NAME_ROOM
        assert placeholders.longest_length("🙏") == 2


class TestClosedPeriod:
    def test_open_hours_have_none_and_the_edges_belong_to_opening(self):
        assert closed_period(HOURS, JAKARTA, wib(7, 20, 59, 59), wib(7, 20, 59, 59)) == ""
        assert closed_period(HOURS, JAKARTA, wib(8, 8), wib(8, 8)) == ""
        assert closed_period(HOURS, JAKARTA, wib(7, 21), wib(7, 21)) == (
            "2026-12-08T08:00:00+07:00"
        )
        assert closed_period(HOURS, JAKARTA, wib(8, 7, 59, 59), wib(8, 7, 59, 59)) == (
            "2026-12-08T08:00:00+07:00"
        )

    def test_saturday_night_and_sunday_are_one_period(self):
        saturday = closed_period(HOURS, JAKARTA, wib(12, 22), wib(12, 22))
        sunday = closed_period(HOURS, JAKARTA, wib(13, 15), wib(13, 15))
        assert saturday == sunday == "2026-12-14T08:00:00+07:00"

    def test_a_holiday_runs_from_the_evening_before_to_the_next_opening(self):
        eve = closed_period(HOURS, JAKARTA, wib(24, 21, 30), wib(24, 21, 30))
        holiday = closed_period(HOURS, JAKARTA, wib(25, 12), wib(25, 12))
        assert eve == holiday == "2026-12-26T08:00:00+07:00"

    def test_a_period_that_has_ended_is_not_answered_late(self):
        # Written on Monday night, relayed only on Tuesday night: a new period, not that one.
        assert closed_period(HOURS, JAKARTA, wib(7, 22), wib(8, 22)) == ""
        # Written at night, relayed after opening.
        assert closed_period(HOURS, JAKARTA, wib(8, 7, 59), wib(8, 8, 0, 1)) == ""
