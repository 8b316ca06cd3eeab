"""Reminders: open orders nearing their acceptance deadline, and chats left unanswered.

Each reminder is sent once per key (``posting.once``), so the 30-second tick may run as often
as it likes and a restart repeats nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.context import Services
from bot.domain.vocab import LinkKind
from bot.jobs.posting import once, post
from bot.jobs.return_reminders import return_reminders
from bot.jobs.rules import due_offset, offset_label
from bot.render.base import Rendered
from bot.render.catalogue import t_plain
from bot.render.staff import render_chat_reminder, render_deadline_reminder
from bot.staff.assignments import current_handler, release_idle
from storage import conversations, links, notices, orders
from storage.assignments import ChatKey
from storage.conversations import conversation_of
from storage.orders import order_of


async def deadline_reminders(services: Services, now: datetime) -> int:
    """Remind the group at the configured offsets before each open order's deadline."""
    offsets = services.settings.reminder_offsets
    async with services.sessions() as session:
        waiting = await orders.awaiting_acceptance(session=session, limit=500)
    sent = 0
    for row in waiting:
        deadline = row.accept_deadline
        if deadline is None:
            continue
        offset, skipped = due_offset(deadline, now, offsets)
        if offset is None:
            continue
        base = f"remind:deadline:{row.marketplace}:{row.order_id}"
        async with services.sessions() as session, session.begin():
            for late in skipped:  # thresholds passed while tokobot was down: never send late
                await notices.claim_notice(
                    session=session, key=f"{base}:{offset_label(late)}", now=now
                )
        last = offset == min(offsets)
        marketplace = services.marketplaces.get(row.marketplace)
        process = marketplace is not None and not marketplace.accepts_orders
        rendered = render_deadline_reminder(
            order_of(row),
            row.order_id,
            deadline,
            now=now,
            admins=services.settings.telegram_admin_ids if last else (),
            accept_label=t_plain("btn.process", services.lang) if process else "",
            lang=services.lang,
            tz=services.tz,
        )

        group = services.groups.kept(row.marketplace, row.shop_id, row.group_chat_id)
        chat = services.sender.chat
        here = row.alert_chat_id is not None and chat(row.alert_chat_id) == chat(group)

        async def send(
            rendered: Rendered = rendered,
            row: Any = row,
            group: int = group,
            here: bool = here,
        ) -> None:
            await post(
                services,
                rendered,
                marketplace=row.marketplace,
                shop_id=row.shop_id,
                reply_to=row.alert_message_id if here else None,
                chat_id=group,
            )

        if await once(services, f"{base}:{offset_label(offset)}", send):
            sent += 1
    return sent


async def chat_reminders(services: Services, now: datetime) -> int:
    """One reminder per unanswered conversation after N minutes, in business hours only."""
    settings = services.settings
    if not settings.hours.is_open(now, services.tz):
        return 0  # reminders wait for the next opening: the first tick then sends them
    threshold = now - timedelta(minutes=settings.chat_reminder_minutes)
    async with services.sessions() as session:
        waiting = await conversations.waiting(session=session, limit=200)
    sent = 0
    for row in waiting:
        since = row.waiting_since
        if since is None or since > threshold:
            continue
        # Its group: where it was shown (a row from before SHOP_GROUPS: the main group).
        shown_in = row.group_chat_id
        if shown_in is None:
            shown_in = services.chat_id
        group = services.groups.kept(row.marketplace, row.shop_id, shown_in)
        thread_id = row.thread_id if group == shown_in else None
        async with services.sessions() as session:
            reply_to = await links.latest_message(
                session=session,
                chat_id=services.sender.chat(group),
                kind=LinkKind.CONVERSATION,
                marketplace=row.marketplace,
                ref=row.conversation_id,
            )
        handler = await current_handler(
            services, ChatKey(row.marketplace, row.shop_id, row.conversation_id), now
        )
        rendered = render_chat_reminder(
            conversation_of(row),
            since,
            row.conversation_id,
            now=now,
            lang=services.lang,
            tz=services.tz,
            handler=(handler.id, handler.name) if handler is not None else None,
        )

        async def send(
            rendered: Rendered = rendered,
            row: Any = row,
            reply_to: int | None = reply_to,
            group: int = group,
            thread_id: int | None = thread_id,
        ) -> None:
            await post(
                services,
                rendered,
                marketplace=row.marketplace,
                shop_id=row.shop_id,
                reply_to=reply_to,
                thread_id=thread_id,
                chat_id=group,
            )

        key = f"remind:chat:{row.marketplace}:{row.shop_id}:{row.conversation_id}:{since:%s}"
        if await once(services, key, send):
            sent += 1
    return sent


async def reminders(services: Services, now: datetime) -> None:
    # Lapsed claims go first, so a reminder never names someone who let the chat go.
    await release_idle(services, now)
    await deadline_reminders(services, now)
    await return_reminders(services, now)
    await chat_reminders(services, now)
