"""Answering a buyer's return or refund request: approve, or reject with one of the
marketplace's own reasons and an optional comment for the buyer.

An answer is claimed in the database before the marketplace is called, once per request and
status (``{marketplace}:return:{id}:{status}``): two presses, or two processes, answer once,
while a request answered when it was asked can be answered again when the parcel comes back.
Every attempt is audited and the alert is redrawn with the answer. The reason picker is
built from the marketplace's reasons fetched at each press, as Tokopedia & Shop requires
for Indonesia; the choice so far travels in the next button's (server-side) ref.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from functools import partial

from bot.context import Services
from bot.domain.errors import ErrorKind, MarketplaceError
from bot.domain.figures import Outcome, OutcomeVerb
from bot.domain.vocab import LinkKind
from bot.render.base import error_text
from bot.render.catalogue import t
from bot.render.orders import outcome_line
from bot.render.returns import (
    answer_row,
    render_reason_picker,
    render_reject_confirm,
    render_return_alert,
    state_text,
)
from bot.staff import prompts
from bot.staff.common import (
    Actor,
    Pressed,
    Result,
    Status,
    audit_order,
    decode_draft,
    edit_alert,
    record_audit,
    set_pressed_buttons,
    show_after_press,
)
from storage import claims, returns, shops
from storage.links import ButtonMeaning
from storage.models import ReturnRow, TelegramLink

log = logging.getLogger(__name__)

COMMENT_MAX = 500


@dataclass(frozen=True)
class ReturnDraft:
    """A rejection being put together. Wire format: JSON with ``r`` (return id), ``c``
    (reason name), ``l`` (its label, as the marketplace worded it) and ``m`` (comment)."""

    return_id: str
    code: str
    label: str = ""
    comment: str = ""

    def encode(self) -> str:
        return json.dumps(
            {"r": self.return_id, "c": self.code, "l": self.label, "m": self.comment}
        )

    @classmethod
    def decode(cls, ref: str) -> ReturnDraft | None:
        fields = decode_draft(ref, "rclm")
        return cls(*fields) if fields else None


# --- reading and showing ---------------------------------------------------------------------


async def _row(services: Services, marketplace: str, return_id: str) -> ReturnRow | None:
    async with services.sessions() as session:
        return await returns.get_return(
            session=session, marketplace=marketplace, return_id=return_id
        )


def _stale(services: Services, row: ReturnRow) -> Result:
    state = state_text(returns.request_of(row), services.lang)
    return Result(Status.STALE, t("ret.stale", services.lang, state=state))


def _missing(services: Services) -> Result:
    return Result(Status.MISSING, t("ret.not_found", services.lang))


def _open(row: ReturnRow) -> bool:
    """Still waiting for the shop, and not answered at this status."""
    return row.awaiting_seller and not returns.answered(row)


async def refresh_alert(services: Services, row: ReturnRow) -> None:
    """Show the request's state and answer on its alert; the buttons go once answered."""
    if row.alert_message_id is None or row.alert_chat_id is None:
        return
    async with services.sessions() as session:
        name = await shops.shop_name(
            session=session, marketplace=row.marketplace, shop_id=row.shop_id
        )
    rendered = render_return_alert(
        returns.request_of(row),
        row.return_id,
        shop_name=name,
        lang=services.lang,
        tz=services.tz,
        outcome=returns.outcome_of(row),
        answered=returns.answered(row),
    )
    await edit_alert(services, row, rendered, f"return {row.return_id}")


async def show_result(
    services: Services, row: ReturnRow | None, result: Result, pressed: Pressed | None
) -> None:
    """After the press is answered: see ``show_after_press``; the alert is the request's."""
    if row is not None:
        await show_after_press(
            services,
            pressed,
            result,
            alert_message_id=row.alert_message_id,
            redraw_alert=partial(refresh_alert, services, row),
        )


# --- answering once --------------------------------------------------------------------------


async def _answer(
    services: Services,
    actor: Actor,
    row: ReturnRow,
    *,
    verb: OutcomeVerb,
    detail: str,
    comment: str,
    call: Callable[[], Awaitable[None]],
) -> Result:
    """Claim the request at its status, call the marketplace once, record, redraw."""
    if not _open(row):
        return _stale(services, row)
    status = row.status_code
    key = f"{row.marketplace}:return:{row.return_id}:{status}"
    async with services.sessions() as session, session.begin():
        taken = await claims.claim(
            session=session,
            key=key,
            action=verb,
            actor_id=actor.id,
            actor_name=actor.name,
            now=services.clock(),
        )
        holder = taken.holder
        lost = (holder.state, holder.actor_name) if holder is not None else ("", "")
    if not taken.won:
        fresh = await _row(services, row.marketplace, row.return_id)
        if lost[0] == "done":
            return _stale(services, fresh or row)
        return Result(Status.BUSY, t("act.busy", services.lang, who=lost[1]))
    try:
        await call()
    except MarketplaceError as exc:
        unknown = exc.kind is ErrorKind.OUTCOME_UNKNOWN
        async with services.sessions() as session, session.begin():
            # It may have happened: nobody repeats it. Else it may be tried again.
            if unknown:
                await claims.finish(session=session, key=key, now=services.clock())
            else:
                await claims.release(session=session, key=key)
        failure = f"{exc.code} {exc.detail}".strip()
        await record_audit(
            services, actor, verb, row, "unknown" if unknown else "failed",
            detail=failure, text=comment,
        )  # fmt: skip
        text = error_text(exc.kind, exc.detail, lang=services.lang)
        return Result(Status.UNKNOWN if unknown else Status.FAILED, text, kind=exc.kind)
    except BaseException:
        async with services.sessions() as session, session.begin():
            await claims.release(session=session, key=key)
        raise
    done_at = services.clock()
    async with services.sessions() as session, session.begin():
        await claims.finish(session=session, key=key, now=done_at)
        fresh = await returns.get_return(
            session=session, marketplace=row.marketplace, return_id=row.return_id
        )
        assert fresh is not None
        returns.record_answer(
            row=fresh, verb=verb, by=actor.name, at=done_at, detail=detail, status_code=status
        )
        await audit_order(
            session,
            at=done_at,
            actor=actor,
            action=verb,
            row=row,
            result="ok",
            text=comment,
            detail=detail,
        )
    await refresh_alert(services, fresh)
    outcome = Outcome(verb=verb, actor=actor.name, at=done_at, detail=detail)
    return Result(Status.DONE, outcome_line(outcome, lang=services.lang, tz=services.tz))


