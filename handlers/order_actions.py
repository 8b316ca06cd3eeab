"""Order decisions by button or command: accept, reject (with a reason picker), and the
buyer's cancellation requests; plus /order and /orders."""

from __future__ import annotations

import json
import logging

from telegram import ForceReply, Message, Update
from telegram.error import TelegramError
from telegram.helpers import mention_html

from bot.context import Context, Services
from bot.domain.errors import MarketplaceError
from bot.domain.values import OrderState, Rejection, RejectReason
from bot.render.catalogue import t, t_plain
from bot.render.messages import (
    Button,
    Rendered,
    default_reject_text,
    error_text,
    reject_reason_label,
    render_order_card,
    render_orders_list,
)
from bot.staff.services import (
    Actor,
    Result,
    Status,
    accept_order,
    answer_cancellation,
    find_order,
    refresh_alert,
    reject_order,
    stale_result,
)
from handlers.common import answer, permitted, say
from storage import links, orders
from storage.links import ButtonMeaning
from storage.models import OrderRow, TelegramLink
from storage.records import order_of, outcome_of, save_order

log = logging.getLogger(__name__)


def _pressed(update: Update) -> Message | None:
    query = update.callback_query
    return query.message if query is not None and isinstance(query.message, Message) else None


async def _row(services: Services, meaning: ButtonMeaning, order_id: str) -> OrderRow | None:
    async with services.sessions() as session:
        return await orders.get_order(
            session=session, marketplace=meaning.marketplace, order_id=order_id
        )


async def _edit_markup(
    services: Services,
    message: Message | None,
    buttons: Rendered,
    *,
    marketplace: str,
    shop_id: str,
) -> None:
    if message is None:
        return
    markup = await services.sender.keyboard(
        buttons.buttons, marketplace=marketplace, shop_id=shop_id
    )
    try:
        await message.edit_reply_markup(reply_markup=markup)
    except TelegramError as exc:
        log.info("could not change buttons: %s", exc)


async def _finish_press(update: Update, context: Context, row: OrderRow, result: Result) -> None:
    """Answer the press; a press on a message other than the alert loses its buttons too."""
    query = update.callback_query
    assert query is not None
    services = context.services
    ok = result.status is Status.DONE
    await answer(query, result.text, alert=not ok)
    pressed = _pressed(update)
    if pressed is not None and pressed.message_id != row.alert_message_id:
        if ok or result.status is Status.STALE:
            try:
                await pressed.edit_text(f"{pressed.text_html}\n\n{result.text}", reply_markup=None)
            except TelegramError as exc:
                log.info("could not update the pressed message: %s", exc)
    elif pressed is not None and result.status is Status.STALE:
        await refresh_alert(services, row)


# --- buttons -------------------------------------------------------------------------------


