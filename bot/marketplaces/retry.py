"""Retry rules both marketplace clients share: when to try again, and whether a request left.

Each adapter keeps its own ``RetryPolicy`` (its numbers, and for Tokopedia the rate-limit
waits) as a subclass of ``Backoff``; which failures are retried is the adapter's decision.
"""

from __future__ import annotations

from collections.abc import Callable
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
