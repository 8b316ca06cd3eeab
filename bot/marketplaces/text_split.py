"""Splitting a long chat reply into ordered parts that each fit a marketplace's limit. Pure.

A marketplace that caps one chat message (Tokopedia & Shop: 2,000 characters for TEXT) says so
by implementing ``SplitsReplies``; the staff reply flow then sends the parts in order and
records each one, so a retry after a partial failure sends only what is missing.

Lengths are counted in UTF-16 units, the way a JavaScript string counts them (an emoji may be
two), because that is what the platform measures; a part within the limit in UTF-16 units is
also within it in characters.
"""

from __future__ import annotations

import re
from typing import Protocol, runtime_checkable

_SPACE = re.compile(r"\s+")
_SENTENCE_END = frozenset(".!?…")


@runtime_checkable
class SplitsReplies(Protocol):
    """A marketplace whose chat messages have a length limit it splits long replies for."""

    def reply_parts(self, text: str) -> list[str]:
        """The ordered messages ``text`` is sent as (one, when it fits)."""
        ...


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int) -> list[str]:
    """``text`` as ordered parts of at most ``limit`` UTF-16 units each.

    A part ends, by preference, at a line break or a sentence end in the second half of the
    room left; else at the last space; a word is cut only when it alone exceeds the limit.
    The whitespace at a split point is dropped; nothing else is. Text that fits is returned
    as it is, as one part.
    """
    if limit < 2:
        raise ValueError("limit must leave room for a character of two UTF-16 units")
    parts: list[str] = []
    rest = text
    while utf16_length(rest) > limit:
        if rest[:1].isspace():  # leading blanks of a too-long text are dropped, as at a split
            rest = rest.lstrip()
            continue
        room = _fitting(rest, limit)
        cut, resume = _cut(rest, room)
        parts.append(rest[:cut])
        rest = rest[resume:]
    if rest or not parts:
        parts.append(rest)
    return parts


def _fitting(text: str, limit: int) -> int:
    """How many leading characters of ``text`` fit in ``limit`` UTF-16 units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def _cut(text: str, room: int) -> tuple[int, int]:
    """Where the part ends and where the next one starts (after the whitespace between)."""
    sentence = word = None
    # A space right after the room also ends a word that fits exactly.
    for match in _SPACE.finditer(text, 0, room + 1):
        start = match.start()
        if start > room:
            continue
        end = _space_end(text, match.end())
        word = (start, end)
        if start * 2 >= room and ("\n" in match.group() or text[start - 1] in _SENTENCE_END):
            sentence = (start, end)
    return sentence or word or (room, room)


def _space_end(text: str, end: int) -> int:
    """The end of the whitespace run at ``end`` (the search window may have cut it short)."""
    match = _SPACE.match(text, end)
    return match.end() if match else end
