"""English texts of the staff catalogue: the same keys as :mod:`bot.render.texts_id`.

Telegram HTML templates for :func:`bot.render.catalogue.t`.
"""

from __future__ import annotations

from bot.render import texts_bulk, texts_chat_tools, texts_reminders, texts_returns

_COMMANDS = """\
<b>Commands</b>
/chats — buyer chats waiting for a reply
/mine — chats you handle
/orders — orders waiting for acceptance
/order &lt;invoice&gt; — show an order card
/accept &lt;invoice&gt; … — accept orders (several at once, too)
/reject &lt;invoice&gt; — reject an order
/reply &lt;chat&gt; &lt;text&gt; — answer a buyer without replying to their message
/t &lt;name&gt; — send a quick-reply template (reply to a buyer's chat message)
/templates — list the quick-reply templates
/template add &lt;name&gt; &lt;text&gt; — save a template ({{buyer}}, {{shop}} filled in)
/template del &lt;name&gt; — delete a template
/audit &lt;invoice&gt; — history of staff actions
/summary — summary of orders and chats
/help — this help

Tip: to answer a buyer, just <i>reply</i> to the chat message the bot relayed."""

TEXTS: dict[str, str] = {
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
    "state.to_ship": "To ship",
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
    # quick replies (templates) and the away message
    "btn.quick": "⚡ Quick reply",
    "audit.action.template": "sent a template",
    "audit.action.template_add": "saved a template",
    "audit.action.template_del": "deleted a template",
    "audit.action.away_reply": "away message while closed",
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
    "chat.photo_failed": "📷 the photo could not be fetched",
    "chat.video_failed": "🎬 the video could not be fetched",
    "media.shown": "📷 Photo shown.",
    "media.already_shown": "📷 This photo is shown already.",
    "chat.photo_gone": "📷 This photo can no longer be fetched; see it in Seller Center.",
    "chat.video_too_big": "🎬 Video {size}: too big for Telegram (at most {limit} MB)",
    "chat.product_line": "🛍️ Product card: <b>{name}</b>",
    "chat.product_open": "Open product",
    "chat.product_unavailable": "⚠️ product not active",
    "chat.price_line": "💰 {price}",
    "chat.order_line": "🧾 Order card: <code>{order}</code>",
    "btn.photo_retry": "🔁 Fetch the photo again",
    "btn.open_order": "🧾 Order card",
    "chat.media.image": "📷 Photo",
    "chat.media.video": "🎬 Video",
    "btn.show_image": "📷 Show photo",
    "btn.show_video": "🎬 Show video",
    "chat.footer": "🕒 {time}",
    "chatdigest.title": "💬 <b>{count} messages from {buyers} buyers</b> · {span}",
    "chatdigest.hint": (
        "⚡ Busy: buyer messages are combined so they show quickly. "
        "Tap a buyer's button to answer them."
    ),
    "chatdigest.more": "… <i>(+{count} characters; the whole text follows in its own message)</i>",
    "chatdigest.answer": "↩️ {buyer} #{short}",
    "chatdigest.topic": "💬 {buyer} #{short}",
    "chatdigest.media": "{label} · {buyer} #{short}",
    "chatdigest.order": "🧾 {order}",
    "chatdigest.topic_opened": (
        "📌 Topic for <b>{buyer}</b> · {shop}. Earlier messages are in the {link}."
    ),
    "chatdigest.link": "chat digest",
    "reply.digest_hint": (
        "👆 That message lists several buyers, so this reply was not sent. "
        "Tap a buyer's button under it, then write your answer."
    ),
    "order.new": "🛒 <b>New order</b>",
    "order.title": "🛒 <b>Order</b>",
    "order.invoice": "🧾 <code>{invoice}</code>",
    "order.buyer": "👤 {buyer}",
    "order.line": "• {quantity} × {name} — {price}",
    "order.line_each": "• {quantity} × {name} — {price} (@{unit})",
    "order.line_note": "   📝 <i>{note}</i>",
    "order.more_lines": "• … and {count} more products",
    "order.shipping_cost": "🚚 Shipping {amount}",
    "order.discount": "🏷️ Discount −{amount}",
    "order.total": "💰 Total <b>{total}</b>",
    "order.courier": "🚚 {courier}",
    "order.city": "📍 {city}",
    "order.deadline": "⏰ Accept by <b>{deadline}</b>",
    "order.ship_deadline": "🚚 Ship by <b>{deadline}</b> (cancelled automatically after that)",
    "order.platform": "📱 Via {platform}",
    "platform.android": "Android app",
    "platform.ios": "iOS app",
    "platform.web": "Web",
    "platform.mobile_web": "Mobile web",
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
    "btn.accept_all": "✅ Accept all ({count})",
    "btn.process_all": "▶️ Process all ({count})",
    "btn.bulk_yes": "✅ Yes, go ahead",
    "btn.bulk_no": "↩️ No",
    "btn.bulk_retry": "🔁 Retry the failed ({count})",
    "orders.title": "⏳ <b>Orders awaiting acceptance ({count})</b>",
    "orders.empty": "No orders are waiting for acceptance. 🎉",
    "chats.title": "💬 <b>Chats awaiting a reply ({count})</b>",
    "chats.empty": "No buyer chats are waiting for a reply. 👍",
    # who handles which conversation (claiming)
    "btn.claim": "🙋 I'll handle it",
    "btn.handled_by": "🙋 {name}",
    "btn.release": "✋ Release",
    "btn.take_over": "✅ Take over from {name}",
    "btn.keep": "↩️ Cancel",
    "chats.handler": "   🙋 {name}",
    "remind.chat_handler": "🙋 {handler}, you handle this chat.",
    "summary.answers_title": "💬 <b>Answers per staff member</b>",
    "summary.answers_line": "{name}: {count} answers · median first response {median}",
    "summary.answers_line_plain": "{name}: {count} answers",
    "audit.action.claim": "took the chat",
    "audit.action.takeover": "took the chat over",
    "audit.action.release": "released the chat",
    "audit.action.auto_release": "chat released automatically",
    "parked.text": (
        "⚠️ <b>Could not relay to the group</b>\n{description}\n"
        "Retried for hours; it has been set aside for an admin to check "
        "(replay it with <code>tokobot events retry</code>).\n"
        "Error: <code>{error}</code>"
    ),
    "group.moved": (
        "ℹ️ This group became a supergroup: tokobot now posts here.\n"
        "Admin: change <code>{old}</code> to <code>{new}</code> in "
        "<code>TELEGRAM_CHAT_ID</code>, <code>SHOP_GROUPS</code> or "
        "<code>TELEGRAM_OVERFLOW_CHAT_IDS</code> and restart tokobot."
    ),
    "group.elsewhere.order": (
        "⛔ This order belongs to a shop handled by another staff group; act on it there."
    ),
    "group.elsewhere.chat": (
        "⛔ This chat belongs to a shop handled by another staff group; answer it there."
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
    "reply.text_only_market": (
        "{marketplace} chats take text only: photos, stickers, voice, video and files are not "
        "sent to the buyer. Write the answer as text."
    ),
    "reply.media_photo_or_text": (
        "{marketplace} chats take text and photos; stickers, voice, video and files are not "
        "sent to the buyer."
    ),
    "reply.prompt_text_only": "Answer this question with text.",
    "reply.photo_too_big": "The photo is too big for the buyer (at most {limit} MB); not sent.",
    "reply.photo_unreadable": (
        "❌ The photo could not be read from Telegram; nothing reached the buyer yet."
    ),
    "reply.part_photo": "photo",
    "reply.part_text": "text",
    "reply.part_failed": (
        "Part {number} of {total} ({part}) failed; the parts before it arrived and are not "
        "sent twice."
    ),
    "reply.needs_target": (
        "To answer a buyer, reply to a chat message the bot relayed, or tap its Reply button."
    ),
    "reply.too_long": "The reply is too long: {length} characters (at most {max}).",
    "access.not_allowed": "⛔ You are not allowed to do this.",
    "access.anonymous": (
        "🕶️ Messages sent as a channel or as the group (anonymous admins, automatic "
        "forwards) run no commands and never reach buyers. Send from your own account; "
        'admins: turn off "Remain anonymous".'
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
    "audit.action.bulk_accept": "accepted the order (accept all)",
    "audit.action.bulk_process": "processed the order (process all)",
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
    "and your replies back to the buyers.\n\n" + _COMMANDS,
    "help.text": _COMMANDS,
}
TEXTS.update(texts_returns.EN)  # return and refund requests
TEXTS.update(texts_bulk.EN)  # bulk accept and process
TEXTS.update(texts_chat_tools.EN)  # quick replies, claiming, the away message, /mine
TEXTS.update(texts_reminders.EN)  # merged reminders
