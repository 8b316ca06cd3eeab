"""Rejecting an order: the reason picker, the confirmation, the questions, and /reject.

A reject is built up over several presses (reason, then perhaps a typed text or the shop's
reopening date, then confirm). The choice so far travels as a :class:`RejectDraft` in the
ref of the next button or question; those refs stay on the server, behind opaque tokens.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.context import Services
from bot.domain.errors import MarketplaceError
from bot.domain.values import OrderState, Rejection, RejectReason
from bot.domain.vocab import ButtonAction, LinkKind
from bot.render.base import Button, Rendered, default_reject_text, error_text, reject_reason_label
from bot.render.catalogue import t, t_plain
from bot.render.orders import render_order_card
from bot.staff import prompts
from bot.staff.common import (
    Actor,
    Pressed,
    Result,
    Status,
    decode_draft,
    find_order,
    get_order,
    missing,
    refresh_alert,
    set_pressed_buttons,
    stale_result,
)
from bot.staff.decisions import Decision, reject_order
from storage import orders
from storage.links import ButtonMeaning
from storage.models import OrderRow, TelegramLink

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RejectDraft:
    """A reject being put together: the order, the reason code and what staff typed.

    Wire format: a JSON object with the one-letter keys ``o`` (order id), ``c`` (reason
    code), ``t`` (reason text), ``d`` (shop closed until, DD/MM/YYYY) and ``n`` (closing
    note). Buttons issued by earlier versions carry the same object.
    """

    order_id: str
    code: str
    text: str = ""
    close_date: str = ""
    close_note: str = ""

    def encode(self) -> str:
        return json.dumps(
            {
                "o": self.order_id,
                "c": self.code,
                "t": self.text,
                "d": self.close_date,
                "n": self.close_note,
            }
        )

    @classmethod
    def decode(cls, ref: str) -> RejectDraft | None:
        """The draft a ref stands for; None for anything else (the press has expired)."""
        fields = decode_draft(ref, "octdn")
        return cls(*fields) if fields else None

    def answered(self, kind: LinkKind, text: str) -> RejectDraft:
        """The draft completed by the answer to a question of this kind."""
        text = text.strip()
        if kind is LinkKind.PROMPT_CLOSE:
            date, _, note = text.partition(" ")
            return replace(self, close_date=date.strip(), close_note=note.strip())
        return replace(self, text=text)


# --- reasons ---------------------------------------------------------------------------------


def reasons(services: Services, row: OrderRow) -> dict[str, RejectReason]:
    """The reasons valid for this order now (TikTok Shop's depend on its status)."""
    marketplace = services.marketplaces[row.marketplace]
    return {reason.code: reason for reason in marketplace.reject_reasons(orders.order_of(row))}


def label(reason: RejectReason, lang: str) -> str:
    return reason.label or reject_reason_label(reason.code, lang=lang)


def buyer_text(reason: RejectReason, typed: str = "") -> str:
    """What the buyer is told: the staff's own words, else a polite default for the reason."""
    if typed:
        return typed
    if not reason.needs_text:
        return reason.label or reason.code
    return default_reject_text(reason.code)


def rejection_of(reason: RejectReason, draft: RejectDraft) -> Rejection:
    return Rejection(
        reason_code=reason.code,
        reason_text=buyer_text(reason, draft.text),
        shop_close_end_date=draft.close_date,
        shop_close_note=draft.close_note,
    )


# --- keyboards -------------------------------------------------------------------------------


def picker(services: Services, row: OrderRow) -> Rendered:
    lang = services.lang
    buttons = [
        Button(
            label(reason, lang),
            ButtonAction.REJECT_CODE,
            RejectDraft(row.order_id, reason.code).encode(),
        )
        for reason in reasons(services, row).values()
    ]
    rows = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
    rows.append((Button(t_plain("btn.back", lang), ButtonAction.REJECT_BACK, row.order_id),))
    return Rendered("", tuple(rows))


def _confirm_button(lang: str, reason: RejectReason, draft: RejectDraft) -> Button:
    text = t_plain("btn.confirm_reject", lang, reason=label(reason, lang))
    return Button(text, ButtonAction.REJECT_GO, draft.encode())


def _confirm_keyboard(lang: str, reason: RejectReason, draft: RejectDraft) -> Rendered:
    second = [Button(t_plain("btn.back", lang), ButtonAction.REJECT_BACK, draft.order_id)]
    if reason.needs_text:
        own = t_plain("btn.own_reason", lang)
        second.insert(0, Button(own, ButtonAction.REJECT_TEXT, draft.encode()))
    return Rendered("", ((_confirm_button(lang, reason, draft),), tuple(second)))


# --- buttons ---------------------------------------------------------------------------------


async def _stale(services: Services, row: OrderRow | None) -> Result:
    if row is None:
        return missing(services)
    await refresh_alert(services, row)
    return stale_result(services, row)


async def open_picker(
    services: Services, meaning: ButtonMeaning, pressed: Pressed | None
) -> Result:
    """Reject was pressed: turn the alert's buttons into the reason picker."""
    row = await get_order(services, meaning.marketplace, meaning.ref)
    if row is None or row.outcome or row.state != OrderState.AWAITING_ACCEPTANCE.value:
        return await _stale(services, row)
    await set_pressed_buttons(
        services,
        pressed,
        picker(services, row).buttons,
        marketplace=meaning.marketplace,
        shop_id=meaning.shop_id,
    )
    return Result(Status.DONE, t("reject.pick", services.lang))


async def pick_reason(
    services: Services, actor: Actor, meaning: ButtonMeaning, pressed: Pressed | None
) -> Result:
    """A reason was picked: confirm it, or (shop closed) ask for the reopening date."""
    lang = services.lang
    draft = RejectDraft.decode(meaning.ref)
    row = await get_order(services, meaning.marketplace, draft.order_id) if draft else None
    reason = reasons(services, row).get(draft.code) if row and draft else None
    if draft is None or reason is None:
        return Result(Status.FAILED, t("btn.expired", lang))
    if reason.needs_close_details:
        await _ask(services, actor, meaning, draft, pressed, LinkKind.PROMPT_CLOSE)
        return Result(Status.DONE, "")
    await set_pressed_buttons(
        services,
        pressed,
        _confirm_keyboard(lang, reason, draft).buttons,
        marketplace=meaning.marketplace,
        shop_id=meaning.shop_id,
    )
    text = t("reject.confirm", lang, reason=label(reason, lang), text=buyer_text(reason))
    return Result(Status.DONE, text)


async def ask_for_text(
    services: Services, actor: Actor, meaning: ButtonMeaning, pressed: Pressed | None
) -> None:
    """'Own reason' was pressed: ask for the text the buyer should read."""
    draft = RejectDraft.decode(meaning.ref)
    if draft is not None:
        await _ask(services, actor, meaning, draft, pressed, LinkKind.PROMPT_REASON)


async def _ask(
    services: Services,
    actor: Actor,
    meaning: ButtonMeaning,
    draft: RejectDraft,
    pressed: Pressed | None,
    kind: LinkKind,
) -> None:
    key = "reject.ask_close" if kind is LinkKind.PROMPT_CLOSE else "reject.ask_reason"
    await prompts.ask_presser(
        services, actor, key, kind=kind, meaning=meaning, ref=draft.encode(), pressed=pressed
    )


async def go_back(services: Services, meaning: ButtonMeaning, pressed: Pressed | None) -> None:
    """Back from the picker: the alert shows its own buttons again."""
    row = await get_order(services, meaning.marketplace, meaning.ref)
    if row is None or pressed is None:
        return
    if pressed.message_id == row.alert_message_id:
        await refresh_alert(services, row)
        return
    card = render_order_card(
        orders.order_of(row), row.order_id, lang=services.lang, tz=services.tz
    )
    await set_pressed_buttons(
        services, pressed, card.buttons, marketplace=row.marketplace, shop_id=row.shop_id
    )


async def confirm_pressed(services: Services, actor: Actor, meaning: ButtonMeaning) -> Decision:
    """'Reject: <reason>' was pressed: reject the order as drafted."""
    draft = RejectDraft.decode(meaning.ref)
    if draft is None:
        return Decision(None, Result(Status.FAILED, t("btn.expired", services.lang)))
    row = await get_order(services, meaning.marketplace, draft.order_id)
    if row is None:
        return Decision(None, missing(services))
    return Decision(row, await reject(services, actor, row, draft))


async def reject(services: Services, actor: Actor, row: OrderRow, draft: RejectDraft) -> Result:
    reason = reasons(services, row).get(draft.code)
    if reason is None:
        return Result(Status.FAILED, t("btn.expired", services.lang))
    rejection = rejection_of(reason, draft)
    return await reject_order(services, actor, row, rejection, label(reason, services.lang))


async def answer_question(
    services: Services, actor: Actor, link: TelegramLink, text: str
) -> Result:
    """Staff answered a reject question: a typed reason or the closing details."""
    draft = RejectDraft.decode(link.ref)
    if draft is None:
        return Result(Status.FAILED, t("btn.expired", services.lang))
    draft = draft.answered(LinkKind(link.kind), text)
    row = await get_order(services, link.marketplace, draft.order_id)
    if row is None:
        return missing(services)
    return await reject(services, actor, row, draft)


# --- /reject ---------------------------------------------------------------------------------


async def by_command(
    services: Services, args: Sequence[str], *, reply_to: int, chat_id: int | None = None
) -> Result | None:
    """/reject <order> [<code> <reason text> | 4 <DD/MM/YYYY> <note>].

    Posts the picker (order only) or a confirmation button to the group and returns None;
    otherwise returns what to tell the staff member.
    """
    lang = services.lang
    row = await find_order(services, args[0])
    if row is None:
        return missing(services)
    if len(args) == 1:
        prompt = Rendered(t("reject.pick", lang), picker(services, row).buttons)
        await _post(services, row, prompt, reply_to, chat_id)
        return None
    valid = reasons(services, row)
    reason = valid.get(args[1])
    if reason is None:
        codes = ", ".join(f"{code} ({label(r, lang)})" for code, r in valid.items())
        return Result(Status.FAILED, t("reject.bad_code", lang, codes=codes))
    rest = list(args[2:])
    if reason.needs_close_details:
        date, note = (rest[0] if rest else ""), " ".join(rest[1:])
        draft = RejectDraft(row.order_id, reason.code, close_date=date, close_note=note)
    else:
        draft = RejectDraft(row.order_id, reason.code, text=" ".join(rest))
    rejection = rejection_of(reason, draft)
    try:
        services.marketplaces[row.marketplace].validate_rejection(rejection)
    except MarketplaceError as exc:
        return Result(Status.FAILED, error_text(exc.kind, exc.detail, lang=lang))
    text = t("reject.confirm", lang, reason=label(reason, lang), text=rejection.reason_text)
    await _post(
        services,
        row,
        Rendered(text, ((_confirm_button(lang, reason, draft),),)),
        reply_to,
        chat_id,
    )
    return None


async def _post(
    services: Services, row: OrderRow, rendered: Rendered, reply_to: int, chat_id: int | None
) -> None:
    """Answer /reject where it was asked (a staff group), else in the order's shop group."""
    await services.sender.send(
        services.where(chat_id, row.marketplace, row.shop_id),
        rendered,
        marketplace=row.marketplace,
        shop_id=row.shop_id,
        reply_to=reply_to,
        bulk=False,
    )
