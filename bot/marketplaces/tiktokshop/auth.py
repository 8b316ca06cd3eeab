"""Per-shop OAuth tokens: the token endpoints (§4.2-4.3) and a store-backed token manager.

Each authorized shop is one JSON value in the ``StateStore`` under ``tiktokshop:shop:{id}``
(``ShopCredentials``: both tokens with their absolute expiry times, the cipher, shop code and
name, granted scopes, seller open id), written whole in one ``put`` so a refreshed pair is
never half-saved. ``tiktokshop:shops`` lists the shop ids.

``TikTokShopTokens`` refreshes a shop's access token when it is within ``refresh_ahead`` of
expiring (a failed early refresh keeps using the still-valid token) and, through the client,
once after a 105002. One refresh per shop runs at a time (an ``asyncio.Lock`` per shop); a
caller that waited on the lock uses the pair the first one stored.

The token endpoints are GET requests with ``app_secret`` in the query string. Their URLs are
never logged or put in an exception by this package, and ``install_log_redaction`` masks
them in httpx's own request log.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pydantic import ValidationError

from bot.clock import Clock, system_clock
from bot.marketplaces import StateStore

from .errors import AuthError, RateLimited, ServerError, TikTokShopError, classify
from .models import AuthorizedShop, ShopCredentials, TokenGrant

log = logging.getLogger(__name__)

DEFAULT_AUTH_URL = "https://auth.tiktok-shops.com"
TOKEN_GET_PATH = "/api/v2/token/get"  # noqa: S105 - a URL path, not a password
TOKEN_REFRESH_PATH = "/api/v2/token/refresh"  # noqa: S105 - a URL path
SHOP_KEY = "tiktokshop:shop:{shop_id}"
SHOPS_KEY = "tiktokshop:shops"

Renew = Callable[[str], Awaitable[TokenGrant]]  # refresh_token -> the new grant

_SECRET_PARAMS = re.compile(r"((?:app_secret|access_token|refresh_token|auth_code)=)[^&\s\"'>]*")


def redact(text: str) -> str:
    """Mask the values of secret-bearing query parameters in ``text``."""
    return _SECRET_PARAMS.sub(r"\1[redacted]", text)


class RedactSecrets(logging.Filter):
    """Rewrites log records whose text carries a token URL's secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install_log_redaction() -> None:
    """Mask secrets in httpx's "HTTP Request: GET <url>" log line; idempotent."""
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, RedactSecrets) for f in logger.filters):
        logger.addFilter(RedactSecrets())


async def request_token(
    http: httpx.AsyncClient,
    auth_url: str,
    *,
    app_key: str,
    app_secret: str,
    auth_code: str | None = None,
    refresh_token: str | None = None,
) -> TokenGrant:
    """Token Get (with ``auth_code``) or Token Refresh (with ``refresh_token``)."""
    if (auth_code is None) == (refresh_token is None):
        raise ValueError("pass exactly one of auth_code or refresh_token")
    params = {"app_key": app_key, "app_secret": app_secret}
    if auth_code is not None:
        path, what = TOKEN_GET_PATH, "token exchange"
        params |= {"auth_code": auth_code, "grant_type": "authorized_code"}
    else:
        path, what = TOKEN_REFRESH_PATH, "token refresh"
        params |= {"refresh_token": refresh_token or "", "grant_type": "refresh_token"}
    secrets = [app_secret, auth_code or "", refresh_token or ""]
    try:
        response = await http.get(auth_url.rstrip("/") + path, params=params)
    except httpx.TransportError as exc:
        # Not chained: the cause's request carries the secret-bearing URL.
        raise ServerError(0, f"{what} failed: {type(exc).__name__}") from None
    return _grant(response, what, secrets)


def _grant(response: httpx.Response, what: str, secrets: list[str]) -> TokenGrant:
    try:
        payload: Any = response.json()
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        cls = classify(None, response.status_code)
        if cls is TikTokShopError:
            cls = ServerError  # a 2xx that isn't JSON: a proxy's page, not the platform
        raise cls(
            0, f"{what}: unreadable answer (HTTP {response.status_code})", response.status_code
        )
    request_id = str(payload.get("request_id") or "")
    code = _int(payload.get("code"))
    message = _scrub(str(payload.get("message") or ""), secrets)
    if code != 0 or response.status_code >= 400:
        cls = classify(code, response.status_code)
        if cls is TikTokShopError or not issubclass(cls, RateLimited | ServerError):
            cls = AuthError  # anything else is "this authorization did not work"
        raise cls(code, f"{what}: {message}".rstrip(": "), response.status_code, request_id)
    try:
        grant = TokenGrant.model_validate(payload.get("data"))
    except ValidationError as exc:
        raise AuthError(
            0, f"{what}: unexpected answer ({exc.error_count()} errors)", 200, request_id
        ) from None
    log.info("TikTok Shop %s succeeded (request_id %s)", what, request_id)
    return grant


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return redact(text)


