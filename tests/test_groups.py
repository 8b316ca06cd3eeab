"""SHOP_GROUPS and TELEGRAM_OVERFLOW_CHAT_IDS: parsing, and which group gets what."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.config import describe_errors
from bot.domain.groups import GroupMap, parse_shop_groups
from tests.conftest import make_settings

MAIN, WAREHOUSE, CS, SPARE = -1001, -1002, -1003, -1009


class TestParse:
    def test_entries_with_spaces_and_capitals(self):
        text = " Tokopedia:123457 = -1002222222222 ,, tiktokshop:7495540735365777507=-1003 "
        assert parse_shop_groups(text) == {
            ("tokopedia", "123457"): -1002222222222,
            ("tiktokshop", "7495540735365777507"): -1003,
        }

    def test_empty_means_every_shop_in_the_main_group(self):
        assert parse_shop_groups("") == {}
        assert parse_shop_groups(" , ") == {}

    @pytest.mark.parametrize(
        ("text", "says"),
        [
            ("tokopedia:123", "is not marketplace:shop_id=group_id"),
            ("tokopedia=-100", "is not marketplace:shop_id=group_id"),
            ("123=-100", "is not marketplace:shop_id=group_id"),
            ("tokopedia:=-100", "is not marketplace:shop_id=group_id"),
            ("shopee:1=-100", "unknown marketplace 'shopee'"),
            ("tokopedia:1=100", "must be negative"),
            ("tokopedia:1=-10a", "must be negative"),
            ("tokopedia:1=-100,tokopedia:1=-200", "listed for two groups"),
        ],
    )
    def test_a_malformed_entry_is_named_with_what_was_expected(self, text, says):
        with pytest.raises(ValueError, match=says):
            parse_shop_groups(text)

    def test_the_same_entry_twice_is_harmless(self):
        assert parse_shop_groups("tokopedia:1=-100,tokopedia:1=-100") == {("tokopedia", "1"): -100}

    @given(
        st.dictionaries(
            st.tuples(
                st.sampled_from(["tokopedia", "tiktokshop"]),
                st.from_regex(r"[0-9A-Za-z_]{1,20}", fullmatch=True),
            ),
            st.integers(min_value=-(10**13), max_value=-1),
            max_size=8,
        )
    )
    def test_any_mapping_written_out_reads_back(self, mapping):
        text = ",".join(f"{m}:{shop}={group}" for (m, shop), group in mapping.items())
        assert parse_shop_groups(text) == mapping


class TestSettings:
    def test_errors_name_the_variable_and_the_bad_entry(self):
        with pytest.raises(ValidationError) as caught:
            make_settings(shop_groups="tokopedia:1=abc")
        (line,) = describe_errors(caught.value)
        assert line.startswith("SHOP_GROUPS: 'tokopedia:1=abc'")

    def test_overflow_ids_must_be_groups_and_distinct_from_the_others(self):
        with pytest.raises(ValidationError) as caught:
            make_settings(telegram_overflow_chat_ids="12345")
        assert describe_errors(caught.value)[0].startswith("TELEGRAM_OVERFLOW_CHAT_IDS:")
        with pytest.raises(ValidationError) as caught:
            make_settings(
                shop_groups=f"tokopedia:1={WAREHOUSE}", telegram_overflow_chat_ids=str(WAREHOUSE)
            )
        assert "cannot also be" in describe_errors(caught.value)[0]

    def test_the_map_built_from_settings(self):
        settings = make_settings(
            telegram_chat_id=MAIN,
            shop_groups=f"tokopedia:1={WAREHOUSE},tiktokshop:A={CS}",
            telegram_overflow_chat_ids=f"{SPARE},{SPARE}",
        )
        groups = settings.groups
        assert groups.all == (MAIN, WAREHOUSE, CS, SPARE)
        assert groups.group_for("tokopedia", "1") == WAREHOUSE
        assert groups.group_for("tokopedia", "2") == MAIN


GROUPS = GroupMap(
    main=MAIN,
    shops={("tokopedia", "1"): WAREHOUSE, ("tokopedia", "2"): MAIN},
    overflow=(SPARE, -1010),
)


class TestGroupMap:
    def test_homes_and_every_group(self):
        assert GROUPS.homes == (MAIN, WAREHOUSE)
        assert GROUPS.all == (MAIN, WAREHOUSE, SPARE, -1010)
        assert GROUPS.is_staff_group(SPARE)
        assert not GROUPS.is_staff_group(-1)

    def test_what_each_group_covers(self):
        # The main group and its overflow groups cover every shop not listed elsewhere.
        for chat in (MAIN, SPARE):
            assert GROUPS.covers(chat, "tokopedia", "2")
            assert GROUPS.covers(chat, "tiktokshop", "unlisted")
            assert not GROUPS.covers(chat, "tokopedia", "1")
        assert GROUPS.covers(WAREHOUSE, "tokopedia", "1")
        assert not GROUPS.covers(WAREHOUSE, "tokopedia", "2")
        assert not GROUPS.covers(-1, "tokopedia", "2")
        assert GROUPS.shops_of(WAREHOUSE).only == frozenset({("tokopedia", "1")})
        assert GROUPS.shops_of(MAIN).excluded == frozenset({("tokopedia", "1")})
        assert not GROUPS.shops_of(-1).covers("tokopedia", "2")

    def test_overflow_only_when_the_main_budget_is_spent(self):
        free = {MAIN: 3, SPARE: 5, -1010: 5}
        assert GROUPS.place("tokopedia", "2", shown_in=None, free=free.__getitem__) == MAIN
        free[MAIN] = 0
        assert GROUPS.place("tokopedia", "2", shown_in=None, free=free.__getitem__) == SPARE
        free[SPARE] = 0
        assert GROUPS.place("tokopedia", "2", shown_in=None, free=free.__getitem__) == -1010
        free[-1010] = 0  # everything spent: wait for the main group
        assert GROUPS.place("tokopedia", "2", shown_in=None, free=free.__getitem__) == MAIN

    def test_a_shop_group_never_overflows(self):
        assert GROUPS.place("tokopedia", "1", shown_in=None, free=lambda _: 0) == WAREHOUSE

    def test_what_was_shown_stays_where_it_appeared(self):
        room = {MAIN: 5, SPARE: 5, -1010: 5}.__getitem__
        assert GROUPS.place("tokopedia", "2", shown_in=SPARE, free=room) == SPARE
        assert GROUPS.place("tokopedia", "2", shown_in=MAIN, free=lambda _: 0) == MAIN
        # ... unless SHOP_GROUPS has moved the shop since: then its new group.
        assert GROUPS.place("tokopedia", "1", shown_in=MAIN, free=room) == WAREHOUSE
        assert GROUPS.kept("tokopedia", "1", MAIN) == WAREHOUSE
        assert GROUPS.kept("tokopedia", "2", SPARE) == SPARE
        assert GROUPS.kept("tokopedia", "2", None) == MAIN
