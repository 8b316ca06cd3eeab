"""Return and refund requests (doc §10.5): their statuses in tokobot's terms, and the
adapter's side of answering them.

The doc leaves the mapping from the seller's pending action to an Approve/Reject
``decision`` UNCONFIRMED ("inferred from names"); ``decisions`` follows those names and
falls back on the status and return type when the platform names no action. Every answer
re-reads the request first, so a press on a request that moved on is refused before any
decision is sent, and every rejection fetches the platform's reasons again (for Indonesia
the changelog says they change and must be fetched before each rejection).

The buyer's photos are not in Search Returns; Get Return Records lists them per record, the
``role`` telling the buyer's evidence from the seller's (doc §10.5). They are downloaded with
the shop's token like chat media: the doc documents the token rule for chat images only, and
sending it costs nothing where a URL needs none.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from bot.domain.errors import as_marketplace_errors
from bot.domain.values import RejectReason, ReturnLine, ReturnRequest, ReturnState
from bot.marketplaces.media import MediaTooLarge

from . import media
from .client import TikTokShopClient
from .errors import NotEligible, NotFound, RejectionInvalid, brand_safe
from .mapping import TIKTOKSHOP
from .return_models import ReturnOrder

PENDING = "RETURN_OR_REFUND_REQUEST_PENDING"
BUYER_SHIPPED = "BUYER_SHIPPED_ITEM"
# What Search Returns is asked for when looking for requests waiting for the seller: the
# request filter documents only the non-replacement statuses (doc §10.5).
SELLER_STATUSES = (PENDING, BUYER_SHIPPED)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_STATES = {
    PENDING: ReturnState.AWAITING_SELLER,
    "REPLACEMENT_REQUEST_PENDING": ReturnState.AWAITING_SELLER,
    "AWAITING_BUYER_SHIP": ReturnState.AWAITING_SHIPMENT,
    BUYER_SHIPPED: ReturnState.BUYER_SHIPPED,
    "REFUND_OR_RETURN_REQUEST_REJECT": ReturnState.REJECTED,
    "REPLACEMENT_REQUEST_REJECT": ReturnState.REJECTED,
    "REJECT_RECEIVE_PACKAGE": ReturnState.PACKAGE_REJECTED,
    "REPLACEMENT_REQUEST_REFUND_SUCCESS": ReturnState.APPROVED,
    "RETURN_OR_REFUND_REQUEST_CANCEL": ReturnState.CANCELLED,
    "REPLACEMENT_REQUEST_CANCEL": ReturnState.CANCELLED,
    "RETURN_OR_REFUND_REQUEST_COMPLETE": ReturnState.REFUNDED,
    "AWAITING_BUYER_RESPONSE": ReturnState.AWAITING_BUYER,
}
_KINDS: dict[str, Literal["refund", "return", "replacement"]] = {
    "REFUND": "refund",
    "RETURN_AND_REFUND": "return",
    "REPLACEMENT": "replacement",
}
# The seller's pending action -> (approve decision, reject decision).
_DECISIONS = {
    "SELLER_RESPOND_REFUND": ("APPROVE_REFUND", "REJECT_REFUND"),
    "SELLER_RESPOND_RETURN": ("APPROVE_RETURN", "REJECT_RETURN"),
    "SELLER_RESPOND_RECEIVE_PACKAGE": ("APPROVE_RECEIVED_PACKAGE", "REJECT_RECEIVED_PACKAGE"),
    "SELLER_RESPOND_REPLACEMENT": ("APPROVE_REPLACEMENT", "REJECT_REPLACEMENT"),
}


def normal_status(raw: str) -> str:
    """One spelling per status: the doc's example writes ``RETURN_OR_REFUND__REQUEST_CANCELLED``
    for the enum's ``RETURN_OR_REFUND_REQUEST_CANCEL``."""
    status = "_".join(part for part in raw.strip().upper().split("_") if part)
    if status.endswith("_REQUEST_CANCELLED"):
        status = status.removesuffix("LED")
    return status


def return_state(status: str, return_type: str = "") -> ReturnState:
    """A platform status in tokobot's terms; an unknown status is OTHER, never an error."""
    status = normal_status(status)
    if status == "RETURN_OR_REFUND_REQUEST_SUCCESS":
        # After the parcel came back, "success" means it was received; for a refund alone,
        # that the refund was approved.
        kind = return_type.strip().upper()
        return (
            ReturnState.PACKAGE_RECEIVED if kind == "RETURN_AND_REFUND" else ReturnState.APPROVED
        )
    return _STATES.get(status, ReturnState.OTHER)


def decisions(found: ReturnOrder) -> tuple[str, str]:
    """The (approve, reject) decisions that answer what the platform waits for now."""
    action = found.next_action
    if action is not None and action.action.upper() in _DECISIONS:
        return _DECISIONS[action.action.upper()]
    status = normal_status(found.return_status)
    if status == BUYER_SHIPPED:
        return _DECISIONS["SELLER_RESPOND_RECEIVE_PACKAGE"]
    if status.startswith("REPLACEMENT"):
        return _DECISIONS["SELLER_RESPOND_REPLACEMENT"]
    if found.return_type.strip().upper() == "RETURN_AND_REFUND":
        return _DECISIONS["SELLER_RESPOND_RETURN"]
    return _DECISIONS["SELLER_RESPOND_REFUND"]


def awaits_seller(found: ReturnOrder) -> bool:
    """Whether the shop must answer now: the platform names a seller action, or the request
    is a fresh one (which always waits for the seller)."""
    action = found.next_action
    if action is not None and action.action.upper().startswith("SELLER_RESPOND"):
        return True
    return return_state(found.return_status, found.return_type) is ReturnState.AWAITING_SELLER


