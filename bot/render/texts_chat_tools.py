"""Staff texts of the tools for answering chats: quick replies (templates), claiming a
chat, the away message and ``/mine``, in both languages.

Kept apart from :mod:`bot.render.texts_id` and :mod:`bot.render.texts_en` (which merge
them in) only to keep those modules within the size limit; the keys follow the same rules.
"""

from __future__ import annotations

ID: dict[str, str] = {
    "tpl.menu": "⚡ <b>Balasan cepat</b> untuk {buyer}: pilih template.",
    "tpl.none": "Belum ada template. Simpan dulu dengan /template add &lt;nama&gt; &lt;teks&gt;.",
    "tpl.list_title": "⚡ <b>Template balasan cepat</b> ({count})",
    "tpl.list_line": "<b>{name}</b> · dipakai {uses}×\n<blockquote>{text}</blockquote>",
    "tpl.usage": (
        "Cara pakai: /template add &lt;nama&gt; &lt;teks&gt; untuk menyimpan, "
        "/template del &lt;nama&gt; untuk menghapus, /templates untuk melihat semuanya."
    ),
    "tpl.t_usage": (
        "Cara pakai: balas pesan chat pembeli dengan /t &lt;nama&gt;. Lihat /templates."
    ),
    "tpl.bad_name": (
        "Nama template harus satu kata (huruf, angka, - atau _), paling banyak {max} karakter."
    ),
    "tpl.added": "✅ Template <b>{name}</b> disimpan.",
    "tpl.exists": "Template <b>{name}</b> sudah ada. Hapus dulu dengan /template del {name}.",
    "tpl.deleted": "🗑️ Template <b>{name}</b> dihapus.",
    "tpl.missing": "🔍 Template <b>{name}</b> tidak ada. Lihat /templates.",
    "tpl.bad_placeholder": "Isian tidak dikenal: {unknown}. Isian yang bisa dipakai: {known}.",
    "tpl.bad_brace": (
        "Kurung kurawal tanpa pasangan. Isian yang bisa dipakai: {known}; "
        "tulis {{{{ atau }}}} untuk kurung kurawal biasa."
    ),
    "tpl.too_long": (
        "Template terlalu panjang: {length} karakter dengan nama terpanjang terisi "
        "(Tokopedia &amp; Shop menerima paling banyak {max} per pesan)."
    ),
    "tpl.sent_by": "⚡ Template <b>{name}</b> · {staff}",
    "away.sent": "🤖 balasan otomatis terkirim",
    "away.failed": "🤖 balasan otomatis tidak terkirim: {reason}",
    "away.unknown": (
        "🤖 balasan otomatis mungkin terkirim, tetapi belum pasti; tidak dikirim ulang."
    ),
    "away.cannot_message": "pembeli ini tidak bisa dikirimi pesan oleh toko saat ini",
    "away.too_long": "teks terlalu panjang untuk satu pesan",
    "claim.line": "🙋 Ditangani oleh <b>{name}</b>",
    "claim.done": "🙋 Sekarang Anda yang menangani chat ini.",
    "claim.yours": "🙋 Anda sudah menangani chat ini.",
    "claim.taken": "🙋 Chat ini ditangani oleh {name}.",
    "claim.confirm": "🙋 Ditangani oleh {name}. Tekan ✅ untuk mengambil alih.",
    "claim.took_over": "🙋 Anda mengambil alih chat ini dari {name}.",
    "claim.changed": "Penanganan chat ini baru saja berubah; lihat lagi pesannya.",
    "claim.released": "✋ Chat ini dilepas; siapa pun boleh menanganinya.",
    "claim.not_yours": "Hanya {name} atau admin yang boleh melepas chat ini.",
    "claim.nobody": "Chat ini tidak sedang ditangani siapa pun.",
    "mine.title": "🙋 <b>Chat yang Anda tangani ({count})</b>",
    "mine.empty": (
        "Anda tidak sedang menangani chat apa pun. Tekan 🙋 Saya tangani pada pesan pembeli."
    ),
    "mine.answered": "✅ sudah dibalas",
}

EN: dict[str, str] = {
    "tpl.menu": "⚡ <b>Quick reply</b> to {buyer}: pick a template.",
    "tpl.none": "No templates yet. Save one with /template add &lt;name&gt; &lt;text&gt;.",
    "tpl.list_title": "⚡ <b>Quick-reply templates</b> ({count})",
    "tpl.list_line": "<b>{name}</b> · used {uses}×\n<blockquote>{text}</blockquote>",
    "tpl.usage": (
        "Usage: /template add &lt;name&gt; &lt;text&gt; to save, "
        "/template del &lt;name&gt; to delete, /templates to see them all."
    ),
    "tpl.t_usage": "Usage: reply to a buyer's chat message with /t &lt;name&gt;. See /templates.",
    "tpl.bad_name": (
        "A template name is one word (letters, digits, - or _), at most {max} characters."
    ),
    "tpl.added": "✅ Template <b>{name}</b> saved.",
    "tpl.exists": "Template <b>{name}</b> already exists. Delete it first: /template del {name}.",
    "tpl.deleted": "🗑️ Template <b>{name}</b> deleted.",
    "tpl.missing": "🔍 There is no template <b>{name}</b>. See /templates.",
    "tpl.bad_placeholder": "Unknown placeholder: {unknown}. Known placeholders: {known}.",
    "tpl.bad_brace": (
        "A brace without its pair. Known placeholders: {known}; "
        "write {{{{ or }}}} for a literal brace."
    ),
    "tpl.too_long": (
        "Template too long: {length} characters with the longest names filled in "
        "(Tokopedia &amp; Shop takes at most {max} per message)."
    ),
    "tpl.sent_by": "⚡ Template <b>{name}</b> · {staff}",
    "away.sent": "🤖 away message sent",
    "away.failed": "🤖 away message not sent: {reason}",
    "away.unknown": "🤖 away message may have been sent, but it is not certain; not sent again.",
    "away.cannot_message": "the shop may not message this buyer right now",
    "away.too_long": "the text is too long for one message",
    "claim.line": "🙋 Handled by <b>{name}</b>",
    "claim.done": "🙋 You now handle this chat.",
    "claim.yours": "🙋 You already handle this chat.",
    "claim.taken": "🙋 {name} handles this chat.",
    "claim.confirm": "🙋 Handled by {name}. Press ✅ to take it over.",
    "claim.took_over": "🙋 You took this chat over from {name}.",
    "claim.changed": "Who handles this chat just changed; look at the message again.",
    "claim.released": "✋ This chat is released; anyone may handle it.",
    "claim.not_yours": "Only {name} or an admin may release this chat.",
    "claim.nobody": "Nobody handles this chat now.",
    "mine.title": "🙋 <b>Chats you handle ({count})</b>",
    "mine.empty": "You handle no chats now. Press 🙋 I'll handle it on a buyer's message.",
    "mine.answered": "✅ answered",
}
