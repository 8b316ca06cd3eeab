"""Pure rendering: domain models in, :class:`Rendered` (Telegram HTML plus buttons) out.

No bot, no context, no I/O. Every dynamic value is escaped (through :func:`bot.i18n.t` or
:func:`bot.formatting.escape`); every text comes from the catalogue in :mod:`bot.i18n`.
Buttons carry a short ``action`` and the caller's ``ref``; the relay turns them into
callback data. Button labels are plain text, message texts are HTML. A rendered text fits
one message, except a buyer's own (unbounded) chat text: send that with
:meth:`Rendered.chunks` and put the buttons on the last chunk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.errors import ErrorKind
from bot.domain.values import (
    BuyerMessage,
    CancellationRequest,
    Conversation,
    MarketplaceName,
    Order,
    OrderState,
    OrderStatus,
)
from bot.render.catalogue import (
    BUYER_REJECT_TEXTS,
    CATALOGUE,
    DEFAULT_LANG,
    Html,
    format_datetime,
    format_day_time,
    format_duration,
    format_time,
    t,
    t_plain,
)
from bot.render.formatting import (
    TELEGRAM_TEXT_LIMIT,
    aware,
    chat_text_to_html,
    chat_text_to_plain,
    clip,
    escape,
    escape_attr,
    rupiah,
    split_html,
)

DIGEST_MAX_ORDERS = 48
BUTTONS_PER_ROW = 6  # Telegram allows 8; 6 short labels stay legible on a phone
ORDERS_LIST_MAX = 30
CHATS_LIST_MAX = 20
ORDER_LINES_MAX = 12  # keeps an order card to one message, so it can be edited in place
REJECT_REASON_CODES = (1, 2, 3, 7, 4, 8, 5, 0)  # display order: most common first
OUTCOME_VERBS = ("accepted", "rejected", "cancel_approved", "cancel_rejected", "processed")

_NAME_MAX = 64
_PRODUCT_MAX = 80
_NOTE_MAX = 80
_DETAIL_MAX = 200
_REASON_MAX = 500
_PREVIEW_MAX = 60

_MARKETPLACE_LABELS = {
    MarketplaceName.TOKOPEDIA: "Tokopedia",
    # TikTok Shop orders reach Indonesian sellers as "Tokopedia & Shop"; staff never see
    # the word TikTok.
    MarketplaceName.TIKTOKSHOP: "Tokopedia & Shop",
}

_STATE_EMOJI = {
    OrderState.UNPAID: "💳",
    OrderState.AWAITING_ACCEPTANCE: "⏳",
    OrderState.ACCEPTED: "✅",
    OrderState.SHIPPING: "🚚",
    OrderState.DELIVERED: "📬",
    OrderState.COMPLETED: "🏁",
    OrderState.CANCELLED: "🚫",
    OrderState.RETURNED: "↩️",
    OrderState.OTHER: "ℹ️",
}


@dataclass(frozen=True)
class Button:
    """An inline button; the relay maps ``(action, ref)`` to an opaque callback token."""

    label: str
    action: str
    ref: str


@dataclass(frozen=True)
class Rendered:
    """A message to send: Telegram HTML text and rows of buttons."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()

    def chunks(self, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
        """The text split into sendable messages (usually just one)."""
        return split_html(self.text, limit)


@dataclass(frozen=True)
class Outcome:
    """What staff did about an order or a request, shown as the card's footer."""

    verb: str  # one of OUTCOME_VERBS
    actor: str
    at: datetime
    detail: str = ""


# --- labels ----------------------------------------------------------------------------------


def marketplace_label(name: MarketplaceName | str) -> str:
    """The marketplace as staff know it (plain text): "Tokopedia" or "Tokopedia & Shop"."""
    return _MARKETPLACE_LABELS[MarketplaceName(name)]


def state_label(state: OrderState, *, lang: str, code: str = "") -> str:
    """An order state in words (plain text), e.g. "Dikirim"; ``code`` names an OTHER status."""
    return t_plain(f"state.{state.value}", lang, code=code or "?")


def reject_reason_label(code: int | str, *, lang: str) -> str:
    """A Tokopedia reject reason code in words (plain text), e.g. 1 -> "Stok habis"."""
    number = _reason_number(code)
    key = f"reject.reason.{number}"
    if number is None or key not in CATALOGUE[DEFAULT_LANG]:
        return t_plain("reject.reason.unknown", lang, code=code)
    return t_plain(key, lang)


def default_reject_text(code: int | str) -> str:
    """The polite Indonesian message sent to the buyer with a rejection (plain text)."""
    number = _reason_number(code)
    return BUYER_REJECT_TEXTS.get(number if number is not None else 5, BUYER_REJECT_TEXTS[5])


def error_text(kind: ErrorKind, detail: str = "", *, lang: str) -> str:
    """What staff should know about a failed marketplace call (HTML; detail shown where useful)."""
    # A not-eligible answer names its own reason (an order's state, a closed chat window).
    if detail and kind in {ErrorKind.INVALID, ErrorKind.OTHER, ErrorKind.NOT_ELIGIBLE}:
        return t(f"err.{kind.value}_detail", lang, detail=clip(detail, _REASON_MAX))
    return t(f"err.{kind.value}", lang)


def _reason_number(code: int | str) -> int | None:
    text = str(code).strip()
    if not text:
        return 0  # Tokopedia: "0 or empty"
    return int(text) if text.isdigit() else None


# --- buyer chats ------------------------------------------------------------------------------


def _shop(shop_name: str, marketplace: MarketplaceName | str) -> str:
    label = marketplace_label(marketplace)
    return f"{clip(shop_name, _NAME_MAX)} ({label})" if shop_name else label


def _buyer(name: str, lang: str) -> str:
    return clip(name.strip(), _NAME_MAX) or t_plain("common.buyer", lang)


_ATTACHMENT_KINDS = ("image", "video", "product", "order", "sticker", "file")


def _attachment(msg: BuyerMessage, lang: str) -> str:
    """A non-text message in words, with its link where there is a safe one."""
    kind = msg.attachment_kind if msg.attachment_kind in _ATTACHMENT_KINDS else "other"
    label = t(f"chat.kind.{kind}", lang)
    url = msg.attachment_url.strip()
    if url.startswith(("https://", "http://")):
        return f'{label} <a href="{escape_attr(url)}">{t("chat.open", lang)}</a>'
    return label


def render_buyer_message(
    msg: BuyerMessage, shop_name: str, ref: str, *, lang: str, tz: ZoneInfo
) -> Rendered:
    """A buyer's chat message exactly as written, with who, where, when and a Reply button."""
    conv = msg.conversation
    body = chat_text_to_html(msg.text).strip()
    lines: list[str] = [
        t(
            "chat.header",
            lang,
            buyer=_buyer(conv.buyer_name, lang),
            shop=_shop(shop_name, conv.marketplace),
        ),
    ]
    if msg.attachment_kind:
        lines.append(_attachment(msg, lang))
    if body or not msg.attachment_kind:
        lines.append(f"<blockquote>{body}</blockquote>" if body else t("chat.empty", lang))
    if conv.buyer_platform.strip():
        lines.append(t("order.platform", lang, platform=clip(conv.buyer_platform, _NAME_MAX)))
    lines.append(t("chat.footer", lang, time=format_datetime(msg.received_at, tz, lang=lang)))
    button = Button(t_plain("btn.reply", lang), "reply", ref)
    return Rendered("\n".join(lines), ((button,),))


# --- orders -----------------------------------------------------------------------------------


def _status(state: OrderState, code: str, lang: str) -> Html:
    return Html(f"{_STATE_EMOJI[state]} <b>{escape(state_label(state, lang=lang, code=code))}</b>")


def _order_lines(order: Order, lang: str) -> list[str]:
    lines: list[str] = []
    for line in order.lines[:ORDER_LINES_MAX]:
        values = {
            "quantity": line.quantity,
            "name": clip(line.name, _PRODUCT_MAX),
            "price": rupiah(line.total_price),
            "unit": rupiah(line.unit_price),
        }
        lines.append(t("order.line_each" if line.quantity > 1 else "order.line", lang, **values))
        if line.notes.strip():
            lines.append(t("order.line_note", lang, note=clip(line.notes.strip(), _NOTE_MAX)))
    if len(order.lines) > ORDER_LINES_MAX:
        lines.append(t("order.more_lines", lang, count=len(order.lines) - ORDER_LINES_MAX))
    return lines


def _shipping(order: Order, lang: str) -> list[str]:
    courier = " ".join(p for p in (order.courier.strip(), order.service.strip()) if p)
    parts = [t("order.courier", lang, courier=clip(courier, _NAME_MAX))] if courier else []
    if order.destination_city.strip():
        parts.append(t("order.city", lang, city=clip(order.destination_city.strip(), _NAME_MAX)))
    return [" · ".join(parts)] if parts else []


def outcome_line(outcome: Outcome, *, lang: str, tz: ZoneInfo) -> str:
    """The footer for what staff did, e.g. "❌ Ditolak oleh Rina · 10:32 (Stok habis)"."""
    key = f"outcome.{outcome.verb}" if outcome.verb in OUTCOME_VERBS else "outcome.other"
    line = t(
        key,
        lang,
        actor=clip(outcome.actor, _NAME_MAX),
        verb=outcome.verb,
        time=format_time(outcome.at, tz),
    )
    detail = clip(outcome.detail.strip(), _DETAIL_MAX)
    return f"{line} ({escape(detail)})" if detail else line


def _order_text(
    order: Order, title_key: str, *, lang: str, tz: ZoneInfo, outcome: Outcome | None
) -> str:
    state = order.status.state
    lines = [
        f"{t(title_key, lang)} · {escape(_shop(order.shop_name, order.marketplace))}",
        t("order.invoice", lang, invoice=order.invoice),
    ]
    if order.buyer_name.strip():
        lines.append(t("order.buyer", lang, buyer=_buyer(order.buyer_name, lang)))
    lines += _order_lines(order, lang)
    lines.append(t("order.total", lang, total=rupiah(order.total)))
    lines += _shipping(order, lang)
    if order.buyer_platform.strip():
        lines.append(t("order.platform", lang, platform=clip(order.buyer_platform, _NAME_MAX)))
    waiting = state in {OrderState.UNPAID, OrderState.AWAITING_ACCEPTANCE}
    if order.accept_deadline is not None and waiting and outcome is None:
        deadline = format_datetime(order.accept_deadline, tz, lang=lang)
        lines.append(t("order.deadline", lang, deadline=deadline))
    if order.ship_deadline is not None and waiting and outcome is None:
        deadline = format_datetime(order.ship_deadline, tz, lang=lang)
        lines.append(t("order.ship_deadline", lang, deadline=deadline))
    if outcome is None or state is not OrderState.AWAITING_ACCEPTANCE:  # else stale: omit
        lines.append(t("order.status", lang, status=_status(state, order.status.code, lang)))
    if outcome is not None:
        lines.append(outcome_line(outcome, lang=lang, tz=tz))
    return "\n".join(lines)


def _order_rendered(
    order: Order, ref: str, title_key: str, *, lang: str, tz: ZoneInfo, outcome: Outcome | None
) -> Rendered:
    text = _order_text(order, title_key, lang=lang, tz=tz, outcome=outcome)
    if order.status.state is not OrderState.AWAITING_ACCEPTANCE or outcome is not None:
        return Rendered(text)
    # The actions stay "accept"/"reject"; what they do depends on the marketplace.
    first, second = (
        ("btn.accept", "btn.reject")
        if order.needs_accept
        else (
            "btn.process",
            "btn.cancel_order",
        )
    )
    row = (
        Button(t_plain(first, lang), "accept", ref),
        Button(t_plain(second, lang), "reject", ref),
    )
    return Rendered(text, (row,))


def render_order_alert(
    order: Order, ref: str, *, lang: str, tz: ZoneInfo, outcome: Outcome | None = None
) -> Rendered:
    """A new order: items, total, shipping, deadline, status; Accept/Reject while it waits."""
    return _order_rendered(order, ref, "order.new", lang=lang, tz=tz, outcome=outcome)


def render_order_card(
    order: Order, ref: str, *, lang: str, tz: ZoneInfo, outcome: Outcome | None = None
) -> Rendered:
    """An order looked up on demand (/order); like the alert under a neutral title."""
    return _order_rendered(order, ref, "order.title", lang=lang, tz=tz, outcome=outcome)


def render_status_update(
    order: Order, status: OrderStatus, *, lang: str, tz: ZoneInfo
) -> Rendered:
    """A one-line status change for the order's thread; cancellations stand out."""
    if status.state is OrderState.CANCELLED:
        return Rendered(t("status.cancelled", lang, invoice=order.invoice))
    return Rendered(
        t(
            "status.update",
            lang,
            invoice=order.invoice,
            status=_status(status.state, status.code, lang),
        )
    )


def render_cancellation_request(
    order: Order,
    request: CancellationRequest,
    ref: str,
    *,
    lang: str,
    tz: ZoneInfo,
    outcome: Outcome | None = None,
) -> Rendered:
    """A buyer's cancellation request with its reason; approve/decline buttons until decided."""
    reason = clip(request.reason.strip(), _REASON_MAX)
    lines = [
        f"{t('cancel.title', lang)} · {escape(_shop(order.shop_name, order.marketplace))}",
        f"{t('order.invoice', lang, invoice=order.invoice)} · {escape(rupiah(order.total))}",
        t("cancel.reason", lang, reason=reason) if reason else t("cancel.no_reason", lang),
    ]
    if request.deadline is not None and outcome is None:
        deadline = format_datetime(request.deadline, tz, lang=lang)
        lines.append(t("cancel.deadline", lang, deadline=deadline))
    if outcome is not None:
        lines.append(outcome_line(outcome, lang=lang, tz=tz))
        return Rendered("\n".join(lines))
    buttons = (
        (Button(t_plain("btn.cancel_ok", lang), "cancel_ok", ref),),
        (Button(t_plain("btn.cancel_no", lang), "cancel_no", ref),),
    )
    return Rendered("\n".join(lines), buttons)


# --- digests and lists ------------------------------------------------------------------------


def short_invoice(invoice: str, size: int = 4) -> str:
    """The end of an invoice's last segment: "INV/…/MPL/3456789" -> "6789"."""
    tail = invoice.rstrip("/").rsplit("/", 1)[-1] or invoice
    return tail[-size:]


def _short_ids(invoices: Sequence[str]) -> list[str]:
    """Short invoice ids, lengthened until they tell the given invoices apart."""
    longest = max((len(short_invoice(i, 10**6)) for i in invoices), default=0)
    for size in range(4, longest + 1):
        ids = [short_invoice(i, size) for i in invoices]
        if len(set(ids)) == len(ids):
            return ids
    return [short_invoice(i, 10**6) for i in invoices]


def _rows(
    buttons: Sequence[Button], width: int = BUTTONS_PER_ROW
) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(buttons[i : i + width]) for i in range(0, len(buttons), width))


