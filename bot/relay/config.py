"""What the relay is told about the staff group and how hard to try."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class RelayConfig:
    chat_id: int
    topics: bool
    lang: str
    tz: ZoneInfo
    batch: int = 100
    lease: timedelta = timedelta(minutes=2)
    max_attempts: int = 5
    digest_threshold: int = 6  # fewer pending new orders than this are always sent one by one
    idle_poll: float = 1.0
