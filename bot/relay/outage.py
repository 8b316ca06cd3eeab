"""Whose fault a failed delivery is: every event's (an outage) or this event's alone.

* Telegram or the marketplace is unavailable, rate-limits us, or Telegram's set-up is
  wrong (the bot removed from the group or demoted, the token revoked, the group moved):
  nothing is wrong with the event, so it waits and is never parked.
* Anything else (a render Telegram refuses, data we can't read) is the event's own
  problem: it is retried with a backoff that doubles from ``RETRY_FIRST`` up to
  ``RETRY_MAX``, and parked once its retries have spanned ``PARK_AFTER``.

``classify`` is the one place that decides; the worker acts on its answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)

from bot.domain.errors import ErrorKind, MarketplaceError
from bot.relay.pacer import retry_seconds

TRANSIENT_MARKETPLACE = frozenset({ErrorKind.UNAVAILABLE, ErrorKind.RATE_LIMITED, ErrorKind.AUTH})

# An event's own failure: long enough that a marketplace or Telegram bug fixed within the
# working day, or a night's outage misread as the event's fault, still gets it shown.
RETRY_FIRST = timedelta(seconds=30)
RETRY_MAX = timedelta(minutes=30)
PARK_AFTER = timedelta(hours=6)

# Telegram's answers (400) when the bot may no longer post to the group: set-up, not the
# message. "chat not found" also follows a removal from a group the bot can't see any more.
SETUP_ERRORS = (
    "chat not found",
    "not enough rights",
    "have no rights",
    "need administrator rights",
    "chat_write_forbidden",
    "bot is not a member",
    "group chat was deactivated",
)


def retry_delay(
    attempts: int, *, first: timedelta = RETRY_FIRST, cap: timedelta = RETRY_MAX
) -> timedelta:
    """How long an event waits after its ``attempts``-th failure (1 for the first)."""
    delay: timedelta = first * 2 ** max(attempts - 1, 0)
    return min(delay, cap)


def gives_up(
    attempts: int,
    *,
    first: timedelta = RETRY_FIRST,
    cap: timedelta = RETRY_MAX,
    park_after: timedelta = PARK_AFTER,
) -> bool:
    """Whether ``attempts`` failures have been retried for ``park_after`` already."""
    spent = sum((retry_delay(n, first=first, cap=cap) for n in range(1, attempts)), timedelta())
    return spent >= park_after


class Outage(Exception):
    """Stop this pass: the failure concerns every event, not just this one."""

    def __init__(
        self,
        wait: float,
        reason: str,
        *,
        telegram_error: str | None = None,
        forbidden: bool = False,
    ) -> None:
        super().__init__(reason)
        self.wait = wait
        self.reason = reason
        # Set when Telegram itself failed, for /healthz; flood control is not a failure.
        self.telegram_error = telegram_error
        # Telegram's set-up is wrong (removed, demoted, token revoked): the operator must act.
        self.forbidden = forbidden


@dataclass(frozen=True)
class EventFailure:
    """The event's own failure: what to record against it, and whether it was foreseen."""

    error: str
    unexpected: bool = False


def classify(exc: Exception) -> Outage | EventFailure:
    """Sort a delivery failure; Telegram's own errors are told apart by their type."""
    if isinstance(exc, Outage):
        return exc
    if isinstance(exc, RetryAfter):
        seconds = retry_seconds(exc)
        return Outage(float(seconds) + 0.5, f"Telegram flood control ({seconds}s)")
    if isinstance(exc, InvalidToken):
        return _setup("Telegram rejects TELEGRAM_BOT_TOKEN (revoked?)", wait=300.0)
    if isinstance(exc, Forbidden):
        return _setup(f"Telegram refuses the staff group: {exc.message}")
    if isinstance(exc, ChatMigrated):  # the Sender follows the group; try again at once
        return Outage(0.5, f"the staff group moved to {exc.new_chat_id}")
    if isinstance(exc, BadRequest):  # a NetworkError subclass, but the message's own fault
        if any(marker in exc.message.lower() for marker in SETUP_ERRORS):
            return _setup(f"Telegram refuses the staff group: {exc.message}")
        return EventFailure(f"Telegram: {exc.message}")
    if isinstance(exc, NetworkError):  # TimedOut included
        return Outage(2.0, f"Telegram unreachable: {exc}", telegram_error=str(exc))
    if isinstance(exc, MarketplaceError):
        if exc.kind in TRANSIENT_MARKETPLACE:
            return Outage(5.0, f"marketplace unavailable: {exc}")
        return EventFailure(f"marketplace: {exc}")
    # The text of an unforeseen error may quote buyer data (a validation error's input):
    # the event keeps its type only, and the log has the rest.
    return EventFailure(type(exc).__name__, unexpected=True)


def _setup(reason: str, *, wait: float = 60.0) -> Outage:
    return Outage(wait, reason, telegram_error=reason, forbidden=True)
