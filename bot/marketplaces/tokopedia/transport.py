"""How the Tokopedia client talks to the Seller API: one request, its retries, its answer.

``Transport`` sends a request (with ``TokopediaAuth`` adding the token), unwraps the envelope
and applies the retry rules; ``TokopediaClient`` builds on it with one method per endpoint.

Retries:
* While an endpoint's quota was last seen spent, its calls queue (``HeaderPace``).
* 429: wait ``X-Ratelimit-Reset-After`` (if it is within ``max_rate_limit_wait``), a bounded
  number of times, for every call: the limiter refuses before anything is processed.
* 5xx and connection failures: exponential backoff with jitter, for reads and for
  ACK/NACK/reject-cancel (a repeat of a done action is answered "not eligible").
* Send Reply has no idempotency key, so it is resent only after failures certain to be
  pre-send (connect errors, 429, the token call, the auth flow's 401 refresh); anything that
  may have reached Tokopedia raises ``OutcomeUnknown``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from bot.clock import Clock, system_clock
from bot.marketplaces.retry import MAYBE_DONE, Backoff, endpoint_of, never_sent

from .auth import TokopediaAuth
from .errors import (
    InvalidRequest,
    NotEligible,
    OutcomeUnknown,
    RateLimited,
    ServerError,
    TokopediaError,
)
from .protocol import parse_reset_after, unwrap_envelope
from .ratelimit import HeaderPace

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://fs.tokopedia.net"

_M = TypeVar("_M", bound=BaseModel)
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy(Backoff):
    attempts: int = 3  # tries in total for 5xx / connection failures
    base_delay: float = 0.5
    max_delay: float = 8.0
    rate_limit_retries: int = 3
    max_rate_limit_wait: float = 30.0  # a longer reset is raised, for the caller to reschedule
    default_rate_limit_wait: float = 1.0  # a 429 without a usable Reset-After header


@dataclass
class _Budget:
    policy: RetryPolicy
    jitter: Callable[[], float]
    failures: int = 0
    rate_limited: int = 0
    ambiguous: bool = False  # an earlier attempt may have been processed

    def delay(self, error: TokopediaError) -> float | None:
        """Seconds to wait before retrying after ``error``, or None to give up."""
        if isinstance(error, RateLimited):
            self.rate_limited += 1
            wait = error.reset_after or self.policy.default_rate_limit_wait
            if self.rate_limited > self.policy.rate_limit_retries:
                return None
            return wait if wait <= self.policy.max_rate_limit_wait else None
        if isinstance(error, ServerError):
            self.failures += 1
            return self.policy.delay_after(self.failures, self.jitter)
        return None


def path_id(value: str | int, what: str) -> str:
    """An id for a URL path; Tokopedia's are integers, anything else is refused pre-send."""
    text = str(value).strip()
    if not re.fullmatch(r"\d{1,20}", text):
        raise InvalidRequest("", f"invalid {what} {value!r}")
    return text


