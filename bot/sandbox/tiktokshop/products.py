"""Get Product (the Product API, which the reference doc does not cover), for chat cards.

``GET /product/202309/products/{product_id}`` behind the same gateway as every shop
endpoint: signature, token, scope and ``shop_cipher`` are checked before the handler runs.
The ``data`` shape (``id``, ``status``, ``title``, ``main_images``, ``skus[].price`` with
``sale_price`` as a string and ``currency``) follows what the public SDKs read
(docs/tiktokshop-products.md); a product of another shop, or none, is the sandbox's own
"not found" (HTTP 404).
"""

from __future__ import annotations

import copy

from bot.sandbox.tiktokshop import catalogue
from bot.sandbox.tiktokshop.gateway import ApiError, Ctx


async def get_product(ctx: Ctx) -> object:
    """GET /product/202309/products/{product_id}: one product of the caller's shop."""
    product = ctx.state.products.get(ctx.path("product_id"))
    if product is None or product["shop_id"] != ctx.shop_id:
        raise ApiError(catalogue.PRODUCT_NOT_FOUND, "The product does not exist in this shop.")
    return {key: copy.deepcopy(value) for key, value in product.items() if key != "shop_id"}
