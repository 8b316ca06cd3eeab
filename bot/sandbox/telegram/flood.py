"""Telegram's flood control: 20 bot messages per minute per group, about 30 per second overall.

Only accepted calls use budget; ``retry_after`` is the whole seconds until a slot frees.
"""

import math
from collections import deque
from collections.abc import Callable

from bot.sandbox.telegram.errors import retry_after

LIMITED_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendVideo",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
        "setMessageReaction",
        "createForumTopic",
        "editForumTopic",
        "deleteMessage",
        "sendChatAction",
    }
)
GROUP_WINDOW = 60.0
OVERALL_WINDOW = 1.0


class _Window:
    """A rolling window: at most ``limit`` events in any ``period`` seconds."""

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self.times: deque[float] = deque()

    def wait(self, now: float) -> float:
        """Return the seconds until one more event fits (0 when it fits now)."""
        while self.times and self.times[0] <= now - self.period:
            self.times.popleft()
        if len(self.times) < self.limit:
            return 0.0
        return self.times[0] + self.period - now


class FloodControl:
    """Per-group and overall budgets for the methods in ``LIMITED_METHODS``."""

    def __init__(
        self, clock: Callable[[], float], group_per_minute: int, overall_per_second: int = 30
    ) -> None:
        self.clock = clock
        self.group_per_minute = group_per_minute
        self.overall = _Window(overall_per_second, OVERALL_WINDOW)
        self.groups: dict[int, _Window] = {}

    def _windows(self, method: str, chat_id: int | None) -> list[_Window]:
        if method not in LIMITED_METHODS or chat_id is None:
            return []
        if chat_id > 0:
            return [self.overall]
        group = self.groups.setdefault(chat_id, _Window(self.group_per_minute, GROUP_WINDOW))
        return [group, self.overall]

    def check(self, method: str, chat_id: int | None) -> None:
        """Raise the 429 Telegram would answer if this call came now."""
        now = self.clock()
        wait = max((w.wait(now) for w in self._windows(method, chat_id)), default=0.0)
        if wait > 0:
            raise retry_after(max(1, math.ceil(wait)))

    def spend(self, method: str, chat_id: int | None) -> None:
        """Record an accepted call against its budgets."""
        now = self.clock()
        for window in self._windows(method, chat_id):
            window.times.append(now)
