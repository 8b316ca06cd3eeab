"""Logging for every ``tokobot`` command: readable text or JSON lines, and never a secret.

``setup`` installs one handler on the root logger whose formatter runs a ``Redactor`` over
every line it writes (tokobot's, PTB's, httpx's, uvicorn's, asyncio's): the configured
secrets and anything shaped like a credential become ``[redacted]``, in the message, the
exception text and the traceback. Uncaught exceptions are routed through logging too, so a crash at
start-up (PTB's ``InvalidToken`` quotes the token) is redacted like everything else.

Secrets learned at run time (access tokens) are caught by shape: the values of
``access_token``-like keys, ``Bearer``/``Basic`` credentials and Telegram bot tokens.
``register_secret`` adds any other value to the list.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import sys
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from types import TracebackType
from typing import TextIO

from pydantic import SecretStr

from bot.config import Settings

REDACTED = "[redacted]"
_HANDLER = "tokobot"
# httpx logs every request URL at INFO, and Telegram URLs contain the bot token; aiosqlite
# logs every statement with its parameters at DEBUG: access tokens being stored, buyer
# messages. Neither is a shape the redactor can recognise, so below WARNING they are dropped.
CHATTY = frozenset({"httpx", "httpcore", "aiosqlite", "apscheduler", "alembic"})
MIN_SECRET = 6  # shorter values would redact ordinary words; no real credential is this short

_SHAPES = re.compile(
    r"""
    (?P<bot>\b\d{5,15}:[A-Za-z0-9_-]{20,})                        # a Telegram bot token
    | (?P<scheme>\b(?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]{8,}        # an Authorization value
    | (?<![A-Za-z0-9])(?P<key>(?:access|refresh)[_-]?token|client[_-]?secret|app[_-]?secret|secret
        |password|x-tts-access-token|authorization(?:-hmac)?|sign)
      (?P<sep>["']?\s*[:=]\s*["']?)(?![\s"']|Bearer|Basic|\[redacted)[^\s"'&,;}\]<>]{6,}
    """,
    re.IGNORECASE | re.VERBOSE,
)


def _by_shape(match: re.Match[str]) -> str:
    if match.group("bot"):
        return REDACTED
    if match.group("scheme"):
        return match.group("scheme") + REDACTED
    return f"{match.group('key')}{match.group('sep')}{REDACTED}"


class Redactor:
    """Replaces known secrets and credential-shaped values in text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        """Redact ``secret`` from now on (values too short to be a credential are ignored)."""
        if len(secret) < MIN_SECRET or secret in self._secrets:
            return
        with self._lock:
            # Longest first, so a secret containing another is replaced whole.
            self._secrets = tuple(sorted({*self._secrets, secret}, key=len, reverse=True))

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return _SHAPES.sub(_by_shape, text)


class TextFormatter(logging.Formatter):
    """The readable line, redacted as a whole: message, exception text and traceback.

    Redacting the formatted output, not the record, leaves the record untouched for any
    other handler and covers every part the line is made of.
    """

    def __init__(self, redactor: Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        return self.redactor.redact(super().format(record))


def _quiet(record: logging.LogRecord) -> bool:
    """Drop the chatty libraries' records below WARNING (see ``CHATTY``)."""
    return record.levelno >= logging.WARNING or record.name.split(".")[0] not in CHATTY


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the traceback if any."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        # The record's own creation time, rendered: the clock is not read here.
        stamp = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        entry = {
            "time": stamp,
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(
            {key: self.redactor.redact(value) for key, value in entry.items()}, ensure_ascii=False
        )


_REDACTOR = Redactor()


def register_secret(secret: str) -> None:
    """Never log ``secret`` (e.g. an access token a token store has just received)."""
    _REDACTOR.add(secret)


def settings_secrets(settings: Settings) -> list[str]:
    """Every secret in the settings, and the encoded forms they travel in."""
    found = [
        value.get_secret_value()
        for value in (getattr(settings, name) for name in type(settings).model_fields)
        if isinstance(value, SecretStr)
    ]
    client_secret = settings.tokopedia_client_secret
    if client_secret is not None:  # Tokopedia's token request sends it as HTTP Basic auth
        pair = f"{settings.tokopedia_client_id}:{client_secret.get_secret_value()}"
        found.append(base64.b64encode(pair.encode()).decode())
    return found


def _log_uncaught(
    kind: type[BaseException], value: BaseException, trace: TracebackType | None
) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, value, trace)
        return
    logging.getLogger("tokobot").critical("stopped by an error", exc_info=(kind, value, trace))


def setup(
    *,
    level: int = logging.INFO,
    json_lines: bool = False,
    settings: Settings | None = None,
    stream: TextIO | None = None,
) -> logging.Handler:
    """Send the process's logs to stderr (or ``stream``), redacted; returns the handler.

    Calling it again replaces the handler it installed before, and nothing else.
    """
    if settings is not None:
        for secret in settings_secrets(settings):
            _REDACTOR.add(secret)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER)
    handler.addFilter(_quiet)
    handler.setFormatter(JsonFormatter(_REDACTOR) if json_lines else TextFormatter(_REDACTOR))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    sys.excepthook = _log_uncaught
    threading.excepthook = lambda args: _log_uncaught(
        args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback
    )
    return handler
