"""What every rendered message is made of: :class:`Rendered`, :class:`Button` and the labels.

Every text comes from :mod:`bot.render.catalogue`, and every dynamic value is escaped
(through :func:`~bot.render.catalogue.t` or :func:`bot.render.formatting.escape`). Buttons
carry a short ``action`` and the caller's ``ref``; the relay turns them into callback data.
Button labels are plain text, message texts are HTML. A rendered text fits one message,
except a buyer's own (unbounded) chat text: send that with :meth:`Rendered.chunks` and put
the buttons on the last chunk.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.errors import ErrorKind
from bot.domain.values import MarketplaceName, OrderState
from bot.render.catalogue import CATALOGUE, DEFAULT_LANG, Html, t, t_plain
from bot.render.formatting import TELEGRAM_TEXT_LIMIT, clip, escape, split_html
from bot.render.texts_id import BUYER_REJECT_TEXTS

BUTTONS_PER_ROW = 6  # Telegram allows 8; 6 short labels stay legible on a phone
REJECT_REASON_CODES = (1, 2, 3, 7, 4, 8, 5, 0)  # display order: most common first
NAME_MAX = 64  # a shop's or a buyer's name, wherever it is shown
REASON_MAX = 500  # a marketplace's or a buyer's free-text reason

_MARKETPLACE_LABELS = {
    MarketplaceName.TOKOPEDIA: "Tokopedia",
    # TikTok Shop orders reach Indonesian sellers as "Tokopedia & Shop"; staff never see
    # the word TikTok.
    MarketplaceName.TIKTOKSHOP: "Tokopedia & Shop",
}


@dataclass(frozen=True)
class Button:
    """An inline button; the relay maps ``(action, ref)`` to an opaque callback token."""

    label: str
    action: str
    ref: str
    url: str = ""  # a link button instead (e.g. a buyer's forum topic): no token, no action


@dataclass(frozen=True)
class Rendered:
    """A message to send: Telegram HTML text and rows of buttons."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()

    def chunks(self, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
        """The text split into sendable messages (usually just one)."""
        return split_html(self.text, limit)


def button_rows(
    buttons: Sequence[Button], width: int = BUTTONS_PER_ROW
) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(buttons[i : i + width]) for i in range(0, len(buttons), width))


# --- labels ----------------------------------------------------------------------------------


def user_mention(user_id: int, name: str = "") -> Html:
    """A Telegram user named by a link, so that Telegram notifies them; the id when no name
    is known (an admin configured by id)."""
    return Html(f'<a href="tg://user?id={user_id}">{escape(name or str(user_id))}</a>')


def admin_mentions(admins: Sequence[int]) -> Html:
    """The admins of a last reminder, each notified."""
    return Html(" ".join(user_mention(admin) for admin in admins))


def marketplace_label(name: MarketplaceName | str) -> str:
    """The marketplace as staff know it (plain text): "Tokopedia" or "Tokopedia & Shop"."""
    return _MARKETPLACE_LABELS[MarketplaceName(name)]


def shop_label(shop_name: str, marketplace: MarketplaceName | str) -> str:
    """A shop with its marketplace (plain text): "Toko Maju (Tokopedia)"."""
    label = marketplace_label(marketplace)
    return f"{clip(shop_name, NAME_MAX)} ({label})" if shop_name else label


def buyer_label(name: str, lang: str) -> str:
    """A buyer's name (plain text), or "Pembeli" where the marketplace gave none."""
    return clip(name.strip(), NAME_MAX) or t_plain("common.buyer", lang)


# Raw device values the marketplaces send (Tokopedia's ``device_type``), as text keys.
_DEVICES = {
    "android": "platform.android",
    "ios": "platform.ios",
    "iphone": "platform.ios",
    "ipad": "platform.ios",
    "web": "platform.web",
    "desktop": "platform.web",
    "pc": "platform.web",
    "mweb": "platform.mobile_web",
    "mobile_web": "platform.mobile_web",
    "mobile-web": "platform.mobile_web",
}
_RAW_CODE = re.compile(r"[a-z0-9_\-]+")


def platform_label(raw: str, *, lang: str) -> str:
    """Where the buyer ordered or chats from (plain text), e.g. "android" -> "Aplikasi Android".

    A raw code we do not know ("unknown", "0", "xyz_app") means nothing to staff: "" then.
    Labels an adapter already made readable ("Tokopedia & Shop") are kept.
    """
    text = raw.strip()
    key = _DEVICES.get(text.lower())
    if key is not None:
        return t_plain(key, lang)
    if not text or _RAW_CODE.fullmatch(text):
        return ""
    return clip(text, NAME_MAX)


def state_label(state: OrderState, *, lang: str, code: str = "", needs_accept: bool = True) -> str:
    """An order state in words (plain text), e.g. "Dikirim"; ``code`` names an OTHER status.

    Where the marketplace has no accept step (``needs_accept`` False) a new paid order is
    not "waiting to be accepted" but "to ship", as the seller's own app calls it.
    """
    if state is OrderState.AWAITING_ACCEPTANCE and not needs_accept:
        return t_plain("state.to_ship", lang)
    return t_plain(f"state.{state.value}", lang, code=code or "?")


def reject_reason_label(code: int | str, *, lang: str) -> str:
    """A Tokopedia reject reason code in words (plain text), e.g. 1 -> "Stok habis"."""
    number = _reason_number(code)
    key = f"reject.reason.{number}"
    if number is None or key not in CATALOGUE[DEFAULT_LANG]:
        return t_plain("reject.reason.unknown", lang, code=code)
    return t_plain(key, lang)


def default_reject_text(code: int | str) -> str:
    """The polite Indonesian message sent to the buyer with a rejection (plain text)."""
    number = _reason_number(code)
    return BUYER_REJECT_TEXTS.get(number if number is not None else 5, BUYER_REJECT_TEXTS[5])


def error_text(kind: ErrorKind, detail: str = "", *, lang: str) -> str:
    """What staff should know about a failed marketplace call (HTML; detail shown where useful)."""
    # A not-eligible answer names its own reason (an order's state, a closed chat window).
    if detail and kind in {ErrorKind.INVALID, ErrorKind.OTHER, ErrorKind.NOT_ELIGIBLE}:
        return t(f"err.{kind.value}_detail", lang, detail=clip(detail, REASON_MAX))
    return t(f"err.{kind.value}", lang)


def _reason_number(code: int | str) -> int | None:
    text = str(code).strip()
    if not text:
        return 0  # Tokopedia: "0 or empty"
    return int(text) if text.isdigit() else None
