from __future__ import annotations

import pytest

from bot.marketplaces.tiktokshop import CustomerServiceQuota, QuotaExceeded
from bot.marketplaces.tiktokshop.quota import QUOTA_KEY


class TestQuota:
    async def test_every_request_is_counted_and_persisted(self, quota, store):
        """Each counted request is written to the store with its UTC day."""
        await quota.take(essential=False)
        await quota.take(essential=True)
        assert store.json(QUOTA_KEY) == {"day": "2025-10-06", "used": 2}
        assert quota.used_today == 2

    async def test_count_resumes_after_a_restart(self, store, clock, quota):
        """A new counter continues from the stored count of the same day."""
        await quota.take(essential=True)
        again = CustomerServiceQuota(store, reserve=100, clock=clock)
        await again.take(essential=True)
        assert again.used_today == 2

    async def test_count_restarts_on_a_new_utc_day(self, quota, clock, store):
        """At 00:00 UTC the count starts over."""
        await quota.take(essential=True)
        clock.advance(hours=21)  # 2025-10-07 00:00 UTC
        assert quota.used_today == 0
        await quota.take(essential=True)
        assert store.json(QUOTA_KEY) == {"day": "2025-10-07", "used": 1}

    async def test_non_essential_calls_stop_at_the_reserve(self, store, clock):
        """Polling is refused once only the reserve is left; staff replies still go."""
        quota = CustomerServiceQuota(store, limit=5, reserve=2, clock=clock)
        for _ in range(3):
            await quota.take(essential=False)
        with pytest.raises(QuotaExceeded, match="tinggal 2"):
            await quota.take(essential=False)
        await quota.take(essential=True)
        await quota.take(essential=True)
        assert quota.used_today == 5

    async def test_essential_calls_are_not_refused_locally(self, store, clock):
        """Past our own count the platform decides on staff replies."""
        quota = CustomerServiceQuota(store, limit=2, reserve=1, clock=clock)
        for _ in range(3):
            await quota.take(essential=True)
        assert quota.used_today == 3
        assert quota.remaining == 0

    async def test_refusal_is_not_counted(self, store, clock):
        """A request refused locally costs nothing."""
        quota = CustomerServiceQuota(store, limit=3, reserve=2, clock=clock)
        await quota.take(essential=False)
        with pytest.raises(QuotaExceeded):
            await quota.take(essential=False)
        assert quota.used_today == 1

    async def test_platform_exhaustion_uses_up_the_day(self, quota, store):
        """After 45101004 the counter holds the limit, so polling stops for the day."""
        await quota.exhausted()
        assert store.json(QUOTA_KEY)["used"] == 10_000
        with pytest.raises(QuotaExceeded):
            await quota.take(essential=False)

    def test_snapshot(self, quota):
        """status() figures: used today, the limit, the reserve and the counting day."""
        assert quota.snapshot() == {
            "used_today": 0,
            "limit": 10_000,
            "reserve": 100,
            "day": "2025-10-06",
        }

    def test_reserve_must_be_below_the_limit(self, store):
        """A reserve that leaves nothing to poll with is a configuration error."""
        with pytest.raises(ValueError, match="reserve"):
            CustomerServiceQuota(store, limit=10, reserve=10)
