"""Pure signing for the TikTok Shop Partner API: outgoing requests (§5) and webhooks (§7.2).

The two algorithms differ and must not be mixed up:

* a request's ``sign`` is HMAC-SHA256(app_secret, secret + path + sorted query + body + secret),
  over every query parameter except ``sign`` and ``access_token``, with the JSON body exactly
  as sent (no body for GET and multipart requests);
* a webhook's ``Authorization`` header is HMAC-SHA256(app_secret, app_key + raw body).

Both digests are lowercase hex. Nothing here does I/O.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

UNSIGNED_PARAMS = frozenset({"sign", "access_token"})


def string_to_sign(path: str, query: Mapping[str, str], body: bytes = b"") -> bytes:
    """Path, then each query key and value in byte order of keys, then the raw body (§5.1)."""
    params = "".join(key + query[key] for key in sorted(query) if key not in UNSIGNED_PARAMS)
    return (path + params).encode() + body


def sign(path: str, query: Mapping[str, str], body: bytes, app_secret: str) -> str:
    """Return the request's ``sign`` value; pass ``body=b""`` for GET and multipart requests."""
    secret = app_secret.encode()
    message = secret + string_to_sign(path, query, body) + secret
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def webhook_signature(raw_body: bytes, app_key: str, app_secret: str) -> str:
    """The ``Authorization`` value TikTok Shop puts on a webhook carrying ``raw_body``."""
    return hmac.new(app_secret.encode(), app_key.encode() + raw_body, hashlib.sha256).hexdigest()


def verify_webhook(header: str | None, raw_body: bytes, app_key: str, app_secret: str) -> bool:
    """True when ``header`` is the webhook signature of the raw bytes; constant time.

    Surrounding whitespace (HTTP framing) is ignored; anything else must match exactly,
    except for the case of the hex digits.
    """
    if not header or not app_key or not app_secret:
        return False  # an unset secret must not make an empty-key signature valid
    candidate = header.strip().lower()
    if not candidate.isascii():
        return False  # compare_digest refuses non-ASCII str; such a header is wrong anyway
    return hmac.compare_digest(candidate, webhook_signature(raw_body, app_key, app_secret))
