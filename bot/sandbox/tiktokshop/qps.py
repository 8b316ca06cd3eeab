"""The platform's rate limit: 50 requests a second per API, per app and shop (doc §11).

A request over the limit is answered HTTP 429 with code 36009002 and processed no further.
The doc names no response headers for it, so none are sent. The window is a rolling second
on a monotonic clock of its own, apart from the sandbox's (possibly frozen) test clock: the
limit is about how fast requests really arrive.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

DOCUMENTED_QPS = 50


class QpsLimit:
    def __init__(
        self, per_second: int | None = DOCUMENTED_QPS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """``per_second`` None turns the limit off (for a test about something else)."""
        self.per_second = per_second
        self.clock = clock
        self.refused = 0
        self._seen: dict[tuple[str, str], deque[float]] = {}

    def allow(self, api: str, shop: str) -> bool:
        """Count a request to ``api`` (the route's path template) for a shop ("" = none)."""
        if self.per_second is None:
            return True
        now = self.clock()
        seen = self._seen.setdefault((api, shop), deque())
        while seen and seen[0] <= now - 1.0:
            seen.popleft()
        if len(seen) >= self.per_second:
            self.refused += 1
            return False
        seen.append(now)
        return True