def _lines(found: ReturnOrder) -> tuple[ReturnLine, ...]:
    """Line items are one row per unit; identical ones are folded into a quantity."""
    folded: dict[tuple[str, str, str], ReturnLine] = {}
    for item in found.return_line_items:
        key = (item.product_name, item.sku_name, item.seller_sku)
        refund = item.refund_amount.refund_total if item.refund_amount else 0
        known = folded.get(key)
        folded[key] = (
            ReturnLine(name=key[0], variant=key[1], sku=key[2], refund=refund)
            if known is None
            else known.model_copy(
                update={"quantity": known.quantity + 1, "refund": known.refund + refund}
            )
        )
    return tuple(folded.values())


def return_from_api(found: ReturnOrder, shop_id: str) -> ReturnRequest:
    waiting = awaits_seller(found)
    return ReturnRequest(
        marketplace=TIKTOKSHOP,
        shop_id=shop_id,
        order_id=found.order_id,
        return_id=found.return_id,
        status_code=normal_status(found.return_status),
        state=return_state(found.return_status, found.return_type),
        kind=_KINDS.get(found.return_type.strip().upper(), "other"),
        awaiting_seller=waiting,
        reason=brand_safe(found.return_reason_text or found.return_reason),
        refund=found.refund_amount.refund_total if found.refund_amount else 0,
        lines=_lines(found),
        requested_at=found.create_time,
        deadline=found.deadline if waiting else None,
    )


def _newest(found: list[ReturnOrder]) -> ReturnOrder:
    """An order may have had several requests (one rejected, then a new one)."""
    return max(found, key=lambda item: item.create_time or _EPOCH)


class TikTokShopReturns:
    """The return half of ``TikTokShopMarketplace`` (kept apart for the module size rule)."""

    _client: TikTokShopClient

    async def get_return(self, shop_id: str, return_id: str, order_id: str = "") -> ReturnRequest:
        """A request as it stands now, by its id, else the newest one of the order."""
        with as_marketplace_errors():
            return return_from_api(await self._find(shop_id, return_id, order_id), shop_id)

    async def _find(self, shop_id: str, return_id: str, order_id: str) -> ReturnOrder:
        if return_id:
            found = await self._client.search_returns(shop_id, return_ids=[return_id])
            found = [r for r in found if r.return_id == return_id]
        else:
            found = await self._client.search_returns(shop_id, order_ids=[order_id])
            found = [r for r in found if r.order_id == order_id]
        if not found:
            raise NotFound(0, f"Permintaan retur {return_id or order_id} tidak ditemukan.")
        return _newest(found)

    async def returns_awaiting_seller(self, shop_id: str) -> list[ReturnRequest]:
        with as_marketplace_errors():
            found = await self._client.search_returns(shop_id, statuses=SELLER_STATUSES)
        return [return_from_api(item, shop_id) for item in found if awaits_seller(item)]

    async def return_reject_reasons(self, request: ReturnRequest) -> tuple[RejectReason, ...]:
        """The platform's own reasons for rejecting this request, in Indonesian."""
        with as_marketplace_errors():
            offered = await self._client.get_reject_reasons(request.shop_id, request.return_id)
        return tuple(
            RejectReason(
                code=r.name, label=brand_safe(r.text), needs_text=False, max_text_length=0
            )
            for r in offered
        )

    async def return_photos(self, shop_id: str, return_id: str) -> tuple[str, ...]:
        with as_marketplace_errors():
            found = await self._client.get_return_records(shop_id, return_id)
        ordered = sorted(found, key=lambda record: record.create_time or _EPOCH)
        urls = [i.url for r in ordered if r.from_buyer for i in r.images if i.url.strip()]
        return tuple(dict.fromkeys(urls))  # a resubmitted request may list a photo again

    async def fetch_return_photo(self, shop_id: str, url: str, *, max_bytes: int) -> bytes:
        with as_marketplace_errors():
            try:
                return await self._client.download_media(shop_id, url, max_bytes=max_bytes)
            except media.MediaTooLarge as exc:  # the core's own type: it shows the size
                raise MediaTooLarge(exc.size) from None

    async def _current(self, request: ReturnRequest) -> ReturnOrder:
        """The request as it stands, if it still waits for the answer staff were shown."""
        found = await self._find(request.shop_id, request.return_id, request.order_id)
        if normal_status(found.return_status) != request.status_code or not awaits_seller(found):
            raise NotEligible(
                0, "Permintaan ini sudah berubah dan tidak menunggu jawaban toko lagi."
            )
        return found

    async def approve_return(self, request: ReturnRequest) -> None:
        with as_marketplace_errors():
            found = await self._current(request)
            approve, _ = decisions(found)
            await self._client.approve_return(
                request.shop_id,
                found.return_id,
                decision=approve,
                idempotency_key=f"tokobot-approve-{found.return_id}-{request.status_code}",
            )

    async def reject_return(self, request: ReturnRequest, reason: str, comment: str = "") -> None:
        with as_marketplace_errors():
            found = await self._current(request)
            offered = await self._client.get_reject_reasons(request.shop_id, found.return_id)
            if reason not in {r.name for r in offered}:
                raise RejectionInvalid(
                    0, "Alasan ini tidak ditawarkan lagi oleh Tokopedia & Shop; pilih ulang."
                )
            _, reject = decisions(found)
            await self._client.reject_return(
                request.shop_id,
                found.return_id,
                decision=reject,
                reason=reason,
                comment=comment.strip(),
                idempotency_key=f"tokobot-reject-{found.return_id}-{request.status_code}",
            )
