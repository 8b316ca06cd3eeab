"""Pure rendering of the audit trail for /audit."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.formatting import clip, escape
from bot.i18n import format_day_time, t
from bot.render import Rendered
from storage.models import AuditEntry

_RESULT_MARK = {"ok": "✅", "failed": "❌", "unknown": "❓", "refused": "🚫"}


def render_audit(
    title: str, entries: Sequence[AuditEntry], *, lang: str, tz: ZoneInfo
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
