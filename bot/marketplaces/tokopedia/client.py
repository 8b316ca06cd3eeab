"""Typed client for the Tokopedia Seller API endpoints tokobot uses.

One method per endpoint, returning models from ``models``; failures raise ``errors``. The
client is given its ``httpx.AsyncClient`` and never opens a pool of its own.

Retries:
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
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from bot.clock import Clock, system_clock

from .auth import TokopediaAuth
from .errors import (
    InvalidRequest,
    NotEligible,
    OutcomeUnknown,
    RateLimited,
    ServerError,
    TokopediaError,
)
from .models import (
    WEBHOOK_URL_FIELDS,
    ChatReply,
    ChatRoom,
    InitiatedChat,
    OrderDetail,
    OrderListItem,
    SentReplyResult,
    ShopInfo,
    WebhookRegistration,
)
from .protocol import (
    WIB,
    parse_reset_after,
    split_windows,
    unwrap_envelope,
    validate_rejection,
)

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://fs.tokopedia.net"
CHAT_PAGE_MAX = 15  # List Messages / List Replies refuse more (§7.1, §7.2)
ORDER_PAGE_SIZE = 50  # undocumented maximum; what the known integrations use (§8.1)
MAX_PAGES = 1000  # a guard against an endpoint that ignores `page`
MIN_ORDER_WINDOW = timedelta(hours=1)  # smallest window after ORD_API_009 "reduce interval"

_M = TypeVar("_M", bound=BaseModel)
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3  # tries in total for 5xx / connection failures
    base_delay: float = 0.5
    max_delay: float = 8.0
    rate_limit_retries: int = 3
    max_rate_limit_wait: float = 30.0  # a longer reset is raised, for the caller to reschedule
    default_rate_limit_wait: float = 1.0  # a 429 without a usable Reset-After header

    def backoff(self, failures: int, jitter: float) -> float:
        """Delay after the n-th failure: doubling, capped, scaled by 50-100% jitter."""
        doubled = self.base_delay * (1 << max(failures - 1, 0))
        return min(self.max_delay, doubled) * (0.5 + jitter / 2)


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
            if self.failures >= self.policy.attempts:
                return None
            return self.policy.backoff(self.failures, self.jitter())
        return None


def _path_id(value: str | int, what: str) -> str:
    """An id for a URL path; Tokopedia's are integers, anything else is refused pre-send."""
    text = str(value).strip()
    if not re.fullmatch(r"\d{1,20}", text):
        raise InvalidRequest("", f"invalid {what} {value!r}")
    return text


