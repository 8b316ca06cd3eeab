"""Texts staff write once and tokobot sends to many buyers: quick replies, the away message.

They may name the buyer and the shop as ``{buyer}`` and ``{shop}``, filled when the text is
sent. Anything else in braces is refused when the text is stored (or at start-up, for the
away message), so a typo never reaches a buyer as a literal ``{byuer}``. ``{{`` and ``}}``
stand for a brace.
"""

from __future__ import annotations

from string import Formatter

KNOWN = ("buyer", "shop")
# What {buyer} becomes when a marketplace named nobody: how Indonesian shops address a buyer.
BUYER_FALLBACK = "Kak"
# The longest a filled-in name is assumed to be when a text's length is checked beforehand.
NAME_ROOM = 64
# Tokopedia & Shop takes at most this many characters (UTF-16 units) in one TEXT message.
MESSAGE_MAX = 2000


class PlaceholderError(ValueError):
    """A text with a placeholder we cannot fill; ``names`` are the unknown ones."""

    def __init__(self, names: tuple[str, ...]) -> None:
        super().__init__(", ".join("{" + name + "}" for name in names) or "{}")
        self.names = names


def check(text: str) -> None:
    """Raise ``PlaceholderError`` unless every ``{...}`` in ``text`` is a known placeholder."""
    unknown: list[str] = []
    try:
        fields = list(Formatter().parse(text))
    except ValueError:  # a lone "{" or "}"
        raise PlaceholderError(()) from None
    for _, name, spec, conversion in fields:
        if name is None:
            continue
        if name not in KNOWN or spec or conversion:
            unknown.append(
                name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            )
    if unknown:
        raise PlaceholderError(tuple(dict.fromkeys(unknown)))


def fill(text: str, *, buyer: str, shop: str) -> str:
    """The text a buyer receives; ``text`` passed :func:`check`."""
    return text.format_map({"buyer": buyer.strip() or BUYER_FALLBACK, "shop": shop.strip()})


def longest_length(text: str) -> int:
    """The text's length in UTF-16 units with each name filled in at its longest."""
    filled = fill(text, buyer="x" * NAME_ROOM, shop="x" * NAME_ROOM)
    return len(filled.encode("utf-16-le")) // 2
