"""The daily summary: today's figures in the group's time zone, posted once a day.

``summary_rendered`` is shared with the /summary command, so both show the same figures.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.context import Services
from bot.domain.groups import ShopScope
from bot.jobs.posting import once, post
from bot.render.base import Rendered
from bot.render.staff import render_summary
from storage import stats


def _local_day(services: Services, now: datetime) -> tuple[datetime, datetime]:
    local = now.astimezone(services.tz)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


async def summary_rendered(
    services: Services, now: datetime, scope: ShopScope | None = None
) -> Rendered:
    """Today's figures for the shops of ``scope`` (a staff group's; every shop by default)."""
    start, end = _local_day(services, now)
    async with services.sessions() as session:
        figures = await stats.day_figures(
            session=session, start=start, end=min(end, now), scope=scope
        )
    return render_summary(
        figures, now.astimezone(services.tz).date(), lang=services.lang, tz=services.tz, now=now
    )


async def daily_summary(services: Services, now: datetime) -> None:
    """One summary per staff group that shops belong to, each of its own shops' figures."""
    day = now.astimezone(services.tz).date()
    groups = services.groups
    for group in groups.homes:
        rendered = await summary_rendered(services, now, groups.shops_of(group))

        async def send(rendered: Rendered = rendered, group: int = group) -> None:
            await post(services, rendered, chat_id=group)

        # The main group keeps the key it had before SHOP_GROUPS: no second summary on upgrade.
        suffix = "" if group == groups.main else f":{group}"
        await once(services, f"summary:{day.isoformat()}{suffix}", send)
