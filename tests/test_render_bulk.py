"""Accept all as staff read it: the question, the progress and the tally."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.domain.vocab import ButtonAction
from bot.render.bulk import (
    FAILURES_SHOWN,
    BulkTally,
    Failure,
    accept_all_button,
    render_confirm,
    render_progress,
    render_result,
)
from bot.render.formatting import visible_text
from tests.factories import assert_telegram_html

JAKARTA = ZoneInfo("Asia/Jakarta")
AT = datetime(2026, 12, 12, 3, 5, tzinfo=UTC)


def _labels(rendered):
    return [(b.label, b.action) for row in rendered.buttons for b in row]


def test_the_button_names_the_marketplaces_own_first_action():
    accept = accept_all_button(48, needs_accept=True, ref="7", lang="id")
    process = accept_all_button(12, needs_accept=False, ref="8", lang="id")
    assert (accept.label, accept.action, accept.ref) == ("✅ Terima semua (48)", "bulk_offer", "7")
    assert process.label == "▶️ Proses semua (12)"
    assert accept_all_button(3, needs_accept=True, ref="9", lang="en").label == "✅ Accept all (3)"


def test_the_question_keeps_the_digest_and_asks_count_and_value():
    rendered = render_confirm(
        "🛒 <b>3 pesanan baru</b>", count=2, total=1_250_000, skipped=1,
        needs_accept=True, ref="5", lang="id",
    )  # fmt: skip
    assert_telegram_html(rendered.text)
    text = visible_text(rendered.text)
    assert text.startswith("🛒 3 pesanan baru")
    assert "Terima 2 pesanan senilai Rp1.250.000 sekarang?" in text
    assert "1 pesanan lain sudah ditangani" in text
    assert _labels(rendered) == [
        ("✅ Ya, lanjutkan", ButtonAction.BULK_GO),
        ("↩️ Tidak", ButtonAction.BULK_BACK),
    ]


def test_progress_counts_what_is_finished():
    tally = BulkTally(count=48, needs_accept=False, done=20, skipped=Counter(cancelled=2))
    text = visible_text(render_progress(tally, lang="id").text)
    assert "Memproses pesanan… 22/48" in text
    assert "20 diproses, 0 gagal" in text
    assert "2 dilewati: 2 dibatalkan" in text


def test_the_tally_lists_each_failure_escaped_and_offers_a_retry_of_them_only():
    failures = [Failure(str(n), f"{n:04d}", "<b>ditolak</b> & gagal") for n in range(25)]
    tally = BulkTally(
        count=80, needs_accept=True, done=48, skipped=Counter(accepted=4, busy=3),
        failures=failures,
    )  # fmt: skip
    rendered = render_result(
        tally, actor="Rina <admin>", at=AT, retry_ref="9", lang="id", tz=JAKARTA
    )
    assert_telegram_html(rendered.text)
    text = visible_text(rendered.text)
    assert text.startswith("⚠️ 48 diterima, 25 gagal")
    assert "7 dilewati: 4 sudah diterima, 3 sedang ditangani staf lain" in text
    assert "#0000: <b>ditolak</b> & gagal" in text  # shown exactly as the marketplace said it
    assert text.count("• #") == FAILURES_SHOWN
    assert "Rina <admin> · 10:05" in text
    assert _labels(rendered) == [("🔁 Coba lagi yang gagal (25)", ButtonAction.BULK_RETRY)]


def test_a_clean_tally_has_no_retry_and_survives_being_saved():
    tally = BulkTally(count=3, needs_accept=True, done=3)
    rendered = render_result(tally, actor="Rina", at=AT, retry_ref=None, lang="en", tz=JAKARTA)
    assert visible_text(rendered.text).startswith("✅ 3 accepted, 0 failed")
    assert rendered.buttons == ()
    again = BulkTally.from_json(
        BulkTally(2, False, 1, Counter(moved=1), [Failure("1", "0001", "x")]).as_json()
    )
    assert again == BulkTally(2, False, 1, Counter(moved=1), [Failure("1", "0001", "x")])
