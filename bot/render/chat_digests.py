"""Buyer chats under a backlog: many buyers in one message, and one buyer's burst in one.

Pure: domain values in, :class:`~bot.render.base.Rendered` out. A chat digest lists each
buyer's name, shop and texts, with one answer button per conversation; a text too long
for a digest shows its beginning, says how much follows, and is shown whole in its own
message later (the relay does that). Nothing is cut without saying so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.domain.values import BuyerMessage, Conversation
from bot.domain.vocab import ButtonAction
from bot.render.base import Button, Rendered, button_rows, buyer_label, shop_label
from bot.render.catalogue import Html, format_time, t, t_plain
from bot.render.chats import render_buyer_message
from bot.render.formatting import (
    chat_text_to_html,
    chat_text_to_plain,
    clip,
    escape,
    escape_attr,
    utf16_len,
    visible_text,
)

# One answer button each, two to a row: 25 rows stay usable on a phone (Telegram allows 100).
CHAT_DIGEST_MAX_CONVERSATIONS = 50
# A digest's visible characters: one message (split_html cuts at 4,000 of Telegram's 4,096).
CHAT_DIGEST_TEXT_BUDGET = 3_990
_TITLE_WIDTH = 64  # "💬 9,999 pesan dari 999 pembeli · 23:59-23:59", with room to spare
# A longer text shows this much in a digest; the rest follows in the buyer's own message.
PREVIEW_CHARS = 400
_BUTTON_NAME = 14
_SHORT_MIN = 4
_KINDS = frozenset({"image", "video", "product", "order", "sticker", "file"})


@dataclass(frozen=True)
class DigestEntry:
    """One conversation's waiting messages (oldest first) as a digest lists them."""

    conversation: Conversation
    shop_name: str
    messages: tuple[BuyerMessage, ...]
    topic_url: str = ""  # topic mode: the buyer's topic, which the button opens instead


def is_long(message: BuyerMessage) -> bool:
    """Too long to show whole in a digest."""
    return utf16_len(message.text) > PREVIEW_CHARS


def topic_url(chat_id: int, thread_id: int) -> str:
    """A t.me link into a supergroup's forum topic ("" where Telegram has no such link)."""
    return _chat_link(chat_id, thread_id)


def message_url(chat_id: int, message_id: int) -> str:
    """A t.me link to one message of a supergroup ("" where Telegram has no such link)."""
    return _chat_link(chat_id, message_id)


def _chat_link(chat_id: int, tail: int) -> str:
    text = str(chat_id)
    # Only supergroups (-100…) have t.me/c links; the link uses the id without that prefix.
    if not text.startswith("-100"):
        return ""
    return f"https://t.me/c/{text[4:]}/{tail}"


def _message_html(message: BuyerMessage, lang: str) -> str:
    if message.attachment_kind:
        kind = message.attachment_kind if message.attachment_kind in _KINDS else "other"
        caption = chat_text_to_html(message.text).strip()
        return f"{t(f'chat.kind.{kind}', lang)} {caption}".strip()
    if is_long(message):
        plain = chat_text_to_plain(message.text)
        shown = clip(plain, PREVIEW_CHARS)
        rest = max(utf16_len(plain) - utf16_len(shown) + 1, 1)  # +1: "…" stands for one
        return f"{escape(shown)} {t('chatdigest.more', lang, count=rest)}"
    return chat_text_to_html(message.text).strip() or t("chat.empty", lang)


def _entry_html(entry: DigestEntry, short: str, *, lang: str) -> str:
    head = (
        f"👤 <b>{escape(buyer_label(entry.conversation.buyer_name, lang))}</b> "
        f"<code>#{escape(short)}</code>"
    )
    body = "\n".join(_message_html(message, lang) for message in entry.messages)
    return f"{head}\n<blockquote>{body}</blockquote>"


def _width(markup: str) -> int:
    return utf16_len(visible_text(markup))


def entry_size(entry: DigestEntry, *, lang: str) -> int:
    """The visible characters an entry takes in a digest (with a worst-case short id)."""
    return _width(_entry_html(entry, "0" * 8, lang=lang)) + 1


def _shop_header(entry: DigestEntry) -> str:
    label = shop_label(entry.shop_name, entry.conversation.marketplace)
    return f"\n🏪 <b>{escape(label)}</b>"


