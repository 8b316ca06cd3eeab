"""Buyer chats as staff see them: one relayed message, and the /chats list of waiting buyers.

Pure: domain values in, :class:`~bot.render.base.Rendered` out. A buyer's text is shown
exactly as written, so a long one may need :meth:`~bot.render.base.Rendered.chunks`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.values import BuyerMessage, Conversation
from bot.domain.vocab import ButtonAction
from bot.render.assignments import claim_row, with_handler
from bot.render.base import (
    Button,
    Rendered,
    button_rows,
    buyer_label,
    marketplace_label,
    platform_label,
    shop_label,
)
from bot.render.catalogue import format_datetime, format_duration, format_time, t, t_plain
from bot.render.chat_media import MediaNote, attachment_buttons, attachment_lines
from bot.render.formatting import (
    aware,
    chat_text_to_html,
    chat_text_to_plain,
    clip,
    escape,
)
from bot.render.templates import quick_reply_button

CHATS_LIST_MAX = 20

_PREVIEW_MAX = 60


def chat_buttons(ref: str, *, lang: str, handler: str = "") -> tuple[tuple[Button, ...], ...]:
    """A relayed buyer message's buttons; ``handler`` names who handles the chat, if anyone.

    Redrawing a message after a claim or a release uses these too, so every button a
    relayed message carries belongs here.
    """
    button = Button(t_plain("btn.reply", lang), ButtonAction.REPLY, ref)
    return ((button, quick_reply_button(ref, lang)), claim_row(ref, lang=lang, handler=handler))


def render_buyer_message(
    msg: BuyerMessage,
    shop_name: str,
    ref: str,
    *,
    lang: str,
    tz: ZoneInfo,
    handler: str = "",
    media: MediaNote | None = None,
) -> Rendered:
    """A buyer's chat message exactly as written, with who, where, when and its buttons.

    ``handler`` is whoever handles the conversation already; the message then says so.
    ``media`` is what became of its photo or video (``bot.render.chat_media``).
    """
    conv = msg.conversation
    body = chat_text_to_html(msg.text).strip()
    lines: list[str] = [
        t(
            "chat.header",
            lang,
            buyer=buyer_label(conv.buyer_name, lang),
            shop=shop_label(shop_name, conv.marketplace),
        ),
    ]
    shown = False
    if msg.attachment_kind:
        attached, shown = attachment_lines(msg, media, lang)
        lines.extend(attached)
    if (body and not shown) or not msg.attachment_kind:
        lines.append(f"<blockquote>{body}</blockquote>" if body else t("chat.empty", lang))
    platform = platform_label(conv.buyer_platform, lang=lang)
    if platform:
        lines.append(t("order.platform", lang, platform=platform))
    lines.append(t("chat.footer", lang, time=format_datetime(msg.received_at, tz, lang=lang)))
    text = with_handler("\n".join(lines), handler, lang=lang)
    extra = attachment_buttons(msg, media, lang)
    buttons = chat_buttons(ref, lang=lang, handler=handler)
    return Rendered(text, (*buttons, tuple(extra)) if extra else buttons)


def render_chats_list(
    chats: Sequence[tuple[Conversation, datetime, str, str]],
    *,
    now: datetime,
    lang: str,
    tz: ZoneInfo,
    handlers: Mapping[str, str] | None = None,
) -> Rendered:
    """Buyer chats waiting for a reply (/chats), oldest first, each with its age and a button.

    Each entry is ``(conversation, waiting_since, last_text, ref)``; ``handlers`` names the
    staff member handling each ref that has one.
    """
    if not chats:
        return Rendered(t("chats.empty", lang))
    shown = sorted(chats, key=lambda chat: aware(chat[1]).timestamp())[:CHATS_LIST_MAX]
    lines: list[str] = [t("chats.title", lang, count=len(chats))]
    buttons = []
    for number, (conv, since, last_text, ref) in enumerate(shown, start=1):
        buyer = clip(buyer_label(conv.buyer_name, lang), 32)
        duration = format_duration(aware(now) - aware(since), lang=lang)
        age = t_plain("time.ago", lang, duration=duration)
        waiting = f"⏱️ {age} ({format_time(since, tz)})"
        lines.append(
            f"{number}. <b>{escape(buyer)}</b> · "
            f"{escape(marketplace_label(conv.marketplace))} · {escape(waiting)}"
        )
        preview = clip(" ".join(chat_text_to_plain(last_text).split()), _PREVIEW_MAX)
        if preview:
            lines.append(f"   <i>{escape(preview)}</i>")
        handler = (handlers or {}).get(ref, "")
        if handler:
            lines.append(t("chats.handler", lang, name=clip(handler, 64)))
        buttons.append(
            Button(
                t_plain("btn.reply_to", lang, number=number, buyer=clip(buyer, 24)),
                ButtonAction.REPLY,
                ref,
            )
        )
    if len(chats) > len(shown):
        lines.append(t("common.more", lang, count=len(chats) - len(shown)))
    return Rendered("\n".join(lines), button_rows(buttons, 1))
