"""Keeping to the quota Tokopedia announces in every answer's ``X-Ratelimit-*`` headers.

Limits are per endpoint and their numbers undocumented (doc §10.4), so they are read as they
come. While an endpoint's answers say quota remains, calls to it go at once. Once an answer
says none remains, calls to it go one at a time, each after the ``X-Ratelimit-Reset-After``
the previous answer gave, until an answer shows quota again. Parallel callers (a bulk
accept) then queue at the limit instead of bouncing off it together; a 429 that still
happens (another app of the seller's spent the quota) is retried by the transport.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager

from .protocol import parse_reset_after

Sleep = Callable[[float], Awaitable[None]]


class HeaderPace:
    """Per-endpoint pacing from the headers of the endpoint's latest answer."""

    def __init__(self, sleep: Sleep = asyncio.sleep) -> None:
        self._sleep = sleep
        self._spent: dict[str, float] = {}  # endpoint -> seconds until a request is regained
        self._turns: dict[str, asyncio.Lock] = {}

    @asynccontextmanager
    async def slot(self, endpoint: str) -> AsyncIterator[None]:
        """Hold the endpoint's turn for one request (and reading its answer), if it is spent."""
        if endpoint not in self._spent:
            yield
            return
        async with self._turns.setdefault(endpoint, asyncio.Lock()):
            wait = self._spent.get(endpoint, 0.0)
            if wait > 0:
                await self._sleep(wait)
            yield

    def note(self, endpoint: str, headers: Mapping[str, str]) -> None:
        """Read an answer's quota headers (an answer without them changes nothing)."""
        remaining = headers.get("X-Ratelimit-Remaining", "").strip()
        if not remaining.isdigit():
            return
        if int(remaining) > 0:
            self._spent.pop(endpoint, None)
        else:
            self._spent[endpoint] = (
                parse_reset_after(headers.get("X-Ratelimit-Reset-After")) or 0.0
            )
