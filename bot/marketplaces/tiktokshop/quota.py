"""The Customer Service quota: 10,000 requests a day (doc §8.2, §11).

Every request sent to a ``/customer_service/`` endpoint counts, retries and resends included.
The reference names neither the day boundary nor whether the quota is per shop or per app;
tokobot counts per app (the stricter reading) and per UTC calendar day (UNCONFIRMED: the
platform may reset at another hour).

The count lives in memory and is written to the ``StateStore`` under ``tiktokshop:cs_quota``
after every counted request (at most 10,000 small writes a day), so a restart resumes it.

Calls are *essential* (a staff reply, marking a chat read, opening a chat) or not (polling for
unread chats, looking up a buyer's name). Non-essential calls are refused locally once no more
than ``reserve`` requests remain, keeping that budget for staff replies. Essential calls are
never refused locally: the platform is the arbiter (45101004), and when it says the quota is
gone the count is set to the limit for the rest of the day.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC

from bot.clock import Clock, system_clock
from bot.marketplaces import StateStore

from .errors import QuotaExceeded

log = logging.getLogger(__name__)

QUOTA_KEY = "tiktokshop:cs_quota"
DAILY_LIMIT = 10_000
DEFAULT_RESERVE = 1_000


class CustomerServiceQuota:
    def __init__(
        self,
        store: StateStore,
        *,
        limit: int = DAILY_LIMIT,
        reserve: int = DEFAULT_RESERVE,
        clock: Clock = system_clock,
    ) -> None:
        if not 0 <= reserve < limit:
            raise ValueError("the reserve must be below the limit")
        self._store = store
        self._limit = limit
        self._reserve = reserve
        self._clock = clock
        self._lock = asyncio.Lock()
        self._loaded = False
        self._day = ""
        self._used = 0

    def _today(self) -> str:
        return self._clock().astimezone(UTC).date().isoformat()

    @property
    def used_today(self) -> int:
        return self._used if self._day == self._today() else 0

    @property
    def remaining(self) -> int:
        return max(self._limit - self.used_today, 0)

    def snapshot(self) -> dict[str, object]:
        """Figures for ``status()``."""
        return {
            "used_today": self.used_today,
            "limit": self._limit,
            "reserve": self._reserve,
            "day": self._today(),
        }

    async def take(self, *, essential: bool) -> None:
        """Count one request, or raise ``QuotaExceeded`` for a non-essential one."""
        async with self._lock:
            await self._current()
            if not essential and self.remaining <= self._reserve:
                raise QuotaExceeded(
                    0,
                    f"Kuota harian layanan chat tinggal {self.remaining} permintaan; "
                    "disimpan untuk balasan staf.",
                )
            self._used += 1
            await self._save()

    async def exhausted(self) -> None:
        """The platform answered 45101004: nothing is left today, whatever we counted."""
        async with self._lock:
            await self._current()
            if self._used < self._limit:
                log.warning(
                    "TikTok Shop Customer Service quota exhausted after %d counted requests",
                    self._used,
                )
                self._used = self._limit
                await self._save()

    async def _current(self) -> None:
        if not self._loaded:
            raw = await self._store.get(QUOTA_KEY)
            if raw:
                saved = json.loads(raw)
                self._day, self._used = str(saved.get("day", "")), int(saved.get("used", 0))
            self._loaded = True
        today = self._today()
        if self._day != today:
            self._day, self._used = today, 0

    async def _save(self) -> None:
        await self._store.put(QUOTA_KEY, json.dumps({"day": self._day, "used": self._used}))