def _by_deadline(orders: Sequence[tuple[Order, str]]) -> list[tuple[Order, str]]:
    """Soonest acceptance deadline first; orders without one last, in their given order."""

    def key(item: tuple[Order, str]) -> tuple[bool, float]:
        deadline = item[0].accept_deadline
        return deadline is None, aware(deadline).timestamp() if deadline else 0.0

    return sorted(orders, key=key)


def render_digest(orders: Sequence[tuple[Order, str]], *, lang: str, tz: ZoneInfo) -> Rendered:
    """Many new orders in one message, grouped by shop, with one button per order."""
    if len(orders) > DIGEST_MAX_ORDERS:
        raise ValueError(f"a digest holds at most {DIGEST_MAX_ORDERS} orders, got {len(orders)}")
    groups: dict[tuple[str, str], list[tuple[Order, str]]] = {}
    for order, ref in orders:
        groups.setdefault((order.marketplace, order.shop_name), []).append((order, ref))
    ordered = [item for group in groups.values() for item in _by_deadline(group)]
    shorts = _short_ids([order.invoice for order, _ in ordered])
    lines: list[str] = [t("digest.title", lang, count=len(orders))]
    shop = None
    for (order, _), short in zip(ordered, shorts, strict=True):
        if shop != (order.marketplace, order.shop_name):
            shop = (order.marketplace, order.shop_name)
            label = _shop(clip(order.shop_name, 40), order.marketplace)
            lines.append(f"\n🏪 <b>{escape(label)}</b>")
        parts = [
            f"<b>#{escape(short)}</b>",
            t("common.items", lang, count=sum(line.quantity for line in order.lines)),
            escape(rupiah(order.total)),
        ]
        if order.accept_deadline is not None:
            parts.append(f"⏰ {escape(format_day_time(order.accept_deadline, tz, lang=lang))}")
        lines.append(" · ".join(parts))
    lines.append(f"\n{t('digest.hint', lang)}")
    buttons = [
        Button(f"#{short}", "order", ref) for (_, ref), short in zip(ordered, shorts, strict=True)
    ]
    return Rendered("\n".join(lines), _rows(buttons))


