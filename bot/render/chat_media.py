"""A buyer's non-text message in words: media, emoticons, product and order cards. Pure.

A photo or video tokobot posted itself needs no words beyond its kind; one it could not fetch
says so, with a button to try again, and the text around it is never lost. Cards become lines
staff can read: the product's name, price, id and link (the name and price looked up by the
relay where the marketplace can), the order's number with a button that posts tokobot's own
order card.

``MediaRef`` names one photo or video for a button that fetches and posts it later: the
retry of a photo that could not be fetched, and the sale-day digests' "show photo".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from bot.domain.values import BuyerMessage, ProductInfo
from bot.domain.vocab import ButtonAction
from bot.render.base import Button
from bot.render.catalogue import t, t_plain
from bot.render.formatting import escape, escape_attr, rupiah

MB = 1024 * 1024
_KINDS = ("image", "video", "product", "order", "sticker", "file")


@dataclass(frozen=True)
class MediaNote:
    """What became of a message's photo or video when tokobot tried to show it.

    ``shown``: posted as a photo or video (the text is its caption); ``failed``: it could not
    be fetched (``retry_ref`` names it for the retry button); ``too_big``: a video of ``size``
    bytes, over ``limit`` bytes.
    """

    state: Literal["shown", "failed", "too_big"]
    size: int = 0
    limit: int = 0
    retry_ref: str = ""


def _size(size: int) -> str:
    return f"{size / MB:.1f} MB".replace(".", ",")


def _linked(label: str, url: str, lang: str) -> str:
    if url.startswith(("https://", "http://")):
        return f'{label} <a href="{escape_attr(url)}">{t("chat.open", lang)}</a>'
    return label


def _price(product: ProductInfo) -> str:
    """``Rp125.000``; ``Rp99.000`` en dash ``125.000`` for variants of different prices."""
    low, high = product.price_min or product.price_max, product.price_max
    if low == high:
        return rupiah(high)
    return f"{rupiah(low)}\u2013{rupiah(high).removeprefix('Rp')}"


def _product_line(msg: BuyerMessage, url: str, lang: str) -> str:
    """Name (the product API's, else the card's text, else its id), price, id and link."""
    ref = msg.attachment_ref.strip()
    product = msg.product
    name = (product.name.strip() if product else "") or msg.text.strip() or ref
    parts: list[str] = [t("chat.product_line", lang, name=name)]
    if product is not None and product.price_max > 0:
        parts.append(escape(_price(product)))
    if product is not None and not product.available:
        parts.append(t("chat.product_unavailable", lang))
    if ref and ref != name:
        parts.append(f"<code>{escape(ref)}</code>")
    if url.startswith(("https://", "http://")):
        parts.append(f'<a href="{escape_attr(url)}">{t("chat.product_open", lang)}</a>')
    return " · ".join(parts)


def attachment_lines(
    msg: BuyerMessage, media: MediaNote | None, lang: str
) -> tuple[list[str], bool]:
    """The lines saying what was attached, and whether they already show ``msg.text``."""
    kind = msg.attachment_kind if msg.attachment_kind in _KINDS else "other"
    label = t(f"chat.kind.{kind}", lang)
    url = msg.attachment_url.strip()
    text = msg.text.strip()
    if kind in ("image", "video") and media is not None:
        if media.state == "failed":
            failed = "chat.photo_failed" if kind == "image" else "chat.video_failed"
            return [f"{label} · {t(failed, lang)}"], False
        if media.state == "too_big":
            note = t("chat.video_too_big", lang, size=_size(media.size), limit=media.limit // MB)
            return [note], False
        return [label], False
    if kind == "sticker" and text:
        return [escape(text)], True  # an emoticon with its emoji: the emoji says it all
    if kind == "product":
        return [_product_line(msg, url, lang)], True
    if kind == "order" and msg.attachment_ref.strip():
        lines: list[str] = [t("chat.order_line", lang, order=msg.attachment_ref.strip())]
        if text and text != msg.attachment_ref.strip():
            lines.append(f"<i>{escape(text)}</i>")
        return lines, True
    return [_linked(label, url, lang)], False


def attachment_buttons(msg: BuyerMessage, media: MediaNote | None, lang: str) -> list[Button]:
    """A retry for a photo that could not be fetched; the order card for an order card."""
    if media is not None and media.state == "failed" and media.retry_ref:
        return [Button(t_plain("btn.photo_retry", lang), ButtonAction.SHOW_MEDIA, media.retry_ref)]
    if msg.attachment_kind == "order" and msg.attachment_ref.strip():
        return [Button(t_plain("btn.open_order", lang), ButtonAction.ORDER, msg.attachment_ref)]
    return []


@dataclass(frozen=True)
class MediaRef:
    """Enough to fetch one buyer photo again: its conversation, URL and kind."""

    conversation_id: str
    url: str
    kind: str = "image"

    def dumps(self) -> str:
        return json.dumps({"c": self.conversation_id, "u": self.url, "k": self.kind})

    @classmethod
    def loads(cls, raw: str) -> MediaRef | None:
        try:
            data = json.loads(raw)
            return cls(str(data["c"]), str(data["u"]), str(data.get("k", "image")))
        except (ValueError, KeyError, TypeError):
            return None


def is_media(message: BuyerMessage) -> bool:
    """A photo or video tokobot can fetch and post (it has a URL)."""
    return message.attachment_kind in ("image", "video") and bool(message.attachment_url.strip())


def media_ref(message: BuyerMessage) -> str:
    """The ref of a button that shows the message's photo or video; "" when it has none."""
    if not is_media(message):
        return ""
    conv = message.conversation.conversation_id
    return MediaRef(conv, message.attachment_url.strip(), message.attachment_kind).dumps()


def media_line(message: BuyerMessage, lang: str, number: int = 0) -> str:
    """The line naming a photo or video ("📷 Foto"), numbered when one entry has several."""
    label = t(f"chat.media.{message.attachment_kind}", lang)
    return f"{label} {number}" if number else label


def show_media_label(message: BuyerMessage, lang: str, number: int = 0) -> str:
    """The label of the button that shows it ("📷 Lihat foto"), numbered like its line."""
    label = t_plain(f"btn.show_{message.attachment_kind}", lang)
    return f"{label} {number}" if number else label
