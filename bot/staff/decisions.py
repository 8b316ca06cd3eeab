"""Order decisions: accept, reject and answers to a buyer's cancellation request.

Whatever the entry point, a decision is claimed in the database before any marketplace
call, so two presses (or two processes) call the marketplace once; every attempt is
audited, and the order's alert is redrawn to show the result.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from bot.context import Services
from bot.domain.errors import ErrorKind, MarketplaceError
from bot.domain.figures import Outcome, OutcomeVerb
from bot.domain.values import OrderState, Rejection
from bot.render.base import error_text
from bot.render.catalogue import t, t_plain
from bot.render.orders import outcome_line
from bot.staff.common import (
    Actor,
    Pressed,
    Result,
    Status,
    audit_order,
    find_order,
    get_order,
    missing,
    record_audit,
    refresh_alert,
    show_after_press,
    stale_result,
)
from storage import claims, orders
from storage.models import OrderRow

log = logging.getLogger(__name__)

AWAITING = frozenset({OrderState.AWAITING_ACCEPTANCE})
CANCELLABLE = frozenset({OrderState.AWAITING_ACCEPTANCE, OrderState.ACCEPTED, OrderState.SHIPPING})


@dataclass(frozen=True)
class Decision:
    """How a decision ended, and the order it was about (None when there is no such order)."""

    row: OrderRow | None
    result: Result


def decision_key(marketplace: str, order_id: str) -> str:
    return f"{marketplace}:{order_id}:decision"


async def _claim_lost(services: Services, row: OrderRow, holder: _Holder | None) -> Result:
    if holder is not None and holder.state == "done":
        fresh = await get_order(services, row.marketplace, row.order_id)
        return stale_result(services, fresh or row)
    return Result(
        Status.BUSY, t("act.busy", services.lang, who=holder.actor_name if holder else "")
    )


@dataclass(frozen=True)
class _Holder:
    """Who holds or finished a claim we lost (read before the transaction ends)."""

    state: str
    actor_name: str


@dataclass(frozen=True)
class _Claim:
    won: bool
    holder: _Holder | None = None
    order_key: str | None = None  # the order's decision claim, when we hold it as well


async def _take(
    services: Services, actor: Actor, action: str, key: str, order_key: str | None
) -> _Claim:
    """Claim ``key`` and, for a cancellation answer, the order's decision while undecided.

    Accept, reject and a cancellation answer all pass through the order's decision claim, so
    only one of them can be with the marketplace at a time. Once the order is decided (that
    claim is done), a cancellation request is answered on its own key alone. Both claims are
    taken in one transaction, so losing the second rolls the first back.
    """
    held: str | None = None
    async with services.sessions() as session, session.begin() as transaction:
        for name in (order_key, key):
            if name is None:
                continue
            taken = await claims.claim(
                session=session,
                key=name,
                action=action,
                actor_id=actor.id,
                actor_name=actor.name,
                now=services.clock(),
            )
            if taken.won:
                held = name if name == order_key else held
            elif name != order_key or taken.holder is None or taken.holder.state != "done":
                holder = taken.holder
                lost = None if holder is None else _Holder(holder.state, holder.actor_name)
                await transaction.rollback()
                return _Claim(False, lost)
    return _Claim(True, order_key=held)


async def _settle(
    services: Services, key: str, claim: _Claim, *, done: bool, order_done: bool
) -> None:
    """Finish (it happened, or may have: nobody repeats it) or release the claims held."""
    async with services.sessions() as session, session.begin():
        for name, finished in ((key, done), (claim.order_key, order_done)):
            if name is None:
                continue
            if finished:
                await claims.finish(session=session, key=name, now=services.clock())
            else:
                await claims.release(session=session, key=name)


async def _failed(
    services: Services,
    actor: Actor,
    row: OrderRow,
    exc: MarketplaceError,
    *,
    key: str,
    claim: _Claim,
    action: str,
    detail: str,
    decides: bool,
    wait_out_limits: bool = False,
) -> Result:
    """The marketplace said no, or may not have heard: settle the claim and tell staff.

    ``wait_out_limits``: the caller retries a rate-limited call itself, so a 429 is neither
    a failure nor audited; the claim is released for that retry.
    """
    unknown = exc.kind is ErrorKind.OUTCOME_UNKNOWN
    # May have happened: the claim stays, so nobody repeats it (or decides the order after it).
    await _settle(services, key, claim, done=unknown, order_done=unknown and decides)
    text = error_text(exc.kind, exc.detail, lang=services.lang)
    if wait_out_limits and exc.kind is ErrorKind.RATE_LIMITED:
        return Result(Status.FAILED, text, kind=exc.kind)
    result = "unknown" if unknown else "failed"
    await record_audit(
        services, actor, action, row, result, f"{exc.code} {exc.detail}".strip(), detail
    )
    return Result(Status.UNKNOWN if unknown else Status.FAILED, text, kind=exc.kind)


async def _decide(
    services: Services,
    actor: Actor,
    row: OrderRow,
    *,
    key: str,
    action: str,
    verb: OutcomeVerb,
    detail: str,
    call: Callable[[], Awaitable[None]],
    new_state: OrderState | None,
    needs_state: frozenset[OrderState],
    record_outcome: bool = True,
    order_key: str | None = None,
    wait_out_limits: bool = False,
) -> Result:
    """Claim, call the marketplace once, record, and show the result.

    ``order_key``: the order's decision claim, also held while undecided (cancellations).
    """
    if row.outcome and key == decision_key(row.marketplace, row.order_id):
        return stale_result(services, row)
    if OrderState(row.state) not in needs_state:
        return stale_result(services, row)
    won = await _take(services, actor, action, key, order_key)
    if not won.won:
        return await _claim_lost(services, row, won.holder)
    decides = new_state is not None  # the order's fate is sealed, not just a request's
    try:
        await call()
    except MarketplaceError as exc:
        return await _failed(
            services, actor, row, exc, key=key, claim=won, action=action, detail=detail,
            decides=decides, wait_out_limits=wait_out_limits,
        )  # fmt: skip
    except BaseException:
        await _settle(services, key, won, done=False, order_done=False)
        raise
    done_at = services.clock()
    await _settle(services, key, won, done=True, order_done=decides)
    async with services.sessions() as session, session.begin():
        if record_outcome:
            await orders.finish_action(
                session=session,
                marketplace=row.marketplace,
                order_id=row.order_id,
                outcome=verb,
                by=actor.name,
                at=done_at,
                detail=detail,
                status=(row.status_code, new_state.value) if new_state else None,
            )
        await audit_order(
            session, at=done_at, actor=actor, action=action, row=row, result="ok", text=detail
        )
        fresh = await orders.get_order(
            session=session, marketplace=row.marketplace, order_id=row.order_id
        )
    assert fresh is not None
    await refresh_alert(services, fresh)
    outcome = Outcome(verb=verb, actor=actor.name, at=done_at, detail=detail)
    return Result(Status.DONE, outcome_line(outcome, lang=services.lang, tz=services.tz))


def bulk_note(services: Services, run_id: int) -> str:
    """How an order's outcome and audit entry name the bulk run that decided it."""
    return t_plain("bulk.audit_note", services.lang, run=run_id)