class TikTokShopTokens:
    """Per-shop credentials in a ``StateStore``, refreshed ahead of expiry, one at a time."""

    def __init__(
        self,
        store: StateStore,
        *,
        refresh_ahead: timedelta = timedelta(days=1),
        clock: Clock = system_clock,
    ) -> None:
        self._store = store
        self._ahead = refresh_ahead
        self._clock = clock
        self._cache: dict[str, ShopCredentials] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._index_lock = asyncio.Lock()
        self._shop_ids: list[str] | None = None

    def __repr__(self) -> str:
        return f"TikTokShopTokens(shops={self.known_shop_count})"

    @property
    def store(self) -> StateStore:
        return self._store

    @property
    def known_shop_count(self) -> int:
        """Shops in the index, as last read (0 before the first read); for ``status()``."""
        return len(self._shop_ids or ())

    # --- reading ------------------------------------------------------------------------------

    async def shop_ids(self) -> list[str]:
        if self._shop_ids is None:
            raw = await self._store.get(SHOPS_KEY)
            self._shop_ids = [str(i) for i in json.loads(raw)] if raw else []
        return list(self._shop_ids)

    async def load(self, shop_id: str) -> ShopCredentials | None:
        if shop_id not in self._cache:
            raw = await self._store.get(SHOP_KEY.format(shop_id=shop_id))
            if raw is None:
                return None
            self._cache[shop_id] = ShopCredentials.model_validate_json(raw)
        return self._cache[shop_id]

    async def get(self, shop_id: str) -> ShopCredentials:
        creds = await self.load(shop_id)
        if creds is None:
            raise AuthError(0, f"shop {shop_id} is not authorized; authorize it first")
        return creds

    async def all(self) -> list[ShopCredentials]:
        found = [await self.load(shop_id) for shop_id in await self.shop_ids()]
        return [creds for creds in found if creds is not None]

    # --- writing ------------------------------------------------------------------------------

    async def save(self, creds: ShopCredentials) -> None:
        """Store one shop's credentials in a single ``put``, then list it in the index."""
        await self._store.put(SHOP_KEY.format(shop_id=creds.shop_id), creds.model_dump_json())
        self._cache[creds.shop_id] = creds
        async with self._index_lock:
            ids = await self.shop_ids()
            if creds.shop_id not in ids:
                ids.append(creds.shop_id)
                await self._store.put(SHOPS_KEY, json.dumps(ids))
                self._shop_ids = ids

    async def store_authorization(
        self, grant: TokenGrant, shops: list[AuthorizedShop]
    ) -> list[ShopCredentials]:
        """Keep one seller authorization: the same token pair for each of its shops."""
        saved = []
        for shop in shops:
            creds = ShopCredentials.from_grant(grant, shop)
            await self.save(creds)
            saved.append(creds)
        log.info("TikTok Shop authorization stored for shops %s", [c.shop_id for c in saved])
        return saved

    # --- refreshing ---------------------------------------------------------------------------

    async def current(self, shop_id: str, renew: Renew) -> ShopCredentials:
        """Usable credentials, refreshed first when the access token is about to expire."""
        creds = await self.get(shop_id)
        if not self._due(creds):
            return creds
        async with self._lock(shop_id):
            creds = await self.get(shop_id)
            if not self._due(creds):
                return creds  # refreshed while we waited
            try:
                return await self._refresh(creds, renew)
            except TikTokShopError as exc:
                if self._now() >= creds.access_token_expire_in:
                    raise
                log.warning(
                    "TikTok Shop early token refresh for shop %s failed (%s); the current "
                    "token stays valid until %s",
                    shop_id,
                    exc,
                    datetime.fromtimestamp(creds.access_token_expire_in, UTC).isoformat(),
                )
                return creds

    async def refresh_if_due(self, shop_id: str, renew: Renew) -> ShopCredentials:
        """Like ``current`` but a failed refresh is raised: for the scheduled renewal job."""
        async with self._lock(shop_id):
            creds = await self.get(shop_id)
            return await self._refresh(creds, renew) if self._due(creds) else creds

    async def renew(self, shop_id: str, renew: Renew, *, stale_token: str) -> ShopCredentials:
        """Refresh after the platform refused ``stale_token`` (105002), unless done already."""
        async with self._lock(shop_id):
            creds = await self.get(shop_id)
            if creds.access_token != stale_token:
                return creds  # another caller refreshed while we waited
            return await self._refresh(creds, renew)

    async def _refresh(self, creds: ShopCredentials, renew: Renew) -> ShopCredentials:
        if creds.refresh_token_expire_in and self._now() >= creds.refresh_token_expire_in:
            raise AuthError(
                0, f"the authorization of shop {creds.shop_id} has expired; re-authorize it"
            )
        grant = await renew(creds.refresh_token)
        fresh = creds.renewed(grant)
        await self.save(fresh)
        log.info(
            "TikTok Shop token for shop %s refreshed; expires at %s",
            creds.shop_id,
            datetime.fromtimestamp(fresh.access_token_expire_in, UTC).isoformat(),
        )
        return fresh

    def _due(self, creds: ShopCredentials) -> bool:
        return self._now() >= creds.access_token_expire_in - self._ahead.total_seconds()

    def _now(self) -> float:
        return self._clock().timestamp()

    def _lock(self, shop_id: str) -> asyncio.Lock:
        return self._locks.setdefault(shop_id, asyncio.Lock())
