"""A strict parser of the HTML subset Telegram accepts with ``parse_mode=HTML``.

``parse_html`` returns the plain text and the message entities (offsets in UTF-16 code units,
as the Bot API counts them) or raises ``ApiError`` 400 "can't parse entities: <reason>", the
reasons worded like the real server's (tdlib) where we know them. It is stricter than Telegram
on purpose in two places: an unknown attribute and a ``&`` that starts no entity are errors.
"""

import re
from dataclasses import dataclass
from typing import Any

from bot.sandbox.telegram.errors import bad_request

ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
ATTRIBUTES = {
    "a": {"href"},
    "span": {"class"},
    "code": {"class"},
    "blockquote": {"expandable"},
    "tg-emoji": {"emoji-id"},
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,4}));")
_NAME_END = re.compile(r"[\s>]")
_ATTR_NAME_END = re.compile(r"[\s=>]")
_UNQUOTED_END = re.compile(r"[\s>]")
_SPECIAL = re.compile(r"[<&]")


def utf16_len(text: str) -> int:
    """Return the length of ``text`` in UTF-16 code units (emoji outside the BMP count 2)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True, slots=True)
class ParsedText:
    """Visible text and its entities, as the Bot API returns them in a Message."""

    plain: str
    entities: tuple[dict[str, Any], ...] = ()


@dataclass(slots=True)
class _Open:
    name: str
    attrs: dict[str, str]
    offset: int
    language: str | None = None


def _cant_parse(reason: str) -> Exception:
    return bad_request(f"can't parse entities: {reason}")


class _Parser:
    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.out: list[str] = []
        self.units = 0
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []

    def byte_offset(self, pos: int) -> int:
        return len(self.src[:pos].encode())

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.units += utf16_len(text)

    def run(self) -> ParsedText:
        src = self.src
        while self.pos < len(src):
            char = src[self.pos]
            if char == "<":
                self.tag()
            elif char == "&":
                self.emit(self.entity(self.pos))
            else:
                special = _SPECIAL.search(src, self.pos)
                stop = special.start() if special else len(src)
                self.emit(src[self.pos : stop])
                self.pos = stop
        if self.stack:
            raise _cant_parse(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return ParsedText("".join(self.out), tuple(entities))

    def entity(self, pos: int) -> str:
        decoded = _entity_at(self.src, pos)
        if decoded is None:
            raise _bare_ampersand(self.byte_offset(pos))
        char, self.pos = decoded
        return char

    def tag(self) -> None:
        begin = self.pos
        if self.src.startswith("</", begin):
            self.end_tag(begin)
            return
        match = _NAME_END.search(self.src, begin + 1)
        if match is None:
            raise _cant_parse(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        name = self.src[begin + 1 : match.start()].lower()
        if name not in ENTITY_TYPES:
            raise _cant_parse(
                f'Unsupported start tag "{name}" at byte offset {self.byte_offset(begin)}'
            )
        self.pos = match.start()
        attrs = self.attributes(name, begin)
        _check_tag(name, attrs, self.stack)
        self.stack.append(_Open(name, attrs, self.units))

    def skip_spaces(self) -> None:
        while self.pos < len(self.src) and self.src[self.pos].isspace():
            self.pos += 1

    def attributes(self, tag: str, begin: int) -> dict[str, str]:
        src = self.src
        attrs: dict[str, str] = {}
        while True:
            self.skip_spaces()
            if self.pos >= len(src):
                raise _cant_parse(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
            if src[self.pos] == ">":
                self.pos += 1
                return attrs
            end = _ATTR_NAME_END.search(src, self.pos)
            stop = end.start() if end else len(src)
            name = src[self.pos : stop].lower()
            if not name:
                raise _cant_parse(
                    f'Empty attribute name in the tag "{tag}" at byte offset '
                    f"{self.byte_offset(self.pos)}"
                )
            if name not in ATTRIBUTES.get(tag, set()):
                raise _cant_parse(
                    f'Unsupported attribute "{name}" in the tag "{tag}" at byte offset '
                    f"{self.byte_offset(begin)}"
                )
            self.pos = stop
            self.skip_spaces()
            attrs[name] = self.attribute_value(begin) if src.startswith("=", self.pos) else ""

    def attribute_value(self, begin: int) -> str:
        src = self.src
        self.pos += 1  # the "="
        self.skip_spaces()
        quote = src[self.pos] if self.pos < len(src) else ""
        if quote in {'"', "'"}:
            close = src.find(quote, self.pos + 1)
            if close < 0:
                raise _cant_parse(
                    f"Unclosed attribute value at byte offset {self.byte_offset(begin)}"
                )
            raw, self.pos = src[self.pos + 1 : close], close + 1
        else:
            end = _UNQUOTED_END.search(src, self.pos)
            stop = end.start() if end else len(src)
            raw, self.pos = src[self.pos : stop], stop
        return _decode_attribute(raw, self.byte_offset(begin))

    def end_tag(self, begin: int) -> None:
        close = self.src.find(">", begin)
        if close < 0:
            raise _cant_parse(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        name = self.src[begin + 2 : close].strip().lower()
        if not self.stack:
            raise _cant_parse(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        top = self.stack[-1]
        if name != top.name:
            raise _cant_parse(
                f"Unmatched end tag at byte offset {self.byte_offset(begin)}, "
                f'expected "</{top.name}>", found "</{name}>"'
            )
        self.stack.pop()
        self.pos = close + 1
        self.close(top)

    def close(self, tag: _Open) -> None:
        parent = self.stack[-1] if self.stack else None
        if tag.name == "code" and parent is not None and parent.name == "pre":
            # <pre><code class="language-x"> is one pre entity with a language
            parent.language = tag.attrs.get("class", "").removeprefix("language-") or None
            return
        length = self.units - tag.offset
        if length == 0:
            return  # Telegram silently drops empty entities
        entity: dict[str, Any] = {
            "type": ENTITY_TYPES[tag.name],
            "offset": tag.offset,
            "length": length,
        }
        if tag.name == "a":
            entity["url"] = tag.attrs["href"]
        elif tag.name == "pre" and tag.language:
            entity["language"] = tag.language
        elif tag.name == "blockquote" and "expandable" in tag.attrs:
            entity["type"] = "expandable_blockquote"
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.attrs["emoji-id"]
        self.entities.append(entity)


def _entity_at(src: str, pos: int) -> tuple[str, int] | None:
    """Decode the entity starting at ``src[pos] == "&"``: (character, end) or None."""
    match = _ENTITY.match(src, pos)
    if match is None:
        return None
    if match.group(3) is not None:
        char = NAMED_ENTITIES.get(match.group(3))
        return None if char is None else (char, match.end())
    code = int(match.group(1)) if match.group(1) else int(match.group(2), 16)
    if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end()


def _bare_ampersand(offset: int) -> Exception:
    return _cant_parse(
        f"Character '&' at byte offset {offset} doesn't start a supported HTML entity; "
        "escape it as &amp;"
    )


def _decode_attribute(raw: str, offset: int) -> str:
    parts, pos = [], 0
    while (amp := raw.find("&", pos)) >= 0:
        decoded = _entity_at(raw, amp)
        if decoded is None:
            raise _bare_ampersand(offset)
        parts += [raw[pos:amp], decoded[0]]
        pos = decoded[1]
    parts.append(raw[pos:])
    return "".join(parts)


def _check_tag(name: str, attrs: dict[str, str], stack: list[_Open]) -> None:
    """Reject the attribute combinations Telegram refuses (or that would silently misrender)."""
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise _cant_parse('Tag "span" must have class "tg-spoiler"')
    if name == "a" and not attrs.get("href"):
        raise _cant_parse('Tag "a" must have a non-empty attribute "href"')
    if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
        raise _cant_parse('Tag "tg-emoji" must have a numeric attribute "emoji-id"')
    if name == "code" and "class" in attrs and not attrs["class"].startswith("language-"):
        raise _cant_parse('Tag "code" may only have a class "language-..."')
    if name == "blockquote" and any(tag.name == "blockquote" for tag in stack):
        raise _cant_parse("Blockquote entities can't be nested")


def parse_html(text: str) -> ParsedText:
    """Parse Telegram HTML into plain text and entities, or raise a 400 ``ApiError``."""
    return _Parser(text).run()