def _time_left(deadline: datetime, now: datetime, lang: str) -> str:
    left = aware(deadline) - aware(now)
    duration = format_duration(left, lang=lang)
    if left.total_seconds() < 0:
        return f"⚠️ {t_plain('time.overdue', lang, duration=duration)}"
    return f"⏳ {t_plain('time.left', lang, duration=duration)}"


def render_orders_list(
    orders: Sequence[tuple[Order, str]], *, now: datetime, lang: str, tz: ZoneInfo
) -> Rendered:
    """Orders waiting for acceptance (/orders), soonest deadline first, with time left."""
    if not orders:
        return Rendered(t("orders.empty", lang))
    shown = _by_deadline(orders)[:ORDERS_LIST_MAX]
    shorts = _short_ids([o.invoice for o, _ in shown])
    lines: list[str] = [t("orders.title", lang, count=len(orders))]
    for (order, _), short in zip(shown, shorts, strict=True):
        parts = [
            f"<b>#{escape(short)}</b>",
            escape(_shop(clip(order.shop_name, 24), order.marketplace)),
            escape(rupiah(order.total)),
        ]
        if order.accept_deadline is not None:
            deadline = format_day_time(order.accept_deadline, tz, lang=lang)
            parts.append(escape(f"{deadline} ({_time_left(order.accept_deadline, now, lang)})"))
        lines.append(" · ".join(parts))
    if len(orders) > len(shown):
        lines.append(t("common.more", lang, count=len(orders) - len(shown)))
    buttons = [
        Button(f"#{short}", "order", ref) for (_, ref), short in zip(shown, shorts, strict=True)
    ]
    return Rendered("\n".join(lines), _rows(buttons))


