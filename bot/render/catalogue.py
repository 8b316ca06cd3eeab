"""The string catalogue, and dates and durations in the staff's language.

Templates are Telegram HTML and use ``str.format`` placeholders. :func:`t` escapes every
value it inserts unless the value is :class:`Html` (already-rendered markup), so a catalogue
string is always safe to send with ``parse_mode=HTML``. :func:`t_plain` gives the same text
for places that take no markup: button labels, callback answers, topic names.

Languages: "id" (default) and "en". A key missing in a language falls back to "id", then to
the key itself. Buyer-facing texts (sent to the marketplace, always Indonesian, plain) are
in :data:`BUYER_REJECT_TEXTS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.render.formatting import aware, escape, visible_text

LANGUAGES = ("id", "en")
DEFAULT_LANG = "id"
DEFAULT_TZ = ZoneInfo("Asia/Jakarta")


class Html(str):
    """Text that is already Telegram HTML; :func:`t` inserts it without escaping."""

    __slots__ = ()


_COMMANDS_ID = """\
<b>Perintah</b>
/chats — chat pembeli yang menunggu balasan
/orders — pesanan yang menunggu diterima
/order &lt;invoice&gt; — tampilkan kartu pesanan
/accept &lt;invoice&gt; — terima pesanan
/reject &lt;invoice&gt; — tolak pesanan
/reply &lt;chat&gt; &lt;teks&gt; — balas pembeli tanpa me-reply pesannya
/audit &lt;invoice&gt; — riwayat tindakan staf
/summary — ringkasan pesanan dan chat
/help — bantuan ini

Tip: untuk membalas pembeli, cukup <i>reply</i> pesan chat yang diteruskan bot."""

_COMMANDS_EN = """\
<b>Commands</b>
/chats — buyer chats waiting for a reply
/orders — orders waiting for acceptance
/order &lt;invoice&gt; — show an order card
/accept &lt;invoice&gt; — accept an order
/reject &lt;invoice&gt; — reject an order
/reply &lt;chat&gt; &lt;text&gt; — answer a buyer without replying to their message
/audit &lt;invoice&gt; — history of staff actions
/summary — summary of orders and chats
/help — this help

