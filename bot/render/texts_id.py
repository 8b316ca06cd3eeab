"""Indonesian texts: the staff catalogue's default language, and the texts sent to buyers.

Staff texts are Telegram HTML templates for :func:`bot.render.catalogue.t`; every key here
must also be in :mod:`bot.render.texts_en`.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.render import texts_bulk, texts_chat_tools, texts_reminders, texts_returns

_COMMANDS = """\
<b>Perintah</b>
/chats — chat pembeli yang menunggu balasan
/mine — chat yang Anda tangani
/orders — pesanan yang menunggu diterima
/order &lt;invoice&gt; — tampilkan kartu pesanan
/accept &lt;invoice&gt; … — terima pesanan (boleh beberapa sekaligus)
/reject &lt;invoice&gt; — tolak pesanan
/reply &lt;chat&gt; &lt;teks&gt; — balas pembeli tanpa menekan Balas pada pesannya
/t &lt;nama&gt; — kirim template balasan cepat (balas pesan chat pembeli)
/templates — daftar template balasan cepat
/template add &lt;nama&gt; &lt;teks&gt; — simpan template ({{buyer}}, {{shop}} diisi)
/template del &lt;nama&gt; — hapus template
/audit &lt;invoice&gt; — riwayat tindakan staf
/summary — ringkasan pesanan dan chat
/help — bantuan ini

