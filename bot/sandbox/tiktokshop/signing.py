"""The two TikTok Shop signatures, as pure functions, and signed webhook delivery.

Requests (§5): HMAC-SHA256 keyed with the app secret over
`secret + path + sorted(key + value) + raw body + secret`. Webhooks (§7.2): HMAC-SHA256
keyed with the app secret over `app_key + raw body`. They are deliberately different.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any, Protocol

import httpx

# Left out of the signed parameter set (§5.1 step 1).
UNSIGNED_PARAMS = frozenset({"sign", "access_token"})


def string_to_sign(path: str, query: Mapping[str, str], body: bytes) -> bytes:
    """The pre-wrap string: path, each signed parameter as key+value sorted by key, body."""
    params = "".join(key + query[key] for key in sorted(query) if key not in UNSIGNED_PARAMS)
    return (path + params).encode() + body


def request_sign(path: str, query: Mapping[str, str], body: bytes, app_secret: str) -> str:
    """The `sign` query value; pass body=b"" for GET and multipart requests."""
    secret = app_secret.encode()
    message = secret + string_to_sign(path, query, body) + secret
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def webhook_signature(raw: bytes, app_key: str, app_secret: str) -> str:
    """The webhook `Authorization` value: lowercase hex HMAC(app_secret, app_key + raw)."""
    return hmac.new(app_secret.encode(), app_key.encode() + raw, hashlib.sha256).hexdigest()


def encode_json(body: object) -> bytes:
    """Compact UTF-8 JSON, the form of the doc's webhook example; serialise once, sign those."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


class WebhookSigner(Protocol):
    def sign_webhook(self, raw: bytes) -> str: ...


async def send_webhook(
    client: httpx.AsyncClient, url: str, body: dict[str, Any], state: WebhookSigner
) -> httpx.Response:
    """POST `body` to `url` as TikTok does: the exact bytes signed go on the wire."""
    raw = encode_json(body)
    headers = {"Content-Type": "application/json", "Authorization": state.sign_webhook(raw)}
    return await client.post(url, content=raw, headers=headers)
