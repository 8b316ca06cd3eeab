"""Token-bucket rate limiting with Tokopedia's `X-Ratelimit-*` headers (§10.4)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_EPSILON = 1e-9  # keeps 0.5 s x 2 req/s from landing on 0.9999999 tokens


def _rate(per_second: float) -> str:
    return f"{per_second:g}"


@dataclass
class Bucket:
    """One configured limit: `burst` requests at once, refilled at `per_second`."""

    pattern: re.Pattern[str]
    per_second: float
    burst: int
    tokens: float
    updated: float

    def take(self, now: float) -> tuple[bool, dict[str, str]]:
        """Spend one request if quota remains; return (allowed, headers for the response)."""
        elapsed = max(now - self.updated, 0.0)
        self.tokens = min(float(self.burst), self.tokens + elapsed * self.per_second)
        self.updated = now
        allowed = self.tokens + _EPSILON >= 1.0
        if allowed:
            self.tokens = max(self.tokens - 1.0, 0.0)
        remaining = int(self.tokens + _EPSILON)
        if remaining >= 1:
            reset_after = "-0.000000"  # what Tokopedia sends while quota remains
        else:
            reset_after = f"{max(1.0 - self.tokens, 0.0) / self.per_second:.6f}"
        full_reset = max(float(self.burst) - self.tokens, 0.0) / self.per_second
        return allowed, {
            "X-Ratelimit-Limit": f"{_rate(self.per_second)} req/s (burst {self.burst})",
            "X-Ratelimit-Remaining": str(remaining),
            "X-Ratelimit-Reset-After": reset_after,
            "X-Ratelimit-Full-Reset-After": f"{full_reset:.6f}",
        }


# Paths without a configured limit are never throttled, yet still carry the headers so a
# client's header parsing runs on every call; the nominal figure is the sandbox's own choice.
UNLIMITED_HEADERS = {
    "X-Ratelimit-Limit": "1000 req/s (burst 1000)",
    "X-Ratelimit-Remaining": "1000",
    "X-Ratelimit-Reset-After": "-0.000000",
    "X-Ratelimit-Full-Reset-After": "0.000000",
}
