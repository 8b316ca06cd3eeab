"""Staff texts of bulk runs (accept or process a whole digest, ``/accept`` with several
invoices), in both languages.

Kept apart from :mod:`bot.render.texts_id` and :mod:`bot.render.texts_en` (which merge
them in) only to keep those modules within the size limit; the keys follow the same rules.
"""

from __future__ import annotations

ID: dict[str, str] = {
    "bulk.confirm_accept": "❓ <b>Terima {count} pesanan</b> senilai <b>{total}</b> sekarang?",
    "bulk.confirm_process": "❓ <b>Proses {count} pesanan</b> senilai <b>{total}</b> sekarang?",
    "bulk.confirm_skipped": "{count} pesanan lain sudah ditangani dan akan dilewati.",
    "bulk.nothing": "Tidak ada lagi pesanan di daftar ini yang menunggu tindakan.",
    "bulk.started": "⏳ Mulai: {count} pesanan.",
    "bulk.busy": "⏳ Sudah dijalankan oleh {who}.",
    "bulk.finished": "Sudah selesai dijalankan.",
    "bulk.progress_accept": "⏳ <b>Menerima pesanan…</b> {done}/{count}",
    "bulk.progress_process": "⏳ <b>Memproses pesanan…</b> {done}/{count}",
    "bulk.result_accept": "<b>{ok} diterima, {failed} gagal</b>",
    "bulk.result_process": "<b>{ok} diproses, {failed} gagal</b>",
    "bulk.skipped": "⏭️ {count} dilewati: {reasons}",
    "bulk.skip.accepted": "{count} sudah diterima",
    "bulk.skip.processed": "{count} sudah diproses",
    "bulk.skip.rejected": "{count} sudah ditolak",
    "bulk.skip.cancelled": "{count} dibatalkan",
    "bulk.skip.moved": "{count} statusnya sudah berubah",
    "bulk.skip.busy": "{count} sedang ditangani staf lain",
    "bulk.failures": "Gagal:",
    "bulk.failure": "• <b>#{invoice}</b>: {reason}",
    "bulk.not_found": "pesanan tidak ditemukan",
    "bulk.by": "👤 {actor} · {time}",
    "bulk.audit_note": "aksi massal #{run}",
    "bulk.unknown_refs": "Tidak ditemukan: {refs}",
}

EN: dict[str, str] = {
    "bulk.confirm_accept": "❓ <b>Accept {count} orders</b> worth <b>{total}</b> now?",
    "bulk.confirm_process": "❓ <b>Process {count} orders</b> worth <b>{total}</b> now?",
    "bulk.confirm_skipped": "{count} other orders were handled already and will be skipped.",
    "bulk.nothing": "No order in this list is waiting for action any more.",
    "bulk.started": "⏳ Started: {count} orders.",
    "bulk.busy": "⏳ Already started by {who}.",
    "bulk.finished": "This has run already.",
    "bulk.progress_accept": "⏳ <b>Accepting orders…</b> {done}/{count}",
    "bulk.progress_process": "⏳ <b>Processing orders…</b> {done}/{count}",
    "bulk.result_accept": "<b>{ok} accepted, {failed} failed</b>",
    "bulk.result_process": "<b>{ok} processed, {failed} failed</b>",
    "bulk.skipped": "⏭️ {count} skipped: {reasons}",
    "bulk.skip.accepted": "{count} accepted already",
    "bulk.skip.processed": "{count} processed already",
    "bulk.skip.rejected": "{count} rejected already",
    "bulk.skip.cancelled": "{count} cancelled",
    "bulk.skip.moved": "{count} changed status",
    "bulk.skip.busy": "{count} being handled by other staff",
    "bulk.failures": "Failed:",
    "bulk.failure": "• <b>#{invoice}</b>: {reason}",
    "bulk.not_found": "order not found",
    "bulk.by": "👤 {actor} · {time}",
    "bulk.audit_note": "bulk action #{run}",
    "bulk.unknown_refs": "Not found: {refs}",
}
