"""Staff- and operator-facing reports: the audit trail, reminders, notices, the daily summary.

Pure: domain values in, :class:`~bot.render.base.Rendered` out.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.figures import AuditRecord, DayFigures
from bot.domain.values import Conversation, Order
from bot.domain.vocab import ButtonAction
from bot.render.base import (
    REASON_MAX,
    Button,
    Rendered,
    admin_mentions,
    marketplace_label,
    user_mention,
)
from bot.render.catalogue import (
    Html,
    format_date,
    format_datetime,
    format_day_time,
    format_duration,
    t,
    t_plain,
)
from bot.render.formatting import clip, escape, rupiah

_RESULT_MARK = {"ok": "✅", "failed": "❌", "unknown": "❓", "refused": "🚫"}


def render_audit(
    title: str, entries: Sequence[AuditRecord], *, lang: str, tz: ZoneInfo
) -> Rendered:
    """One line per action: when, who, what, and the marketplace's answer."""
    if not entries:
        return Rendered(t("audit.empty", lang, title=title))
    lines: list[str] = [t("audit.title", lang, title=title)]
    for entry in entries:
        what = t(f"audit.action.{entry.action}", lang)
        line = (
            f"{_RESULT_MARK.get(entry.result, '•')} {format_day_time(entry.at, tz, lang=lang)} · "
            f"{escape(entry.actor_name)} · {what}"
        )
        if entry.text:
            line += f": <i>{escape(clip(entry.text, 120))}</i>"
        if entry.detail and entry.result != "ok":
            line += f" ({escape(clip(entry.detail, 120))})"
        lines.append(line)
    return Rendered("\n".join(lines))


# --- scheduled work --------------------------------------------------------------------------


def deadline_values(
    order: Order, deadline: datetime, *, now: datetime, lang: str, tz: ZoneInfo
) -> dict[str, str]:
    """What a deadline reminder says of its order, single or merged: invoice, deadline, left."""
    return {
        "invoice": order.invoice or order.order_id,
        "deadline": format_day_time(deadline, tz, lang=lang),
        "left": t_plain("time.left", lang, duration=format_duration(deadline - now, lang=lang)),
    }


def wait_values(since: datetime, *, now: datetime, lang: str, tz: ZoneInfo) -> dict[str, str]:
    """What a chat reminder says of the wait, single or merged: since when, and how long."""
    return {
        "since": format_day_time(since, tz, lang=lang),
        "waited": format_duration(now - since, lang=lang),
    }


def render_deadline_reminder(
    order: Order,
    ref: str,
    deadline: datetime,
    *,
    now: datetime,
    admins: Sequence[int] = (),
    accept_label: str = "",
    lang: str,
    tz: ZoneInfo,
) -> Rendered:
    """A reminder before an order's deadline, with the order's action buttons."""
    text = t(
        "remind.deadline",
        lang,
        **deadline_values(order, deadline, now=now, lang=lang, tz=tz),
        total=rupiah(order.total),
    )
    if admins:
        text = Html(f"{text}\n{t('remind.deadline_last', lang, admins=admin_mentions(admins))}")
    first = Button(accept_label or t_plain("btn.accept", lang), ButtonAction.ACCEPT, ref)
    return Rendered(
        text, ((first, Button(t_plain("btn.reject", lang), ButtonAction.REJECT, ref)),)
    )


def render_chat_reminder(
    conversation: Conversation,
    since: datetime,
    ref: str,
    *,
    now: datetime,
    lang: str,
    tz: ZoneInfo,
    handler: tuple[int, str] | None = None,
) -> Rendered:
    """A chat left unanswered; with a handler, it names them so that Telegram tells them."""
    buyer = conversation.buyer_name or t_plain("common.buyer", lang)
    text = t("remind.chat", lang, buyer=buyer, **wait_values(since, now=now, lang=lang, tz=tz))
    if handler is not None:
        user_id, name = handler
        mention = user_mention(user_id, name)
        text = Html(f"{text}\n{t('remind.chat_handler', lang, handler=mention)}")
    return Rendered(text, ((Button(t_plain("btn.reply", lang), ButtonAction.REPLY, ref),),))


