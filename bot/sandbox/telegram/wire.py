"""Decoding Bot API request parameters: query string, form, JSON or multipart bodies.

python-telegram-bot sends ``application/x-www-form-urlencoded`` where every value is a string:
strings as they are, everything else ``json.dumps``'d. So a value is JSON-decoded unless the
parameter is a string parameter (``text="123"`` must stay the string ``"123"``).
"""

import json
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

from bot.sandbox.telegram.errors import bad_request

STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "name",
        "url",
        "secret_token",
        "action",
        "icon_custom_emoji_id",
        "inline_message_id",
        "business_connection_id",
        "message_effect_id",
        "ip_address",
        "title",
        "description",
        "emoji",
    }
)


def decode_value(name: str, raw: str) -> object:
    """Return a form value as Telegram reads it: JSON for non-string parameters."""
    if name in STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def decode_body(content_type: str, body: bytes, query: str) -> dict[str, object]:
    """Decode a request's query string and body into a parameter dict."""
    params: dict[str, object] = {k: decode_value(k, v) for k, v in parse_qsl(query)}
    media_type = content_type.split(";", maxsplit=1)[0].strip().lower()
    if not body:
        return params
    if media_type == "application/json":
        try:
            decoded = json.loads(body)
        except ValueError:
            raise bad_request("can't parse JSON object") from None
        if not isinstance(decoded, dict):
            raise bad_request("can't parse JSON object")
        params.update(decoded)
    elif media_type == "multipart/form-data":
        params.update(_decode_multipart(content_type, body))
    else:
        text = body.decode("utf-8", errors="replace")
        params.update((k, decode_value(k, v)) for k, v in parse_qsl(text, keep_blank_values=True))
    return params


def _decode_multipart(content_type: str, body: bytes) -> dict[str, object]:
    # The stdlib email parser reads multipart/form-data well enough for a fake, and saves a
    # dependency on python-multipart (which Starlette's request.form() would need).
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    params: dict[str, object] = {}
    for part in message.iter_parts() if isinstance(message, Message) else ():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            params[name] = {"filename": filename, "size": len(data), "data": data}
        else:
            params[name] = decode_value(name, data.decode("utf-8", errors="replace"))
    return params


class Params:
    """Typed access to decoded parameters; wrong types answer 400 like Telegram does."""

    def __init__(self, values: dict[str, object]) -> None:
        self.values = values

    def has(self, name: str) -> bool:
        """Return whether the parameter was sent."""
        return name in self.values

    def get_str(self, name: str) -> str | None:
        """Return a string parameter (numbers in JSON bodies are accepted as text)."""
        value = self.values.get(name)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return json.dumps(value)
        raise bad_request(f"{name} must be a String")

    def get_int(self, name: str) -> int | None:
        """Return an integer parameter, or None when absent."""
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            if name == "chat_id":
                raise bad_request("chat not found")  # e.g. "@username": the fake has none
            raise bad_request(f"invalid {name} specified")
        return value

    def require_int(self, name: str) -> int:
        """Return an integer parameter that must be present."""
        value = self.get_int(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        return value

    def get_bool(self, name: str) -> bool:
        """Return a boolean parameter (absent means False)."""
        value = self.values.get(name, False)
        if not isinstance(value, bool):
            raise bad_request(f"invalid {name} specified")
        return value

    def get_json(self, name: str) -> Any:
        """Return a JSON-typed parameter (object or array), or None when absent."""
        return self.values.get(name)
