"""Buyers' return and refund requests as staff see them: the alert, its updates, the reject
reason picker and the reminder before the marketplace decides by itself.

Pure: domain values in, :class:`~bot.render.base.Rendered` out. While a request waits for the
shop its alert carries Approve/Reject; once answered, the :class:`Outcome` footer replaces
them. Buttons carry the caller's ref (the request's id); what a reason button means travels
in its own ref, behind the relay's opaque tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.figures import Outcome
from bot.domain.values import RejectReason, ReturnRequest, ReturnState
from bot.domain.vocab import ButtonAction
from bot.render.base import REASON_MAX, Button, Rendered, admin_mentions, shop_label
from bot.render.catalogue import (
    Html,
    format_datetime,
    format_day_time,
    format_duration,
    t,
    t_plain,
)
from bot.render.formatting import clip, escape, rupiah
from bot.render.orders import outcome_line

RETURN_LINES_MAX = 12  # keeps the alert to one message, so it can be edited in place
_PRODUCT_MAX = 80
_REASON_LABEL_MAX = 60  # a button label; Telegram shows about this much on a phone


def state_text(request: ReturnRequest, lang: str) -> str:
    """The request's state in words (plain text)."""
    return t_plain(f"ret.state.{request.state.value}", lang, code=request.status_code or "?")


def _lines(request: ReturnRequest, lang: str) -> list[str]:
    lines: list[str] = []
    for line in request.lines[:RETURN_LINES_MAX]:
        name = " · ".join(part for part in (line.name.strip(), line.variant.strip()) if part)
        lines.append(
            t(
                "order.line",
                lang,
                quantity=line.quantity,
                name=clip(name or line.sku or "?", _PRODUCT_MAX),
                price=rupiah(line.refund),
            )
        )
    if len(request.lines) > RETURN_LINES_MAX:
        lines.append(t("order.more_lines", lang, count=len(request.lines) - RETURN_LINES_MAX))
    return lines


def render_return_alert(
    request: ReturnRequest,
    ref: str,
    *,
    shop_name: str,
    lang: str,
    tz: ZoneInfo,
    outcome: Outcome | None = None,
    answered: bool = False,
) -> Rendered:
    """The order, items, the buyer's reason as the marketplace words it, the refund, the
    deadline and the state; Approve/Reject while the shop must answer. ``outcome`` is staff's
    latest answer; ``answered`` says it answers the request as it stands now."""
    reason = clip(request.reason.strip(), REASON_MAX)
    lines = [
        f"{t(f'ret.title.{request.kind}', lang)} · "
        f"{escape(shop_label(shop_name, request.marketplace))}",
        t("ret.order", lang, order=request.order_id),
        *_lines(request, lang),
        t("ret.reason", lang, reason=reason) if reason else t("cancel.no_reason", lang),
    ]
    if request.refund > 0:
        lines.append(t("ret.refund", lang, amount=rupiah(request.refund)))
    waiting = request.awaiting_seller and not answered
    if waiting and request.deadline is not None:
        deadline = format_datetime(request.deadline, tz, lang=lang)
        lines.append(t("ret.deadline", lang, deadline=deadline))
    if waiting and request.state is ReturnState.BUYER_SHIPPED:
        lines.append(t("ret.receive_hint", lang))
    lines.append(t("ret.status", lang, status=state_text(request, lang)))
    if outcome is not None:
        lines.append(outcome_line(outcome, lang=lang, tz=tz))
    rows = [answer_row(ref, lang)] if waiting else []
    photos = photo_button(request, ref, lang)
    if photos is not None:
        rows.append((photos,))
    return Rendered("\n".join(lines), tuple(rows))


def photo_button(request: ReturnRequest, ref: str, lang: str) -> Button | None:
    """ "📷 See photos (N)", kept after the answer (the evidence still matters if the buyer
    disputes it); without a number when they could not be counted, none when there are none."""
    if request.photos == 0:
        return None
    label = (
        t_plain("btn.return_photos_unknown", lang)
        if request.photos is None
        else t_plain("btn.return_photos", lang, count=request.photos)
    )
    return Button(label, ButtonAction.RETURN_PHOTOS, ref)


def answer_row(ref: str, lang: str) -> tuple[Button, ...]:
    return (
        Button(t_plain("btn.return_approve", lang), ButtonAction.RETURN_APPROVE, ref),
        Button(t_plain("btn.reject", lang), ButtonAction.RETURN_REJECT, ref),
    )


def render_return_update(request: ReturnRequest, *, lang: str) -> Rendered:
    """One line under the alert: the buyer shipped, the parcel arrived, the money went back."""
    return Rendered(
        t("ret.update", lang, order=request.order_id, status=state_text(request, lang))
    )


def render_reason_picker(
    reasons: Sequence[tuple[RejectReason, str]], back_ref: str, *, lang: str
) -> Rendered:
    """One button per marketplace reason (its own wording), two a row, then Back."""
    buttons = [
        Button(
            clip(reason.label or reason.code, _REASON_LABEL_MAX), ButtonAction.RETURN_REASON, ref
        )
        for reason, ref in reasons
    ]
    rows = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
    rows.append((Button(t_plain("btn.back", lang), ButtonAction.RETURN_BACK, back_ref),))
    return Rendered(t("ret.pick", lang), tuple(rows))


def render_reject_confirm(label: str, draft_ref: str, back_ref: str, *, lang: str) -> Rendered:
    """Confirm the picked reason, or first add a comment for the buyer."""
    short = clip(label, _REASON_LABEL_MAX)
    confirm = Button(
        t_plain("btn.confirm_reject", lang, reason=short), ButtonAction.RETURN_GO, draft_ref
    )
    comment = Button(t_plain("btn.return_comment", lang), ButtonAction.RETURN_COMMENT, draft_ref)
    back = Button(t_plain("btn.back", lang), ButtonAction.RETURN_BACK, back_ref)
    return Rendered(t("ret.confirm", lang, reason=label), ((confirm,), (comment, back)))


def render_return_reminder(
    request: ReturnRequest,
    ref: str,
    deadline: datetime,
    *,
    now: datetime,
    admins: Sequence[int] = (),
    lang: str,
    tz: ZoneInfo,
) -> Rendered:
    """A reminder before the marketplace approves the request by itself; the last one names
    the admins, so that Telegram tells them."""
    left = t_plain("time.left", lang, duration=format_duration(deadline - now, lang=lang))
    text = t(
        "remind.return",
        lang,
        order=request.order_id,
        deadline=format_day_time(deadline, tz, lang=lang),
        left=left,
        amount=rupiah(request.refund),
    )
    if admins:
        text = Html(f"{text}\n{t('remind.return_last', lang, admins=admin_mentions(admins))}")
    return Rendered(text, (answer_row(ref, lang),))
