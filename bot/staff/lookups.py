"""What staff can look up: waiting orders, waiting chats, and the audit trail."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from bot.context import Services
from bot.domain.figures import AuditRecord
from bot.domain.vocab import LinkKind
from bot.render.base import Rendered
from bot.render.chats import render_chats_list
from bot.render.orders import render_orders_list
from bot.render.staff import render_audit
from bot.staff.common import find_order
from storage import assignments, audit, conversations, links, orders
from storage.assignments import ChatKey


@dataclass(frozen=True)
class Listing:
    """A list to post; ``scopes`` maps each button's ref to its (marketplace, shop_id)."""

    rendered: Rendered
    scopes: Mapping[str, tuple[str, str]] = field(default_factory=dict)


async def waiting_orders(services: Services, chat_id: int | None = None) -> Listing:
    """/orders: orders waiting for acceptance, soonest deadline first.

    Asked in a staff group, only that group's shops (SHOP_GROUPS); else every shop.
    """
    scope = None if chat_id is None else services.scope(chat_id)
    async with services.sessions() as session:
        rows = await orders.awaiting_acceptance(session=session, scope=scope)
    rendered = render_orders_list(
        [(orders.order_of(row), row.order_id) for row in rows],
        now=services.clock(),
        lang=services.lang,
        tz=services.tz,
    )
    return Listing(rendered, {row.order_id: (row.marketplace, row.shop_id) for row in rows})


async def waiting_chats(services: Services, chat_id: int | None = None) -> Listing:
    """/chats: conversations waiting for an answer, oldest first (of the chat's shops)."""
    scope = None if chat_id is None else services.scope(chat_id)
    async with services.sessions() as session:
        rows = await conversations.waiting(session=session, scope=scope)
    items = [
        (
            conversations.conversation_of(row),
            row.waiting_since,
            row.last_buyer_text,
            row.conversation_id,
        )
        for row in rows
        if row.waiting_since is not None
    ]
    now = services.clock()
    async with services.sessions() as session:
        handled = await assignments.handlers_of(
            session=session,
            keys=[ChatKey(row.marketplace, row.shop_id, row.conversation_id) for row in rows],
            now=now,
            idle=timedelta(minutes=services.settings.claim_release_minutes),
        )
    names = {key.conversation_id: name for key, name in handled.items()}
    rendered = render_chats_list(
        items, now=now, lang=services.lang, tz=services.tz, handlers=names
    )
    scopes = {row.conversation_id: (row.marketplace, row.shop_id) for row in rows}
    return Listing(rendered, scopes)


async def audit_trail(
    services: Services, *, order_ref: str | None, chat_id: int, replied_to: int | None
) -> Rendered | None:
    """/audit <order>, or /audit as a reply to a relayed message; None when neither names one."""
    found: tuple[str, list[AuditRecord]] | None = None
    if order_ref is not None:
        row = await find_order(services, order_ref)
        if row is not None:
            async with services.sessions() as session:
                entries = await audit.for_order(
                    session=session, marketplace=row.marketplace, order_id=row.order_id
                )
            found = (row.invoice or row.order_id, entries)
    elif replied_to is not None:
        found = await _trail_of_message(services, chat_id, replied_to)
    if found is None:
        return None
    title, entries = found
    return render_audit(title, entries, lang=services.lang, tz=services.tz)


async def _trail_of_message(
    services: Services, chat_id: int, message_id: int
) -> tuple[str, list[AuditRecord]] | None:
    async with services.sessions() as session:
        link = await links.find_link(session=session, chat_id=chat_id, message_id=message_id)
        if link is not None and link.kind == LinkKind.ORDER:
            entries = await audit.for_order(
                session=session, marketplace=link.marketplace, order_id=link.ref
            )
            return link.ref, entries
        if link is not None and link.kind == LinkKind.CONVERSATION:
            entries = await audit.for_conversation(
                session=session, marketplace=link.marketplace, conversation_id=link.ref
            )
            return link.ref, entries
    return None
