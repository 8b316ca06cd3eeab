"""Plain records the simulator keeps: calls, faults, grants, buyers, conversations, cancels."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

JsonDict = dict[str, Any]

REDACTED = "<redacted>"
_SECRET_QUERY = frozenset({"app_secret", "sign", "access_token", "refresh_token", "auth_code"})
_SECRET_HEADERS = frozenset(
    {"x-tts-access-token", "authorization", "cookie", "proxy-authorization"}
)


@dataclass(frozen=True)
class RecordedCall:
    """One request the sandbox received; secrets in the query and headers are redacted."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    time: float
    content: bytes = b""


@dataclass
class Injection:
    """A queued fault from `fail_next`."""

    pattern: re.Pattern[str]
    http_status: int
    code: int
    times: int
    message: str


@dataclass
class Grant:
    """One seller authorization: which shops and scopes, and when it ends."""

    open_id: str
    seller_name: str
    shop_ids: tuple[str, ...]
    scopes: tuple[str, ...]
    refresh_expires_at: int


@dataclass
class AccessToken:
    grant: Grant
    expires_at: float


@dataclass
class AuthCode:
    shop_ids: tuple[str, ...]
    scopes: tuple[str, ...]
    expires_at: float
    used: bool = False


@dataclass(frozen=True)
class Buyer:
    """A buyer: `user_id` links chats to orders, `im_user_id` is IM-only (§8.2)."""

    user_id: str
    im_user_id: str
    nickname: str
    avatar: str


@dataclass
class Conversation:
    """A chat between one buyer and one shop; messages are oldest first."""

    id: str
    shop_id: str
    buyer: Buyer
    buyer_platform: str
    create_time: int
    can_send_message: bool = True
    messages: list[JsonDict] = field(default_factory=list)
    read_ids: set[str] = field(default_factory=set)

    @property
    def unread_count(self) -> int:
        return sum(
            1
            for m in self.messages
            if m["sender"]["role"] == "BUYER" and m["is_visible"] and m["id"] not in self.read_ids
        )

    @property
    def last_activity(self) -> int:
        return int(self.messages[-1]["create_time"]) if self.messages else self.create_time


@dataclass
class Cancellation:
    """A cancellation: a buyer's request (BUYER_CANCEL) or a direct one (CANCEL)."""

    cancel_id: str
    order_id: str
    shop_id: str
    cancel_type: str
    role: str
    status: str
    reason: str
    create_time: int
    update_time: int
    deadline: int | None
    reject_reasons: list[str] = field(default_factory=list)
    reject_reason: str = ""
    comment: str = ""


def redact_query(query: dict[str, str]) -> dict[str, str]:
    """Keep every key (tests assert on presence) but never a secret's value."""
    return {k: REDACTED if k in _SECRET_QUERY else v for k, v in query.items()}


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): REDACTED if k.lower() in _SECRET_HEADERS else v for k, v in headers.items()}
