"""Staff actions shared by buttons and commands: once, on the record, visibly.

Every order decision and every reply goes through here, so the rules hold whatever the
entry point: a once-only claim in the database before any marketplace call, an audit entry
for every attempt, and the alert edited to show the result.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from bot.context import Services
from bot.domain.errors import ErrorKind, MarketplaceError
from bot.domain.values import Conversation, MarketplaceName, OrderState, Rejection
from bot.render.catalogue import t
from bot.render.messages import Outcome, error_text, outcome_line, render_order_alert, state_label
from storage import audit, claims, conversations, orders, replies, stats
from storage.models import OrderRow
from storage.records import order_of, outcome_of

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
    reply_id: int | None = None  # staff reply row, for a Retry button


def _decision_key(marketplace: str, order_id: str) -> str:
    return f"{marketplace}:{order_id}:decision"


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
    order = order_of(row)
    label = state_label(order.status.state, lang=services.lang, code=order.status.code)
    who = f" · {row.outcome_by}" if row.outcome_by else ""
    return Result(Status.STALE, t("act.stale", services.lang, state=label, who=who))


async def _audit(
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
        order_of(row), row.order_id, lang=services.lang, tz=services.tz, outcome=outcome_of(row)
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


async def _decide(
    services: Services,
    actor: Actor,
    row: OrderRow,
    *,
    key: str,
    action: str,
    verb: str,
    detail: str,
    call: Callable[[], Awaitable[None]],
    new_state: OrderState | None,
    needs_state: frozenset[OrderState],
    record_outcome: bool = True,
) -> Result:
    """Claim, call the marketplace once, record, and show the result."""
    lang = services.lang
    if row.outcome and key == _decision_key(row.marketplace, row.order_id):
        return stale_result(services, row)
    if OrderState(row.state) not in needs_state:
        return stale_result(services, row)
    now = services.clock()
    async with services.sessions() as session, session.begin():
        won = await claims.claim(
            session=session,
            key=key,
            action=action,
            actor_id=actor.id,
            actor_name=actor.name,
            now=now,
        )
    if not won.won:
        holder = won.holder
        if holder is not None and holder.state == "done":
            async with services.sessions() as session:
                fresh = await orders.get_order(
                    session=session, marketplace=row.marketplace, order_id=row.order_id
                )
            return stale_result(services, fresh or row)
        return Result(Status.BUSY, t("act.busy", lang, who=holder.actor_name if holder else ""))
    try:
        await call()
    except MarketplaceError as exc:
        unknown = exc.kind is ErrorKind.OUTCOME_UNKNOWN
        async with services.sessions() as session, session.begin():
            if unknown:
                await claims.finish(session=session, key=key, now=services.clock())
            else:
                await claims.release(session=session, key=key)
        await _audit(
            services,
            actor,
            action,
            row,
            "unknown" if unknown else "failed",
            f"{exc.code} {exc.detail}".strip(),
            detail,
        )
        text = error_text(exc.kind, exc.detail, lang=lang)
        return Result(Status.UNKNOWN if unknown else Status.FAILED, text)
    except BaseException:
        async with services.sessions() as session, session.begin():
            await claims.release(session=session, key=key)
        raise
    done_at = services.clock()
    async with services.sessions() as session, session.begin():
        await claims.finish(session=session, key=key, now=done_at)
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
        await audit.record(
            session=session,
            at=done_at,
            actor_id=actor.id,
            actor_name=actor.name,
            action=action,
            marketplace=row.marketplace,
            shop_id=row.shop_id,
            order_id=row.order_id,
            result="ok",
            text=detail,
        )
        fresh = await orders.get_order(
            session=session, marketplace=row.marketplace, order_id=row.order_id
        )
    assert fresh is not None
    await refresh_alert(services, fresh)
    outcome = Outcome(verb=verb, actor=actor.name, at=done_at, detail=detail)
    return Result(Status.DONE, outcome_line(outcome, lang=lang, tz=services.tz))


AWAITING = frozenset({OrderState.AWAITING_ACCEPTANCE})


async def accept_order(services: Services, actor: Actor, row: OrderRow) -> Result:
    """Accept (Tokopedia's ACK), or, where there is no accept step, claim it as processed."""
    marketplace = services.marketplaces[row.marketplace]
    if not marketplace.accepts_orders:

        async def nothing_to_call() -> None:
            return None  # the claim and the audit entry are the whole action

        return await _decide(
            services,
            actor,
            row,
            key=_decision_key(row.marketplace, row.order_id),
            action="process",
            verb="processed",
            detail="",
            call=nothing_to_call,
            new_state=None,
            needs_state=AWAITING,
        )
    return await _decide(
        services,
        actor,
        row,
        key=_decision_key(row.marketplace, row.order_id),
        action="accept",
        verb="accepted",
        detail="",
        call=lambda: marketplace.accept_order(row.shop_id, row.order_id),
        new_state=OrderState.ACCEPTED,
        needs_state=AWAITING,
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
        key=_decision_key(row.marketplace, row.order_id),
        action="reject",
        verb="rejected",
        detail=label,
        call=lambda: marketplace.reject_order(row.shop_id, row.order_id, rejection),
        new_state=OrderState.CANCELLED,
        needs_state=AWAITING,
    )


CANCELLABLE = frozenset({OrderState.AWAITING_ACCEPTANCE, OrderState.ACCEPTED, OrderState.SHIPPING})


async def answer_cancellation(
    services: Services, actor: Actor, row: OrderRow, *, request_ref: str, approve: bool
) -> Result:
    """Approve or reject a buyer's cancellation request, once per request."""
    marketplace = services.marketplaces[row.marketplace]
    try:
        request = await marketplace.get_cancellation_request(row.shop_id, row.order_id)
    except MarketplaceError as exc:
        return Result(Status.FAILED, error_text(exc.kind, exc.detail, lang=services.lang))
    verb = "cancel_approved" if approve else "cancel_rejected"

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
    )


