"""How the TikTok Shop client talks to the Partner API: one signed request, its retries.

``Transport`` signs and sends a request, reads the envelope, refreshes an expired token and
applies the retry rules; ``TikTokShopClient`` builds on it with one method per endpoint.

Every API call carries ``app_key``, ``timestamp`` and ``sign`` (``signer.sign``), plus
``shop_cipher`` for shop calls, and the header ``x-tts-access-token``. A JSON body is
serialized once; those bytes are signed and sent, on every attempt. Success is envelope
``code == 0``; the ``request_id`` is logged either way.

Retries:
* HTTP 429, 36009002 (too many requests), HTTP 5xx (503 = platform protection), 36009003
  (internal error), 36009007 (timeout) and connection failures: exponential backoff with
  jitter, ``RetryPolicy.attempts`` tries in all, for every call except Send Message.
* 105002 (expired access token): one refresh and one resend, for every call including Send
  Message: the platform refused it before processing.
* Send Message has no idempotency key. A failure certain to be pre-processing (connection
  refused, 429 / 36009002, 503, any coded refusal such as 45109001 or 45101006) is raised as
  is; anything that may have been processed (read timeouts, other 5xx, 36009003, 36009007,
  an unreadable success) raises ``OutcomeUnknown``. It is never resent.
* 45101004 (Customer Service quota) is never retried.

Customer Service requests are counted by ``CustomerServiceQuota`` before they are sent, and
every request waits for a slot under the per-API, per-shop QPS (``QPS_PER_API``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from bot.clock import Clock, system_clock
from bot.marketplaces.retry import MAYBE_DONE, Backoff, Pace, endpoint_of, never_sent

from .auth import DEFAULT_AUTH_URL, TikTokShopTokens, install_log_redaction, redact, request_token
from .errors import (
    InvalidRequest,
    NotEligible,
    OutcomeUnknown,
    QuotaExceeded,
    RateLimited,
    ServerError,
    TikTokShopError,
    TokenExpired,
    classify,
)
from .models import TokenGrant
from .quota import CustomerServiceQuota
from .signer import sign

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://open-api.tiktokglobalshop.com"
CS_PREFIX = "/customer_service/"
# The platform allows 50 requests a second per API for each app and shop (doc §11); sending
# at most 45 leaves room for clock differences between our window and the platform's.
QPS_PER_API = 45

Sleep = Callable[[float], Awaitable[None]]
Params = Mapping[str, str | int]
# multipart fields: name -> (filename, bytes, content type)
Files = Mapping[str, tuple[str, bytes, str]]


@dataclass(frozen=True)
class RetryPolicy(Backoff):
    attempts: int = 4  # tries in total for retryable failures
    base_delay: float = 1.0
    max_delay: float = 16.0


class Transport:
    """Signed calls to the Partner API for one app, with the retry rules above."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        app_key: str,
        app_secret: str,
        tokens: TikTokShopTokens,
        api_url: str = DEFAULT_API_URL,
        auth_url: str = DEFAULT_AUTH_URL,
        quota: CustomerServiceQuota | None = None,
        retry: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
        clock: Clock = system_clock,
    ) -> None:
        """Args:
        quota: the Customer Service counter; by default one kept in ``tokens.store``.
        """
        self._http = http
        self._app_key = app_key
        self._app_secret = app_secret
        self._tokens = tokens
        self._api_url = api_url.rstrip("/")
        self._auth_url = auth_url.rstrip("/")
        self._quota = quota or CustomerServiceQuota(tokens.store, clock=clock)
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._jitter = jitter
        self._clock = clock
        self._pace = Pace(QPS_PER_API)
        install_log_redaction()

    @property
    def tokens(self) -> TikTokShopTokens:
        return self._tokens

    @property
    def quota(self) -> CustomerServiceQuota:
        return self._quota

    # --- authorization (§4.2) -------------------------------------------------------------------

    async def exchange_code(self, auth_code: str) -> TokenGrant:
        """Token Get: trade a seller's one-time code for a token pair."""
        return await request_token(
            self._http,
            self._auth_url,
            app_key=self._app_key,
            app_secret=self._app_secret,
            auth_code=auth_code,
        )

    async def refresh_grant(self, refresh_token: str) -> TokenGrant:
        """Token Refresh; the token manager stores what comes back."""
        return await request_token(
            self._http,
            self._auth_url,
            app_key=self._app_key,
            app_secret=self._app_secret,
            refresh_token=refresh_token,
        )

    # --- transport ------------------------------------------------------------------------------

    async def _call(
        self,
        method: str,
        path: str,
        *,
        shop_id: str | None = None,
        access_token: str = "",
        params: Params | None = None,
        body: Mapping[str, Any] | None = None,
        files: Files | None = None,
        resend: bool = True,
        essential: bool = True,
    ) -> dict[str, Any]:
        """Send one API request with the retry rules above; return the envelope's data.

        ``files`` makes it a multipart upload, whose body is left out of the signature.
        """
        content = b"" if body is None else _dumps(body)  # serialized once, sent as signed
        failures = 0
        refreshed = ambiguous = False
        while True:
            token, cipher = access_token, None
            if shop_id is not None:
                creds = await self._tokens.current(shop_id, self.refresh_grant)
                token, cipher = creds.access_token, creds.cipher
            if path.startswith(CS_PREFIX):
                await self._quota.take(essential=essential)
            await self._pace.wait((endpoint_of(path), shop_id or ""))
            try:
                return await self._attempt(
                    method, path, params, content, token, cipher, resend, files
                )
            except TokenExpired:
                if shop_id is None or refreshed:
                    raise
                refreshed = True
                log.info("TikTok Shop access token of shop %s expired early; refreshing", shop_id)
                await self._tokens.renew(shop_id, self.refresh_grant, stale_token=token)
            except QuotaExceeded:
                await self._quota.exhausted()
                raise
            except (RateLimited, ServerError) as exc:
                failures += 1
                delay = self._retry.delay_after(failures, self._jitter) if resend else None
                if delay is None:
                    raise
                ambiguous = ambiguous or _maybe_processed(exc)
                log.warning(
                    "TikTok Shop %s %s failed (%s); retrying in %.1fs", method, path, exc, delay
                )
                await self._sleep(delay)
            except NotEligible as exc:
                if not ambiguous:
                    raise
                raise NotEligible(
                    exc.code,
                    f"{exc.message}{MAYBE_DONE}",
                    exc.status,
                    exc.request_id,
                ) from exc

    async def _attempt(
        self,
        method: str,
        path: str,
        params: Params | None,
        content: bytes,
        token: str,
        cipher: str | None,
        resend: bool,
        files: Files | None = None,
    ) -> dict[str, Any]:
        """One signed try: the envelope's data, or the error (OutcomeUnknown for ambiguity)."""
        query = {key: str(value) for key, value in (params or {}).items()}
        query |= {"app_key": self._app_key, "timestamp": str(int(self._clock().timestamp()))}
        if cipher is not None:
            query["shop_cipher"] = cipher
        query["sign"] = sign(path, query, content, self._app_secret)
        headers = {"x-tts-access-token": token} if token else {}
        if content:
            headers["content-type"] = "application/json"
        try:
            if files is not None:  # httpx writes the multipart body and its boundary
                response = await self._http.request(
                    method, self._api_url + path, params=query, files=files, headers=headers
                )
            else:
                response = await self._http.request(
                    method, self._api_url + path, params=query, content=content, headers=headers
                )
        except httpx.TransportError as exc:
            name = type(exc).__name__
            if not resend and not never_sent(exc):
                raise OutcomeUnknown(0, f"{name} after the request was sent") from None
            failure = ServerError(0, redact(f"{name}: {exc}".rstrip(": ")))
            failure.reached = not never_sent(exc)
            raise failure from None
        error = _envelope_error(response)
        if isinstance(error, dict):
            return error
        log.warning("TikTok Shop %s %s failed: %s", method, path, error)
        if not resend and _maybe_processed(error):
            raise OutcomeUnknown(error.code, error.message, error.status, error.request_id)
        raise error