async def accept_order(
    services: Services, actor: Actor, row: OrderRow, *, bulk_run: int | None = None
) -> Result:
    """Accept (Tokopedia's ACK), or, where there is no accept step, claim it as processed.

    ``bulk_run``: the "accept all" run this is part of; its audit entry names the run, and a
    429 is handed back for the run to retry after the reset instead of counting as a failure.
    """
    marketplace = services.marketplaces[row.marketplace]
    bulk = bulk_run is not None
    note = bulk_note(services, bulk_run) if bulk_run is not None else ""
    if not marketplace.accepts_orders:

        async def nothing_to_call() -> None:
            return None  # the claim and the audit entry are the whole action

        return await _decide(
            services,
            actor,
            row,
            key=decision_key(row.marketplace, row.order_id),
            action="bulk_process" if bulk else "process",
            verb=OutcomeVerb.PROCESSED,
            detail=note,
            call=nothing_to_call,
            new_state=None,
            needs_state=AWAITING,
        )
    return await _decide(
        services,
        actor,
        row,
        key=decision_key(row.marketplace, row.order_id),
        action="bulk_accept" if bulk else "accept",
        verb=OutcomeVerb.ACCEPTED,
        detail=note,
        call=lambda: marketplace.accept_order(row.shop_id, row.order_id),
        new_state=OrderState.ACCEPTED,
        needs_state=AWAITING,
        wait_out_limits=bulk,
    )


