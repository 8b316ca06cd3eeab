"""How long an event's own failures are retried, and what counts as older news."""

from __future__ import annotations

from datetime import timedelta

from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError

from bot.domain.values import OrderState, moves_backwards
from bot.relay.outage import (
    PARK_AFTER,
    RETRY_FIRST,
    RETRY_MAX,
    EventFailure,
    Outage,
    classify,
    gives_up,
    retry_delay,
)


def test_backoff_doubles_from_thirty_seconds_to_half_an_hour():
    """The first retry comes after 30 s; the wait doubles and stops growing at 30 min."""
    assert [retry_delay(n).total_seconds() for n in range(1, 8)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1800,
    ]
    assert retry_delay(40) == RETRY_MAX
    assert retry_delay(1) == RETRY_FIRST


def test_an_event_is_parked_only_after_six_hours_of_retries():
    """Parking comes with the first failure after PARK_AFTER of backoff, not before."""
    first_parked = next(n for n in range(1, 100) if gives_up(n))
    waited = sum((retry_delay(n) for n in range(1, first_parked)), timedelta())
    before = sum((retry_delay(n) for n in range(1, first_parked - 1)), timedelta())
    assert before < PARK_AFTER <= waited
    assert waited < PARK_AFTER + RETRY_MAX


def test_telegram_set_up_errors_are_outages_and_a_bad_message_is_the_events_fault():
    """Removed, demoted, token revoked, group moved: wait. A render Telegram refuses: retry."""
    setup = [
        Forbidden("Forbidden: bot was kicked from the supergroup chat"),
        BadRequest("Bad Request: chat not found"),
        BadRequest("Bad Request: not enough rights to send text messages to the chat"),
        InvalidToken("Unauthorized"),
    ]
    for exc in setup:
        verdict = classify(exc)
        assert isinstance(verdict, Outage), exc
        assert verdict.forbidden, exc
    assert isinstance(classify(ChatMigrated(-100777)), Outage)
    assert isinstance(classify(NetworkError("Bad Gateway")), Outage)
    assert isinstance(classify(BadRequest("Bad Request: can't parse entities")), EventFailure)


def test_unforeseen_error_keeps_no_buyer_text():
    """An unexpected error is recorded by its type only: its text may quote buyer data."""
    verdict = classify(ValueError("input_value='Jl. Mawar 3, Budi 0812'"))
    assert isinstance(verdict, EventFailure)
    assert verdict.error == "ValueError"


def test_an_older_state_moves_an_order_backwards():
    """Shipped -> accepted is older news; cancelled after shipped is not; unknown never is."""
    assert moves_backwards(OrderState.SHIPPING, OrderState.ACCEPTED)
    assert not moves_backwards(OrderState.SHIPPING, OrderState.CANCELLED)
    assert not moves_backwards(OrderState.COMPLETED, OrderState.OTHER)
    assert not moves_backwards(OrderState.OTHER, OrderState.UNPAID)