def _envelope_error(response: httpx.Response) -> dict[str, Any] | TikTokShopError:
    """The envelope's data on success, else the error the response stands for."""
    try:
        payload: Any = response.json()
    except ValueError:
        payload = None
    status = response.status_code
    if not isinstance(payload, dict) or "code" not in payload:
        cls = classify(None, status)
        return cls(0, f"HTTP {status} without a TikTok Shop envelope", status)
    request_id = str(payload.get("request_id") or "")
    try:
        code = int(payload["code"])
    except (TypeError, ValueError):
        return TikTokShopError(0, f"unreadable code {payload['code']!r}", status, request_id)
    if code == 0 and status < 400:
        log.debug("TikTok Shop call ok (request_id %s)", request_id)
        data = payload.get("data")
        return data if isinstance(data, dict) else {}
    message = str(payload.get("message") or "")
    return classify(code, status)(code, message, status, request_id)


def _maybe_processed(error: TikTokShopError) -> bool:
    """True when a failed request may still have been acted on."""
    if isinstance(error, RateLimited):
        return False  # refused by the limiter
    if isinstance(error, ServerError):
        # 503 is the platform shedding load before processing; a connection that was never
        # made can't have done anything either. Everything else may have run.
        return error.reached and error.status != 503
    return type(error) is TikTokShopError  # a success we could not read


def _dumps(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


# Argument checks shared by every endpoint group (orders, chat, returns): a value the API
# would refuse is refused here, before anything is sent that could count against a quota.


def path_id(value: str, what: str) -> str:
    """An id for a URL path (digits in practice); anything else is refused before sending."""
    text = str(value).strip()
    if not re.fullmatch(r"[0-9A-Za-z_-]{1,64}", text):
        raise InvalidRequest(0, f"invalid {what} {value!r}")
    return text


def checked_key(value: str) -> str:
    """An idempotency key as the API takes it."""
    if not value or len(value) > 255:
        raise InvalidRequest(0, "an idempotency key is 1-255 characters")
    return value
