"""What the relay is told about the staff group and how hard to try."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.domain.groups import GroupMap
from bot.relay.outage import PARK_AFTER, RETRY_FIRST, RETRY_MAX

if TYPE_CHECKING:
    from bot.relay.away import AwayRules


@dataclass(frozen=True)
class RelayConfig:
    chat_id: int
    topics: bool
    lang: str
    tz: ZoneInfo
    # Events per pass: a sale day's burst fills whole digests (orders and chats) per pass.
    batch: int = 500
    # Renewed every third of its length while the events wait for the send budget.
    lease: timedelta = timedelta(seconds=30)
    # An event's own failures: see bot.relay.outage (shortened in tests).
    retry_first: timedelta = RETRY_FIRST
    retry_max: timedelta = RETRY_MAX
    park_after: timedelta = PARK_AFTER
    # Fewer new orders than this go one by one, unless the group is busy (bot.relay.backlog).
    digest_threshold: int = 6
    idle_poll: float = 1.0
    # SHOP_GROUPS and the overflow groups; None: every shop goes to ``chat_id``.
    shop_groups: GroupMap | None = None
    # AUTO_REPLY_TEXT and the opening hours; None: no away message (bot.relay.away).
    away: AwayRules | None = None

    @property
    def groups(self) -> GroupMap:
        """Which group each shop's messages go to (``chat_id`` is the main group)."""
        return self.shop_groups or GroupMap(main=self.chat_id)
