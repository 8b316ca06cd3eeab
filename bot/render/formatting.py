"""Language-independent text helpers: HTML escaping, Rupiah, buyer chat text, splitting.

Everything here is pure. "HTML" means Telegram's HTML subset (docs/telegram.md §7). Lengths
are counted as Telegram counts them: UTF-16 code units of the visible text, i.e. after tags
are dropped and entities decoded.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

TELEGRAM_TEXT_LIMIT = 4096
# Chunks stay this far under the limit: Telegram's own counting (whitespace trimming, entity
# parsing) is not ours, and a few spare units cost nothing.
SAFETY_MARGIN = 96


def escape(text: str) -> str:
    """Escape text for Telegram HTML; the one place where message text is escaped."""
    return html.escape(text, quote=False)


def escape_attr(value: str) -> str:
    """Escape a value for use inside a double-quoted HTML attribute."""
    return html.escape(value, quote=True)


def rupiah(amount: int) -> str:
    """Format whole Rupiah the Indonesian way: ``Rp1.250.000``, ``-Rp5.000``, ``Rp0``."""
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{abs(amount):,}".replace(",", ".")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's message limits."""
    return len(text.encode("utf-16-le")) // 2


_TAG_RE = re.compile(r"<[^<>]*>")


def visible_text(markup: str) -> str:
    """The text Telegram shows for ``markup``: tags dropped, entities decoded."""
    return html.unescape(_TAG_RE.sub("", markup))