def render_chats_list(
    chats: Sequence[tuple[Conversation, datetime, str, str]],
    *,
    now: datetime,
    lang: str,
    tz: ZoneInfo,
) -> Rendered:
    """Buyer chats waiting for a reply (/chats), oldest first, each with its age and a button.

    Each entry is ``(conversation, waiting_since, last_text, ref)``.
    """
    if not chats:
        return Rendered(t("chats.empty", lang))
    shown = sorted(chats, key=lambda chat: aware(chat[1]).timestamp())[:CHATS_LIST_MAX]
    lines: list[str] = [t("chats.title", lang, count=len(chats))]
    buttons = []
    for number, (conv, since, last_text, ref) in enumerate(shown, start=1):
        buyer = clip(_buyer(conv.buyer_name, lang), 32)
        duration = format_duration(aware(now) - aware(since), lang=lang)
        age = t_plain("time.ago", lang, duration=duration)
        waiting = f"⏱️ {age} ({format_time(since, tz)})"
        lines.append(
            f"{number}. <b>{escape(buyer)}</b> · "
            f"{escape(marketplace_label(conv.marketplace))} · {escape(waiting)}"
        )
        preview = clip(" ".join(chat_text_to_plain(last_text).split()), _PREVIEW_MAX)
        if preview:
            lines.append(f"   <i>{escape(preview)}</i>")
        buttons.append(
            Button(
                t_plain("btn.reply_to", lang, number=number, buyer=clip(buyer, 24)), "reply", ref
            )
        )
    if len(chats) > len(shown):
        lines.append(t("common.more", lang, count=len(chats) - len(shown)))
    return Rendered("\n".join(lines), _rows(buttons, 1))


# --- operator notices -------------------------------------------------------------------------


def render_parked_notice(description: str, error: str, *, lang: str) -> Rendered:
    """An event that could not be delivered after retries, for an admin to look at."""
    return Rendered(
        t("parked.text", lang, description=clip(description, _REASON_MAX), error=clip(error, 300))
    )