# --- entry points ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    row: ReturnRow | None
    result: Result


async def approve_pressed(services: Services, actor: Actor, meaning: ButtonMeaning) -> Answer:
    row = await _row(services, meaning.marketplace, meaning.ref)
    if row is None:
        return Answer(None, _missing(services))
    marketplace = services.marketplaces[row.marketplace]
    request = returns.request_of(row)
    result = await _answer(
        services,
        actor,
        row,
        verb=OutcomeVerb.RETURN_APPROVED,
        detail="",
        comment="",
        call=lambda: marketplace.approve_return(request),
    )
    return Answer(row, result)


async def open_picker(
    services: Services, meaning: ButtonMeaning, pressed: Pressed | None
) -> Result:
    """Reject was pressed: fetch the marketplace's reasons now and show them as buttons."""
    row = await _row(services, meaning.marketplace, meaning.ref)
    if row is None:
        return _missing(services)
    if not _open(row):
        await refresh_alert(services, row)
        return _stale(services, row)
    request = returns.request_of(row)
    try:
        reasons = await services.marketplaces[row.marketplace].return_reject_reasons(request)
    except MarketplaceError as exc:
        return Result(Status.FAILED, error_text(exc.kind, exc.detail, lang=services.lang))
    if not reasons:
        return Result(Status.FAILED, t("ret.no_reasons", services.lang))
    drafts = [
        (reason, ReturnDraft(row.return_id, reason.code, reason.label or reason.code).encode())
        for reason in reasons
    ]
    picker = render_reason_picker(drafts, row.return_id, lang=services.lang)
    await set_pressed_buttons(
        services, pressed, picker.buttons, marketplace=row.marketplace, shop_id=row.shop_id
    )
    return Result(Status.DONE, picker.text)


async def pick_reason(
    services: Services, meaning: ButtonMeaning, pressed: Pressed | None
) -> Result:
    draft = ReturnDraft.decode(meaning.ref)
    row = await _row(services, meaning.marketplace, draft.return_id) if draft else None
    if draft is None or row is None:
        return Result(Status.FAILED, t("btn.expired", services.lang))
    confirm = render_reject_confirm(draft.label, draft.encode(), row.return_id, lang=services.lang)
    await set_pressed_buttons(
        services, pressed, confirm.buttons, marketplace=row.marketplace, shop_id=row.shop_id
    )
    return Result(Status.DONE, confirm.text)


async def ask_comment(
    services: Services, actor: Actor, meaning: ButtonMeaning, pressed: Pressed | None
) -> None:
    """'Add a comment': ask for it; the answer rejects with the picked reason."""
    draft = ReturnDraft.decode(meaning.ref)
    if draft is None:
        return
    await prompts.ask_presser(
        services,
        actor,
        "ret.ask_comment",
        kind=LinkKind.PROMPT_RETURN,
        meaning=meaning,
        ref=draft.encode(),
        pressed=pressed,
    )


async def go_back(services: Services, meaning: ButtonMeaning, pressed: Pressed | None) -> None:
    """Back from the picker: Approve/Reject again."""
    row = await _row(services, meaning.marketplace, meaning.ref)
    if row is None or pressed is None:
        return
    if pressed.message_id == row.alert_message_id or not _open(row):
        await refresh_alert(services, row)
        return
    await set_pressed_buttons(
        services,
        pressed,
        (answer_row(row.return_id, services.lang),),
        marketplace=row.marketplace,
        shop_id=row.shop_id,
    )


async def reject(services: Services, actor: Actor, marketplace: str, draft: ReturnDraft) -> Answer:
    row = await _row(services, marketplace, draft.return_id)
    if row is None:
        return Answer(None, _missing(services))
    comment = draft.comment.strip()[:COMMENT_MAX]
    request = returns.request_of(row)
    market = services.marketplaces[row.marketplace]
    result = await _answer(
        services,
        actor,
        row,
        verb=OutcomeVerb.RETURN_REJECTED,
        detail=draft.label or draft.code,
        comment=comment,
        call=lambda: market.reject_return(request, draft.code, comment),
    )
    return Answer(row, result)


async def confirm_pressed(services: Services, actor: Actor, meaning: ButtonMeaning) -> Answer:
    draft = ReturnDraft.decode(meaning.ref)
    if draft is None:
        return Answer(None, Result(Status.FAILED, t("btn.expired", services.lang)))
    return await reject(services, actor, meaning.marketplace, draft)


async def answer_comment(
    services: Services, actor: Actor, link: TelegramLink, text: str
) -> Result:
    """Staff answered the comment question: reject with the reason and this comment."""
    draft = ReturnDraft.decode(link.ref)
    if draft is None:
        return Result(Status.FAILED, t("btn.expired", services.lang))
    answer = await reject(services, actor, link.marketplace, replace(draft, comment=text))
    return answer.result
