"""Housekeeping: forget delivered events, old buttons and message texts after RETENTION_DAYS."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.context import Services
from storage import inbox, links, notices, retention

log = logging.getLogger(__name__)


async def housekeeping(services: Services, now: datetime) -> tuple[int, int]:
    """Forget delivered events and buttons older than RETENTION_DAYS.

    Telegram links stay: a reply to an old relayed chat must still reach its buyer. Buyer and
    staff message texts are blanked (the rows, who and when, stay for the audit trail).
    """
    before = now - timedelta(days=services.settings.retention_days)
    async with services.sessions() as session, session.begin():
        events = await inbox.prune_delivered(session=session, before=before)
        buttons = await links.prune_tokens(session=session, before=before)
        texts = await retention.forget_texts(session=session, before=before)
        await notices.prune_shown_messages(session=session, before=before)
    log.info(
        "housekeeping: forgot %d delivered events, %d old buttons and %d message texts",
        events,
        buttons,
        texts,
    )
    return events, buttons
