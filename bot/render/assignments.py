"""Who handles a buyer conversation, as staff see it: the line and buttons on a relayed
message, the takeover question, and /mine.

Pure: values in, text and :class:`~bot.render.base.Button` rows out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.values import Conversation
from bot.domain.vocab import ButtonAction
from bot.render.base import Button, Rendered, button_rows, buyer_label, marketplace_label
from bot.render.catalogue import LANGUAGES, format_duration, format_time, t, t_plain, template
from bot.render.formatting import (
    TELEGRAM_TEXT_LIMIT,
    aware,
    chat_text_to_plain,
    clip,
    escape,
    utf16_len,
    visible_text,
)

MINE_MAX = 20
_NAME_IN_BUTTON = 24
_PREVIEW_MAX = 60


def handler_line(name: str, *, lang: str) -> str:
    return t("claim.line", lang, name=clip(name, 64))


def with_handler(html: str, handler: str, *, lang: str) -> str:
    """A relayed message's text (one chunk) with the line naming its handler, if any.

    A chunk already at Telegram's limit keeps its text; its button still names the handler.
    """
    if not handler:
        return html
    shown = f"{html}\n{handler_line(handler, lang=lang)}"
    return shown if utf16_len(visible_text(shown)) <= TELEGRAM_TEXT_LIMIT else html


def without_handler(html: str) -> str:
    """The text without its handler's line, as the relay drew it before anyone claimed it."""
    head, sep, last = html.rpartition("\n")
    if not sep:
        return html
    prefixes = {
        visible_text(template("claim.line", lang).split("{name}")[0]) for lang in LANGUAGES
    }
    if any(visible_text(last).startswith(prefix) for prefix in prefixes):
        return head
    return html


def claim_row(ref: str, *, lang: str, handler: str = "") -> tuple[Button, ...]:
    """🙋 Saya tangani; or, once someone handles it, their name and Lepas."""
    if not handler:
        return (Button(t_plain("btn.claim", lang), ButtonAction.CLAIM, ref),)
    name = clip(handler, _NAME_IN_BUTTON)
    return (
        Button(t_plain("btn.handled_by", lang, name=name), ButtonAction.CLAIM, ref),
        Button(t_plain("btn.release", lang), ButtonAction.CLAIM_RELEASE, ref),
    )


def takeover_buttons(
    ref: str, handler_id: int, handler: str, *, lang: str
) -> tuple[tuple[Button, ...], ...]:
    """The question before taking a conversation over: confirm, or leave it be."""
    name = clip(handler, _NAME_IN_BUTTON)
    confirm = Button(
        t_plain("btn.take_over", lang, name=name),
        ButtonAction.CLAIM_TAKEOVER,
        f"{handler_id}:{ref}",
    )
    return ((confirm,), (Button(t_plain("btn.keep", lang), ButtonAction.CLAIM_KEEP, ref),))


def takeover_ref(ref: str) -> tuple[int, str] | None:
    """(expected handler id, conversation) from a takeover button's ref."""
    head, sep, conversation = ref.partition(":")
    if not sep or not head.lstrip("-").isdigit():
        return None
    return int(head), conversation


@dataclass(frozen=True)
class MyChat:
    """One conversation in /mine."""

    conversation: Conversation
    ref: str
    waiting_since: datetime | None  # None: answered, nothing waiting
    last_text: str


def mine_order(chats: Sequence[MyChat]) -> list[MyChat]:
    """Waiting ones first, longest wait first; then the rest."""
    waiting = sorted(
        (c for c in chats if c.waiting_since is not None),
        key=lambda c: aware(c.waiting_since).timestamp() if c.waiting_since else 0.0,
    )
    return waiting + [c for c in chats if c.waiting_since is None]


def render_mine(chats: Sequence[MyChat], *, now: datetime, lang: str, tz: ZoneInfo) -> Rendered:
    """/mine: the conversations the asker handles, waiting ones first, each with Balas."""
    if not chats:
        return Rendered(t("mine.empty", lang))
    ordered = mine_order(chats)
    shown = ordered[:MINE_MAX]
    lines: list[str] = [t("mine.title", lang, count=len(chats))]
    buttons = []
    for number, chat in enumerate(shown, start=1):
        buyer = clip(buyer_label(chat.conversation.buyer_name, lang), 32)
        if chat.waiting_since is not None:
            since = chat.waiting_since
            age = t_plain(
                "time.ago", lang, duration=format_duration(aware(now) - aware(since), lang=lang)
            )
            state = f"⏱️ {age} ({format_time(since, tz)})"
        else:
            state = t_plain("mine.answered", lang)
        lines.append(
            f"{number}. <b>{escape(buyer)}</b> · "
            f"{escape(marketplace_label(chat.conversation.marketplace))} · {escape(state)}"
        )
        preview = clip(" ".join(chat_text_to_plain(chat.last_text).split()), _PREVIEW_MAX)
        if preview:
            lines.append(f"   <i>{escape(preview)}</i>")
        buttons.append(
            Button(
                t_plain("btn.reply_to", lang, number=number, buyer=clip(buyer, 24)),
                ButtonAction.REPLY,
                chat.ref,
            )
        )
    if len(chats) > len(shown):
        lines.append(t("common.more", lang, count=len(chats) - len(shown)))
    return Rendered("\n".join(lines), button_rows(buttons, 1))
