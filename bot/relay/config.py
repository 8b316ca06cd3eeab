"""What the relay is told about the staff group and how hard to try."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.relay.outage import PARK_AFTER, RETRY_FIRST, RETRY_MAX


@dataclass(frozen=True)
class RelayConfig:
    chat_id: int
    topics: bool
    lang: str
    tz: ZoneInfo
    batch: int = 100
    # Renewed every third of its length while the events wait for the send budget.
    lease: timedelta = timedelta(seconds=30)
    # An event's own failures: see bot.relay.outage (shortened in tests).
    retry_first: timedelta = RETRY_FIRST
    retry_max: timedelta = RETRY_MAX
    park_after: timedelta = PARK_AFTER
    digest_threshold: int = 6  # fewer pending new orders than this are always sent one by one
    idle_poll: float = 1.0
