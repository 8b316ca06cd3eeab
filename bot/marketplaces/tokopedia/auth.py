"""Bearer-token handling for the Seller API as an ``httpx.Auth`` flow.

Tokopedia issues a new token only once the previous one has expired (doc §3.3), so the token
is cached with its absolute expiry in a ``TokenStore`` and reused across restarts. The flow
refreshes when the cached token has expired, or once when the API answers 401, and then
resends the request once. The token request is yielded to the client like any other, so the
flow itself does no I/O. Neither the client secret nor a token is ever logged.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import AsyncGenerator
from datetime import datetime, timedelta
from typing import Any

import httpx
from pydantic import ValidationError

from bot.clock import Clock, system_clock
from bot.marketplaces import TokenStore

from .errors import AuthError, RateLimited, ServerError, TokopediaError
from .models.account import Token
from .protocol import parse_reset_after

log = logging.getLogger(__name__)

DEFAULT_AUTH_URL = "https://accounts.tokopedia.com"
DEFAULT_USER_AGENT = f"tokobot/0.1 python-httpx/{httpx.__version__}"


class TokopediaAuth(httpx.Auth):
    """Adds ``Authorization: Bearer`` to Seller API requests, fetching tokens as needed."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        store: TokenStore,
        auth_url: str = DEFAULT_AUTH_URL,
        user_agent: str = DEFAULT_USER_AGENT,
        clock: Clock = system_clock,
    ) -> None:
        self._client_id = client_id
        self._client_secret = client_secret
        self._store = store
        self._token_url = httpx.URL(auth_url.rstrip("/") + "/token")
        self._user_agent = user_agent
        self._clock = clock
        self._lock = asyncio.Lock()
        self._cached: tuple[str, datetime] | None = None
        self._loaded = False

    def __repr__(self) -> str:
        return f"TokopediaAuth(client_id={self._client_id!r})"

    @property
    def store_key(self) -> str:
        return f"tokopedia:{self._client_id}"

    def is_token_request(self, request: httpx.Request) -> bool:
        """True for the flow's own token request (so callers know the API call wasn't sent)."""
        return request.url.copy_with(query=None) == self._token_url

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self._current()
        if token is None:
            async with self._lock:
                token = await self._current()  # another caller may have refreshed meanwhile
                if token is None:
                    response = yield self._token_request()
                    token = await self._accept(response)
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != httpx.codes.UNAUTHORIZED:
            return
        # The token may have expired early or been revoked: refresh once and resend once.
        async with self._lock:
            current = await self._current()
            if current is None or current == token:
                log.info("Tokopedia answered 401; requesting a new token")
                token_response = yield self._token_request()
                current = await self._accept(token_response)
        request.headers["Authorization"] = f"Bearer {current}"
        yield request

    async def expires_at(self) -> datetime | None:
        """When the cached token stops working; None when there is none yet."""
        await self._current()
        return None if self._cached is None else self._cached[1]

    async def refresh(self, http: httpx.AsyncClient) -> datetime:
        """Fetch a new token now if the cached one has expired (Tokopedia's only rule)."""
        async with self._lock:
            if await self._current() is None:
                response = await http.send(self._token_request())
                await self._accept(response)
        assert self._cached is not None
        return self._cached[1]

    async def _current(self) -> str | None:
        """The cached token if it is still valid, loading it from the store the first time."""
        if not self._loaded:
            self._cached = await self._store.load(self.store_key)
            self._loaded = True
        if self._cached is None:
            return None
        token, expires_at = self._cached
        # No early refresh: Tokopedia only issues a new token once the old one has expired.
        # A request racing the expiry gets a 401 and takes the refresh-once path.
        return token if self._clock() < expires_at else None

    def _token_request(self) -> httpx.Request:
        credentials = f"{self._client_id}:{self._client_secret}".encode()
        return httpx.Request(
            "POST",
            self._token_url,
            params={"grant_type": "client_credentials"},
            headers={
                "Authorization": "Basic " + base64.b64encode(credentials).decode(),
                "User-Agent": self._user_agent,
                "Accept": "application/json",
            },
            content=b"",
        )

    async def _accept(self, response: httpx.Response) -> str:
        await response.aread()
        if response.status_code != httpx.codes.OK:
            raise _token_error(response)
        try:
            token = Token.model_validate_json(response.content)
        except ValidationError as exc:
            raise AuthError("", f"unreadable token response: {exc.error_count()} errors") from exc
        expires_at = self._clock() + timedelta(seconds=token.expires_in)
        self._cached = (token.access_token, expires_at)
        await self._store.save(self.store_key, token.access_token, expires_at)
        log.info("Tokopedia token acquired; expires at %s", expires_at.isoformat())
        return token.access_token


def _token_error(response: httpx.Response) -> TokopediaError:
    try:
        body = response.json()
    except ValueError:
        body = None
    message = ""
    if isinstance(body, dict):
        # OAuth-style bodies ("error_description") or the Seller API header, whichever came.
        header: dict[str, Any] = body["header"] if isinstance(body.get("header"), dict) else {}
        message = str(
            body.get("error_description")
            or body.get("error")
            or header.get("reason")
            or header.get("messages")
            or ""
        )
    message = message or f"token request failed with HTTP {response.status_code}"
    status = response.status_code
    if status == httpx.codes.TOO_MANY_REQUESTS:
        reset_after = parse_reset_after(response.headers.get("X-Ratelimit-Reset-After"))
        return RateLimited("", message, status, reset_after=reset_after)
    if status >= httpx.codes.INTERNAL_SERVER_ERROR:
        return ServerError("", message, status)
    return AuthError("", message, status)
