"""Who may read ``/healthz/details`` and ``/metrics``: this machine, or holders of HEALTH_TOKEN.

The web server listens on every interface for the marketplaces' webhooks, so these pages
must not answer strangers. A request that came through a reverse proxy carries
``X-Forwarded-For`` (or ``Forwarded``) and is never taken for a local one, even though the
proxy connects from loopback.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Callable

from fastapi import HTTPException, Request

_PROXIED = ("x-forwarded-for", "forwarded", "x-real-ip")


def is_loopback(request: Request) -> bool:
    """True for a direct connection from 127.0.0.0/8 or ::1."""
    if any(header in request.headers for header in _PROXIED):
        return False
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bearer_ok(request: Request, token: str) -> bool:
    """True when ``Authorization: Bearer <token>`` matches, compared in constant time."""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def private_access(token: str) -> Callable[[Request], None]:
    """A FastAPI dependency: 403 unless the caller is local or shows ``token`` (if set)."""

    def guard(request: Request) -> None:
        if not (is_loopback(request) or bearer_ok(request, token)):
            raise HTTPException(
                status_code=403,
                detail="private: ask from this machine, or send "
                "Authorization: Bearer HEALTH_TOKEN",
            )

    return guard