def aware(moment: datetime) -> datetime:
    """``moment`` with a zone; naive datetimes are taken as UTC, the way storage keeps them."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def clip(text: str, limit: int) -> str:
    """Shorten plain ``text`` to at most ``limit`` UTF-16 units, marking a cut with "…"."""
    if utf16_len(text) <= limit:
        return text
    kept, used = [], 0
    for char in text:
        used += utf16_len(char)
        if used > limit - 1:
            break
        kept.append(char)
    return "".join(kept).rstrip() + "…"


# --- buyer chat text ---------------------------------------------------------------------------
#
# Rule: Tokopedia's chat markup is interpreted only where it is well-formed and documented
# (docs/tokopedia-api.md §7.2): a complete ``<a href="http(s)://…">label</a>``, ``<br>``, and
# ``<p>``/``<div>`` that open and close in balance. A message holding none of these is plain
# buyer text and is taken verbatim, entities included, so "a<b R&D x&y 3 > 2 ok" and a typed
# "&amp;" arrive exactly as written. Inside a message that does carry markup, entities are
# decoded once (Tokopedia escaped them) and every other "<…>" (unknown, unbalanced, a link to
# another scheme) stays literal text.

_ATTRS = r"""(?:\s+[a-zA-Z][\w:-]*\s*=\s*(?:"[^"<>]*"|'[^'<>]*'))*\s*"""
_CHAT_TAG_RE = re.compile(
    rf"<(?:(?P<br>br)\s*/?|(?P<open>p|div|a){_ATTRS}|/(?P<close>p|div|a)\s*)>", re.IGNORECASE
)
_HREF_RE = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_BLOCK_TAGS = frozenset({"p", "div"})


@dataclass(frozen=True)
class _Piece:
    text: str
    href: str | None = None  # set for a link; ``text`` is then its label


def _safe_href(attrs: str) -> str | None:
    match = _HREF_RE.search(attrs)
    if match is None:
        return None
    url = html.unescape(next(g for g in match.groups() if g is not None)).strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in {"http", "https"} and parts.netloc else None


@dataclass(frozen=True)
class _Tag:
    match: re.Match[str]

    @property
    def name(self) -> str:
        return (
            self.match.group("br") or self.match.group("open") or self.match.group("close")
        ).lower()

    @property
    def closing(self) -> bool:
        return self.match.group("close") is not None


def _well_formed(tags: list[_Tag]) -> dict[int, str | None]:
    """The tags to interpret, by index: ``None`` for a break or block, the href for a link.

    A link counts only as an opening tag with a safe href directly followed by its closing
    tag (its label is text); a block only when closed by the nearest matching tag.
    """
    chosen: dict[int, str | None] = {}
    stack: list[int] = []
    for i, tag in enumerate(tags):
        if tag.name == "br":
            chosen[i] = None
        elif tag.name == "a" and not tag.closing:
            after = tags[i + 1] if i + 1 < len(tags) else None
            href = _safe_href(tag.match.group(0))
            if href and after is not None and after.name == "a" and after.closing:
                chosen[i], chosen[i + 1] = href, None
        elif tag.name in _BLOCK_TAGS and not tag.closing:
            stack.append(i)
        elif tag.name in _BLOCK_TAGS:
            names = [tags[j].name for j in stack]
            if tag.name in names:
                at = len(names) - 1 - names[::-1].index(tag.name)
                chosen[stack[at]] = chosen[i] = None
                del stack[at:]  # blocks opened inside and never closed stay literal
    return chosen


class _ChatHtml:
    """Turns interpreted Tokopedia chat markup into plain pieces and links."""

    def __init__(self) -> None:
        self.pieces: list[_Piece] = []
        self.label: list[str] | None = None  # collecting a link's label
        self.href: str | None = None
        self.pending_break = False
        self.last = ""

    def text(self, text: str) -> None:
        if not text:
            return
        if self.pending_break and self.last not in {"", "\n"}:
            self._put("\n")
        self.pending_break = False
        self._put(text)

    def tag(self, tag: _Tag, href: str | None) -> None:
        if tag.name == "br":
            self.pending_break = False
            self._put("\n")
        elif tag.name in _BLOCK_TAGS:
            self.pending_break = True
        elif not tag.closing:
            self.label, self.href = [], href
        elif self.label is not None:
            label = "".join(self.label)
            self.label = None
            self.pieces.append(_Piece(label or (self.href or ""), self.href))

    def _put(self, text: str) -> None:
        if self.label is not None:
            self.label.append(text)
        else:
            self.pieces.append(_Piece(text))
        self.last = text[-1]


def _chat_pieces(text: str) -> list[_Piece]:
    tags = [_Tag(match) for match in _CHAT_TAG_RE.finditer(text)]
    chosen = _well_formed(tags)
    if not chosen:
        return [_Piece(text)]
    parser = _ChatHtml()
    pos = 0
    for i, tag in enumerate(tags):
        if i not in chosen:
            continue  # stays in the surrounding text, literally
        parser.text(html.unescape(text[pos : tag.match.start()]))
        parser.tag(tag, chosen[i])
        pos = tag.match.end()
    parser.text(html.unescape(text[pos:]))
    return parser.pieces


def chat_text_to_html(text: str) -> str:
    """Render a buyer's chat text as Telegram HTML, exactly as written, keeping product links."""
    return "".join(
        f'<a href="{escape_attr(p.href)}">{escape(p.text)}</a>' if p.href else escape(p.text)
        for p in _chat_pieces(text)
    )


def chat_text_to_plain(text: str) -> str:
    """A buyer's chat text as plain text: Tokopedia's markup removed, links reduced to labels."""
    return "".join(p.text for p in _chat_pieces(text))


# --- splitting -----------------------------------------------------------------------------------

_ATOM_RE = re.compile(
    r"<[^<>]*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);|[^<&]|[<&]", re.DOTALL
)
_TAG_NAME_RE = re.compile(r"<(/?)([a-zA-Z][\w-]*)")


@dataclass(frozen=True)
class _Atom:
    """An indivisible piece of markup: a tag, an entity or one character."""

    raw: str
    width: int = 0  # visible UTF-16 units
    char: str = ""  # visible text
    opens: str = ""  # tag name of an opening tag
    closes: str = ""  # tag name of a closing tag


def _atoms(markup: str) -> list[_Atom]:
    atoms = []
    for raw in _ATOM_RE.findall(markup):
        tag = _TAG_NAME_RE.match(raw) if raw.startswith("<") and raw.endswith(">") else None
        if tag is not None:
            closing, name = bool(tag.group(1)), tag.group(2).lower()
            atoms.append(_Atom(raw, closes=name) if closing else _Atom(raw, opens=name))
        else:
            char = html.unescape(raw) if raw.startswith("&") else raw
            atoms.append(_Atom(raw, utf16_len(char), char))
    return atoms


def _replay(stack: list[_Atom], atoms: list[_Atom]) -> list[_Atom]:
    """The open tags after ``atoms``, given those open before them."""
    stack = list(stack)
    for atom in atoms:
        if atom.opens:
            stack.append(atom)
        elif atom.closes:
            names = [a.opens for a in stack]
            if atom.closes in names:
                del stack[len(names) - 1 - names[::-1].index(atom.closes) :]
    return stack


def _chunk_end(atoms: list[_Atom], start: int, budget: int, rest: list[int]) -> int:
    """Where the chunk starting at ``start`` should end: newline, then space, then hard cut."""
    used, i = 0, start
    newline = space = (start, 0)  # (cut index, width before it)
    while i < len(atoms) and used + atoms[i].width <= budget:
        used += atoms[i].width
        i += 1
        if atoms[i - 1].char == "\n":
            newline = (i, used)
        elif atoms[i - 1].char in {" ", "\t"}:
            space = (i, used)
    if i == len(atoms):
        return i
    cut = next((c for c, w in (newline, space) if w >= budget // 2), i)
    while atoms[cut - 1].opens:  # an opening tag goes with the text it opens
        cut -= 1
    while cut < len(atoms) and atoms[cut].closes:  # a closing tag stays with its text
        cut += 1
    return len(atoms) if rest[cut] == 0 else cut


def split_html(markup: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Split Telegram HTML into well-formed chunks of at most ``limit`` visible UTF-16 units.

    A safety margin (at most ``SAFETY_MARGIN``) is kept under ``limit``. Cuts fall on a
    newline, else a space, else anywhere, but never inside a tag or an entity; tags open at a
    cut are closed at the end of the chunk and reopened at the start of the next. Markup that
    fits comes back unchanged as a single chunk.
    """
    budget = limit - min(SAFETY_MARGIN, limit // 10)
    if budget < 2:
        raise ValueError(f"limit {limit} is too small to split into")
    atoms = _atoms(markup)
    rest = [0] * (len(atoms) + 1)  # visible width from each atom to the end
    for i in range(len(atoms) - 1, -1, -1):
        rest[i] = rest[i + 1] + atoms[i].width
    if rest[0] <= budget:
        return [markup]
    chunks: list[str] = []
    stack: list[_Atom] = []
    start = 0
    while start < len(atoms):
        end = _chunk_end(atoms, start, budget, rest)
        after = _replay(stack, atoms[start:end])
        chunks.append(
            "".join(a.raw for a in stack)
            + "".join(a.raw for a in atoms[start:end])
            + "".join(f"</{a.opens}>" for a in reversed(after))
        )
        stack, start = after, end
    return chunks
