"""The daily summary: today's figures in the group's time zone, posted once a day.

``summary_rendered`` is shared with the /summary command, so both show the same figures.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.context import Services
from bot.jobs.posting import once, post
from bot.render.base import Rendered
from bot.render.staff import render_summary
from storage import stats


def _local_day(services: Services, now: datetime) -> tuple[datetime, datetime]:
    local = now.astimezone(services.tz)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


async def summary_rendered(services: Services, now: datetime) -> Rendered:
    start, end = _local_day(services, now)
    async with services.sessions() as session:
        figures = await stats.day_figures(session=session, start=start, end=min(end, now))
    return render_summary(
        figures, now.astimezone(services.tz).date(), lang=services.lang, tz=services.tz, now=now
    )


async def daily_summary(services: Services, now: datetime) -> None:
    day = now.astimezone(services.tz).date()
    rendered = await summary_rendered(services, now)

    async def send() -> None:
        await post(services, rendered)

    await once(services, f"summary:{day.isoformat()}", send)
