"""Plain records the simulator keeps: recorded calls, deliveries, faults, chat rooms."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.tokopedia.payloads import JsonDict

_SECRET_HEADERS = frozenset(
    {"authorization", "authorization-hmac", "cookie", "proxy-authorization"}
)


@dataclass(frozen=True)
class RecordedCall:
    """One request the sandbox received, with credentials redacted."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    time: float


@dataclass(frozen=True)
class WebhookDelivery:
    """One webhook the sandbox posted: the receiver's status, or the transport error."""

    kind: str
    url: str
    body: JsonDict
    status_code: int | None
    error: str | None


@dataclass
class Injection:
    """A queued fault from `fail_next`."""

    pattern: re.Pattern[str]
    status: int
    error_code: str
    times: int
    delay: float


@dataclass
class ChatRoom:
    """A chat room ("message") between one buyer and one shop; bubbles are oldest first."""

    msg_id: int
    shop_id: int
    buyer_id: int
    buyer_name: str
    thumbnail: str
    bubbles: list[JsonDict] = field(default_factory=list)

    @property
    def unreads(self) -> int:
        return sum(1 for b in self.bubbles if b["is_opposite"] and not b["message_is_read"])


def redact(headers: dict[str, str]) -> dict[str, str]:
    """Keep the auth scheme (tests assert on it) but never the credential itself."""
    out = {}
    for name, value in headers.items():
        shown = value
        if name.lower() in _SECRET_HEADERS:
            scheme = value.split(" ", 1)[0] if " " in value else ""
            shown = f"{scheme} <redacted>".strip()
        out[name.lower()] = shown
    return out
