"""Staff texts of merged reminders (``bot.render.reminders``), in both languages.

Kept apart from :mod:`bot.render.texts_id` and :mod:`bot.render.texts_en` (which merge
them in) only because those modules are at the size limit; the keys follow the same rules.
"""

from __future__ import annotations

ID: dict[str, str] = {
    "remind.many_deadline": "⏰ <b>{count} pesanan mendekati batas terima</b>",
    "remind.many_part": "(bagian {part} dari {parts})",
    "remind.many_order": "<b>{number}.</b> <code>{invoice}</code> · {buyer} · {deadline} ({left})",
    "remind.many_deadline_last": "{admins} ada pesanan hampir lewat batas yang belum diproses.",
    "remind.many_open": "🧾 {number}",
    "remind.many_hint": "Ketuk nomornya untuk membuka kartu pesanan dan memprosesnya.",
    "remind.many_chats": "💬 <b>{count} chat belum dijawab</b>",
    "remind.many_chat": "<b>{number}.</b> <b>{buyer}</b> · {shop} · sejak {since} ({waited})",
}

EN: dict[str, str] = {
    "remind.many_deadline": "⏰ <b>{count} orders nearing their acceptance deadline</b>",
    "remind.many_part": "(part {part} of {parts})",
    "remind.many_order": "<b>{number}.</b> <code>{invoice}</code> · {buyer} · {deadline} ({left})",
    "remind.many_deadline_last": "{admins} some orders are nearly out of time.",
    "remind.many_open": "🧾 {number}",
    "remind.many_hint": "Tap a number to open the order's card and act on it.",
    "remind.many_chats": "💬 <b>{count} chats not answered yet</b>",
    "remind.many_chat": "<b>{number}.</b> <b>{buyer}</b> · {shop} · since {since} ({waited})",
}
