"""What every staff action shares: who acts, how it ended, how it is audited, and finding
the order it is about."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.error import TelegramError

from bot.context import Services
from bot.domain.errors import ErrorKind
from bot.render.base import Button, Rendered, state_label
from bot.render.catalogue import t
from bot.render.orders import render_order_alert
from storage import audit, links, orders
from storage.links import ButtonMeaning
from storage.models import OrderRow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Actor:
    id: int
    name: str


class Status(StrEnum):
    DONE = "done"
    STALE = "stale"  # already decided: nothing was called
    BUSY = "busy"  # someone else is acting on it right now
    FAILED = "failed"  # certainly did not happen; may be retried
    UNKNOWN = "unknown"  # may have happened; never retried automatically
    MISSING = "missing"  # no such order or conversation


@dataclass(frozen=True)
class Result:
    status: Status
    text: str  # Telegram HTML for the staff member
    # The staff reply this is about: marked when sent, offered a Retry button when it failed.
    reply_id: int | None = None
    # Why the marketplace refused, when it did: a bulk run waits out RATE_LIMITED and retries.
    kind: ErrorKind | None = None

    @property
    def done(self) -> bool:
        return self.status is Status.DONE


@dataclass(frozen=True)
class Pressed:
    """The staff-group message whose button was pressed."""

    chat_id: int
    message_id: int
    html: str  # its text as Telegram HTML, to append a result to
    thread_id: int | None  # its forum topic, if any


def decode_draft(ref: str, keys: str) -> list[str] | None:
    """The fields of a draft stored as a button or question ref (a JSON object of strings
    under one-letter ``keys``), in ``keys`` order; None for anything else or a draft without
    its first field (the press has expired, or the ref was never a draft)."""
    try:
        data = json.loads(ref)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    fields = [data.get(key, "") for key in keys]
    if not all(isinstance(value, str) for value in fields) or not fields[0]:
        return None
    return fields


def may_decide(services: Services, user_id: int) -> bool:
    """Order decisions: everyone in the staff group, unless admins are configured."""
    admins = services.settings.telegram_admin_ids
    return not admins or user_id in admins


def missing(services: Services) -> Result:
    return Result(Status.MISSING, t("order.not_found", services.lang))


async def meaning_of(services: Services, token: str) -> ButtonMeaning | None:
    """What a pressed button stands for; None for a forged or forgotten token."""
    async with services.sessions() as session:
        return await links.resolve_token(session=session, token=token)


async def get_order(services: Services, marketplace: str, order_id: str) -> OrderRow | None:
    async with services.sessions() as session:
        return await orders.get_order(session=session, marketplace=marketplace, order_id=order_id)


async def find_order(
    services: Services, ref: str, marketplace: str | None = None
) -> OrderRow | None:
    """An order by id or invoice number, in any marketplace unless one is named."""
    async with services.sessions() as session:
        names = [marketplace] if marketplace else list(services.marketplaces)
        for name in names:
            row = await orders.get_order(session=session, marketplace=name, order_id=ref)
            if row is None:
                row = await orders.get_by_invoice(session=session, marketplace=name, invoice=ref)
            if row is not None:
                return row
    return None


def stale_result(services: Services, row: OrderRow) -> Result:
    """An already-decided order: say where it stands; nothing was called."""
    order = orders.order_of(row)
    label = state_label(
        order.status.state,
        lang=services.lang,
        code=order.status.code,
        needs_accept=order.needs_accept,
    )
    who = f" · {row.outcome_by}" if row.outcome_by else ""
    return Result(Status.STALE, t("act.stale", services.lang, state=label, who=who))


class ShopPlace(Protocol):
    """Anything of one shop: an order, a return request, a conversation."""

    @property
    def marketplace(self) -> str: ...
    @property
    def shop_id(self) -> str: ...


class OrderPlace(ShopPlace, Protocol):
    """An order, or a request about one (a return): its audit entries are the order's."""

    @property
    def order_id(self) -> str: ...


class AlertPlace(ShopPlace, Protocol):
    """Anything relayed as an alert (an order, a return request): where that alert is."""

    @property
    def alert_chat_id(self) -> int | None: ...
    @property
    def alert_message_id(self) -> int | None: ...


class ChatPlace(ShopPlace, Protocol):
    """A buyer conversation, however the caller names it (a reply target, a handler key)."""

    @property
    def conversation_id(self) -> str: ...