async def reject_order(
    services: Services, actor: Actor, row: OrderRow, rejection: Rejection, label: str
) -> Result:
    marketplace = services.marketplaces[row.marketplace]
    try:
        marketplace.validate_rejection(rejection)
    except MarketplaceError as exc:
        return Result(Status.FAILED, error_text(exc.kind, exc.detail, lang=services.lang))
    return await _decide(
        services,
        actor,
        row,
        key=decision_key(row.marketplace, row.order_id),
        action="reject",
        verb=OutcomeVerb.REJECTED,
        detail=label,
        call=lambda: marketplace.reject_order(row.shop_id, row.order_id, rejection),
        new_state=OrderState.CANCELLED,
        needs_state=AWAITING,
    )


async def answer_cancellation(
    services: Services, actor: Actor, row: OrderRow, *, request_ref: str, approve: bool
) -> Result:
    """Approve or reject a buyer's cancellation request, once per request."""
    marketplace = services.marketplaces[row.marketplace]
    try:
        request = await marketplace.get_cancellation_request(row.shop_id, row.order_id)
    except MarketplaceError as exc:
        return Result(Status.FAILED, error_text(exc.kind, exc.detail, lang=services.lang))
    verb = OutcomeVerb.CANCEL_APPROVED if approve else OutcomeVerb.CANCEL_REJECTED

    async def call() -> None:
        if approve:
            await marketplace.approve_cancellation(request)
        else:
            await marketplace.reject_cancellation(request)

    # Approving cancels the order, which the alert must show; rejecting leaves the order
    # as it was, so only the request's own message changes.
    return await _decide(
        services,
        actor,
        row,
        key=f"{row.marketplace}:{row.order_id}:cancel:{request_ref}",
        action=verb,
        verb=verb,
        detail="",
        call=call,
        new_state=OrderState.CANCELLED if approve else None,
        needs_state=CANCELLABLE,
        record_outcome=approve,
        order_key=decision_key(row.marketplace, row.order_id),
    )


# --- entry points for buttons and commands ----------------------------------------------------


async def accept_pressed(
    services: Services, actor: Actor, marketplace: str, order_id: str
) -> Decision:
    row = await get_order(services, marketplace, order_id)
    if row is None:
        return Decision(None, missing(services))
    return Decision(row, await accept_order(services, actor, row))


async def accept_command(services: Services, actor: Actor, ref: str) -> Result:
    """/accept by order id or invoice number."""
    row = await find_order(services, ref)
    if row is None:
        return missing(services)
    return await accept_order(services, actor, row)


async def cancellation_pressed(
    services: Services, actor: Actor, marketplace: str, ref: str, *, approve: bool
) -> Decision:
    """A press on a cancellation request; ``ref`` is ``order_id#request``."""
    order_id, _, request_ref = ref.partition("#")
    row = await get_order(services, marketplace, order_id)
    if row is None:
        return Decision(None, missing(services))
    result = await answer_cancellation(
        services, actor, row, request_ref=request_ref or "0", approve=approve
    )
    return Decision(row, result)


async def show_on_pressed(services: Services, decision: Decision, pressed: Pressed | None) -> None:
    """After the press is answered: see ``show_after_press``; the alert is the order's."""
    row = decision.row
    if row is not None:
        await show_after_press(
            services,
            pressed,
            decision.result,
            alert_message_id=row.alert_message_id,
            redraw_alert=partial(refresh_alert, services, row),
        )
