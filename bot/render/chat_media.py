"""A buyer's non-text message in words: media, emoticons, product and order cards. Pure.

A photo or video tokobot posted itself needs no words beyond its kind; one it could not fetch
says so, with a button to try again, and the text around it is never lost. Cards become lines
staff can read: the product's name and id, the order's number with a button that posts
tokobot's own order card.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.domain.values import BuyerMessage
from bot.domain.vocab import ButtonAction
from bot.render.base import Button
from bot.render.catalogue import t, t_plain
from bot.render.formatting import escape, escape_attr

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
        ref = msg.attachment_ref.strip()
        name = text or ref
        line: str = t("chat.product_line", lang, name=name)
        if ref and ref != name:
            line += f" · <code>{escape(ref)}</code>"
        return [_linked(line, url, lang)], True
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
