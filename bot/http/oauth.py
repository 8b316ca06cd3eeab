"""Seller authorization links and their callback (TikTok Shop's OAuth-like flow).

``state`` carries a random nonce, an expiry and an HMAC over both, keyed from the app
secret: a forged or altered state fails the check, an old one expires, and the nonce is
claimed on first use so a replayed callback is refused too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from bot.clock import Clock, system_clock
from bot.domain.errors import MarketplaceError
from bot.domain.values import Shop
from bot.marketplaces import Authorizing
from bot.render.formatting import escape

log = logging.getLogger(__name__)

STATE_LIFETIME = timedelta(hours=24)


def _key(secret: str) -> bytes:
    # A key of its own, so the state MAC can never be confused with an API signature.
    return hashlib.sha256(b"tokobot-oauth-state\x00" + secret.encode()).digest()


def make_state(secret: str, now: datetime, lifetime: timedelta = STATE_LIFETIME) -> str:
    nonce = secrets.token_urlsafe(12)
    expires = int((now + lifetime).timestamp())
    body = f"{nonce}.{expires}"
    mac = hmac.new(_key(secret), body.encode(), hashlib.sha256).digest()
    return f"{body}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def check_state(state: str, secret: str, now: datetime) -> str | None:
    """The nonce of a genuine, unexpired state; None otherwise (constant-time MAC check)."""
    parts = state.split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    body = f"{parts[0]}.{parts[1]}"
    expected = (
        base64.urlsafe_b64encode(hmac.new(_key(secret), body.encode(), hashlib.sha256).digest())
        .decode()
        .rstrip("=")
    )
    if not hmac.compare_digest(expected.encode(), parts[2].encode()):
        return None
    if datetime.fromtimestamp(int(parts[1]), UTC) < now:
        return None
    return parts[0]


def _page(title: str, lines: list[str], status: int) -> HTMLResponse:
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    html = (
        "<!doctype html><html lang='id'><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        "<title>tokobot</title>"
        "<body style='font-family:sans-serif;max-width:32em;margin:2em auto'>"
        f"<h1>{escape(title)}</h1><ul>{items}</ul></body></html>"
    )
    return HTMLResponse(html, status_code=status)


Claim = Callable[[str], Awaitable[bool]]
SaveShops = Callable[[str, list[Shop]], Awaitable[None]]


def oauth_router(
    marketplaces: Mapping[str, Authorizing],
    secrets_by_marketplace: Mapping[str, str],
    *,
    claim_nonce: Claim,
    save_shops: SaveShops,
    clock: Clock = system_clock,
) -> APIRouter:
    """``GET /oauth/{marketplace}/callback?code=...&state=...``."""
    router = APIRouter()

    @router.get("/oauth/{name}/callback")
    async def callback(request: Request, name: str) -> HTMLResponse:
        marketplace = marketplaces.get(name)
        if marketplace is None:
            return _page("Tidak dikenal", ["Alamat ini tidak dipakai."], 404)
        code = request.query_params.get("code", "")
        state = request.query_params.get("state", "")
        nonce = check_state(state, secrets_by_marketplace[name], clock()) if state else None
        if nonce is None:
            log.warning("refused a %s authorization callback: missing or forged state", name)
            return _page(
                "Link tidak sah",
                ["Buat link otorisasi baru dengan `tokobot tiktokshop authorize`."],
                400,
            )
        if not code or code == "null":
            error = request.query_params.get("error", "")
            return _page("Otorisasi dibatalkan", [error or "Penjual tidak memberi izin."], 400)
        if not await claim_nonce(f"oauth:{name}:{nonce}"):
            return _page("Link sudah dipakai", ["Buat link otorisasi baru."], 400)
        try:
            shops = await marketplace.complete_authorization(code)
        except MarketplaceError as exc:
            log.warning("authorization for %s failed: %s", name, exc.kind.value)
            return _page("Otorisasi gagal", [exc.detail or exc.kind.value], 502)
        await save_shops(name, shops)
        names = [f"{shop.name} ({shop.shop_id})" for shop in shops] or ["(tidak ada toko)"]
        return _page("Toko terhubung ke tokobot", names, 200)

    return router