def render_job_notice(job: str, error: str | None, *, lang: str) -> Rendered:
    """A job failed (reported once) or recovered (announced once)."""
    name = t_plain(f"job.name.{job}", lang)
    if error is None:
        return Rendered(t("job.recovered", lang, job=name))
    return Rendered(t("job.failed", lang, job=name, error=clip(error, 300)))


def render_parked_notice(description: str, error: str, *, lang: str) -> Rendered:
    """An event that could not be delivered after retries, for an admin to look at."""
    return Rendered(
        t("parked.text", lang, description=clip(description, REASON_MAX), error=clip(error, 300))
    )


def render_group_moved(old: int, new: int, *, lang: str) -> Rendered:
    """The staff group became a supergroup: tell the operator the id to configure."""
    return Rendered(t("group.moved", lang, old=str(old), new=str(new)))


def render_authorization(
    change: str,
    shop: str,
    marketplace: str,
    expires_at: datetime | None,
    *,
    lang: str,
    tz: ZoneInfo,
) -> Rendered:
    label = marketplace_label(marketplace)
    if change == "revoked":
        return Rendered(t("auth.revoked", lang, shop=shop, marketplace=label))
    when = format_datetime(expires_at, tz, lang=lang) if expires_at else "?"
    return Rendered(t("auth.expiring", lang, shop=shop, marketplace=label, when=when))


def render_summary(
    figures: DayFigures, day: date, *, lang: str, tz: ZoneInfo, now: datetime
) -> Rendered:
    """The daily summary: orders with their value, chats, response time, staff counts."""
    lines: list[str] = [
        t("summary.title", lang, day=format_date(day, lang=lang)),
        t(
            "summary.orders",
            lang,
            new=figures.new_orders,
            new_value=rupiah(figures.new_value),
            accepted=figures.accepted,
            accepted_value=rupiah(figures.accepted_value),
            rejected=figures.rejected,
            rejected_value=rupiah(figures.rejected_value),
            cancelled=figures.cancelled,
            cancelled_value=rupiah(figures.cancelled_value),
            pending=figures.pending,
            pending_value=rupiah(figures.pending_value),
        ),
        t("summary.chats", lang, received=figures.chats_received, answered=figures.chats_answered),
    ]
    if figures.response_seconds:
        median = timedelta(seconds=statistics.median(figures.response_seconds))
        lines.append(t("summary.median", lang, median=format_duration(median, lang=lang)))
    else:
        lines.append(t("summary.median_none", lang))
    oldest = figures.oldest_waiting
    if oldest is not None:
        lines.append(
            t(
                "summary.oldest",
                lang,
                buyer=oldest.buyer_name or t_plain("common.buyer", lang),
                since=format_day_time(oldest.waiting_since, tz, lang=lang),
                waited=format_duration(now - oldest.waiting_since, lang=lang),
            )
        )
    else:
        lines.append(t("summary.oldest_none", lang))
    lines.append(t("summary.staff_title", lang))
    if figures.per_staff:
        for name, counts in sorted(figures.per_staff.items()):
            described = ", ".join(
                f"{count} × {t_plain(f'audit.action.{action}', lang)}"
                for action, count in sorted(counts.items())
            )
            lines.append(t("summary.staff_line", lang, name=name or "?", counts=described))
    else:
        lines.append(t("summary.staff_none", lang))
    lines.extend(_answers_per_staff(figures, lang))
    return Rendered("\n".join(lines))


def _answers_per_staff(figures: DayFigures, lang: str) -> list[str]:
    """Each staff member's answers to buyers today, and the median wait for their first ones."""
    answers = {name: c["reply"] for name, c in figures.per_staff.items() if c.get("reply")}
    names = sorted(set(answers) | set(figures.first_response_seconds))
    if not names:
        return []
    lines: list[str] = [t("summary.answers_title", lang)]
    for name in names:
        waits = figures.first_response_seconds.get(name)
        count = answers.get(name, 0)
        if waits:
            median = format_duration(timedelta(seconds=statistics.median(waits)), lang=lang)
            lines.append(
                t("summary.answers_line", lang, name=name or "?", count=count, median=median)
            )
        else:
            lines.append(t("summary.answers_line_plain", lang, name=name or "?", count=count))
    return lines
