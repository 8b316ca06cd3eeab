"""Reminders: open orders nearing their acceptance deadline, and chats left unanswered.

Each reminder is sent once per key (``posting.once``), so the 30-second tick may run as often
as it likes and a restart repeats nothing. A tick first collects what is due, then sends it
per staff group: one by one on a quiet day, each replying to what it reminds of; merged into
one list per kind (``bot.render.reminders``) when many are due at once or the group's budget
has no room for them one by one (``posting.should_merge``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Generic, TypeVar

from bot.context import Services
from bot.domain.vocab import LinkKind
from bot.jobs.posting import once, post, should_merge, unsent
from bot.jobs.return_reminders import return_reminders
from bot.jobs.rules import due_offset, offset_label
from bot.render.base import Rendered
from bot.render.catalogue import t_plain
from bot.render.reminders import (
    Batch,
    DueChat,
    DueOrder,
    render_chat_batches,
    render_deadline_batches,
)
from bot.render.staff import render_chat_reminder, render_deadline_reminder
from bot.staff.assignments import current_handler, release_idle
from storage import conversations, links, notices, orders, shops
from storage.assignments import ChatKey
from storage.conversations import conversation_of
from storage.models import ConversationRow, OrderRow
from storage.orders import order_of

E = TypeVar("E", DueOrder, DueChat)


@dataclass(frozen=True)
class _Due(Generic[E]):
    """A reminder due now: its key, its group, its single form and its entry in a list."""

    key: str
    group: int
    marketplace: str
    shop_id: str
    single: Rendered
    entry: E
    ref: str  # what its button acts on
    reply_to: int | None = None
    thread_id: int | None = None


async def deadline_reminders(services: Services, now: datetime) -> int:
    """Remind the group at the configured offsets before each open order's deadline."""
    offsets = services.settings.reminder_offsets
    async with services.sessions() as session:
        waiting = await orders.awaiting_acceptance(session=session, limit=500)
    candidates: list[tuple[OrderRow, datetime, timedelta, str]] = []
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
        candidates.append((row, deadline, offset, f"{base}:{offset_label(offset)}"))
    fresh = await unsent(services, [key for *_, key in candidates])
    due = [
        _deadline_due(services, row, deadline, now, key, last=offset == min(offsets))
        for row, deadline, offset, key in candidates
        if key in fresh
    ]
    admins = services.settings.telegram_admin_ids
    merge = partial(
        render_deadline_batches, now=now, admins=admins, lang=services.lang, tz=services.tz
    )
    return await _send_due(services, due, merge)


def _deadline_due(
    services: Services, row: OrderRow, deadline: datetime, now: datetime, key: str, *, last: bool
) -> _Due[DueOrder]:
    marketplace = services.marketplaces.get(row.marketplace)
    process = marketplace is not None and not marketplace.accepts_orders
    order = order_of(row)
    single = render_deadline_reminder(
        order,
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
    return _Due(
        key=key,
        group=group,
        marketplace=row.marketplace,
        shop_id=row.shop_id,
        single=single,
        entry=DueOrder(order, row.order_id, deadline, last=last),
        ref=row.order_id,
        reply_to=row.alert_message_id if here else None,
    )


async def chat_reminders(services: Services, now: datetime) -> int:
    """One reminder per unanswered conversation after N minutes, in business hours only."""
    settings = services.settings
    if not settings.hours.is_open(now, services.tz):
        return 0  # reminders wait for the next opening: the first tick then sends them
    threshold = now - timedelta(minutes=settings.chat_reminder_minutes)
    async with services.sessions() as session:
        waiting = await conversations.waiting(session=session, limit=200)
    candidates: list[tuple[ConversationRow, datetime, str]] = []
    for row in waiting:
        since = row.waiting_since
        if since is None or since > threshold:
            continue
        key = f"remind:chat:{row.marketplace}:{row.shop_id}:{row.conversation_id}:{since:%s}"
        candidates.append((row, since, key))
    fresh = await unsent(services, [key for *_, key in candidates])
    due = [
        await _chat_due(services, row, since, now, key)
        for row, since, key in candidates
        if key in fresh
    ]
    merge = partial(render_chat_batches, now=now, lang=services.lang, tz=services.tz)
    return await _send_due(services, due, merge)


async def _chat_due(
    services: Services, row: ConversationRow, since: datetime, now: datetime, key: str
) -> _Due[DueChat]:
    # Its group: where it was shown (a row from before SHOP_GROUPS: the main group).
    shown_in = row.group_chat_id
    if shown_in is None:
        shown_in = services.chat_id
    group = services.groups.kept(row.marketplace, row.shop_id, shown_in)
    async with services.sessions() as session:
        reply_to = await links.latest_message(
            session=session,
            chat_id=services.sender.chat(group),
            kind=LinkKind.CONVERSATION,
            marketplace=row.marketplace,
            ref=row.conversation_id,
        )
        shop_name = await shops.shop_name(
            session=session, marketplace=row.marketplace, shop_id=row.shop_id
        )
    handler = await current_handler(
        services, ChatKey(row.marketplace, row.shop_id, row.conversation_id), now
    )
    named = (handler.id, handler.name) if handler is not None else None
    conversation = conversation_of(row)
    single = render_chat_reminder(
        conversation,
        since,
        row.conversation_id,
        now=now,
        lang=services.lang,
        tz=services.tz,
        handler=named,
    )
    return _Due(
        key=key,
        group=group,
        marketplace=row.marketplace,
        shop_id=row.shop_id,
        single=single,
        entry=DueChat(conversation, since, row.conversation_id, shop_name, named),
        ref=row.conversation_id,
        reply_to=reply_to,
        thread_id=row.thread_id if group == shown_in else None,
    )


async def _send_due(
    services: Services, due: Sequence[_Due[E]], merge: Callable[[Sequence[E]], list[Batch]]
) -> int:
    """Send each group's due reminders, one by one or merged; returns how many went out."""
    by_group: dict[int, list[_Due[E]]] = {}
    for item in due:
        by_group.setdefault(item.group, []).append(item)
    sent = 0
    for group, items in by_group.items():
        if not should_merge(services, group, len(items)):
            for item in items:
                if await once(services, item.key, partial(_send_single, services, item)):
                    sent += 1
            continue
        for batch in merge([item.entry for item in items]):
            members = [items[i] for i in batch.members]
            send = partial(_send_batch, services, group, batch.rendered, members)
            if await once(services, [item.key for item in members], send):
                sent += len(members)
    return sent


async def _send_single(services: Services, item: _Due[E]) -> None:
    await post(
        services,
        item.single,
        marketplace=item.marketplace,
        shop_id=item.shop_id,
        reply_to=item.reply_to,
        thread_id=item.thread_id,
        chat_id=item.group,
    )


async def _send_batch(
    services: Services, group: int, rendered: Rendered, members: Sequence[_Due[E]]
) -> None:
    # A list replies to nothing and goes to the group's General topic; each button keeps
    # its own shop, so a press is checked against that shop like any other.
    first = members[0]
    await post(
        services,
        rendered,
        marketplace=first.marketplace,
        shop_id=first.shop_id,
        chat_id=group,
        scopes={item.ref: (item.marketplace, item.shop_id) for item in members},
    )


async def reminders(services: Services, now: datetime) -> None:
    # Lapsed claims go first, so a reminder never names someone who let the chat go.
    await release_idle(services, now)
    await deadline_reminders(services, now)
    await return_reminders(services, now)
    await chat_reminders(services, now)