class TokopediaClient:
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
        self._fs_id = _path_id(fs_id, "fs_id")
        self._auth = auth
        self._api_url = api_url.rstrip("/")
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._jitter = jitter
        self._clock = clock
        self._epoch_shift = order_list_epoch_shift

    @property
    def fs_id(self) -> str:
        return self._fs_id

    def today(self) -> date:
        """The shop's calendar date (Jakarta), for NACK close-date checks."""
        return self._clock().astimezone(WIB).date()

    # --- webhooks (§4) ------------------------------------------------------------------------

    async def get_app_info(self) -> WebhookRegistration:
        """List Registered Webhook: the URLs and secret currently registered."""
        data = await self._call("GET", f"/v1/fs/{self._fs_id}")
        return _parse(WebhookRegistration, data)

    async def register_webhooks(
        self, *, secret: str | None = None, **urls: str
    ) -> WebhookRegistration:
        """Register ``urls`` (and ``secret``), keeping every other registered value.

        Registration replaces the whole set and blanks what is left out (§4.1), so the
        current registration is read and merged first. Returns what was registered.
        """
        unknown = sorted(set(urls) - set(WEBHOOK_URL_FIELDS))
        if unknown:
            raise ValueError(f"unknown webhook url fields: {', '.join(unknown)}")
        current = await self.get_app_info()
        body: dict[str, Any] = {
            key: "" if value is None else value for key, value in current.model_dump().items()
        }
        body.update(urls)
        if secret is not None:
            body["webhook_secret"] = secret
        body["fs_id"] = int(self._fs_id)
        await self._call("POST", f"/v1/fs/{self._fs_id}/register", json=body)
        return WebhookRegistration.model_validate(body)

    # --- shop (§9) ----------------------------------------------------------------------------

    async def shop_info(self, shop_id: str | None = None) -> list[ShopInfo]:
        """The shops linked to this fs_id (or just ``shop_id``)."""
        params = {"shop_id": _path_id(shop_id, "shop_id")} if shop_id else None
        data = await self._call("GET", f"/v1/shop/fs/{self._fs_id}/shop-info", params=params)
        return _parse_list(ShopInfo, data)

    # --- chat (§7) ----------------------------------------------------------------------------

    async def list_messages(
        self, shop_id: str, *, page: int = 1, per_page: int = CHAT_PAGE_MAX, filter: str = "all"
    ) -> list[ChatRoom]:
        """One page of chat rooms; ``filter`` is all, read or unread."""
        _check_page(page, per_page, CHAT_PAGE_MAX)
        if filter not in {"all", "read", "unread"}:
            raise ValueError(f"filter must be all, read or unread, not {filter!r}")
        params = {
            "shop_id": _path_id(shop_id, "shop_id"),
            "page": page,
            "per_page": per_page,
            "filter": filter,
        }
        data = await self._call("GET", f"/v1/chat/fs/{self._fs_id}/messages", params=params)
        return _parse_list(ChatRoom, data)

    async def list_replies(
        self, shop_id: str, msg_id: str, *, page: int = 1, per_page: int = CHAT_PAGE_MAX
    ) -> list[ChatReply]:
        """One page of the bubbles in chat room ``msg_id``."""
        _check_page(page, per_page, CHAT_PAGE_MAX)
        room = _path_id(msg_id, "msg_id")
        params = {"shop_id": _path_id(shop_id, "shop_id"), "page": page, "per_page": per_page}
        path = f"/v1/chat/fs/{self._fs_id}/messages/{room}/replies"
        return _parse_list(ChatReply, await self._call("GET", path, params=params))

    async def send_reply(self, shop_id: str, msg_id: str, text: str) -> SentReplyResult:
        """Post ``text`` to chat room ``msg_id``; never resent once it may have arrived."""
        if not text.strip():
            raise InvalidRequest("", "a reply needs some text")
        room = _path_id(msg_id, "msg_id")
        body = {"shop_id": int(_path_id(shop_id, "shop_id")), "message": text}
        path = f"/v1/chat/fs/{self._fs_id}/messages/{room}/reply"
        data = await self._call("POST", path, json=body, resend=False)
        try:
            return _parse(SentReplyResult, data)
        except TokopediaError as exc:  # accepted, but we can't read what came back
            raise OutcomeUnknown(exc.code, exc.message, exc.status) from exc

    async def token_expires_at(self) -> datetime | None:
        return await self._auth.expires_at()

    async def refresh_token(self) -> datetime:
        """Renew the access token if it has expired; returns the (new) expiry."""
        return await self._auth.refresh(self._http)

    async def initiate_chat(self, order_id: str) -> InitiatedChat:
        """The chat room with an order's buyer, created if needed."""
        params = {"order_id": _path_id(order_id, "order_id")}
        data = await self._call("GET", f"/v1/chat/fs/{self._fs_id}/initiate", params=params)
        return _parse(InitiatedChat, data)

    # --- orders (§8) --------------------------------------------------------------------------

    async def get_order(
        self, *, order_id: str | None = None, invoice_num: str | None = None
    ) -> OrderDetail:
        """Get Single Order by exactly one of ``order_id`` or ``invoice_num``."""
        if (order_id is None) == (invoice_num is None):
            raise ValueError("pass exactly one of order_id or invoice_num")
        params = (
            {"order_id": _path_id(order_id, "order_id")}
            if order_id is not None
            else {"invoice_num": str(invoice_num)}
        )
        data = await self._call("GET", f"/v2/fs/{self._fs_id}/order", params=params)
        return _parse(OrderDetail, data)

    async def get_all_orders(
        self,
        since: datetime,
        until: datetime,
        *,
        shop_id: str | None = None,
        status: int | None = None,
        per_page: int = ORDER_PAGE_SIZE,
    ) -> list[OrderListItem]:
        """Orders in [since, until), fetched in sub-3-day windows, all pages, deduplicated."""
        _check_page(1, per_page, None)
        found: dict[str, OrderListItem] = {}
        for start, end in split_windows(since, until):
            for item in await self._orders_in(start, end, shop_id, status, per_page):
                found[item.order_id] = item  # windows touch at their edges
        return list(found.values())

    async def _orders_in(
        self,
        start: datetime,
        end: datetime,
        shop_id: str | None,
        status: int | None,
        per_page: int,
    ) -> list[OrderListItem]:
        try:
            return await self._order_pages(start, end, shop_id, status, per_page)
        except InvalidRequest as exc:
            if exc.code != "ORD_API_009" or end - start <= MIN_ORDER_WINDOW:
                raise
        # "Reduce the time interval": the window holds too much; halve it.
        middle = start + (end - start) / 2
        first = await self._orders_in(start, middle, shop_id, status, per_page)
        return first + await self._orders_in(middle, end, shop_id, status, per_page)

    async def _order_pages(
        self,
        start: datetime,
        end: datetime,
        shop_id: str | None,
        status: int | None,
        per_page: int,
    ) -> list[OrderListItem]:
        params: dict[str, Any] = {
            "fs_id": self._fs_id,
            "from_date": int((start + self._epoch_shift).timestamp()),
            "to_date": int((end + self._epoch_shift).timestamp()),
            "per_page": per_page,
        }
        if shop_id:
            params["shop_id"] = _path_id(shop_id, "shop_id")
        if status is not None:
            params["status"] = status
        items: list[OrderListItem] = []
        for page in range(1, MAX_PAGES + 1):
            data = await self._call("GET", "/v2/order/list", params={**params, "page": page})
            rows = _parse_list(OrderListItem, data)
            items.extend(rows)
            if len(rows) < per_page:
                return items
        log.warning("Get All Orders: stopped after %d pages of %s-%s", MAX_PAGES, start, end)
        return items

    async def ack(self, order_id: str) -> None:
        """Accept an order (ACK)."""
        path = f"/v1/order/{_path_id(order_id, 'order_id')}/fs/{self._fs_id}/ack"
        await self._call("POST", path)

    async def nack(
        self,
        order_id: str,
        reason_code: int | str,
        reason: str,
        *,
        close_end_date: str = "",
        close_note: str = "",
        empty_products: Sequence[str | int] = (),
    ) -> None:
        """Reject an order (NACK); the reason rules are checked before anything is sent."""
        path = f"/v1/order/{_path_id(order_id, 'order_id')}/fs/{self._fs_id}/nack"
        code = validate_rejection(
            reason_code, reason, close_end_date, close_note, today=self.today()
        )
        body: dict[str, Any] = {"reason_code": code, "reason": reason}
        if code == 4:
            body["shop_close_end_date"] = close_end_date.strip()
            body["shop_close_note"] = close_note
        if empty_products:
            body["empty_products"] = [int(_path_id(p, "product id")) for p in empty_products]
        await self._call("POST", path, json=body)

    async def reject_cancel(self, order_id: str, shop_id: str) -> None:
        """Refuse a buyer's cancellation request."""
        path = f"/v1/order/{_path_id(order_id, 'order_id')}/fs/{self._fs_id}/reject-cancel"
        params = {"shop_id": _path_id(shop_id, "shop_id")}
        data = await self._call("POST", path, params=params)
        if isinstance(data, dict) and data.get("success") is False:
            raise TokopediaError("", "Tokopedia did not reject the cancellation request", 200)

    # --- transport ----------------------------------------------------------------------------

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
            outcome = await self._attempt(method, path, params, json, resend=resend)
            if isinstance(outcome, _Data):
                return outcome.data
            error = outcome.error
            delay = budget.delay(error)
            if delay is None:
                if budget.ambiguous and isinstance(error, NotEligible):
                    raise NotEligible(
                        error.code,
                        f"{error.message} (an earlier attempt may already have succeeded)",
                        error.status,
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
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
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


def _check_page(page: int, per_page: int, maximum: int | None) -> None:
    if page < 1:
        raise ValueError("page starts at 1")
    if per_page < 1 or (maximum is not None and per_page > maximum):
        raise ValueError(f"per_page must be 1..{maximum or 'n'}, not {per_page}")


def _parse(model: type[_M], data: Any) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise TokopediaError("", f"unexpected {model.__name__} in response: {exc}") from exc


def _parse_list(model: type[_M], data: Any) -> list[_M]:
    if data is None:
        return []  # Tokopedia answers an empty page with data: null
    rows = [data] if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise TokopediaError("", f"expected a list of {model.__name__}, got {type(data).__name__}")
    return [_parse(model, row) for row in rows]


def _answered_with_error(payload: object, exc: ServerError) -> bool:
    """True when the body is Tokopedia's own error envelope naming an error code.

    A gateway's bare 502/504 (no envelope) says nothing about whether the API processed
    the request, so only a coded answer from the API counts as a definite failure.
    """
    if not exc.code or not isinstance(payload, dict):
        return False
    header = payload.get("header")
    return isinstance(header, dict) and bool(header.get("error_code"))
