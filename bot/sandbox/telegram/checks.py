"""Pure validation of message text, keyboards and reactions, with Telegram's error texts."""

from typing import Any
from urllib.parse import urlsplit

from bot.sandbox.telegram.errors import bad_request
from bot.sandbox.telegram.html_text import ParsedText, parse_html, utf16_len

MAX_TEXT_UNITS = 4096
MAX_CALLBACK_DATA_BYTES = 64
MAX_BUTTONS = 100
MAX_BUTTONS_PER_ROW = 8
MAX_CALLBACK_ANSWER = 200
MAX_TOPIC_NAME = 128
TOPIC_ICON_COLORS = frozenset({0x6FB9F0, 0xFFD67E, 0xCB86DB, 0x8EEE98, 0xFF93B2, 0xFB6F5F})

# python-telegram-bot 22.8 ``telegram.constants.ReactionEmoji``: the emoji Bot API 10.0 accepts
# as a reaction. Notably "✅" is not one of them.
_REACTION_EMOJI_TEXT = (
    "👍 👎 ❤ 🔥 🥰 👏 😁 🤔 🤯 😱 🤬 😢 🎉 🤩 🤮 💩 🙏 👌 🕊 🤡 "
    "🥱 🥴 😍 🐳 ❤️\u200d🔥 🌚 🌭 💯 🤣 ⚡ 🍌 🏆 💔 🤨 😐 🍓 🍾 💋 🖕 😈 "
    "😴 😭 🤓 👻 👨\u200d💻 👀 🎃 🙈 😇 😨 🤝 ✍ 🤗 🫡 🎅 🎄 ☃ 💅 🤪 🗿 "
    "🆒 💘 🙉 🦄 😘 💊 🙊 😎 👾 🤷\u200d♂️ 🤷 🤷\u200d♀️ 😡"
)
REACTION_EMOJI = frozenset(_REACTION_EMOJI_TEXT.split())
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_URL_SCHEMES = frozenset({"http", "https", "tg"})


def parse_text(text: str | None, parse_mode: str | None, entities: object) -> ParsedText:
    """Return the visible text and entities of a message, enforcing Telegram's text limits."""
    if not text:
        raise bad_request("message text is empty")
    if entities is not None:
        parsed = ParsedText(text, _check_entities(text, entities))
    elif not parse_mode:
        parsed = ParsedText(text)
    elif parse_mode.lower() == "html":
        parsed = parse_html(text)
    elif parse_mode.lower() in {"markdown", "markdownv2"}:
        raise bad_request(f"the fake Bot API only implements HTML, not parse_mode {parse_mode}")
    else:
        raise bad_request(f"unsupported parse_mode {parse_mode}")
    if not parsed.plain.strip():
        raise bad_request("message text is empty")
    if utf16_len(parsed.plain) > MAX_TEXT_UNITS:
        raise bad_request("message is too long")
    return parsed


def _check_entities(text: str, entities: object) -> tuple[dict[str, Any], ...]:
    units = utf16_len(text)
    if not isinstance(entities, list) or not all(
        isinstance(e, dict)
        and isinstance(e.get("type"), str)
        and isinstance(e.get("offset"), int)
        and isinstance(e.get("length"), int)
        for e in entities
    ):
        raise bad_request("can't parse entities JSON object")
    for entity in entities:
        if (
            entity["offset"] < 0
            or entity["length"] < 1
            or entity["offset"] + entity["length"] > units
        ):
            raise bad_request("can't parse entities: entity is beyond the end of the text")
    return tuple(entities)


def check_reply_markup(markup: object, *, inline_only: bool = False) -> dict[str, Any] | None:
    """Validate ``reply_markup`` and return the normalised JSON Telegram would echo."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        return {"inline_keyboard": _check_inline_keyboard(markup["inline_keyboard"])}
    if inline_only:
        raise bad_request("inline keyboard expected")
    if markup.get("force_reply") is True or markup.get("remove_keyboard") is True:
        return markup
    if isinstance(markup.get("keyboard"), list):
        return markup
    raise bad_request("can't parse reply keyboard markup JSON object")


def _check_inline_keyboard(rows: object) -> list[list[dict[str, Any]]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('can\'t parse inline keyboard: field "inline_keyboard" must be an Array')
    if sum(len(row) for row in rows) > MAX_BUTTONS or any(
        len(row) > MAX_BUTTONS_PER_ROW for row in rows
    ):
        raise bad_request("BUTTONS_TOO_MUCH")
    return [[_check_button(button) for button in row] for row in rows]


def _check_button(button: object) -> dict[str, Any]:
    if not isinstance(button, dict):
        raise bad_request("can't parse inline keyboard button: button must be an Object")
    if not isinstance(button.get("text"), str) or not button["text"]:
        raise bad_request("can't parse inline keyboard button: Text must be non-empty")
    actions = [key for key in _BUTTON_ACTIONS if key in button]
    if len(actions) != 1:
        raise bad_request(
            "can't parse inline keyboard button: exactly one of "
            "callback_data, url (or another button kind) must be set"
        )
    data = button.get("callback_data")
    if "callback_data" in button and not (
        isinstance(data, str) and 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES
    ):
        raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not _is_url(button["url"]):
        raise bad_request("BUTTON_URL_INVALID")
    return {"text": button["text"], actions[0]: button[actions[0]]}


def _is_url(url: object) -> bool:
    if not isinstance(url, str):
        return False
    parts = urlsplit(url)
    return parts.scheme in _URL_SCHEMES and bool(parts.netloc)


def check_reactions(reaction: object) -> tuple[str, ...]:
    """Return the emoji a bot may set (at most one, from ``REACTION_EMOJI``), or raise 400."""
    if reaction is None:
        return ()
    if not isinstance(reaction, list):
        raise bad_request("can't parse reaction types JSON object")
    if len(reaction) > 1:
        raise bad_request("REACTIONS_TOO_MANY")
    emoji = []
    for item in reaction:
        if not isinstance(item, dict) or item.get("type") != "emoji":
            raise bad_request("REACTION_INVALID")  # custom and paid reactions aren't allowed
        if item.get("emoji") not in REACTION_EMOJI:
            raise bad_request("REACTION_INVALID")
        emoji.append(str(item["emoji"]))
    return tuple(emoji)


def check_callback_answer(text: str | None) -> None:
    """Refuse an answerCallbackQuery text over 200 characters."""
    if text is not None and len(text) > MAX_CALLBACK_ANSWER:
        raise bad_request("MESSAGE_TOO_LONG")


def check_topic_name(name: str | None) -> str:
    """Return a valid forum-topic name (1-128 characters) or raise 400."""
    if not name:
        raise bad_request("TOPIC_TITLE_EMPTY")
    if len(name) > MAX_TOPIC_NAME:
        raise bad_request("TOPIC_TITLE_TOO_LONG")
    return name
