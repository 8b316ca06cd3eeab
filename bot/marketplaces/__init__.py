"""The one interface every marketplace adapter implements.

The core never imports an adapter's internals: it is handed objects that satisfy
``Marketplace`` by the composition root. Webhook verification and parsing are pure; the rest
performs I/O through the adapter's own client and raises ``bot.domain.MarketplaceError``.
Adapters import only the domain, ``lenient`` and ``wire`` (shared reading of payloads),
``retry`` (shared retry rules) and their own package: never storage, relay, handlers,
``telegram``, nor each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol, runtime_checkable

from bot.domain.values import (
    BuyerMessage,
    CancellationRequest,
    Conversation,
    MarketplaceName,
    Order,
    ParsedEvent,
    Rejection,
    RejectReason,
    ReturnRequest,
    SentReply,
    Shop,
)

MAX_REASON = 300  # characters of a refusal's reason, which the 400 answer repeats


class WebhookPayloadError(ValueError):
    """A webhook body that can't be turned into events; the message says why (HTTP 400).

    The reason may quote the body, so it is cut short and its lone surrogates are escaped:
    the 400 answer and the log line that carry it can always be encoded.
    """

    def __init__(self, reason: str) -> None:
        reason = reason.encode("utf-8", "backslashreplace").decode("utf-8")
        if len(reason) > MAX_REASON:
            reason = reason[: MAX_REASON - 1] + "\u2026"
        super().__init__(reason)


class Marketplace(Protocol):
    """What the core needs from a marketplace."""

    @property
    def name(self) -> MarketplaceName: ...

    # --- pure ---------------------------------------------------------------------------------

    @property
    def accepts_orders(self) -> bool:
        """True if orders need an explicit accept (Tokopedia's ACK).

        Where they don't (TikTok Shop), staff "process" an order instead: tokobot records
        who took it, with no marketplace call.
        """
        ...

    @property
    def webhook_topics(self) -> frozenset[str]:
        """Path segments under ``/webhooks/{name}/`` this marketplace posts to ("" = root)."""
        ...

    def verify_webhook(self, body: bytes, headers: Mapping[str, str]) -> bool:
        """Check a webhook's signature over the raw body; constant time."""
        ...

    def parse_webhook(self, topic: str, body: bytes, received_at: datetime) -> list[ParsedEvent]:
        """Turn a verified body into events; raises ``WebhookPayloadError``."""
        ...

    def reject_reasons(self, order: Order | None = None) -> tuple[RejectReason, ...]:
        """Reasons staff may pick when rejecting (cancelling) this order, in display order."""
        ...

    def status(self) -> Mapping[str, object]:
        """Figures for ``/healthz`` (quota use, token state); never secrets."""
        ...

    def validate_rejection(self, rejection: Rejection) -> None:
        """Raise ``MarketplaceError(INVALID)`` if the marketplace would refuse this rejection."""
        ...

    # --- I/O ----------------------------------------------------------------------------------

    async def list_shops(self) -> list[Shop]: ...

    async def refresh_credentials(self) -> Mapping[str, datetime]:
        """Renew access tokens that are due; returns each credential's expiry.

        Raises ``MarketplaceError`` (kind AUTH or UNAVAILABLE) when a renewal fails.
        """
        ...

    async def complete_message(self, message: BuyerMessage) -> BuyerMessage:
        """Fill in what the webhook lacked (buyer name, avatar), from a cache where possible."""
        ...

    async def send_reply(self, conversation: Conversation, text: str) -> SentReply:
        """Send once. A possibly-delivered failure raises ``OUTCOME_UNKNOWN``, never retries."""
        ...

    async def accept_order(self, shop_id: str, order_id: str) -> None: ...

    async def reject_order(self, shop_id: str, order_id: str, rejection: Rejection) -> None: ...

    async def get_order(self, shop_id: str, order_id: str) -> Order: ...

    async def get_cancellation_request(
        self, shop_id: str, order_id: str
    ) -> CancellationRequest: ...

    async def approve_cancellation(self, request: CancellationRequest) -> None: ...

    async def reject_cancellation(self, request: CancellationRequest) -> None: ...

    # --- returns and refunds: a marketplace without a returns API finds none and refuses
    # the rest with ``MarketplaceError(INVALID)``.

    async def get_return(self, shop_id: str, return_id: str, order_id: str = "") -> ReturnRequest:
        """A request as it stands now; by the order's newest request when no id is known."""
        ...

    async def returns_awaiting_seller(self, shop_id: str) -> list[ReturnRequest]: ...

    async def return_reject_reasons(self, request: ReturnRequest) -> tuple[RejectReason, ...]:
        """The marketplace's own reasons for rejecting this request, fetched each time."""
        ...

    async def approve_return(self, request: ReturnRequest) -> None:
        """Refused (``NOT_ELIGIBLE``) when the request moved on from ``request.status_code``."""
        ...

    async def reject_return(
        self, request: ReturnRequest, reason: str, comment: str = ""
    ) -> None: ...

    async def list_orders(self, shop_id: str, since: datetime, until: datetime) -> list[Order]:
        """Orders created or updated in [since, until); the adapter splits long ranges."""
        ...

    async def unread_messages(self, shop_id: str) -> list[BuyerMessage]:
        """The latest buyer message of each conversation the shop has not read."""
        ...


@runtime_checkable
class Authorizing(Protocol):
    """A marketplace whose sellers authorize tokobot through an OAuth-like redirect."""

    def authorize_url(self, state: str) -> str: ...

    async def complete_authorization(self, code: str) -> list[Shop]:
        """Exchange the one-time code, store the shops' credentials, return the shops."""
        ...


class StateStore(Protocol):
    """Small durable values an adapter keeps (per-shop tokens, ciphers, quota counters)."""

    async def get(self, key: str) -> str | None: ...

    async def put(self, key: str, value: str) -> None: ...


class TokenStore(Protocol):
    """Where an adapter keeps its access tokens; implemented by ``storage``.

    Adapters may not import storage, so the composition root hands them this.
    """

    async def load(self, key: str) -> tuple[str, datetime] | None:
        """Return (access_token, expires_at) or None."""
        ...

    async def save(self, key: str, token: str, expires_at: datetime) -> None: ...
