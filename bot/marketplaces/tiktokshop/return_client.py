"""The Return and Refund endpoints (doc §10.5), as a base of ``TikTokShopClient``.

Paths and bodies as the doc gives them and EcomPHP's ``ReturnRefund`` resource sends them
(``returns/search``, ``returns/{id}/approve`` and ``/reject`` with an ``idempotency_key`` in
the query and the decision as a JSON body). Get Reject Reasons is shared with
cancellations (``TikTokShopClient.get_reject_reasons``). Get Return Records is a GET of
``returns/{id}/records`` with an optional ``locale``, as EcomPHP's ``getReturnRecords`` and
the official SDK's ``ReturnsReturnIdRecordsGet`` send it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from .errors import InvalidRequest, TikTokShopError
from .return_models import ReturnOrder, ReturnPage, ReturnRecord, ReturnRecords
from .transport import Transport, checked_key, path_id

log = logging.getLogger(__name__)

RETURN_SEARCH_PATH = "/return_refund/202602/returns/search"
RETURN_APPROVE_PATH = "/return_refund/202309/returns/{return_id}/approve"
RETURN_REJECT_PATH = "/return_refund/202309/returns/{return_id}/reject"
RETURN_RECORDS_PATH = "/return_refund/202309/returns/{return_id}/records"
RETURN_PAGE_SIZE = 50  # the doc's "valid range [10-50]"
RETURN_MAX_PAGES = 40
COMMENT_MAX = 500  # not documented; kept short so a long comment fails here, not there


class ReturnEndpoints(Transport):
    """Search, approve and reject return/refund requests."""

    async def search_returns(
        self,
        shop_id: str,
        *,
        return_ids: Sequence[str] = (),
        order_ids: Sequence[str] = (),
        statuses: Sequence[str] = (),
        locale: str = "id-ID",
    ) -> list[ReturnOrder]:
        """Search Returns, every page, reasons worded for ``locale``."""
        body: dict[str, Any] = {"locale": locale}
        if return_ids:
            body["return_ids"] = [path_id(i, "return id") for i in return_ids]
        if order_ids:
            body["order_ids"] = [path_id(i, "order id") for i in order_ids]
        if statuses:
            body["return_status"] = list(statuses)
        found: list[ReturnOrder] = []
        token = ""
        for _ in range(RETURN_MAX_PAGES):
            params: dict[str, str | int] = {
                "page_size": RETURN_PAGE_SIZE,
                "sort_field": "update_time",
                "sort_order": "DESC",
            }
            if token:
                params["page_token"] = token
            data = await self._call(
                "POST", RETURN_SEARCH_PATH, shop_id=shop_id, params=params, body=body
            )
            try:
                page = ReturnPage.model_validate(data)
            except ValidationError as exc:
                raise TikTokShopError(0, f"unexpected Search Returns response: {exc}") from None
            found.extend(page.return_orders)
            token = page.next_page_token
            if not token or page.is_empty:
                return found
        log.warning("TikTok Shop return search stopped after %d pages", RETURN_MAX_PAGES)
        return found

    async def approve_return(
        self, shop_id: str, return_id: str, *, decision: str, idempotency_key: str
    ) -> None:
        """Approve Return with a decision such as APPROVE_REFUND; the key makes a retry safe."""
        path = RETURN_APPROVE_PATH.format(return_id=path_id(return_id, "return id"))
        params = {"idempotency_key": checked_key(idempotency_key)}
        body = {"decision": decision}
        await self._call("POST", path, shop_id=shop_id, params=params, body=body)

    async def reject_return(
        self,
        shop_id: str,
        return_id: str,
        *,
        decision: str,
        reason: str,
        idempotency_key: str,
        comment: str = "",
    ) -> None:
        """Reject Return with a reason name from Get Reject Reasons and an optional comment."""
        if not reason.strip():
            raise InvalidRequest(0, "a reject reason name is required")
        if len(comment) > COMMENT_MAX:
            raise InvalidRequest(0, f"Komentar terlalu panjang (maksimal {COMMENT_MAX} karakter).")
        path = RETURN_REJECT_PATH.format(return_id=path_id(return_id, "return id"))
        params = {"idempotency_key": checked_key(idempotency_key)}
        body = {"decision": decision, "reject_reason": reason}
        if comment:
            body["comment"] = comment
        await self._call("POST", path, shop_id=shop_id, params=params, body=body)

    async def get_return_records(
        self, shop_id: str, return_id: str, *, locale: str = "id-ID"
    ) -> list[ReturnRecord]:
        """Get Return Records: the request's history, with the photos each side attached."""
        path = RETURN_RECORDS_PATH.format(return_id=path_id(return_id, "return id"))
        data = await self._call("GET", path, shop_id=shop_id, params={"locale": locale})
        try:
            return list(ReturnRecords.model_validate(data).records)
        except ValidationError as exc:
            raise TikTokShopError(0, f"unexpected Get Return Records response: {exc}") from None
