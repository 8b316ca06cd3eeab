"""Retry rules both marketplace clients share: when to try again, and whether a request left.

Each adapter keeps its own ``RetryPolicy`` (its numbers, and for Tokopedia the rate-limit
waits) as a subclass of ``Backoff``; which failures are retried is the adapter's decision.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import httpx

# Appended to a "not eligible" answer that follows a retried failure: the first try may have
# done what was asked, so the order's new state refuses the repeat.
MAYBE_DONE = " (an earlier attempt may already have succeeded)"


@dataclass(frozen=True)
class Backoff:
    attempts: int  # tries in total for retryable failures
    base_delay: float
    max_delay: float

    def backoff(self, failures: int, jitter: float) -> float:
        """Delay after the n-th failure: doubling, capped, scaled by 50-100% jitter."""
        doubled = self.base_delay * (1 << max(failures - 1, 0))
        return min(self.max_delay, doubled) * (0.5 + jitter / 2)

    def delay_after(self, failures: int, jitter: Callable[[], float]) -> float | None:
        """Seconds to wait after the n-th failure, or None once the tries are used up."""
        if failures >= self.attempts:
            return None
        return self.backoff(failures, jitter())


def never_sent(exc: httpx.TransportError) -> bool:
    """True when the request certainly never left: no connection was made for it."""
    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


_IDS = re.compile(r"\d+")


def endpoint_of(path: str) -> str:
    """An API path with its ids blanked: limits count per endpoint, not per order."""
    return _IDS.sub("{}", path)


class Pace:
    """At most ``calls`` per ``period`` seconds for each key, in any window of that length.

    A rolling window, like the platforms' own limiters; a call waits for its slot rather
    than being refused. Time is the event loop's monotonic clock: this spaces real requests.
    """

    def __init__(self, calls: int, period: float = 1.0) -> None:
        if calls < 1 or period <= 0:
            raise ValueError("a pace needs at least one call per positive period")
        self._calls = calls
        self._period = period
        self._sent: dict[Hashable, deque[float]] = {}
        self._lock = asyncio.Lock()

    async def wait(self, key: Hashable) -> None:
        """Take the next slot for ``key``, sleeping until it comes."""
        loop = asyncio.get_running_loop()
        async with self._lock:  # slots are handed out in turn, so waiters never collide
            sent = self._sent.setdefault(key, deque())
            now = loop.time()
            while sent and sent[0] <= now - self._period:
                sent.popleft()
            # Slots stay in order (a reserved one may lie ahead), so the window is a suffix.
            latest = sent[-1] if sent else now
            if len(sent) < self._calls:
                slot = max(now, latest)
            else:
                slot = max(now, latest, sent[-self._calls] + self._period)
            sent.append(slot)
        if slot > now:
            await asyncio.sleep(slot - now)