async def audit_order(
    session: AsyncSession,
    *,
    at: datetime,
    actor: Actor,
    action: str,
    row: OrderPlace,
    result: str,
    detail: str = "",
    text: str = "",
) -> None:
    """Audit a staff action on an order inside the caller's transaction, so the entry is
    written together with (and only with) the change it records."""
    await _audit(session, at, actor, action, row, result, detail, text, order_id=row.order_id)


async def audit_chat(
    session: AsyncSession,
    *,
    at: datetime,
    actor: Actor,
    action: str,
    chat: ChatPlace,
    result: str,
    detail: str = "",
    text: str = "",
) -> None:
    """Audit a staff action on a conversation inside the caller's transaction."""
    key = chat.conversation_id
    await _audit(session, at, actor, action, chat, result, detail, text, conversation_id=key)


async def _audit(
    session: AsyncSession,
    at: datetime,
    actor: Actor,
    action: str,
    place: ShopPlace,
    result: str,
    detail: str,
    text: str,
    *,
    order_id: str = "",
    conversation_id: str = "",
) -> None:
    await audit.record(
        session=session,
        at=at,
        actor_id=actor.id,
        actor_name=actor.name,
        action=action,
        marketplace=place.marketplace,
        shop_id=place.shop_id,
        order_id=order_id,
        conversation_id=conversation_id,
        result=result,
        detail=detail,
        text=text,
    )


async def record_audit(
    services: Services,
    actor: Actor,
    action: str,
    row: OrderPlace,
    result: str,
    detail: str = "",
    text: str = "",
) -> None:
    """Audit a staff action on an order that changed nothing of ours (its own transaction)."""
    async with services.sessions() as session, session.begin():
        await audit_order(
            session,
            at=services.clock(),
            actor=actor,
            action=action,
            row=row,
            result=result,
            detail=detail,
            text=text,
        )


async def refresh_alert(services: Services, row: OrderRow) -> None:
    """Show the order's current state and outcome on its alert; buttons go when decided."""
    if row.alert_message_id is None or row.alert_chat_id is None or row.in_digest:
        return
    rendered = render_order_alert(
        orders.order_of(row),
        row.order_id,
        lang=services.lang,
        tz=services.tz,
        outcome=orders.outcome_of(row),
    )
    await edit_alert(services, row, rendered, f"order {row.order_id}")


async def edit_alert(services: Services, row: AlertPlace, rendered: Rendered, what: str) -> None:
    """Redraw an alert. Best effort: what it shows is already stored and audited, so a
    message Telegram will not edit is logged with its cause and never fails the action."""
    if row.alert_chat_id is None or row.alert_message_id is None:
        return
    try:
        await services.sender.edit(
            row.alert_chat_id,
            row.alert_message_id,
            rendered,
            marketplace=row.marketplace,
            shop_id=row.shop_id,
        )
    except Exception:
        log.exception("could not update the alert of %s", what)


async def set_pressed_buttons(
    services: Services,
    pressed: Pressed | None,
    buttons: Sequence[Sequence[Button]],
    *,
    marketplace: str,
    shop_id: str,
) -> None:
    """Swap the buttons of the pressed message. Best effort: a message Telegram will not
    change (deleted, too old) only misses the new buttons; the action behind them stands."""
    if pressed is None:
        return
    try:
        await services.sender.set_buttons(
            pressed.chat_id,
            pressed.message_id,
            buttons,
            marketplace=marketplace,
            shop_id=shop_id,
        )
    except TelegramError as exc:
        log.info("could not change the buttons of message %s: %s", pressed.message_id, exc)


async def append_result(services: Services, pressed: Pressed, result: Result) -> None:
    """Write the result under the pressed message and take its buttons away."""
    await services.sender.edit(
        pressed.chat_id,
        pressed.message_id,
        Rendered(f"{pressed.html}\n\n{result.text}"),
        marketplace="",
        shop_id="",
    )


async def show_after_press(
    services: Services,
    pressed: Pressed | None,
    result: Result,
    *,
    alert_message_id: int | None,
    redraw_alert: Callable[[], Awaitable[None]],
) -> None:
    """After a decision's press is answered: a pressed message other than the alert (a
    reminder) gets the result and loses its buttons; the alert itself is redrawn when what
    it shows turned out to be decided already."""
    if pressed is None:
        return
    if pressed.message_id != alert_message_id:
        if result.status in (Status.DONE, Status.STALE):
            try:
                await append_result(services, pressed, result)
            except TelegramError as exc:
                log.info("could not update the pressed message: %s", exc)
    elif result.status is Status.STALE:
        await redraw_alert()
