"""Signed webhook delivery, as Tokopedia does it (§5.1)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx


def sign(raw: bytes, secret: str) -> str:
    """Lowercase hex HMAC-SHA256 of the exact body bytes, keyed with the webhook secret."""
    return hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


async def send_webhook(
    client: httpx.AsyncClient, url: str, body: dict[str, Any], secret: str
) -> httpx.Response:
    """POST `body` as JSON to `url` with a correct `Authorization-Hmac` header."""
    # Serialise once and sign those bytes: re-serialising could change spacing or key order
    # and break the signature, which is the mistake receivers must not be forgiven for.
    raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", "Authorization-Hmac": sign(raw, secret)}
    return await client.post(url, content=raw, headers=headers)
