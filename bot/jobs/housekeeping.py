"""Housekeeping: forget delivered events and old buttons after RETENTION_DAYS."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.context import Services
from storage import inbox, links

log = logging.getLogger(__name__)


async def housekeeping(services: Services, now: datetime) -> tuple[int, int]:
    """Forget delivered events and buttons older than RETENTION_DAYS.

    Telegram links stay: a reply to an old relayed chat must still reach its buyer.
    """
    before = now - timedelta(days=services.settings.retention_days)
    async with services.sessions() as session, session.begin():
        events = await inbox.prune_delivered(session=session, before=before)
        buttons = await links.prune_tokens(session=session, before=before)
    log.info("housekeeping: forgot %d delivered events and %d old buttons", events, buttons)
    return events, buttons