def pack(entries: Sequence[DigestEntry], *, lang: str) -> list[list[DigestEntry]]:
    """Entries in digests, in order, each digest one Telegram message with its buttons.

    A conversation whose messages do not fit the room left is split between digests, so
    no digest needs a second message.
    """
    fixed = _TITLE_WIDTH + _width(t("chatdigest.hint", lang)) + 2
    digests: list[list[DigestEntry]] = []
    current: list[DigestEntry] = []
    used = fixed
    shop: tuple[str, str] | None = None

    def close() -> None:
        nonlocal current, used, shop
        if current:
            digests.append(current)
        current, used, shop = [], fixed, None

    def cost(part: DigestEntry) -> int:
        here = (part.conversation.marketplace.value, part.shop_name)
        header = 0 if here == shop else _width(_shop_header(part)) + 1
        return entry_size(part, lang=lang) + header

    def add(part: DigestEntry) -> None:
        nonlocal used, shop
        used += cost(part)
        shop = (part.conversation.marketplace.value, part.shop_name)
        current.append(part)

    for entry in entries:
        kept: list[BuyerMessage] = []
        for message in entry.messages:
            part = DigestEntry(entry.conversation, entry.shop_name, (*kept, message))
            fits = used + cost(part) <= CHAT_DIGEST_TEXT_BUDGET
            if kept and not fits:
                add(DigestEntry(entry.conversation, entry.shop_name, tuple(kept), entry.topic_url))
                close()
                kept = [message]
            elif not kept and (len(current) >= CHAT_DIGEST_MAX_CONVERSATIONS or not fits):
                close()
                kept = [message]
            else:
                kept.append(message)
        if kept:
            add(DigestEntry(entry.conversation, entry.shop_name, tuple(kept), entry.topic_url))
    close()
    return digests


def short_refs(refs: Sequence[str]) -> list[str]:
    """The ends of conversation ids, lengthened until they tell the given ones apart."""
    unique = list(dict.fromkeys(refs))
    longest = max((len(ref) for ref in unique), default=0)
    for size in range(_SHORT_MIN, longest + 1):
        ends = {ref: ref[-size:] for ref in unique}
        if len(set(ends.values())) == len(unique):
            return [ends[ref] for ref in refs]
    return list(refs)


def render_chat_digest(entries: Sequence[DigestEntry], *, lang: str, tz: ZoneInfo) -> Rendered:
    """Many buyers' messages in one message, by shop, with one answer button per buyer.

    The button opens a reply prompt addressed to that conversation (``ButtonAction.REPLY``,
    ref = conversation id), or, where the buyer has a topic, opens the topic.
    """
    shorts = short_refs([entry.conversation.conversation_id for entry in entries])
    count = sum(len(entry.messages) for entry in entries)
    buyers = len({_key(entry) for entry in entries})
    times = [message.received_at for entry in entries for message in entry.messages]
    first, last = format_time(min(times), tz), format_time(max(times), tz)
    span = first if first == last else f"{first}–{last}"
    lines: list[str] = [t("chatdigest.title", lang, count=count, buyers=buyers, span=span)]
    shop: tuple[str, str] | None = None
    for entry, short in zip(entries, shorts, strict=True):
        here = (entry.conversation.marketplace.value, entry.shop_name)
        if here != shop:
            shop = here
            lines.append(_shop_header(entry))
        lines.append(_entry_html(entry, short, lang=lang))
    lines.append(f"\n{t('chatdigest.hint', lang)}")
    buttons: list[Button] = []
    seen: set[tuple[str, str, str]] = set()
    for entry, short in zip(entries, shorts, strict=True):
        if _key(entry) in seen:
            continue
        seen.add(_key(entry))
        name = clip(buyer_label(entry.conversation.buyer_name, lang), _BUTTON_NAME)
        ref = entry.conversation.conversation_id
        if entry.topic_url:
            label = t_plain("chatdigest.topic", lang, buyer=name, short=short)
            buttons.append(Button(label, ButtonAction.REPLY, ref, url=entry.topic_url))
        else:
            label = t_plain("chatdigest.answer", lang, buyer=name, short=short)
            buttons.append(Button(label, ButtonAction.REPLY, ref))
    return Rendered("\n".join(lines), button_rows(buttons, 2))


def _key(entry: DigestEntry) -> tuple[str, str, str]:
    conv = entry.conversation
    return conv.marketplace.value, conv.shop_id, conv.conversation_id


def render_buyer_burst(
    messages: Sequence[BuyerMessage], shop_name: str, ref: str, *, lang: str, tz: ZoneInfo
) -> Rendered:
    """One buyer's consecutive text messages as the buyer's own message, with its buttons."""
    last = messages[-1]
    if len(messages) == 1:
        return render_buyer_message(last, shop_name, ref, lang=lang, tz=tz)
    joined = "\n\n".join(message.text for message in messages)
    return render_buyer_message(
        last.model_copy(update={"text": joined}), shop_name, ref, lang=lang, tz=tz
    )


def render_topic_opened(
    conv: Conversation, shop_name: str, digest_url: str, ref: str, *, lang: str
) -> Rendered:
    """The first message in a topic opened after the buyer was announced in a digest."""
    link = (
        f'<a href="{escape_attr(digest_url)}">{t("chatdigest.link", lang)}</a>'
        if digest_url
        else t("chatdigest.link", lang)
    )
    text = t(
        "chatdigest.topic_opened",
        lang,
        buyer=buyer_label(conv.buyer_name, lang),
        shop=shop_label(shop_name, conv.marketplace),
        link=Html(link),
    )
    button = Button(t_plain("btn.reply", lang), ButtonAction.REPLY, ref)
    return Rendered(text, ((button,),))
