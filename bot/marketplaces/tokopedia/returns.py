"""Returns and refunds on Tokopedia: the Tokopedia Open Platform documents no returns API.

Its order and chat webhooks and endpoints (see ``shared/docs/tokopedia-api.md``) say nothing
of return or refund requests, so tokobot finds none to show and refuses to answer one.
Sellers answer Tokopedia returns in Seller Center; a shop moved to Tokopedia & Shop gets
them through that marketplace.
"""

from __future__ import annotations

from bot.domain.errors import ErrorKind, MarketplaceError
from bot.domain.values import RejectReason, ReturnRequest

NOT_SUPPORTED = "Tokopedia Open Platform tidak menyediakan API retur; jawab di Seller Center."


def _unsupported() -> MarketplaceError:
    return MarketplaceError(ErrorKind.INVALID, "", NOT_SUPPORTED)


class NoReturns:
    """The return half of ``TokopediaMarketplace``: nothing to find, nothing to answer."""

    async def get_return(self, shop_id: str, return_id: str, order_id: str = "") -> ReturnRequest:
        raise _unsupported()

    async def returns_awaiting_seller(self, shop_id: str) -> list[ReturnRequest]:
        return []

    async def return_reject_reasons(self, request: ReturnRequest) -> tuple[RejectReason, ...]:
        raise _unsupported()

    async def approve_return(self, request: ReturnRequest) -> None:
        raise _unsupported()

    async def reject_return(self, request: ReturnRequest, reason: str, comment: str = "") -> None:
        raise _unsupported()