async def on_accept(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    services = context.services
    actor = await permitted(update, context)
    if actor is None:
        return
    row = await _row(services, meaning, meaning.ref)
    if row is None:
        await answer(update.callback_query, t("order.not_found", services.lang), alert=True)  # type: ignore[arg-type]
        return
    result = await accept_order(services, actor, row)
    await _finish_press(update, context, row, result)


def _reject_ref(order_id: str, code: str, text: str = "", close: str = "", note: str = "") -> str:
    return json.dumps({"o": order_id, "c": code, "t": text, "d": close, "n": note})


def _reasons(services: Services, row: OrderRow) -> dict[str, RejectReason]:
    """The reasons valid for this order now (TikTok Shop's depend on its status)."""
    marketplace = services.marketplaces[row.marketplace]
    return {reason.code: reason for reason in marketplace.reject_reasons(order_of(row))}


def _label(reason: RejectReason, lang: str) -> str:
    return reason.label or reject_reason_label(reason.code, lang=lang)


def _buyer_text(reason: RejectReason, typed: str = "") -> str:
    """What the buyer is told: the staff's own words, else a polite default for the reason."""
    if typed:
        return typed
    if not reason.needs_text:
        return reason.label or reason.code
    return default_reject_text(reason.code)


async def on_reject(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    """Turn the alert's buttons into the reason picker."""
    services = context.services
    assert update.callback_query is not None
    actor = await permitted(update, context)
    if actor is None:
        return
    row = await _row(services, meaning, meaning.ref)
    if row is None or row.outcome or row.state != OrderState.AWAITING_ACCEPTANCE.value:
        await _stale_press(update, context, row)
        return
    await _edit_markup(
        services,
        _pressed(update),
        picker(services, row),
        marketplace=meaning.marketplace,
        shop_id=meaning.shop_id,
    )
    await answer(update.callback_query, t("reject.pick", services.lang))


def picker(services: Services, row: OrderRow) -> Rendered:
    lang = services.lang
    buttons = [
        Button(_label(reason, lang), "reject_code", _reject_ref(row.order_id, reason.code))
        for reason in _reasons(services, row).values()
    ]
    rows = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
    rows.append((Button(t_plain("btn.back", lang), "reject_back", row.order_id),))
    return Rendered("", tuple(rows))


async def _stale_press(update: Update, context: Context, row: OrderRow | None) -> None:
    services = context.services
    if row is None:
        await answer(update.callback_query, t("order.not_found", services.lang), alert=True)  # type: ignore[arg-type]
        return
    await answer(update.callback_query, stale_result(services, row).text, alert=True)  # type: ignore[arg-type]
    await refresh_alert(services, row)


async def on_reject_code(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    """A reason was picked: confirm it, or (shop closed) ask for the reopening date."""
    services = context.services
    lang = services.lang
    assert update.callback_query is not None
    actor = await permitted(update, context)
    if actor is None:
        return
    choice = json.loads(meaning.ref)
    row = await _row(services, meaning, choice["o"])
    reason = _reasons(services, row).get(choice["c"]) if row is not None else None
    if reason is None:
        await answer(update.callback_query, t("btn.expired", lang), alert=True)
        return
    if reason.needs_close_details:
        await _ask(
            update, context, meaning, "prompt_close", meaning.ref, t("reject.ask_close", lang)
        )
        await answer(update.callback_query)
        return
    label = _label(reason, lang)
    second = [Button(t_plain("btn.back", lang), "reject_back", choice["o"])]
    if reason.needs_text:
        second.insert(0, Button(t_plain("btn.own_reason", lang), "reject_text", meaning.ref))
    confirm = Rendered(
        "",
        (
            (Button(t_plain("btn.confirm_reject", lang, reason=label), "reject_go", meaning.ref),),
            tuple(second),
        ),
    )
    await _edit_markup(
        services,
        _pressed(update),
        confirm,
        marketplace=meaning.marketplace,
        shop_id=meaning.shop_id,
    )
    await answer(
        update.callback_query,
        t("reject.confirm", lang, reason=label, text=_buyer_text(reason)),
    )


async def on_reject_back(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    services = context.services
    row = await _row(services, meaning, meaning.ref)
    if row is not None:
        pressed = _pressed(update)
        if pressed is not None and pressed.message_id == row.alert_message_id:
            await refresh_alert(services, row)
        elif pressed is not None:
            card = render_order_card(
                order_of(row), row.order_id, lang=services.lang, tz=services.tz
            )
            await _edit_markup(
                services, pressed, card, marketplace=row.marketplace, shop_id=row.shop_id
            )
    await answer(update.callback_query)  # type: ignore[arg-type]


async def on_reject_go(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    services = context.services
    actor = await permitted(update, context)
    if actor is None:
        return
    choice = json.loads(meaning.ref)
    row = await _row(services, meaning, choice["o"])
    if row is None:
        await _stale_press(update, context, None)
        return
    result = await _reject(services, actor, row, choice)
    await _finish_press(update, context, row, result)


async def _reject(
    services: Services, actor: Actor, row: OrderRow, choice: dict[str, str]
) -> Result:
    reason = _reasons(services, row).get(choice["c"])
    if reason is None:
        return Result(Status.FAILED, t("btn.expired", services.lang))
    rejection = Rejection(
        reason_code=reason.code,
        reason_text=_buyer_text(reason, choice.get("t", "")),
        shop_close_end_date=choice.get("d", ""),
        shop_close_note=choice.get("n", ""),
    )
    return await reject_order(services, actor, row, rejection, _label(reason, services.lang))


async def on_reject_text(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    services = context.services
    await _ask(
        update,
        context,
        meaning,
        "prompt_reason",
        meaning.ref,
        t("reject.ask_reason", services.lang),
    )
    await answer(update.callback_query)  # type: ignore[arg-type]


async def _ask(
    update: Update, context: Context, meaning: ButtonMeaning, kind: str, ref: str, question: str
) -> None:
    """A ForceReply question whose answer continues the flow (state lives in the database)."""
    services = context.services
    user = update.effective_user
    assert user is not None
    pressed = _pressed(update)
    prompt = await context.bot.send_message(
        chat_id=services.chat_id,
        text=f"{mention_html(user.id, user.full_name)} {question}",
        reply_markup=ForceReply(selective=True),
        message_thread_id=pressed.message_thread_id
        if pressed and pressed.is_topic_message
        else None,
    )
    async with services.sessions() as session, session.begin():
        await links.link_messages(
            session=session,
            chat_id=services.chat_id,
            message_ids=[prompt.message_id],
            kind=kind,
            marketplace=meaning.marketplace,
            shop_id=meaning.shop_id,
            ref=ref,
            now=services.clock(),
        )


async def on_prompt_answer(update: Update, context: Context, link: TelegramLink) -> None:
    """The staff member answered a reject question: a typed reason or the closing details."""
    message = update.message
    assert message is not None
    services = context.services
    actor = await permitted(update, context)
    if actor is None:
        return
    choice = json.loads(link.ref)
    text = (message.text or "").strip()
    if link.kind == "prompt_close":
        date, _, note = text.partition(" ")
        choice |= {"d": date.strip(), "n": note.strip()}
    else:
        choice |= {"t": text}
    async with services.sessions() as session:
        row = await orders.get_order(
            session=session, marketplace=link.marketplace, order_id=choice["o"]
        )
    if row is None:
        await say(message, t("order.not_found", services.lang))
        return
    result = await _reject(services, actor, row, choice)
    await say(message, result.text)


async def on_cancel_answer(
    update: Update, context: Context, meaning: ButtonMeaning, *, approve: bool
) -> None:
    services = context.services
    actor = await permitted(update, context)
    if actor is None:
        return
    order_id, _, request_ref = meaning.ref.partition("#")
    row = await _row(services, meaning, order_id)
    if row is None:
        await _stale_press(update, context, None)
        return
    result = await answer_cancellation(
        services, actor, row, request_ref=request_ref or "0", approve=approve
    )
    await _finish_press(update, context, row, result)


async def on_cancel_ok(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    await on_cancel_answer(update, context, meaning, approve=True)


async def on_cancel_no(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    await on_cancel_answer(update, context, meaning, approve=False)


async def on_order_button(update: Update, context: Context, meaning: ButtonMeaning) -> None:
    """From a digest or a list: post the order's own card, which becomes its alert."""
    services = context.services
    row = await _row(services, meaning, meaning.ref)
    if row is None:
        await _stale_press(update, context, None)
        return
    await answer(update.callback_query)  # type: ignore[arg-type]
    pressed = _pressed(update)
    await post_card(services, row, reply_to=pressed.message_id if pressed else None)


async def post_card(services: Services, row: OrderRow, *, reply_to: int | None) -> None:
    card = render_order_card(
        order_of(row), row.order_id, lang=services.lang, tz=services.tz, outcome=outcome_of(row)
    )
    sent = await services.sender.send(
        services.chat_id,
        card,
        marketplace=row.marketplace,
        shop_id=row.shop_id,
        reply_to=reply_to,
        bulk=False,
    )
    async with services.sessions() as session, session.begin():
        fresh = await orders.get_order(
            session=session, marketplace=row.marketplace, order_id=row.order_id
        )
        if fresh is not None:
            await orders.set_alert(
                session=session,
                row=fresh,
                chat_id=services.chat_id,
                message_id=sent[-1].message_id,
                in_digest=False,
            )
        await links.link_messages(
            session=session,
            chat_id=services.chat_id,
            message_ids=[m.message_id for m in sent],
            kind="order",
            marketplace=row.marketplace,
            shop_id=row.shop_id,
            ref=row.order_id,
            now=services.clock(),
        )


# --- commands ------------------------------------------------------------------------------


async def _command_order(update: Update, context: Context) -> tuple[OrderRow, Message] | None:
    message = update.effective_message
    assert message is not None
    services = context.services
    if not context.args:
        await say(message, t("cmd.need_order", services.lang))
        return None
    row = await find_order(services, context.args[0])
    if row is None:
        await say(message, t("order.not_found", services.lang))
        return None
    return row, message


async def cmd_accept(update: Update, context: Context) -> None:
    """/accept <order_id or invoice>"""
    services = context.services
    actor = await permitted(update, context)
    if actor is None:
        return
    found = await _command_order(update, context)
    if found is None:
        return
    row, message = found
    result = await accept_order(services, actor, row)
    await say(message, result.text)


async def cmd_reject(update: Update, context: Context) -> None:
    """/reject <order> [<code> <reason text> | 4 <DD/MM/YYYY> <note>]"""
    services = context.services
    lang = services.lang
    actor = await permitted(update, context)
    if actor is None:
        return
    found = await _command_order(update, context)
    if found is None:
        return
    row, message = found
    args = list(context.args or [])
    if len(args) == 1:
        sent = await services.sender.send(
            services.chat_id,
            Rendered(t("reject.pick", lang), picker(services, row).buttons),
            marketplace=row.marketplace,
            shop_id=row.shop_id,
            reply_to=message.message_id,
            bulk=False,
        )
        log.debug("picker %s", sent[-1].message_id)
        return
    reasons = _reasons(services, row)
    reason = reasons.get(args[1])
    if reason is None:
        codes = ", ".join(f"{code} ({_label(r, lang)})" for code, r in reasons.items())
        await say(message, t("reject.bad_code", lang, codes=codes))
        return
    rest = args[2:]
    if reason.needs_close_details:
        choice = {
            "o": row.order_id,
            "c": reason.code,
            "t": "",
            "d": rest[0] if rest else "",
            "n": " ".join(rest[1:]),
        }
    else:
        choice = {"o": row.order_id, "c": reason.code, "t": " ".join(rest), "d": "", "n": ""}
    rejection = Rejection(
        reason_code=reason.code,
        reason_text=_buyer_text(reason, choice["t"]),
        shop_close_end_date=choice["d"],
        shop_close_note=choice["n"],
    )
    try:
        services.marketplaces[row.marketplace].validate_rejection(rejection)
    except MarketplaceError as exc:
        await say(message, error_text(exc.kind, exc.detail, lang=lang))
        return
    label = _label(reason, lang)
    confirm = Rendered(
        t("reject.confirm", lang, reason=label, text=rejection.reason_text),
        (
            (
                Button(
                    t_plain("btn.confirm_reject", lang, reason=label),
                    "reject_go",
                    _reject_ref(
                        **{
                            "order_id": row.order_id,
                            "code": reason.code,
                            "text": choice["t"],
                            "close": choice["d"],
                            "note": choice["n"],
                        }
                    ),
                ),
            ),
        ),
    )
    await services.sender.send(
        services.chat_id,
        confirm,
        marketplace=row.marketplace,
        shop_id=row.shop_id,
        reply_to=message.message_id,
        bulk=False,
    )


async def cmd_order(update: Update, context: Context) -> None:
    """/order <order_id or invoice>: the order as the marketplace has it now."""
    services = context.services
    message = update.effective_message
    assert message is not None
    if not context.args:
        await say(message, t("cmd.need_order", services.lang))
        return
    ref = context.args[0]
    row = await find_order(services, ref)
    name = row.marketplace if row else next(iter(services.marketplaces))
    shop_id = row.shop_id if row else ""
    order_id = row.order_id if row else ref
    try:
        live = await services.marketplaces[name].get_order(shop_id, order_id)
    except MarketplaceError as exc:
        await say(message, error_text(exc.kind, exc.detail, lang=services.lang))
        return
    async with services.sessions() as session, session.begin():
        stored = await orders.get_order(session=session, marketplace=name, order_id=live.order_id)
        # Our recorded decision is newer than a marketplace view still awaiting acceptance.
        decided = stored is not None and stored.outcome
        waiting = live.status.state is OrderState.AWAITING_ACCEPTANCE
        keep = stored.state if stored is not None and decided and waiting else None
        row = await save_order(session, live, services.clock(), keep_state=keep)
    await post_card(services, row, reply_to=message.message_id)


async def cmd_orders(update: Update, context: Context) -> None:
    """/orders: orders waiting for acceptance, soonest deadline first."""
    services = context.services
    message = update.effective_message
    assert message is not None
    async with services.sessions() as session:
        rows = await orders.awaiting_acceptance(session=session)
    rendered = render_orders_list(
        [(order_of(row), row.order_id) for row in rows],
        now=services.clock(),
        lang=services.lang,
        tz=services.tz,
    )
    await services.sender.send(
        message.chat.id,
        rendered,
        marketplace="",
        shop_id="",
        scopes={row.order_id: (row.marketplace, row.shop_id) for row in rows},
        reply_to=message.message_id,
        bulk=False,
        thread_id=message.message_thread_id if message.is_topic_message else None,
    )
