"""What every staff action shares: who acts, how it ended, and finding the order it is about."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from bot.context import Services
from bot.render.base import Rendered, state_label
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


async def record_audit(
    services: Services,
    actor: Actor,
    action: str,
    row: OrderRow,
    result: str,
    detail: str = "",
    text: str = "",
) -> None:
    async with services.sessions() as session, session.begin():
        await audit.record(
            session=session,
            at=services.clock(),
            actor_id=actor.id,
            actor_name=actor.name,
            action=action,
            marketplace=row.marketplace,
            shop_id=row.shop_id,
            order_id=row.order_id,
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
    try:
        await services.sender.edit(
            row.alert_chat_id,
            row.alert_message_id,
            rendered,
            marketplace=row.marketplace,
            shop_id=row.shop_id,
        )
    except Exception:
        log.exception("could not update the alert of order %s", row.order_id)


async def append_result(services: Services, pressed: Pressed, result: Result) -> None:
    """Write the result under the pressed message and take its buttons away."""
    await services.sender.edit(
        pressed.chat_id,
        pressed.message_id,
        Rendered(f"{pressed.html}\n\n{result.text}"),
        marketplace="",
        shop_id="",
    )