Kiat: untuk membalas pembeli, cukup <i>Balas</i> pesan chat yang diteruskan bot."""

TEXTS: dict[str, str] = {
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
    "state.to_ship": "Perlu dikirim",
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
    # quick replies (templates) and the away message
    "btn.quick": "⚡ Balasan cepat",
    "audit.action.template": "mengirim template",
    "audit.action.template_add": "menyimpan template",
    "audit.action.template_del": "menghapus template",
    "audit.action.away_reply": "balasan otomatis saat toko tutup",
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
    "chat.photo_failed": "📷 foto tidak dapat diambil",
    "chat.video_failed": "🎬 video tidak dapat diambil",
    "media.shown": "📷 Foto ditampilkan.",
    "media.already_shown": "📷 Foto ini sudah ditampilkan.",
    "chat.photo_gone": "📷 Foto ini tidak dapat diambil lagi; lihat di Seller Center.",
    "chat.video_too_big": "🎬 Video {size}: terlalu besar untuk Telegram (maks. {limit} MB)",
    "chat.product_line": "🛍️ Kartu produk: <b>{name}</b>",
    "chat.product_open": "Buka produk",
    "chat.product_unavailable": "⚠️ produk tidak aktif",
    "chat.price_line": "💰 {price}",
    "chat.order_line": "🧾 Kartu pesanan: <code>{order}</code>",
    "btn.photo_retry": "🔁 Ambil foto lagi",
    "btn.open_order": "🧾 Kartu pesanan",
    "chat.media.image": "📷 Foto",
    "chat.media.video": "🎬 Video",
    "btn.show_image": "📷 Lihat foto",
    "btn.show_video": "🎬 Lihat video",
    "chat.footer": "🕒 {time}",
    "chatdigest.title": "💬 <b>{count} pesan dari {buyers} pembeli</b> · {span}",
    "chatdigest.hint": (
        "⚡ Sedang ramai: pesan pembeli digabung agar cepat tampil. "
        "Ketuk tombol pembeli untuk menjawabnya."
    ),
    "chatdigest.more": "… <i>(+{count} karakter; teks lengkap menyusul sebagai pesan sendiri)</i>",
    "chatdigest.answer": "↩️ {buyer} #{short}",
    "chatdigest.topic": "💬 {buyer} #{short}",
    "chatdigest.media": "{label} · {buyer} #{short}",
    "chatdigest.order": "🧾 {order}",
    "chatdigest.topic_opened": (
        "📌 Topik untuk <b>{buyer}</b> · {shop}. Pesan sebelumnya ada di {link}."
    ),
    "chatdigest.link": "ringkasan chat",
    "reply.digest_hint": (
        "👆 Pesan itu berisi beberapa pembeli, jadi balasan ini tidak dikirim. "
        "Ketuk tombol pembeli di bawah pesan itu, lalu tulis balasannya."
    ),
    # order card
    "order.new": "🛒 <b>Pesanan baru</b>",
    "order.title": "🛒 <b>Pesanan</b>",
    "order.invoice": "🧾 <code>{invoice}</code>",
    "order.buyer": "👤 {buyer}",
    "order.line": "• {quantity} × {name} — {price}",
    "order.line_each": "• {quantity} × {name} — {price} (@{unit})",
    "order.line_note": "   📝 <i>{note}</i>",
    "order.more_lines": "• … dan {count} produk lainnya",
    "order.shipping_cost": "🚚 Ongkos kirim {amount}",
    "order.discount": "🏷️ Diskon −{amount}",
    "order.total": "💰 Total <b>{total}</b>",
    "order.courier": "🚚 {courier}",
    "order.city": "📍 {city}",
    "order.deadline": "⏰ Terima sebelum <b>{deadline}</b>",
    "order.ship_deadline": "🚚 Kirim sebelum <b>{deadline}</b> (lewat itu dibatalkan otomatis)",
    "order.platform": "📱 Dari {platform}",
    "platform.android": "Aplikasi Android",
    "platform.ios": "Aplikasi iOS",
    "platform.web": "Web",
    "platform.mobile_web": "Web seluler",
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
    "btn.accept_all": "✅ Terima semua ({count})",
    "btn.process_all": "▶️ Proses semua ({count})",
    "btn.bulk_yes": "✅ Ya, lanjutkan",
    "btn.bulk_no": "↩️ Tidak",
    "btn.bulk_retry": "🔁 Coba lagi yang gagal ({count})",
    "orders.title": "⏳ <b>Pesanan menunggu diterima ({count})</b>",
    "orders.empty": "Tidak ada pesanan yang menunggu diterima. 🎉",
    "chats.title": "💬 <b>Chat menunggu balasan ({count})</b>",
    "chats.empty": "Semua chat pembeli sudah dibalas. 👍",
    # who handles which conversation (claiming)
    "btn.claim": "🙋 Saya tangani",
    "btn.handled_by": "🙋 {name}",
    "btn.release": "✋ Lepas",
    "btn.take_over": "✅ Ambil alih dari {name}",
    "btn.keep": "↩️ Batal",
    "chats.handler": "   🙋 {name}",
    "remind.chat_handler": "🙋 {handler}, chat ini Anda yang tangani.",
    "summary.answers_title": "💬 <b>Balasan per staf</b>",
    "summary.answers_line": "{name}: {count} balasan · median respons pertama {median}",
    "summary.answers_line_plain": "{name}: {count} balasan",
    "audit.action.claim": "menangani chat",
    "audit.action.takeover": "mengambil alih chat",
    "audit.action.release": "melepas chat",
    "audit.action.auto_release": "chat dilepas otomatis",
    # delivery problems
    "parked.text": (
        "⚠️ <b>Gagal meneruskan ke grup</b>\n{description}\n"
        "Sudah dicoba selama berjam-jam; data ini disisihkan untuk diperiksa admin "
        "(kirim ulang dengan <code>tokobot events retry</code>).\n"
        "Galat: <code>{error}</code>"
    ),
    "group.moved": (
        "ℹ️ Grup ini sudah menjadi supergrup: tokobot kini mengirim ke sini.\n"
        "Admin: ubah <code>{old}</code> menjadi <code>{new}</code> di "
        "<code>TELEGRAM_CHAT_ID</code>, <code>SHOP_GROUPS</code> atau "
        "<code>TELEGRAM_OVERFLOW_CHAT_IDS</code> lalu jalankan ulang tokobot."
    ),
    "group.elsewhere.order": (
        "⛔ Pesanan ini milik toko yang ditangani grup staf lain; tanggapi di grup itu."
    ),
    "group.elsewhere.chat": (
        "⛔ Chat ini milik toko yang ditangani grup staf lain; balas di grup itu."
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
    "reject.ask_reason": "✍️ Balas pesan ini dengan alasan untuk pembeli (maks. 490 karakter).",
    "reject.ask_close": (
        "🗓️ Toko tutup sampai kapan? Balas pesan ini dengan tanggal buka lagi (DD/MM/YYYY) "
        "lalu catatan untuk pembeli, mis. <code>17/05/2027 Libur Lebaran</code>."
    ),
    "reject.bad_close_date": "Tanggal tidak valid. Gunakan format DD/MM/YYYY, mis. 17/05/2027.",
    "reject.bad_code": "Kode alasan tidak dikenal. Pilihan: {codes}",
    # replies to buyers
    "reply.prompt": "✍️ Tulis balasan untuk <b>{buyer}</b> dengan membalas pesan ini.",
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
    "reply.text_only_market": (
        "Chat {marketplace} hanya menerima teks: foto, stiker, suara, video dan berkas tidak "
        "dikirim ke pembeli. Tulis balasannya sebagai teks."
    ),
    "reply.media_photo_or_text": (
        "Ke chat {marketplace} hanya bisa dikirim teks dan foto; stiker, suara, video dan "
        "berkas tidak dikirim ke pembeli."
    ),
    "reply.prompt_text_only": "Jawab pertanyaan ini dengan teks.",
    "reply.photo_too_big": "Foto terlalu besar untuk pembeli (maks. {limit} MB); tidak dikirim.",
    "reply.photo_unreadable": (
        "❌ Foto tidak dapat diambil dari Telegram; belum ada yang terkirim ke pembeli."
    ),
    "reply.part_photo": "foto",
    "reply.part_text": "teks",
    "reply.part_failed": (
        "Bagian {number} dari {total} ({part}) gagal; bagian sebelumnya sudah sampai dan tidak "
        "dikirim dua kali."
    ),
    "reply.needs_target": (
        "Untuk membalas pembeli, balas pesan chat yang diteruskan bot atau tekan tombol Balas."
    ),
    "reply.too_long": "Balasan terlalu panjang: {length} karakter (maks. {max}).",
    # access and buttons
    "access.not_allowed": "⛔ Anda tidak diizinkan melakukan ini.",
    "access.anonymous": (
        "🕶️ Pesan yang dikirim atas nama kanal atau grup (admin anonim, teruskan otomatis) "
        "tidak menjalankan perintah dan tidak sampai ke pembeli. Kirim dari akun Anda sendiri; "
        'admin: matikan "Tetap anonim".'
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
        "Cara pakai: /audit &lt;nomor invoice&gt;, atau balas pesan yang diteruskan bot "
        "dengan /audit."
    ),
    "audit.action.accept": "menerima pesanan",
    "audit.action.reject": "menolak pesanan",
    "audit.action.reply": "membalas",
    "audit.action.cancel_approved": "menyetujui pembatalan",
    "audit.action.cancel_rejected": "menolak permintaan batal",
    "audit.action.process": "memproses pesanan",
    "audit.action.bulk_accept": "menerima pesanan (terima semua)",
    "audit.action.bulk_process": "memproses pesanan (proses semua)",
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
        "Cara pakai: /reply &lt;chat&gt; &lt;teks&gt;, atau cukup balas pesan chat pembeli."
    ),
    "help.start": "👋 <b>Halo, saya tokobot.</b>\n"
    "Saya meneruskan chat pembeli dan pesanan baru dari marketplace ke grup ini, "
    "dan meneruskan balasan Anda ke pembeli.\n\n" + _COMMANDS,
    "help.text": _COMMANDS,
}
TEXTS.update(texts_returns.ID)  # return and refund requests
TEXTS.update(texts_bulk.ID)  # bulk accept and process
TEXTS.update(texts_chat_tools.ID)  # quick replies, claiming, the away message, /mine
TEXTS.update(texts_reminders.ID)  # merged reminders

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