Tip: to answer a buyer, just <i>reply</i> to the chat message the bot relayed."""

_ID: dict[str, str] = {
    # dates and durations
    "fmt.months": "Jan Feb Mar Apr Mei Jun Jul Agu Sep Okt Nov Des",
    "dur.days": "{days} hari",
    "dur.days_hours": "{days} hari {hours} jam",
    "dur.hours": "{hours} jam",
    "dur.hours_minutes": "{hours} jam {minutes} menit",
    "dur.minutes": "{minutes} menit",
    "dur.under_minute": "kurang dari 1 menit",
    "time.left": "{duration} lagi",
    "time.overdue": "lewat {duration}",
    "time.ago": "{duration} lalu",
    # order states
    "state.unpaid": "Belum dibayar",
    "state.awaiting_acceptance": "Menunggu diterima",
    "state.accepted": "Diproses",
    "state.shipping": "Dikirim",
    "state.delivered": "Sampai di tujuan",
    "state.completed": "Selesai",
    "state.cancelled": "Dibatalkan",
    "state.returned": "Dikembalikan",
    "state.other": "Status lain ({code})",
    # common
    "common.buyer": "Pembeli",
    "common.more": "… dan {count} lainnya",
    "common.items": "{count} brg",
    "common.someone": "staf lain",
    # buttons (plain text)
    "btn.reply": "↩️ Balas",
    "btn.reply_to": "↩️ {number} · {buyer}",
    "btn.accept": "✅ Terima",
    "btn.process": "▶️ Proses",
    "btn.cancel_order": "🚫 Batalkan pesanan",
    "btn.reject": "❌ Tolak",
    "btn.cancel_ok": "✅ Setujui pembatalan",
    "btn.cancel_no": "❌ Tolak permintaan",
    "btn.confirm_reject": "❌ Tolak: {reason}",
    "btn.own_reason": "✍️ Tulis alasan sendiri",
    "btn.back": "↩️ Kembali",
    "btn.retry": "🔁 Kirim ulang",
    # buyer chat
    "chat.header": "💬 <b>{buyer}</b> · {shop}",
    "chat.empty": "<i>(pesan tanpa teks)</i>",
    "chat.kind.image": "🖼️ Gambar",
    "chat.kind.video": "🎬 Video",
    "chat.kind.product": "🛍️ Kartu produk",
    "chat.kind.order": "🧾 Kartu pesanan",
    "chat.kind.sticker": "😀 Stiker",
    "chat.kind.file": "📎 Berkas",
    "chat.kind.other": "📎 Lampiran",
    "chat.open": "buka",
    "chat.footer": "🕒 {time}",
    # order card
    "order.new": "🛒 <b>Pesanan baru</b>",
    "order.title": "🛒 <b>Pesanan</b>",
    "order.invoice": "🧾 <code>{invoice}</code>",
    "order.buyer": "👤 {buyer}",
    "order.line": "• {quantity} × {name} — {price}",
    "order.line_each": "• {quantity} × {name} — {price} (@{unit})",
    "order.line_note": "   📝 <i>{note}</i>",
    "order.more_lines": "• … dan {count} produk lainnya",
    "order.total": "💰 Total <b>{total}</b>",
    "order.courier": "🚚 {courier}",
    "order.city": "📍 {city}",
    "order.deadline": "⏰ Terima sebelum <b>{deadline}</b>",
    "order.ship_deadline": "🚚 Kirim sebelum <b>{deadline}</b> (lewat itu dibatalkan otomatis)",
    "order.platform": "📱 Dari {platform}",
    "order.status": "Status: {status}",
    "order.not_found": "🔍 Pesanan tidak ditemukan.",
    # outcomes
    "outcome.accepted": "✅ Diterima oleh {actor} · {time}",
    "outcome.rejected": "❌ Ditolak oleh {actor} · {time}",
    "outcome.cancel_approved": "🆗 Pembatalan disetujui oleh {actor} · {time}",
    "outcome.cancel_rejected": "🙅 Permintaan batal ditolak oleh {actor} · {time}",
    "outcome.processed": "📦 Diproses oleh {actor} · {time}",
    "outcome.other": "ℹ️ {verb} · {actor} · {time}",
    # status updates
    "status.update": "📦 <code>{invoice}</code> → {status}",
    "status.cancelled": "🚫 <b>Pesanan dibatalkan</b> · <code>{invoice}</code>",
    # cancellation requests
    "cancel.title": "🙋 <b>Pembeli minta batal</b>",
    "cancel.reason": "💬 Alasan: <i>{reason}</i>",
    "cancel.no_reason": "💬 Alasan tidak disebutkan",
    "cancel.deadline": "⏰ Tanggapi sebelum <b>{deadline}</b>",
    # digest and lists
    "digest.title": "🛒 <b>{count} pesanan baru</b>",
    "digest.hint": "Ketuk nomor pesanan di bawah untuk membuka kartunya.",
    "orders.title": "⏳ <b>Pesanan menunggu diterima ({count})</b>",
    "orders.empty": "Tidak ada pesanan yang menunggu diterima. 🎉",
    "chats.title": "💬 <b>Chat menunggu balasan ({count})</b>",
    "chats.empty": "Semua chat pembeli sudah dibalas. 👍",
    # delivery problems
    "parked.text": (
        "⚠️ <b>Gagal meneruskan ke grup</b>\n{description}\n"
        "Sudah dicoba beberapa kali; data ini disisihkan untuk diperiksa admin.\n"
        "Galat: <code>{error}</code>"
    ),
    # marketplace errors
    "err.not_eligible": (
        "⛔ Tidak bisa dilakukan untuk pesanan ini sekarang "
        "(statusnya sudah berubah atau tidak memenuhi syarat)."
    ),
    "err.permission": (
        "🔒 Toko belum memberi izin untuk tindakan ini. Minta pemilik toko mengaktifkan izinnya."
    ),
    "err.rate_limited": "⏳ Marketplace sedang membatasi permintaan. Coba lagi sebentar lagi.",
    "err.unavailable": "📡 Marketplace sedang tidak bisa dihubungi. Coba lagi nanti.",
    "err.invalid": "⚠️ Marketplace menolak permintaan karena datanya tidak valid.",
    "err.invalid_detail": "⚠️ Marketplace menolak permintaan: {detail}",
    "err.not_eligible_detail": "⛔ Belum bisa dilakukan sekarang: {detail}",
    "err.not_found": "🔍 Data tidak ditemukan di marketplace.",
    "err.auth": "🔑 Akses bot ke marketplace ditolak. Admin perlu memeriksa otorisasi toko.",
    "err.outcome_unknown": (
        "❓ Permintaan mungkin sudah diproses marketplace; cek di Seller Center sebelum mengulang."
    ),
    "err.other": "⚠️ Terjadi kesalahan di marketplace. Coba lagi nanti.",
    "err.other_detail": "⚠️ Terjadi kesalahan di marketplace: {detail}",
    # reject reasons (Tokopedia codes)
    "reject.reason.0": "Kendala pengiriman",
    "reject.reason.1": "Stok habis",
    "reject.reason.2": "Varian tidak tersedia",
    "reject.reason.3": "Harga atau berat salah",
    "reject.reason.4": "Toko tutup",
    "reject.reason.5": "Alasan lain",
    "reject.reason.7": "Kendala kurir",
    "reject.reason.8": "Permintaan pembeli",
    "reject.reason.unknown": "Alasan {code}",
    # reject flow
    "reject.pick": "❌ Pilih alasan penolakan:",
    "reject.confirm": "Alasan: {reason}\nPesan: {text}",
    "reject.ask_reason": "✍️ Reply pesan ini dengan alasan untuk pembeli (maks. 490 karakter).",
    "reject.ask_close": (
        "🗓️ Toko tutup sampai kapan? Reply pesan ini dengan tanggal buka lagi (DD/MM/YYYY) "
        "lalu catatan untuk pembeli, mis. <code>17/05/2027 Libur Lebaran</code>."
    ),
    "reject.bad_close_date": "Tanggal tidak valid. Gunakan format DD/MM/YYYY, mis. 17/05/2027.",
    "reject.bad_code": "Kode alasan tidak dikenal. Pilihan: {codes}",
    # replies to buyers
    "reply.prompt": "✍️ Tulis balasan untuk <b>{buyer}</b> dengan me-reply pesan ini.",
    "reply.sent": "✅ Terkirim ke pembeli.",
    "reply.already_sent": "✅ Balasan ini sudah terkirim.",
    "reply.in_progress": "⏳ Balasan ini sedang dikirim.",
    "reply.failed": "❌ Balasan tidak terkirim. {reason}",
    "reply.failed_before": (
        "❌ Balasan ini gagal terkirim. Tekan 🔁 Kirim ulang untuk mencoba lagi."
    ),
    "reply.outcome_unknown": (
        "❓ Balasan mungkin sudah terkirim; cek di Seller Center sebelum mengirim ulang."
    ),
    "reply.unknown": "🔍 Chat itu tidak ditemukan. Lihat /chats untuk chat yang menunggu.",
    "reply.edit_not_sent": "✏️ Pesan yang diedit tidak dikirim ulang; pembeli tetap melihat "
    "versi pertama.",
    "reply.text_only": "Hanya pesan teks yang bisa dikirim ke pembeli.",
    "reply.needs_target": (
        "Untuk membalas pembeli, reply pesan chat yang diteruskan bot atau tekan tombol Balas."
    ),
    "reply.too_long": "Balasan terlalu panjang: {length} karakter (maks. {max}).",
    # access and buttons
    "access.not_allowed": "⛔ Anda tidak diizinkan melakukan ini.",
    "access.anonymous": (
        "🕶️ Perintah dari admin anonim tidak bisa dicatat atas nama siapa pun. "
        'Matikan "Tetap anonim" lalu coba lagi.'
    ),
    "access.private": "🔒 Bot ini hanya melayani grup staf toko.",
    "act.stale": "Tombol ini sudah tidak berlaku: pesanan sekarang {state}{who}.",
    "act.busy": "⏳ Pesanan ini sedang ditangani {who}. Coba lagi sebentar.",
    "btn.expired": "⌛ Tombol ini sudah kedaluwarsa. Buka lagi pesanannya dengan /order.",
    "action.working": "⏳ Sedang diproses…",
    "error.report": "⚠️ Terjadi kesalahan di bot: <code>{error}</code>. Detailnya ada di log.",
    # audit trail
    "audit.title": "🗂️ <b>Riwayat {title}</b>",
    "audit.empty": "🗂️ Belum ada tindakan tercatat untuk {title}.",
    "audit.usage": (
        "Cara pakai: /audit &lt;nomor invoice&gt;, atau reply pesan yang diteruskan bot "
        "dengan /audit."
    ),
    "audit.action.accept": "menerima pesanan",
    "audit.action.reject": "menolak pesanan",
    "audit.action.reply": "membalas",
    "audit.action.cancel_approved": "menyetujui pembatalan",
    "audit.action.cancel_rejected": "menolak permintaan batal",
    "audit.action.process": "memproses pesanan",
    "remind.deadline": (
        "⏰ <b>Segera proses pesanan</b> {invoice}\nBatas waktu {deadline} ({left}) · {total}"
    ),
    "remind.deadline_last": "{admins} pesanan ini belum diproses.",
    "remind.chat": "⏰ <b>{buyer}</b> menunggu balasan sejak {since} ({waited}).",
    "job.name.reminders": "pengingat",
    "job.name.reconcile": "pengecekan pesanan &amp; chat",
    "job.name.tokens": "perpanjangan token",
    "job.name.summary": "ringkasan harian",
    "job.name.housekeeping": "pembersihan data lama",
    "job.failed": "⚠️ Tugas terjadwal <b>{job}</b> gagal: {error}\nAkan dicoba lagi otomatis.",
    "job.recovered": "✅ Tugas terjadwal <b>{job}</b> berjalan normal lagi.",
    "auth.revoked": (
        "🔌 Toko <b>{shop}</b> ({marketplace}) mencabut izin tokobot. Chat dan pesanan "
        "tidak akan masuk lagi sampai pemilik toko mengizinkan ulang."
    ),
    "auth.expiring": (
        "⏳ Izin tokobot untuk toko <b>{shop}</b> ({marketplace}) berakhir {when}. "
        "Minta pemilik toko mengizinkan ulang lewat link otorisasi."
    ),
    "summary.title": "📊 <b>Ringkasan {day}</b>",
    "summary.orders": (
        "🛒 Pesanan baru: {new} ({new_value})\n✅ Diterima: {accepted} ({accepted_value})\n"
        "❌ Ditolak: {rejected} ({rejected_value})\n"
        "🚫 Dibatalkan: {cancelled} ({cancelled_value})\n"
        "⏳ Masih menunggu: {pending} ({pending_value})"
    ),
    "summary.chats": "💬 Chat masuk: {received} · dijawab: {answered}",
    "summary.median": "⏱️ Median waktu respons pertama: {median}",
    "summary.median_none": "⏱️ Belum ada chat yang dijawab hari ini.",
    "summary.oldest": "🕰️ Chat terlama belum dijawab: {buyer}, sejak {since} ({waited})",
    "summary.oldest_none": "🎉 Tidak ada chat yang menunggu balasan.",
    "summary.staff_title": "👥 <b>Per staf</b>",
    "summary.staff_line": "{name}: {counts}",
    "summary.staff_none": "Belum ada tindakan staf hari ini.",
    # command usage and help
    "cmd.need_order": (
        "Sebutkan nomor invoice atau ID pesanan, "
        "mis. <code>/order INV/20261127/MPL/3456789012</code>."
    ),
    "cmd.reply_usage": (
        "Cara pakai: /reply &lt;chat&gt; &lt;teks&gt;, atau cukup reply pesan chat pembeli."
    ),
    "help.start": "👋 <b>Halo, saya tokobot.</b>\n"
    "Saya meneruskan chat pembeli dan pesanan baru dari marketplace ke grup ini, "
    "dan meneruskan balasan Anda ke pembeli.\n\n" + _COMMANDS_ID,
    "help.text": _COMMANDS_ID,
}

_EN: dict[str, str] = {
    "fmt.months": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
    "dur.days": "{days} d",
    "dur.days_hours": "{days} d {hours} h",
    "dur.hours": "{hours} h",
    "dur.hours_minutes": "{hours} h {minutes} min",
    "dur.minutes": "{minutes} min",
    "dur.under_minute": "less than 1 min",
    "time.left": "{duration} left",
    "time.overdue": "overdue by {duration}",
    "time.ago": "{duration} ago",
    "state.unpaid": "Unpaid",
    "state.awaiting_acceptance": "Awaiting acceptance",
    "state.accepted": "Accepted",
    "state.shipping": "Shipped",
    "state.delivered": "Delivered",
    "state.completed": "Completed",
    "state.cancelled": "Cancelled",
    "state.returned": "Returned",
    "state.other": "Other status ({code})",
    "common.buyer": "Buyer",
    "common.more": "… and {count} more",
    "common.items": "{count} pcs",
    "common.someone": "someone else",
    "btn.reply": "↩️ Reply",
    "btn.reply_to": "↩️ {number} · {buyer}",
    "btn.accept": "✅ Accept",
    "btn.process": "▶️ Process",
    "btn.cancel_order": "🚫 Cancel order",
    "btn.reject": "❌ Reject",
    "btn.cancel_ok": "✅ Approve cancellation",
    "btn.cancel_no": "❌ Decline request",
    "btn.confirm_reject": "❌ Reject: {reason}",
    "btn.own_reason": "✍️ Write my own reason",
    "btn.back": "↩️ Back",
    "btn.retry": "🔁 Send again",
    "chat.header": "💬 <b>{buyer}</b> · {shop}",
    "chat.empty": "<i>(message without text)</i>",
    "chat.kind.image": "🖼️ Image",
    "chat.kind.video": "🎬 Video",
    "chat.kind.product": "🛍️ Product card",
    "chat.kind.order": "🧾 Order card",
    "chat.kind.sticker": "😀 Sticker",
    "chat.kind.file": "📎 File",
    "chat.kind.other": "📎 Attachment",
    "chat.open": "open",
    "chat.footer": "🕒 {time}",
    "order.new": "🛒 <b>New order</b>",
    "order.title": "🛒 <b>Order</b>",
    "order.invoice": "🧾 <code>{invoice}</code>",
    "order.buyer": "👤 {buyer}",
    "order.line": "• {quantity} × {name} — {price}",
    "order.line_each": "• {quantity} × {name} — {price} (@{unit})",
    "order.line_note": "   📝 <i>{note}</i>",
    "order.more_lines": "• … and {count} more products",
    "order.total": "💰 Total <b>{total}</b>",
    "order.courier": "🚚 {courier}",
    "order.city": "📍 {city}",
    "order.deadline": "⏰ Accept by <b>{deadline}</b>",
    "order.ship_deadline": "🚚 Ship by <b>{deadline}</b> (cancelled automatically after that)",
    "order.platform": "📱 Via {platform}",
    "order.status": "Status: {status}",
    "order.not_found": "🔍 Order not found.",
    "outcome.accepted": "✅ Accepted by {actor} · {time}",
    "outcome.rejected": "❌ Rejected by {actor} · {time}",
    "outcome.cancel_approved": "🆗 Cancellation approved by {actor} · {time}",
    "outcome.cancel_rejected": "🙅 Cancellation request declined by {actor} · {time}",
    "outcome.processed": "📦 Processed by {actor} · {time}",
    "outcome.other": "ℹ️ {verb} · {actor} · {time}",
    "status.update": "📦 <code>{invoice}</code> → {status}",
    "status.cancelled": "🚫 <b>Order cancelled</b> · <code>{invoice}</code>",
    "cancel.title": "🙋 <b>Buyer asks to cancel</b>",
    "cancel.reason": "💬 Reason: <i>{reason}</i>",
    "cancel.no_reason": "💬 No reason given",
    "cancel.deadline": "⏰ Respond by <b>{deadline}</b>",
    "digest.title": "🛒 <b>{count} new orders</b>",
    "digest.hint": "Tap an order number below to open its card.",
    "orders.title": "⏳ <b>Orders awaiting acceptance ({count})</b>",
    "orders.empty": "No orders are waiting for acceptance. 🎉",
    "chats.title": "💬 <b>Chats awaiting a reply ({count})</b>",
    "chats.empty": "No buyer chats are waiting for a reply. 👍",
    "parked.text": (
        "⚠️ <b>Could not relay to the group</b>\n{description}\n"
        "Retried several times; it has been set aside for an admin to check.\n"
        "Error: <code>{error}</code>"
    ),
    "err.not_eligible": (
        "⛔ Not possible for this order right now (its status changed or it is not eligible)."
    ),
    "err.permission": (
        "🔒 The shop has not granted permission for this action. Ask the shop owner to enable it."
    ),
    "err.rate_limited": "⏳ The marketplace is limiting requests. Try again in a moment.",
    "err.unavailable": "📡 The marketplace cannot be reached right now. Try again later.",
    "err.invalid": "⚠️ The marketplace rejected the request as invalid.",
    "err.invalid_detail": "⚠️ The marketplace rejected the request: {detail}",
    "err.not_eligible_detail": "⛔ Not possible right now: {detail}",
    "err.not_found": "🔍 Not found on the marketplace.",
    "err.auth": "🔑 The marketplace refused the bot's access. An admin must check the shop's "
    "authorisation.",
    "err.outcome_unknown": (
        "❓ The marketplace may already have processed this; "
        "check Seller Center before trying again."
    ),
    "err.other": "⚠️ Something went wrong at the marketplace. Try again later.",
    "err.other_detail": "⚠️ Something went wrong at the marketplace: {detail}",
    "reject.reason.0": "Shipping problem",
    "reject.reason.1": "Out of stock",
    "reject.reason.2": "Variant unavailable",
    "reject.reason.3": "Wrong price or weight",
    "reject.reason.4": "Shop closed",
    "reject.reason.5": "Other reason",
    "reject.reason.7": "Courier problem",
    "reject.reason.8": "Buyer's request",
    "reject.reason.unknown": "Reason {code}",
    "reject.pick": "❌ Choose a reason for rejecting:",
    "reject.confirm": "Reason: {reason}\nMessage: {text}",
    "reject.ask_reason": "✍️ Reply to this message with the reason for the buyer (max. 490 "
    "characters).",
    "reject.ask_close": (
        "🗓️ Until when is the shop closed? Reply to this message with the reopening date "
        "(DD/MM/YYYY) and a note for the buyer, e.g. <code>17/05/2027 Libur Lebaran</code>."
    ),
    "reject.bad_close_date": "That date is not valid. Use DD/MM/YYYY, e.g. 17/05/2027.",
    "reject.bad_code": "Unknown reason code. Choose one of: {codes}",
    "reply.prompt": "✍️ Write your reply to <b>{buyer}</b> as a reply to this message.",
    "reply.sent": "✅ Delivered to the buyer.",
    "reply.already_sent": "✅ This reply was already delivered.",
    "reply.in_progress": "⏳ This reply is being sent.",
    "reply.failed": "❌ The reply was not sent. {reason}",
    "reply.failed_before": "❌ This reply was not delivered. Tap 🔁 Send again to retry.",
    "reply.outcome_unknown": (
        "❓ The reply may already have been delivered; check Seller Center before sending it "
        "again."
    ),
    "reply.unknown": "🔍 That chat was not found. See /chats for the chats waiting.",
    "reply.edit_not_sent": "✏️ Edited messages are not sent again; the buyer still sees the "
    "first version.",
    "reply.text_only": "Only text messages can be sent to a buyer.",
    "reply.needs_target": (
        "To answer a buyer, reply to a chat message the bot relayed, or tap its Reply button."
    ),
    "reply.too_long": "The reply is too long: {length} characters (at most {max}).",
    "access.not_allowed": "⛔ You are not allowed to do this.",
    "access.anonymous": (
        "🕶️ Commands from an anonymous admin cannot be recorded under anyone's name. "
        'Turn off "Remain anonymous" and try again.'
    ),
    "access.private": "🔒 This bot only serves the shop's staff group.",
    "act.stale": "This button is outdated: the order is now {state}{who}.",
    "act.busy": "⏳ {who} is already handling this order. Try again in a moment.",
    "btn.expired": "⌛ This button has expired. Open the order again with /order.",
    "action.working": "⏳ Working on it…",
    "error.report": "⚠️ Something went wrong in the bot: <code>{error}</code>. See the log.",
    "audit.title": "🗂️ <b>History of {title}</b>",
    "audit.empty": "🗂️ No actions recorded for {title} yet.",
    "audit.usage": (
        "Usage: /audit &lt;invoice number&gt;, or reply to a relayed message with /audit."
    ),
    "audit.action.accept": "accepted the order",
    "audit.action.reject": "rejected the order",
    "audit.action.reply": "replied",
    "audit.action.cancel_approved": "approved the cancellation",
    "audit.action.cancel_rejected": "declined the cancellation request",
    "audit.action.process": "processed the order",
    "remind.deadline": (
        "⏰ <b>Order needs action</b> {invoice}\nDeadline {deadline} ({left}) · {total}"
    ),
    "remind.deadline_last": "{admins} this order is still waiting.",
    "remind.chat": "⏰ <b>{buyer}</b> has been waiting for an answer since {since} ({waited}).",
    "job.name.reminders": "reminders",
    "job.name.reconcile": "order &amp; chat check",
    "job.name.tokens": "token renewal",
    "job.name.summary": "daily summary",
    "job.name.housekeeping": "clean-up of old data",
    "job.failed": (
        "⚠️ Scheduled job <b>{job}</b> failed: {error}\nIt will be retried automatically."
    ),
    "job.recovered": "✅ Scheduled job <b>{job}</b> is working again.",
    "auth.revoked": (
        "🔌 Shop <b>{shop}</b> ({marketplace}) revoked tokobot's access. Chats and orders "
        "will not arrive until the shop owner authorizes it again."
    ),
    "auth.expiring": (
        "⏳ tokobot's authorization for <b>{shop}</b> ({marketplace}) ends {when}. "
        "Ask the shop owner to authorize again with the authorization link."
    ),
    "summary.title": "📊 <b>Summary for {day}</b>",
    "summary.orders": (
        "🛒 New orders: {new} ({new_value})\n✅ Accepted: {accepted} ({accepted_value})\n"
        "❌ Rejected: {rejected} ({rejected_value})\n"
        "🚫 Cancelled: {cancelled} ({cancelled_value})\n"
        "⏳ Still waiting: {pending} ({pending_value})"
    ),
    "summary.chats": "💬 Chats received: {received} · answered: {answered}",
    "summary.median": "⏱️ Median time to first response: {median}",
    "summary.median_none": "⏱️ No chat answered today yet.",
    "summary.oldest": "🕰️ Oldest unanswered chat: {buyer}, since {since} ({waited})",
    "summary.oldest_none": "🎉 No chat is waiting for an answer.",
    "summary.staff_title": "👥 <b>Per staff member</b>",
    "summary.staff_line": "{name}: {counts}",
    "summary.staff_none": "No staff actions today yet.",
    "cmd.need_order": (
        "Add the invoice number or order id, e.g. <code>/order INV/20261127/MPL/3456789012</code>."
    ),
    "cmd.reply_usage": (
        "Usage: /reply &lt;chat&gt; &lt;text&gt;, or simply reply to the buyer's chat message."
    ),
    "help.start": "👋 <b>Hi, I am tokobot.</b>\n"
    "I relay buyer chats and new orders from the marketplace to this group, "
    "and your replies back to the buyers.\n\n" + _COMMANDS_EN,
    "help.text": _COMMANDS_EN,
}

CATALOGUE: Mapping[str, Mapping[str, str]] = {"id": _ID, "en": _EN}

# Sent to the buyer through the marketplace with a rejection: Indonesian, polite, plain text,
# well under the 490-character limit of codes 7 and 8.
BUYER_REJECT_TEXTS: Mapping[int, str] = {
    0: "Mohon maaf, pesanan Anda belum dapat kami kirim karena ada kendala pengiriman. "
    "Terima kasih atas pengertiannya.",
    1: "Mohon maaf, stok produk yang Anda pesan sedang habis. "
    "Terima kasih sudah berbelanja di toko kami.",
    2: "Mohon maaf, varian produk yang Anda pilih sedang tidak tersedia. "
    "Silakan pilih varian lain. Terima kasih.",
    3: "Mohon maaf, ada kesalahan harga atau berat pada produk ini sehingga pesanan belum dapat "
    "kami proses. Terima kasih atas pengertiannya.",
    4: "Mohon maaf, toko kami sedang tutup sementara sehingga pesanan belum dapat kami proses. "
    "Terima kasih atas pengertiannya.",
    5: "Mohon maaf, pesanan Anda belum dapat kami proses saat ini. "
    "Terima kasih atas pengertiannya.",
    7: "Mohon maaf, ada kendala pada kurir yang dipilih sehingga pesanan belum dapat kami kirim. "
    "Terima kasih atas pengertiannya.",
    8: "Pesanan dibatalkan sesuai permintaan Anda. "
    "Terima kasih, semoga kami dapat melayani Anda lagi.",
}


def template(key: str, lang: str = DEFAULT_LANG) -> str:
    """The raw template for ``key`` in ``lang``, falling back to "id", then to the key."""
    return CATALOGUE.get(lang, _ID).get(key) or _ID.get(key) or escape(key)


def t(key: str, lang: str = DEFAULT_LANG, **values: object) -> Html:
    """The catalogue text for ``key`` as Telegram HTML, with ``values`` escaped and inserted."""
    safe = {k: v if isinstance(v, Html) else escape(str(v)) for k, v in values.items()}
    return Html(template(key, lang).format_map(safe))


def t_plain(key: str, lang: str = DEFAULT_LANG, **values: object) -> str:
    """The catalogue text for ``key`` as plain text, for places that take no markup."""
    plain = {k: visible_text(v) if isinstance(v, Html) else str(v) for k, v in values.items()}
    return visible_text(template(key, lang)).format_map(plain)


# --- dates and durations ------------------------------------------------------------------------


def _local(moment: datetime, tz: ZoneInfo) -> datetime:
    return aware(moment).astimezone(tz)


def _month(moment: datetime, lang: str) -> str:
    return template("fmt.months", lang).split()[moment.month - 1]


def format_datetime(
    moment: datetime, tz: ZoneInfo = DEFAULT_TZ, *, lang: str = DEFAULT_LANG
) -> str:
    """A moment in ``tz`` with its zone abbreviation: ``27 Nov 2026 10:32 WIB``."""
    local = _local(moment, tz)
    text = f"{local.day} {_month(local, lang)} {local.year} {local:%H:%M}"
    zone = local.tzname()
    return f"{text} {zone}" if zone else text


def format_date(day: date, *, lang: str = DEFAULT_LANG) -> str:
    """A calendar day: ``27 Nov 2026``."""
    return f"{day.day} {_month(datetime(day.year, day.month, 1, tzinfo=UTC), lang)} {day.year}"


def format_day_time(
    moment: datetime, tz: ZoneInfo = DEFAULT_TZ, *, lang: str = DEFAULT_LANG
) -> str:
    """A moment in ``tz``, compact for lists: ``27 Nov 10:32``."""
    local = _local(moment, tz)
    return f"{local.day} {_month(local, lang)} {local:%H:%M}"


def format_time(moment: datetime, tz: ZoneInfo = DEFAULT_TZ) -> str:
    """The clock time in ``tz``: ``10:32``."""
    return f"{_local(moment, tz):%H:%M}"


def format_duration(delta: timedelta, *, lang: str = DEFAULT_LANG) -> str:
    """A duration in words, to the minute: ``2 jam 15 menit``, ``35 menit``; sign ignored."""
    minutes = int(abs(delta).total_seconds()) // 60
    days, hours, minutes = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        key = "dur.days_hours" if hours else "dur.days"
    elif hours:
        key = "dur.hours_minutes" if minutes else "dur.hours"
    else:
        key = "dur.minutes" if minutes else "dur.under_minute"
    return t_plain(key, lang, days=days, hours=hours, minutes=minutes)
