"""Tokopedia documents no returns API: none are found, and answering one is refused."""

from __future__ import annotations

import pytest

from bot.domain.errors import ErrorKind, MarketplaceError
from bot.domain.values import MarketplaceName, ReturnRequest, ReturnState
from bot.marketplaces.tokopedia.returns import NoReturns


async def test_no_returns_and_a_clear_refusal():
    market = NoReturns()
    assert await market.returns_awaiting_seller("479573") == []
    request = ReturnRequest(
        marketplace=MarketplaceName.TOKOPEDIA,
        shop_id="479573",
        order_id="1",
        return_id="1",
        status_code="x",
        state=ReturnState.OTHER,
    )
    for call in (market.approve_return(request), market.reject_return(request, "r")):
        with pytest.raises(MarketplaceError) as caught:
            await call
        assert caught.value.kind is ErrorKind.INVALID
        assert "Seller Center" in caught.value.detail
