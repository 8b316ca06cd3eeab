"""Reminders before the marketplace answers a buyer's return request by itself.

The same machinery as the acceptance reminders (``bot.jobs.reminders``): the offsets of
``ACCEPT_REMINDERS`` before each open request's deadline, thresholds passed while tokobot was
down are skipped rather than sent late, each reminder is sent once per key
(``posting.once``), and the last one names the admins.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.context import Services
from bot.jobs.posting import once, post
from bot.jobs.rules import due_offset, offset_label
from bot.render.returns import render_return_reminder
from storage import notices, returns
from storage.models import ReturnRow


async def return_reminders(services: Services, now: datetime) -> int:
    offsets = services.settings.reminder_offsets
    async with services.sessions() as session:
        waiting = await returns.awaiting_seller(session=session, now=now)
    sent = 0
    for row in waiting:
        if row.deadline is None or returns.answered(row):
            continue
        offset, skipped = due_offset(row.deadline, now, offsets)
        if offset is None:
            continue
        # The status is part of the key: a request answered, then waiting again once the
        # parcel is back, has a new deadline and gets its own reminders.
        base = f"remind:return:{row.marketplace}:{row.return_id}:{row.status_code}"
        async with services.sessions() as session, session.begin():
            for late in skipped:
                await notices.claim_notice(
                    session=session, key=f"{base}:{offset_label(late)}", now=now
                )
        send = _sender(services, row, row.deadline, now, last=offset == min(offsets))
        if await once(services, f"{base}:{offset_label(offset)}", send):
            sent += 1
    return sent


def _sender(
    services: Services, row: ReturnRow, deadline: datetime, now: datetime, *, last: bool
) -> Callable[[], Awaitable[None]]:
    rendered = render_return_reminder(
        returns.request_of(row),
        row.return_id,
        deadline,
        now=now,
        admins=services.settings.telegram_admin_ids if last else (),
        lang=services.lang,
        tz=services.tz,
    )
    shown_in = None if row.alert_chat_id is None else services.sender.origin(row.alert_chat_id)
    group = services.groups.kept(row.marketplace, row.shop_id, shown_in)
    here = shown_in is not None and shown_in == group

    async def send() -> None:
        await post(
            services,
            rendered,
            marketplace=row.marketplace,
            shop_id=row.shop_id,
            reply_to=row.alert_message_id if here else None,
            chat_id=group,
        )

    return send
