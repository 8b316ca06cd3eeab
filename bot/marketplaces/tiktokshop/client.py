"""Typed client for the TikTok Shop Partner API endpoints tokobot uses.

One method per endpoint, returning models from ``models``; failures raise ``errors``. The
client is given its ``httpx.AsyncClient`` and never opens a pool of its own.

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

Customer Service requests are counted by ``CustomerServiceQuota`` before they are sent.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from bot.clock import Clock, system_clock

from .auth import DEFAULT_AUTH_URL, TikTokShopTokens, install_log_redaction, redact, request_token
from .errors import (
    InvalidRequest,
    NotEligible,
    NotFound,
    OutcomeUnknown,
    QuotaExceeded,
    RateLimited,
    ServerError,
    TikTokShopError,
    TokenExpired,
    classify,
)
from .models import (
    AuthorizedShop,
    Cancellation,
    CancellationPage,
    CancelResult,
    Conversation,
    ConversationPage,
    CreatedConversation,
    MessagePage,
    OrderPage,
    PlatformReason,
    SentMessage,
    TokenGrant,
    TtsOrder,
)
from .quota import CustomerServiceQuota
from .signer import sign

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://open-api.tiktokglobalshop.com"
LOCALE = "id-ID"
TEXT_MAX = 2000  # Send Message, TEXT (§8.2)
CONVERSATION_PAGE_MAX = 20
MESSAGE_PAGE_MAX = 10
ORDER_PAGE_MAX = 100
ORDER_IDS_MAX = 50  # Get Order Detail
CANCELLATION_PAGE_MAX = 50
MAX_PAGES = 200  # a guard against an endpoint that never stops paging

CS_PREFIX = "/customer_service/"
SHOPS_PATH = "/authorization/202309/shops"
CONVERSATIONS_PATH = "/customer_service/202309/conversations"
CONVERSATION_PATH = "/customer_service/202601/conversations/{conversation_id}"
MESSAGES_PATH = "/customer_service/202309/conversations/{conversation_id}/messages"
READ_PATH = "/customer_service/202309/conversations/{conversation_id}/messages/read"
ORDER_SEARCH_PATH = "/order/202309/orders/search"
ORDER_DETAIL_PATH = "/order/202507/orders"
CANCEL_SEARCH_PATH = "/return_refund/202602/cancellations/search"
CANCEL_ORDER_PATH = "/return_refund/202602/cancellations"
APPROVE_PATH = "/return_refund/202309/cancellations/{cancel_id}/approve"
REJECT_PATH = "/return_refund/202309/cancellations/{cancel_id}/reject"
REJECT_REASONS_PATH = "/return_refund/202309/reject_reasons"

_M = TypeVar("_M", bound=BaseModel)
_PageT = TypeVar("_PageT", OrderPage, CancellationPage)  # the paginated search answers
Sleep = Callable[[float], Awaitable[None]]
Params = Mapping[str, str | int]


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # tries in total for retryable failures
    base_delay: float = 1.0
    max_delay: float = 16.0

    def backoff(self, failures: int, jitter: float) -> float:
        """Delay after the n-th failure: doubling, capped, scaled by 50-100% jitter."""
        doubled = self.base_delay * (1 << max(failures - 1, 0))
        return min(self.max_delay, doubled) * (0.5 + jitter / 2)


def path_id(value: str, what: str) -> str:
    """An id for a URL path (digits in practice); anything else is refused before sending."""
    text = str(value).strip()
    if not re.fullmatch(r"[0-9A-Za-z_-]{1,64}", text):
        raise InvalidRequest(0, f"invalid {what} {value!r}")
    return text


def text_length(text: str) -> int:
    """Length as a JavaScript string counts it (UTF-16 units): an emoji may count as two."""
    return len(text.encode("utf-16-le")) // 2


def check_text(text: str) -> None:
    """Refuse, before any call, a reply the platform would refuse: empty or > 2000."""
    if not text.strip():
        raise InvalidRequest(0, "Balasan kosong; tulis teks terlebih dahulu.")
    length = text_length(text)
    if length > TEXT_MAX:
        raise InvalidRequest(
            0, f"Balasan terlalu panjang: {length} karakter, maksimal {TEXT_MAX}."
        )


class TikTokShopClient:
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
        install_log_redaction()

    def __repr__(self) -> str:
        return f"TikTokShopClient(app_key={self._app_key!r}, api_url={self._api_url!r})"

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

    async def get_authorized_shops(self, access_token: str) -> list[AuthorizedShop]:
        """Get Authorized Shops (no ``shop_cipher``): each shop's id, cipher and code."""
        data = await self._call("GET", SHOPS_PATH, access_token=access_token)
        return _parse_list(AuthorizedShop, data.get("shops"))

    # --- Customer Service (§8) ------------------------------------------------------------------

    async def list_conversations(
        self,
        shop_id: str,
        *,
        page_token: str = "",
        page_size: int = CONVERSATION_PAGE_MAX,
        essential: bool = False,
    ) -> ConversationPage:
        """Get Conversations: one page, newest activity first."""
        _check_size(page_size, CONVERSATION_PAGE_MAX)
        params: dict[str, str | int] = {"page_size": page_size, "locale": LOCALE}
        if page_token:
            params["page_token"] = page_token
        data = await self._call(
            "GET", CONVERSATIONS_PATH, shop_id=shop_id, params=params, essential=essential
        )
        return _parse(ConversationPage, data)

    async def get_conversation(
        self, shop_id: str, conversation_id: str, *, essential: bool = False
    ) -> Conversation:
        """Get Conversation (202601): its participants, with the buyer's platform."""
        path = CONVERSATION_PATH.format(conversation_id=path_id(conversation_id, "conversation"))
        data = await self._call("GET", path, shop_id=shop_id, essential=essential)
        nested = data.get("conversation")
        found: dict[str, Any] = nested if isinstance(nested, dict) else data
        return _parse(Conversation, {"id": conversation_id, **found})

    async def list_messages(
        self,
        shop_id: str,
        conversation_id: str,
        *,
        page_token: str = "",
        page_size: int = MESSAGE_PAGE_MAX,
        essential: bool = False,
    ) -> MessagePage:
        """Get Conversation Messages: one page, newest first, with readable card texts."""
        _check_size(page_size, MESSAGE_PAGE_MAX)
        path = MESSAGES_PATH.format(conversation_id=path_id(conversation_id, "conversation"))
        params: dict[str, str | int] = {
            "page_size": page_size,
            "sort_order": "DESC",
            "locale": LOCALE,
            "need_plaintext": "true",
        }
        if page_token:
            params["page_token"] = page_token
        data = await self._call("GET", path, shop_id=shop_id, params=params, essential=essential)
        return _parse(MessagePage, data)

    async def send_text(self, shop_id: str, conversation_id: str, text: str) -> SentMessage:
        """Send Message (TEXT); checked before sending, never resent once it may have arrived."""
        check_text(text)
        path = MESSAGES_PATH.format(conversation_id=path_id(conversation_id, "conversation"))
        body = {"type": "TEXT", "content": json.dumps({"content": text}, ensure_ascii=False)}
        data = await self._call("POST", path, shop_id=shop_id, body=body, resend=False)
        try:
            return SentMessage.model_validate(data)
        except ValidationError:
            raise OutcomeUnknown(0, "Send Message answered without a message_id") from None

    async def mark_read(self, shop_id: str, conversation_id: str) -> None:
        """Read Message: marks every buyer message in the conversation as read."""
        path = READ_PATH.format(conversation_id=path_id(conversation_id, "conversation"))
        await self._call("POST", path, shop_id=shop_id, body={})

    async def create_conversation(self, shop_id: str, buyer_user_id: str) -> str:
        """Create Conversation with an order's buyer (``user_id``); reopens an existing one."""
        body = {"buyer_user_id": path_id(buyer_user_id, "buyer user id")}
        data = await self._call("POST", CONVERSATIONS_PATH, shop_id=shop_id, body=body)
        return _parse(CreatedConversation, data).conversation_id

    # --- orders (§9) ----------------------------------------------------------------------------

    async def search_orders(
        self,
        shop_id: str,
        *,
        update_time_ge: datetime,
        update_time_lt: datetime,
        page_size: int = ORDER_PAGE_MAX,
    ) -> list[TtsOrder]:
        """Get Order List for an ``update_time`` window, every page."""
        _check_size(page_size, ORDER_PAGE_MAX)
        body = {
            "update_time_ge": int(update_time_ge.timestamp()),
            "update_time_lt": int(update_time_lt.timestamp()),
        }
        pages = await self._search(ORDER_SEARCH_PATH, shop_id, page_size, body, OrderPage)
        return [order for page in pages for order in page.orders]

    async def get_orders(self, shop_id: str, order_ids: Sequence[str]) -> list[TtsOrder]:
        """Get Order Detail, 50 ids per request."""
        ids = [path_id(order_id, "order id") for order_id in order_ids]
        orders: list[TtsOrder] = []
        for start in range(0, len(ids), ORDER_IDS_MAX):
            params = {"ids": ",".join(ids[start : start + ORDER_IDS_MAX])}
            data = await self._call("GET", ORDER_DETAIL_PATH, shop_id=shop_id, params=params)
            orders.extend(_parse(OrderPage, data).orders)
        return orders

    async def get_order(self, shop_id: str, order_id: str) -> TtsOrder:
        found = [o for o in await self.get_orders(shop_id, [order_id]) if o.id == order_id]
        if not found:
            raise NotFound(0, f"Pesanan {order_id} tidak ditemukan di toko ini.")
        return found[0]

    # --- cancellations (§10) --------------------------------------------------------------------

    async def search_cancellations(
        self,
        shop_id: str,
        *,
        order_ids: Sequence[str] = (),
        cancel_ids: Sequence[str] = (),
        page_size: int = CANCELLATION_PAGE_MAX,
    ) -> list[Cancellation]:
        """Search Cancellations by order or cancel ids, every page, texts in Indonesian."""
        _check_size(page_size, CANCELLATION_PAGE_MAX)
        body: dict[str, Any] = {"locale": LOCALE}
        if order_ids:
            body["order_ids"] = [path_id(i, "order id") for i in order_ids]
        if cancel_ids:
            body["cancel_ids"] = [path_id(i, "cancel id") for i in cancel_ids]
        pages = await self._search(CANCEL_SEARCH_PATH, shop_id, page_size, body, CancellationPage)
        return [cancellation for page in pages for cancellation in page.cancellations]

    async def _search(
        self,
        path: str,
        shop_id: str,
        page_size: int,
        body: dict[str, Any],
        model: type[_PageT],
    ) -> list[_PageT]:
        """Every page of a POST search, following ``next_page_token`` (bounded)."""
        pages: list[_PageT] = []
        token = ""
        for _ in range(MAX_PAGES):
            params: dict[str, str | int] = {"page_size": page_size}
            if token:
                params["page_token"] = token
            data = await self._call("POST", path, shop_id=shop_id, params=params, body=body)
            page = _parse(model, data)
            pages.append(page)
            token = page.next_page_token
            if not token or page.is_empty:
                return pages
        log.warning("TikTok Shop search %s stopped after %d pages", path, MAX_PAGES)
        return pages

    async def approve_cancellation(
        self, shop_id: str, cancel_id: str, *, idempotency_key: str
    ) -> None:
        """Approve Cancellation; the key makes a retried approval harmless."""
        path = APPROVE_PATH.format(cancel_id=path_id(cancel_id, "cancel id"))
        params = {"idempotency_key": _key(idempotency_key)}
        await self._call("POST", path, shop_id=shop_id, params=params, body={})

    async def get_reject_reasons(self, shop_id: str, cancel_id: str) -> list[PlatformReason]:
        """Get Reject Reasons for one request, in Indonesian (call it before each rejection)."""
        params = {"return_or_cancel_id": path_id(cancel_id, "cancel id"), "locale": LOCALE}
        data = await self._call("GET", REJECT_REASONS_PATH, shop_id=shop_id, params=params)
        return _parse_list(PlatformReason, data.get("reasons"))

    async def reject_cancellation(
        self,
        shop_id: str,
        cancel_id: str,
        *,
        reason: str,
        idempotency_key: str,
        comment: str = "",
    ) -> None:
        """Reject Cancellation with a reason name from Get Reject Reasons."""
        if not reason.strip():
            raise InvalidRequest(0, "a reject reason name is required")
        path = REJECT_PATH.format(cancel_id=path_id(cancel_id, "cancel id"))
        body = {"reject_reason": reason} | ({"comment": comment} if comment else {})
        params = {"idempotency_key": _key(idempotency_key)}
        await self._call("POST", path, shop_id=shop_id, params=params, body=body)

    async def cancel_order(self, shop_id: str, order_id: str, reason: str) -> CancelResult:
        """Cancel Order (seller-initiated) with a cancel reason name (§10.3-10.4)."""
        body = {"order_id": path_id(order_id, "order id"), "cancel_reason": reason}
        data = await self._call("POST", CANCEL_ORDER_PATH, shop_id=shop_id, body=body)
        return _parse(CancelResult, data)

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
        resend: bool = True,
        essential: bool = True,
    ) -> dict[str, Any]:
        """Send one API request with the retry rules above; return the envelope's data."""
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
            try:
                return await self._attempt(method, path, params, content, token, cipher, resend)
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
                if not resend or failures >= self._retry.attempts:
                    raise
                ambiguous = ambiguous or _maybe_processed(exc)
                delay = self._retry.backoff(failures, self._jitter())
                log.warning(
                    "TikTok Shop %s %s failed (%s); retrying in %.1fs", method, path, exc, delay
                )
                await self._sleep(delay)
            except NotEligible as exc:
                if not ambiguous:
                    raise
                raise NotEligible(
                    exc.code,
                    f"{exc.message} (an earlier attempt may already have succeeded)",
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
            response = await self._http.request(
                method, self._api_url + path, params=query, content=content, headers=headers
            )
        except httpx.TransportError as exc:
            name = type(exc).__name__
            if not resend and not _never_sent(exc):
                raise OutcomeUnknown(0, f"{name} after the request was sent") from None
            failure = ServerError(0, redact(f"{name}: {exc}".rstrip(": ")))
            failure.reached = not _never_sent(exc)
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


def _never_sent(exc: httpx.TransportError) -> bool:
    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def _dumps(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _key(value: str) -> str:
    if not value or len(value) > 255:
        raise InvalidRequest(0, "an idempotency key is 1-255 characters")
    return value


def _check_size(page_size: int, maximum: int) -> None:
    if not 1 <= page_size <= maximum:
        raise ValueError(f"page_size must be 1..{maximum}, not {page_size}")


def _parse(model: type[_M], data: Any) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise TikTokShopError(0, f"unexpected {model.__name__} in response: {exc}") from None


def _parse_list(model: type[_M], data: Any) -> list[_M]:
    if data is None:
        return []
    if not isinstance(data, list):
        raise TikTokShopError(0, f"expected a list of {model.__name__}")
    return [_parse(model, row) for row in data]
