"""Buyer chats under a backlog: many buyers in one message, and one buyer's burst in one.

Pure: domain values in, :class:`~bot.render.base.Rendered` out. A chat digest lists each
buyer's name, shop and texts, with one answer button per conversation; a text too long
for a digest shows its beginning, says how much follows, and is shown whole in its own
message later (the relay does that). Nothing is cut without saying so.

Attachments are lines as well, so a sale day's photos cost no message each. A photo or
video reads "📷 Foto" with its caption as written, and gets a button that posts it under
the digest when pressed (``ButtonAction.SHOW_MEDIA``, handled by ``bot.staff.media_show``).
Cards read as ``bot.render.chat_media`` words them; an order card keeps its button to
tokobot's order card while the keyboard has room, else its line with the number suffices.
A photo whose caption is too long for the digest gets no button: it follows whole, as a
photo, with the rest of its text.

The keyboard. Telegram allows 100 buttons on a message. There is one photo button per
photo (each press shows one picture, once), not one per buyer: a button then never posts
a burst of pictures the group's budget must carry at once. ``pack`` keeps a digest's answer
buttons (one per conversation, at most 50) and photo buttons within 96 together and starts
the next digest before a photo whose button would not fit; 96 leaves a digest of a single
buyer, drawn as the buyer's own message, room for that message's three buttons. Answers
come first, two to a row, then photos, then order cards while the 100 allow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.domain.values import BuyerMessage, Conversation
from bot.domain.vocab import ButtonAction
from bot.render.base import (
    Button,
    Rendered,
    button_rows,
    buyer_label,
    platform_label,
    shop_label,
)
from bot.render.catalogue import format_datetime, format_time, t, t_plain
from bot.render.chat_media import (
    attachment_lines,
    is_media,
    media_line,
    media_ref,
    show_media_label,
)
from bot.render.chats import chat_buttons, render_buyer_message
from bot.render.formatting import (
    chat_text_to_html,
    chat_text_to_plain,
    clip,
    escape,
    utf16_len,
    visible_text,
)

# One answer button each, two to a row: 25 rows stay usable on a phone (Telegram allows 100).
CHAT_DIGEST_MAX_CONVERSATIONS = 50
TELEGRAM_MAX_BUTTONS = 100
# Answers and photo buttons together; the rest of the 100 is for a single buyer's own three
# buttons (``render_buyer_burst``) and, room permitting, order cards.
CHAT_DIGEST_MAX_BUTTONS = 96
# A digest's visible characters: one message (split_html cuts at 4,000 of Telegram's 4,096).
CHAT_DIGEST_TEXT_BUDGET = 3_990
_TITLE_WIDTH = 64  # "💬 9,999 pesan dari 999 pembeli · 23:59-23:59", with room to spare
# A longer text shows this much in a digest; the rest follows in the buyer's own message.
PREVIEW_CHARS = 400
_BUTTON_NAME = 14
_SHORT_MIN = 4


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


def shows_media(message: BuyerMessage) -> bool:
    """A photo or video a digest offers to show; a long one follows whole instead."""
    return is_media(message) and not is_long(message)


def _media_numbers(messages: Sequence[BuyerMessage]) -> list[int]:
    """Each message's number among its entry's photos and videos; 0 when there is one or none."""
    if sum(is_media(message) for message in messages) < 2:
        return [0] * len(messages)
    numbers: list[int] = []
    count = 0
    for message in messages:
        count += 1 if is_media(message) else 0
        numbers.append(count if is_media(message) else 0)
    return numbers


def _text_html(message: BuyerMessage, lang: str, *, bare: bool) -> str:
    if is_long(message):
        plain = chat_text_to_plain(message.text)
        shown = clip(plain, PREVIEW_CHARS)
        rest = max(utf16_len(plain) - utf16_len(shown) + 1, 1)  # +1: "…" stands for one
        return f"{escape(shown)} {t('chatdigest.more', lang, count=rest)}"
    text = chat_text_to_html(message.text).strip()
    return text or (t("chat.empty", lang) if bare else "")


def _message_html(message: BuyerMessage, lang: str, number: int = 0) -> str:
    """One message as a digest line: its text, or what it attached and then its caption."""
    attached: list[str] = []
    shown = False  # the attachment's lines already show the text (a card's own words)
    if is_media(message):
        attached = [media_line(message, lang, number)]
    elif message.attachment_kind:
        attached, shown = attachment_lines(message, None, lang)
    text = "" if shown else _text_html(message, lang, bare=not attached)
    return " · ".join(part for part in ("\n".join(attached), text) if part)


def _entry_html(entry: DigestEntry, short: str, *, lang: str) -> str:
    head = (
        f"👤 <b>{escape(buyer_label(entry.conversation.buyer_name, lang))}</b> "
        f"<code>#{escape(short)}</code>"
    )
    numbers = _media_numbers(entry.messages)
    body = "\n".join(
        _message_html(message, lang, number)
        for message, number in zip(entry.messages, numbers, strict=True)
    )
    return f"{head}\n<blockquote>{body}</blockquote>"


def _buttons_of(entry: DigestEntry) -> int:
    """The buttons an entry needs in a digest: its answer and one per photo shown."""
    return 1 + sum(shows_media(message) for message in entry.messages)


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

    A conversation whose messages do not fit the room left (text, or buttons: an answer
    and one per photo, ``CHAT_DIGEST_MAX_BUTTONS``) is split between digests, so no digest
    needs a second message.
    """
    fixed = _TITLE_WIDTH + _width(t("chatdigest.hint", lang)) + 2
    digests: list[list[DigestEntry]] = []
    current: list[DigestEntry] = []
    used = fixed
    buttons = 0
    shop: tuple[str, str] | None = None

    def close() -> None:
        nonlocal current, used, buttons, shop
        if current:
            digests.append(current)
        current, used, buttons, shop = [], fixed, 0, None

    def cost(part: DigestEntry) -> int:
        here = (part.conversation.marketplace.value, part.shop_name)
        header = 0 if here == shop else _width(_shop_header(part)) + 1
        return entry_size(part, lang=lang) + header

    def add(part: DigestEntry) -> None:
        nonlocal used, buttons, shop
        used += cost(part)
        buttons += _buttons_of(part)
        shop = (part.conversation.marketplace.value, part.shop_name)
        current.append(part)

    for entry in entries:
        kept: list[BuyerMessage] = []
        for message in entry.messages:
            part = DigestEntry(entry.conversation, entry.shop_name, (*kept, message))
            fits = (
                used + cost(part) <= CHAT_DIGEST_TEXT_BUDGET
                and buttons + _buttons_of(part) <= CHAT_DIGEST_MAX_BUTTONS
            )
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
    ref = conversation id), or, where the buyer has a topic, opens the topic. Photos and
    order cards get their own buttons after the answers (see the module's docstring).
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
    answers: list[Button] = []
    photos: list[Button] = []
    seen: set[tuple[str, str, str]] = set()
    for entry, short in zip(entries, shorts, strict=True):
        name = clip(buyer_label(entry.conversation.buyer_name, lang), _BUTTON_NAME)
        photos.extend(_photo_buttons(entry, name, short, lang))
        if _key(entry) in seen:
            continue
        seen.add(_key(entry))
        ref = entry.conversation.conversation_id
        if entry.topic_url:
            label = t_plain("chatdigest.topic", lang, buyer=name, short=short)
            answers.append(Button(label, ButtonAction.REPLY, ref, url=entry.topic_url))
        else:
            label = t_plain("chatdigest.answer", lang, buyer=name, short=short)
            answers.append(Button(label, ButtonAction.REPLY, ref))
    messages = [message for entry in entries for message in entry.messages]
    room = TELEGRAM_MAX_BUTTONS - len(answers) - len(photos)
    orders = _order_buttons(messages, lang)[: max(room, 0)]
    rows = (*button_rows(answers, 2), *button_rows(photos, 2), *button_rows(orders, 2))
    return Rendered("\n".join(lines), rows)


def _photo_buttons(entry: DigestEntry, name: str, short: str, lang: str) -> list[Button]:
    numbers = _media_numbers(entry.messages)
    return [
        Button(
            t_plain(
                "chatdigest.media",
                lang,
                label=show_media_label(message, lang, number),
                buyer=name,
                short=short,
            ),
            ButtonAction.SHOW_MEDIA,
            media_ref(message),
        )
        for message, number in zip(entry.messages, numbers, strict=True)
        if shows_media(message)
    ]


def _order_buttons(messages: Sequence[BuyerMessage], lang: str) -> list[Button]:
    """A button to tokobot's order card for each order card shown, once per order."""
    orders = dict.fromkeys(
        message.attachment_ref.strip()
        for message in messages
        if message.attachment_kind == "order" and message.attachment_ref.strip()
    )
    return [
        Button(t_plain("chatdigest.order", lang, order=order), ButtonAction.ORDER, order)
        for order in orders
    ]


def _key(entry: DigestEntry) -> tuple[str, str, str]:
    conv = entry.conversation
    return conv.marketplace.value, conv.shop_id, conv.conversation_id


def render_buyer_burst(
    messages: Sequence[BuyerMessage], shop_name: str, ref: str, *, lang: str, tz: ZoneInfo
) -> Rendered:
    """One buyer's consecutive messages as the buyer's own message, with its buttons.

    Texts are joined as written. A photo or video among them is a line with a button that
    shows it (as in a digest); a card is its line, an order card with its button.
    """
    last = messages[-1]
    if any(message.attachment_kind for message in messages):
        return _burst_with_attachments(messages, shop_name, ref, lang=lang, tz=tz)
    if len(messages) == 1:
        return render_buyer_message(last, shop_name, ref, lang=lang, tz=tz)
    joined = "\n\n".join(message.text for message in messages)
    return render_buyer_message(
        last.model_copy(update={"text": joined}), shop_name, ref, lang=lang, tz=tz
    )


def _burst_with_attachments(
    messages: Sequence[BuyerMessage], shop_name: str, ref: str, *, lang: str, tz: ZoneInfo
) -> Rendered:
    """The burst drawn like ``render_buyer_message``, each attachment as a line in order."""
    last = messages[-1]
    conv = last.conversation
    buyer, shop = buyer_label(conv.buyer_name, lang), shop_label(shop_name, conv.marketplace)
    lines: list[str] = [t("chat.header", lang, buyer=buyer, shop=shop)]
    texts: list[str] = []  # consecutive texts, quoted together as a text-only burst is

    def quote(text: str) -> None:
        body = chat_text_to_html(text).strip()
        lines.append(f"<blockquote>{body}</blockquote>" if body else t("chat.empty", lang))

    photos: list[Button] = []
    for message, number in zip(messages, _media_numbers(messages), strict=True):
        if not message.attachment_kind:
            texts.append(message.text)
            continue
        if texts:
            quote("\n\n".join(texts))
            texts.clear()
        shown = False  # the attachment's lines already show the text (a card's own words)
        if is_media(message):
            lines.append(media_line(message, lang, number))
            label = show_media_label(message, lang, number)
            photos.append(Button(label, ButtonAction.SHOW_MEDIA, media_ref(message)))
        else:
            attached, shown = attachment_lines(message, None, lang)
            lines.extend(attached)
        if message.text.strip() and not shown:
            quote(message.text)
    if texts:
        quote("\n\n".join(texts))
    platform = platform_label(conv.buyer_platform, lang=lang)
    if platform:
        lines.append(t("order.platform", lang, platform=platform))
    lines.append(t("chat.footer", lang, time=format_datetime(last.received_at, tz, lang=lang)))
    own = chat_buttons(ref, lang=lang)
    orders = _order_buttons(messages, lang)
    if len(orders) == 1:  # one order card: the buyer message's own button, as when quiet
        orders = [Button(t_plain("btn.open_order", lang), ButtonAction.ORDER, orders[0].ref)]
    room = TELEGRAM_MAX_BUTTONS - sum(len(row) for row in own) - len(photos)
    extra = (*button_rows(photos, 2), *button_rows(orders[: max(room, 0)], 2))
    return Rendered("\n".join(lines), (*own, *extra))