# --- replies to buyers -----------------------------------------------------------------------


@dataclass(frozen=True)
class ReplyTarget:
    marketplace: str
    shop_id: str
    conversation_id: str


async def send_reply(
    services: Services,
    actor: Actor,
    target: ReplyTarget,
    *,
    chat_id: int,
    message_id: int,
    text: str,
) -> Result:
    """Send a staff message to the buyer at most once per Telegram message."""
    now = services.clock()
    async with services.sessions() as session, session.begin():
        fresh, row = await replies.begin(
            session=session,
            chat_id=chat_id,
            message_id=message_id,
            marketplace=target.marketplace,
            shop_id=target.shop_id,
            conversation_id=target.conversation_id,
            text=text,
            actor_id=actor.id,
            actor_name=actor.name,
            now=now,
        )
    if not fresh:
        return _known_reply(services, row.status, row.id)
    assert row.id is not None
    return await _deliver_reply(services, actor, row.id, target, text)


def _known_reply(services: Services, status: str, reply_id: int | None) -> Result:
    lang = services.lang
    if status == "sent":
        return Result(Status.STALE, t("reply.already_sent", lang))
    if status == "failed":
        return Result(Status.FAILED, t("reply.failed_before", lang), reply_id)
    if status == "unknown":
        return Result(Status.UNKNOWN, error_text(ErrorKind.OUTCOME_UNKNOWN, lang=lang))
    return Result(Status.BUSY, t("reply.in_progress", lang))


async def retry_reply(services: Services, actor: Actor, reply_id: int) -> Result:
    """Retry a reply that certainly failed; concurrent Retry presses send it once."""
    async with services.sessions() as session, session.begin():
        row = await replies.get(session=session, reply_id=reply_id)
        if row is None:
            return Result(Status.MISSING, t("reply.unknown", services.lang))
        won = await replies.retake(session=session, reply_id=reply_id, now=services.clock())
    if not won:
        return _known_reply(services, row.status, reply_id)
    target = ReplyTarget(row.marketplace, row.shop_id, row.conversation_id)
    return await _deliver_reply(services, actor, reply_id, target, row.text)


async def _deliver_reply(
    services: Services, actor: Actor, reply_id: int, target: ReplyTarget, text: str
) -> Result:
    marketplace = services.marketplaces[target.marketplace]
    async with services.sessions() as session:
        conv_row = await conversations.get_conversation(
            session=session,
            marketplace=target.marketplace,
            shop_id=target.shop_id,
            conversation_id=target.conversation_id,
        )
    conversation = Conversation(
        marketplace=MarketplaceName(target.marketplace),
        shop_id=target.shop_id,
        conversation_id=target.conversation_id,
        buyer_id=conv_row.buyer_id if conv_row else "",
        buyer_name=conv_row.buyer_name if conv_row else "",
    )
    status, error = "sent", ""
    result: Result
    try:
        await marketplace.send_reply(conversation, text)
        result = Result(Status.DONE, t("reply.sent", services.lang))
    except MarketplaceError as exc:
        error = f"{exc.code} {exc.detail}".strip() or exc.kind.value
        if exc.kind is ErrorKind.OUTCOME_UNKNOWN:
            status = "unknown"
            result = Result(Status.UNKNOWN, error_text(exc.kind, lang=services.lang))
        else:
            status = "failed"
            result = Result(
                Status.FAILED, error_text(exc.kind, exc.detail, lang=services.lang), reply_id
            )
    now = services.clock()
    async with services.sessions() as session, session.begin():
        await replies.settle(
            session=session, reply_id=reply_id, status=status, error=error, now=now
        )
        await audit.record(
            session=session,
            at=now,
            actor_id=actor.id,
            actor_name=actor.name,
            action="reply",
            marketplace=target.marketplace,
            shop_id=target.shop_id,
            conversation_id=target.conversation_id,
            text=text,
            result={"sent": "ok"}.get(status, status),
            detail=error,
        )
        if status == "sent":
            waited_since = await conversations.mark_answered(
                session=session,
                marketplace=target.marketplace,
                shop_id=target.shop_id,
                conversation_id=target.conversation_id,
                at=now,
            )
            if waited_since is not None:
                await stats.record_first_response(
                    session=session,
                    marketplace=target.marketplace,
                    conversation_id=target.conversation_id,
                    asked_at=waited_since,
                    answered_at=now,
                    actor_name=actor.name,
                )
    return result
