"""Orders as staff see them: alerts and cards, status updates, cancellation requests, digests
and the /orders list.

Pure: domain values in, :class:`~bot.render.base.Rendered` out. While an order waits for
staff its card carries Accept/Reject buttons; once decided, the :class:`Outcome` footer
replaces them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.figures import Outcome, OutcomeVerb
from bot.domain.values import CancellationRequest, Order, OrderState, OrderStatus
from bot.domain.vocab import ButtonAction
from bot.render.base import (
    NAME_MAX,
    REASON_MAX,
    Button,
    Rendered,
    button_rows,
    buyer_label,
    platform_label,
    shop_label,
    state_label,
)
from bot.render.bulk import accept_all_button
from bot.render.catalogue import (
    Html,
    format_datetime,
    format_day_time,
    format_duration,
    format_time,
    t,
    t_plain,
)
from bot.render.formatting import aware, clip, escape, rupiah

DIGEST_MAX_ORDERS = 48
ORDERS_LIST_MAX = 30
ORDER_LINES_MAX = 12  # keeps an order card to one message, so it can be edited in place

_PRODUCT_MAX = 80
_NOTE_MAX = 80
_DETAIL_MAX = 200
_KNOWN_VERBS = frozenset(verb.value for verb in OutcomeVerb)

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


def _status(order: Order, status: OrderStatus, lang: str) -> Html:
    state = status.state
    # Without an accept step the order is simply due to be shipped.
    emoji = "📦" if state is OrderState.AWAITING_ACCEPTANCE and not order.needs_accept else None
    label = state_label(state, lang=lang, code=status.code, needs_accept=order.needs_accept)
    return Html(f"{emoji or _STATE_EMOJI[state]} <b>{escape(label)}</b>")


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
    parts = [t("order.courier", lang, courier=clip(courier, NAME_MAX))] if courier else []
    if order.destination_city.strip():
        parts.append(t("order.city", lang, city=clip(order.destination_city.strip(), NAME_MAX)))
    return [" · ".join(parts)] if parts else []


def outcome_line(outcome: Outcome, *, lang: str, tz: ZoneInfo) -> str:
    """The footer for what staff did, e.g. "❌ Ditolak oleh Rina · 10:32 (Stok habis)"."""
    key = f"outcome.{outcome.verb}" if outcome.verb in _KNOWN_VERBS else "outcome.other"
    line = t(
        key,
        lang,
        actor=clip(outcome.actor, NAME_MAX),
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
        f"{t(title_key, lang)} · {escape(shop_label(order.shop_name, order.marketplace))}",
        t("order.invoice", lang, invoice=order.invoice),
    ]
    if order.buyer_name.strip():
        lines.append(t("order.buyer", lang, buyer=buyer_label(order.buyer_name, lang)))
    lines += _order_lines(order, lang)
    # Shipping and discount on their own lines, so the lines add up to the total.
    if order.shipping > 0:
        lines.append(t("order.shipping_cost", lang, amount=rupiah(order.shipping)))
    if order.discount > 0:
        lines.append(t("order.discount", lang, amount=rupiah(order.discount)))
    lines.append(t("order.total", lang, total=rupiah(order.total)))
    lines += _shipping(order, lang)
    platform = platform_label(order.buyer_platform, lang=lang)
    if platform:
        lines.append(t("order.platform", lang, platform=platform))
    waiting = state in {OrderState.UNPAID, OrderState.AWAITING_ACCEPTANCE}
    if order.accept_deadline is not None and waiting and outcome is None:
        deadline = format_datetime(order.accept_deadline, tz, lang=lang)
        lines.append(t("order.deadline", lang, deadline=deadline))
    if order.ship_deadline is not None and waiting and outcome is None:
        deadline = format_datetime(order.ship_deadline, tz, lang=lang)
        lines.append(t("order.ship_deadline", lang, deadline=deadline))
    if outcome is None or state is not OrderState.AWAITING_ACCEPTANCE:  # else stale: omit
        lines.append(t("order.status", lang, status=_status(order, order.status, lang)))
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
        Button(t_plain(first, lang), ButtonAction.ACCEPT, ref),
        Button(t_plain(second, lang), ButtonAction.REJECT, ref),
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
            status=_status(order, status, lang),
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
    reason = clip(request.reason.strip(), REASON_MAX)
    lines = [
        f"{t('cancel.title', lang)} · {escape(shop_label(order.shop_name, order.marketplace))}",
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
        (Button(t_plain("btn.cancel_ok", lang), ButtonAction.CANCEL_OK, ref),),
        (Button(t_plain("btn.cancel_no", lang), ButtonAction.CANCEL_NO, ref),),
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


def _by_deadline(orders: Sequence[tuple[Order, str]]) -> list[tuple[Order, str]]:
    """Soonest acceptance deadline first; orders without one last, in their given order."""

    def key(item: tuple[Order, str]) -> tuple[bool, float]:
        deadline = item[0].accept_deadline
        return deadline is None, aware(deadline).timestamp() if deadline else 0.0

    return sorted(orders, key=key)


def render_digest(
    orders: Sequence[tuple[Order, str]],
    *,
    lang: str,
    tz: ZoneInfo,
    accept_all_ref: str | None = None,
) -> Rendered:
    """Many new orders in one message, grouped by shop, with one button per order.

    ``accept_all_ref``: the bulk run offered for these orders; adds "accept all" below.
    """
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
            label = shop_label(clip(order.shop_name, 40), order.marketplace)
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
        Button(f"#{short}", ButtonAction.ORDER, ref)
        for (_, ref), short in zip(ordered, shorts, strict=True)
    ]
    rows = button_rows(buttons)
    if accept_all_ref is not None and ordered:
        needs_accept = ordered[0][0].needs_accept
        bulk = accept_all_button(
            len(ordered), needs_accept=needs_accept, ref=accept_all_ref, lang=lang
        )
        rows = (*rows, (bulk,))
    return Rendered("\n".join(lines), rows)


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
            escape(shop_label(clip(order.shop_name, 24), order.marketplace)),
            escape(rupiah(order.total)),
        ]
        if order.accept_deadline is not None:
            deadline = format_day_time(order.accept_deadline, tz, lang=lang)
            parts.append(escape(f"{deadline} ({_time_left(order.accept_deadline, now, lang)})"))
        lines.append(" · ".join(parts))
    if len(orders) > len(shown):
        lines.append(t("common.more", lang, count=len(orders) - len(shown)))
    buttons = [
        Button(f"#{short}", ButtonAction.ORDER, ref)
        for (_, ref), short in zip(shown, shorts, strict=True)
    ]
    return Rendered("\n".join(lines), button_rows(buttons))
