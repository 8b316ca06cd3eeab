"""Whose fault a failed delivery is: every event's (an outage) or this event's alone.

* Telegram or the marketplace is unavailable, rate-limits us, or the bot was removed from
  the group: nothing is wrong with the event, so it waits and is never parked.
* Anything else (a render Telegram refuses, data we can't read) is the event's own
  problem: it counts against the event's attempts.

``classify`` is the one place that decides; the worker acts on its answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.domain.errors import ErrorKind, MarketplaceError
from bot.relay.pacer import retry_seconds

TRANSIENT_MARKETPLACE = frozenset({ErrorKind.UNAVAILABLE, ErrorKind.RATE_LIMITED, ErrorKind.AUTH})


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
    if isinstance(exc, Forbidden):
        return Outage(
            60.0,
            f"Telegram forbidden: {exc.message}",
            telegram_error=exc.message,
            forbidden=True,
        )
    if isinstance(exc, BadRequest):  # a NetworkError subclass, but the message's own fault
        return EventFailure(f"Telegram: {exc.message}")
    if isinstance(exc, NetworkError):  # TimedOut included
        return Outage(2.0, f"Telegram unreachable: {exc}", telegram_error=str(exc))
    if isinstance(exc, MarketplaceError):
        if exc.kind in TRANSIENT_MARKETPLACE:
            return Outage(5.0, f"marketplace unavailable: {exc}")
        return EventFailure(f"marketplace: {exc}")
    return EventFailure(f"{type(exc).__name__}: {exc}", unexpected=True)
