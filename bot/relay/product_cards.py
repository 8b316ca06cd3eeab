"""A buyer's product card, given the product's name and price before it is shown.

Where the marketplace can describe a product (``DescribesProducts``: TikTok Shop, whose cards
carry only an id), the relay asks just before rendering, so rendering stays pure. The adapter
caches and never raises; this guard is for a bug, since a card is never worth losing the
buyer's message over.
"""

from __future__ import annotations

import logging

from bot.domain.values import BuyerMessage
from bot.marketplaces import Marketplace
from bot.marketplaces.products import DescribesProducts

log = logging.getLogger(__name__)


async def with_product(marketplace: Marketplace, message: BuyerMessage) -> BuyerMessage:
    """``message`` with its card's product described, where there is a card to describe."""
    product_id = message.attachment_ref.strip()
    if message.attachment_kind != "product" or not product_id or message.product is not None:
        return message
    if not isinstance(marketplace, DescribesProducts):
        return message
    shop_id = message.conversation.shop_id
    try:
        product = await marketplace.describe_product(shop_id, product_id)
    except Exception:  # the card is shown with its id; the buyer's message goes on
        log.exception("describing product %s of shop %s failed", product_id, shop_id)
        return message
    return message if product is None else message.model_copy(update={"product": product})
