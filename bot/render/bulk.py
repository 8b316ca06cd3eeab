"""Accept all on a digest: its button, the confirmation, the progress and the tally.

Pure: a :class:`BulkTally` in, :class:`~bot.render.base.Rendered` out. Which words are used
follows the marketplace's first action: "Terima" where orders are accepted (Tokopedia),
"Proses" where they are not (Tokopedia & Shop).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.vocab import ButtonAction
from bot.render.base import NAME_MAX, REASON_MAX, Button, Rendered
from bot.render.catalogue import Html, format_time, t, t_plain
from bot.render.formatting import clip, rupiah

FAILURES_SHOWN = 20  # the rest are counted; the retry button covers them all
SKIP_REASONS = ("accepted", "processed", "rejected", "cancelled", "moved", "busy")


@dataclass(frozen=True)
class Failure:
    order_id: str
    invoice: str  # short form, as the digest shows it
    reason: str  # plain text


@dataclass
class BulkTally:
    """Where a run stands: what was done, skipped and failed of ``count`` orders."""

    count: int
    needs_accept: bool
    done: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)

    @property
    def finished(self) -> int:
        return self.done + sum(self.skipped.values()) + len(self.failures)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BulkTally:
        return cls(
            count=int(data["count"]),
            needs_accept=bool(data["needs_accept"]),
            done=int(data["done"]),
            skipped=Counter({str(k): int(v) for k, v in data["skipped"].items()}),
            failures=[Failure(str(o), str(i), str(r)) for o, i, r in data["failures"]],
        )

    def as_json(self) -> dict[str, object]:
        return {
            "count": self.count,
            "needs_accept": self.needs_accept,
            "done": self.done,
            "skipped": dict(self.skipped),
            "failures": [[f.order_id, f.invoice, f.reason] for f in self.failures],
        }


def accept_all_button(count: int, *, needs_accept: bool, ref: str, lang: str) -> Button:
    """The digest's extra button; a marketplace without an accept step "processes" instead."""
    key = "btn.accept_all" if needs_accept else "btn.process_all"
    return Button(t_plain(key, lang, count=count), ButtonAction.BULK_OFFER, ref)


def render_confirm(
    digest_html: str,
    *,
    count: int,
    total: int,
    skipped: int,
    needs_accept: bool,
    ref: str,
    lang: str,
) -> Rendered:
    """The digest with the question under it: how many orders, worth how much; Yes or No."""
    key = "bulk.confirm_accept" if needs_accept else "bulk.confirm_process"
    lines = [digest_html, "", t(key, lang, count=count, total=rupiah(total))]
    if skipped:
        lines.append(t("bulk.confirm_skipped", lang, count=skipped))
    buttons = (
        (
            Button(t_plain("btn.bulk_yes", lang), ButtonAction.BULK_GO, ref),
            Button(t_plain("btn.bulk_no", lang), ButtonAction.BULK_BACK, ref),
        ),
    )
    return Rendered("\n".join(lines), buttons)


def _skipped_line(tally: BulkTally, lang: str) -> str | None:
    total = sum(tally.skipped.values())
    if not total:
        return None
    parts = [
        t_plain(f"bulk.skip.{reason}", lang, count=tally.skipped[reason])
        for reason in SKIP_REASONS
        if tally.skipped[reason]
    ]
    return t("bulk.skipped", lang, count=total, reasons=", ".join(parts))


def render_progress(tally: BulkTally, *, lang: str) -> Rendered:
    """The run's one message while it goes: how far, and the tally so far."""
    key = "bulk.progress_accept" if tally.needs_accept else "bulk.progress_process"
    lines = [
        t(key, lang, done=tally.finished, count=tally.count),
        _result_line(tally, lang),
    ]
    skipped = _skipped_line(tally, lang)
    if skipped:
        lines.append(skipped)
    return Rendered("\n".join(lines))


def _result_line(tally: BulkTally, lang: str) -> str:
    key = "bulk.result_accept" if tally.needs_accept else "bulk.result_process"
    mark = "✅" if not tally.failures else "⚠️"
    return f"{mark} {t(key, lang, ok=tally.done, failed=len(tally.failures))}"


def render_result(
    tally: BulkTally,
    *,
    actor: str,
    at: datetime,
    retry_ref: str | None,
    lang: str,
    tz: ZoneInfo,
) -> Rendered:
    """The end state, "48 diterima, 2 gagal": each failure with its reason, and a retry."""
    lines = [_result_line(tally, lang)]
    skipped = _skipped_line(tally, lang)
    if skipped:
        lines.append(skipped)
    if tally.failures:
        lines.append(t("bulk.failures", lang))
        for failure in tally.failures[:FAILURES_SHOWN]:
            lines.append(
                t(
                    "bulk.failure",
                    lang,
                    invoice=failure.invoice,
                    reason=clip(failure.reason, REASON_MAX // 4),
                )
            )
        if len(tally.failures) > FAILURES_SHOWN:
            lines.append(t("common.more", lang, count=len(tally.failures) - FAILURES_SHOWN))
    lines.append(t("bulk.by", lang, actor=clip(actor, NAME_MAX), time=format_time(at, tz)))
    buttons: tuple[tuple[Button, ...], ...] = ()
    if retry_ref is not None and tally.failures:
        label = t_plain("btn.bulk_retry", lang, count=len(tally.failures))
        buttons = ((Button(label, ButtonAction.BULK_RETRY, retry_ref),),)
    return Rendered("\n".join(lines), buttons)


def render_started(count: int, *, lang: str) -> Html:
    return t("bulk.started", lang, count=count)
