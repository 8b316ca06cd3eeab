"""What a marketplace may say about a product a buyer sent as a card, as an optional capability.

A marketplace whose chat cards carry only a product id (TikTok Shop) implements
``DescribesProducts``; the relay checks with ``isinstance`` and, before showing the card, asks
for the product's name and price. Where a marketplace has no such lookup the card is shown
with what its message carried.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from bot.domain.values import ProductInfo


@runtime_checkable
class DescribesProducts(Protocol):
    """A marketplace that can name and price a product from its id."""

    async def describe_product(self, shop_id: str, product_id: str) -> ProductInfo | None:
        """The product's name and prices; None when they can't be had now.

        Never raises for an unknown product, a refused or failed call or a slow API: the
        card is then shown with its id, and the buyer's message is never held back by it.
        """
        ...