class Transport:
    """The connection to one fs_id's Seller API, with the retry rules above."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        fs_id: int | str,
        auth: TokopediaAuth,
        api_url: str = DEFAULT_API_URL,
        retry: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
        clock: Clock = system_clock,
        order_list_epoch_shift: timedelta = timedelta(0),
    ) -> None:
        """Args:
        order_list_epoch_shift: added to Get All Orders' from/to epochs. Two integrations
            shift them by +7 h (doc §8.1, UNCONFIRMED); keep 0 until a known order says so.
        """
        self._http = http
        self._fs_id = path_id(fs_id, "fs_id")
        self._auth = auth
        self._api_url = api_url.rstrip("/")
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._jitter = jitter
        self._clock = clock
        self._epoch_shift = order_list_epoch_shift
        self._pace = HeaderPace(sleep)

    @property
    def fs_id(self) -> str:
        return self._fs_id

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        resend: bool = True,
    ) -> Any:
        """Send one API request with the retry rules above; return the envelope's data."""
        budget = _Budget(self._retry, self._jitter)
        while True:
            async with self._pace.slot(endpoint_of(path)):
                outcome = await self._attempt(method, path, params, json, resend=resend)
            if isinstance(outcome, _Data):
                return outcome.data
            error = outcome.error
            delay = budget.delay(error)
            if delay is None:
                if budget.ambiguous and isinstance(error, NotEligible):
                    raise NotEligible(
                        error.code, f"{error.message}{MAYBE_DONE}", error.status
                    ) from error
                raise error
            budget.ambiguous = budget.ambiguous or outcome.maybe_processed
            log.warning(
                "Tokopedia %s %s failed (%s); retrying in %.1fs", method, path, error, delay
            )
            await self._sleep(delay)

    async def _attempt(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        json: dict[str, Any] | None,
        *,
        resend: bool,
    ) -> _Data | _Failure:
        """One try: the data, or the failure to weigh for a retry (OutcomeUnknown is raised)."""
        url = self._api_url + path
        try:
            response = await self._http.request(
                method, url, params=params, json=json, auth=self._auth
            )
        except httpx.TransportError as exc:
            before_send = self._never_sent(exc)
            if not resend and not before_send:
                raise OutcomeUnknown(
                    "", f"{type(exc).__name__} after the request was sent", 0
                ) from exc
            error = ServerError("", f"{type(exc).__name__}: {exc}".rstrip(": "), 0)
            error.__cause__ = exc
            return _Failure(error, maybe_processed=not before_send)
        except TokopediaError as exc:  # from the token call: the API request itself never left
            return _Failure(exc)
        self._pace.note(endpoint_of(path), response.headers)
        try:
            payload = response.json()
        except ValueError:
            payload = None
        reset_after = parse_reset_after(response.headers.get("X-Ratelimit-Reset-After"))
        try:
            return _Data(unwrap_envelope(response.status_code, payload, reset_after=reset_after))
        except ServerError as exc:
            if not resend:
                if _answered_with_error(payload, exc):
                    # Tokopedia itself answered "failed" with its error envelope: the reply
                    # was not posted, so staff may safely decide to send it again.
                    raise
                raise OutcomeUnknown(exc.code, exc.message, exc.status) from exc
            return _Failure(exc, maybe_processed=True)
        except TokopediaError as exc:
            if not resend and type(exc) is TokopediaError:
                # An answer we can't read: it may well have been accepted.
                raise OutcomeUnknown(exc.code, exc.message, exc.status) from exc
            return _Failure(exc)

    def _never_sent(self, exc: httpx.TransportError) -> bool:
        if never_sent(exc):
            return True
        try:
            request = exc.request
        except RuntimeError:
            return False
        return self._auth.is_token_request(request)  # the token call failed, not the API call


@dataclass(frozen=True)
class _Data:
    data: Any


@dataclass(frozen=True)
class _Failure:
    error: TokopediaError
    maybe_processed: bool = False  # the request may have been acted on before it failed


def parse(model: type[_M], data: Any) -> _M:
    """``data`` read as ``model``; a shape we don't know is a ``TokopediaError``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise TokopediaError("", f"unexpected {model.__name__} in response: {exc}") from exc


def parse_list(model: type[_M], data: Any) -> list[_M]:
    """``data`` read as a list of ``model``; null is empty and a lone object one row."""
    if data is None:
        return []  # Tokopedia answers an empty page with data: null
    rows = [data] if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise TokopediaError("", f"expected a list of {model.__name__}, got {type(data).__name__}")
    return [parse(model, row) for row in rows]


def _answered_with_error(payload: object, exc: ServerError) -> bool:
    """True when the body is Tokopedia's own error envelope naming an error code.

    A gateway's bare 502/504 (no envelope) says nothing about whether the API processed
    the request, so only a coded answer from the API counts as a definite failure.
    """
    if not exc.code or not isinstance(payload, dict):
        return False
    header = payload.get("header")
    return isinstance(header, dict) and bool(header.get("error_code"))
