"""Get Product, for a buyer's product card: the product's name and price, looked up once.

A PRODUCT_CARD carries only ``product_id`` (doc §8.2). To show staff the product's name and
price tokobot calls Get Product, ``GET /product/202309/products/{product_id}``, signed like
every 202309 call (``shop_cipher`` in the query, the ``x-tts-access-token`` header). The
reference doc does not cover the Product API: the path and the fields read here (``title``,
``status``, ``skus[].price.sale_price`` and ``currency``) are those the public SDKs send and
read; docs/tiktokshop-products.md lists the sources.

``ProductLookup`` keeps the answers in memory for an hour, at most ``CACHE_SIZE`` of them,
and makes one call per product however many cards of it arrive together (a sale day's
300 buyers asking about the same promo item). A failed lookup (unknown product, refused or
failed call, a slow API) is None, remembered for a few minutes, and never raised: the card
is then shown with its id and its message is never held back.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.clock import Clock
from bot.domain.values import ProductInfo
from bot.marketplaces.lenient import Id, Text, parse_money

from .errors import TikTokShopError
from .models import Many
from .transport import Transport, path_id

log = logging.getLogger(__name__)

PRODUCT_PATH = "/product/202309/products/{product_id}"
# The product's public page. Neither the reference doc nor the API gives it: this is the
# pattern seen across public projects, kept in this one constant so one edit moves it.
PRODUCT_PAGE_URL = "https://shop.tiktok.com/view/product/{product_id}"
LIVE_STATUS = "ACTIVATE"  # the others: DRAFT, PENDING, FAILED, *_DEACTIVATED, FREEZE, DELETED
RUPIAH = "IDR"

FOUND_TTL = timedelta(hours=1)  # names and prices change rarely; an hour is fresh enough
MISS_TTL = timedelta(minutes=5)  # a failure is asked again soon, but not by every card
CACHE_SIZE = 2048
LOOKUP_TIMEOUT = 5.0  # seconds a card waits for its details before it is shown without

_PRODUCT_ID = re.compile(r"[0-9]{1,32}")


def product_page(product_id: str) -> str:
    """The product's public page; "" for an id that is not the platform's digits."""
    text = product_id.strip()
    return PRODUCT_PAGE_URL.format(product_id=text) if _PRODUCT_ID.fullmatch(text) else ""


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SkuPrice(_Model):
    sale_price: Text = ""  # a decimal string, "125000" or "125000.00"
    currency: Text = ""


class Sku(_Model):
    id: Id = ""
    price: SkuPrice | None = None


class TtsProduct(_Model):
    """The part of Get Product's ``data`` tokobot reads."""

    id: Id = ""
    title: Text = ""
    status: Text = ""
    skus: Many[Sku] = Field(default_factory=list)


def _rupiah(price: SkuPrice | None) -> int:
    """A SKU's sale price in whole Rupiah; 0 when it has none, or one in another currency."""
    if price is None or price.currency.strip().upper() not in ("", RUPIAH):
        return 0
    try:
        return max(parse_money(price.sale_price), 0)
    except ValueError:
        return 0


def product_info(product: TtsProduct) -> ProductInfo:
    """The neutral description: the title, the lowest and highest SKU price, whether it sells."""
    prices = sorted(p for p in (_rupiah(sku.price) for sku in product.skus) if p > 0)
    status = product.status.strip().upper()
    return ProductInfo(
        name=product.title.strip(),
        price_min=prices[0] if prices else 0,
        price_max=prices[-1] if prices else 0,
        available=status in ("", LIVE_STATUS),
    )


class ProductEndpoints(Transport):
    """Get Product, as a base of ``TikTokShopClient``."""

    async def get_product(self, shop_id: str, product_id: str) -> TtsProduct:
        """Get Product; a 429 or 5xx is not retried: the card is shown without its details
        rather than held back by backoff, and the next card of the product asks again."""
        path = PRODUCT_PATH.format(product_id=path_id(product_id, "product id"))
        data = await self._call("GET", path, shop_id=shop_id, resend=False)
        try:
            return TtsProduct.model_validate(data)
        except ValidationError as exc:
            raise TikTokShopError(0, f"unexpected Get Product response: {exc}") from None


class ProductSource(Protocol):
    """Where ``ProductLookup`` asks: the client's Get Product (a fake in tests)."""

    async def get_product(self, shop_id: str, product_id: str) -> TtsProduct: ...


@dataclass(frozen=True)
class _Entry:
    product: ProductInfo | None
    until: datetime


_Key = tuple[str, str]


class ProductLookup:
    """Get Product answers, cached per process and asked once per product at a time."""

    def __init__(
        self,
        client: ProductSource,
        *,
        clock: Clock,
        ttl: timedelta = FOUND_TTL,
        miss_ttl: timedelta = MISS_TTL,
        size: int = CACHE_SIZE,
        timeout: float = LOOKUP_TIMEOUT,
    ) -> None:
        self._client = client
        self._clock = clock
        self._ttl = ttl
        self._miss_ttl = miss_ttl
        self._size = size
        self._timeout = timeout
        self._entries: OrderedDict[_Key, _Entry] = OrderedDict()
        self._pending: dict[_Key, asyncio.Task[ProductInfo | None]] = {}

    async def get_product(self, shop_id: str, product_id: str) -> ProductInfo | None:
        """The product's name and prices, from the cache or one call; None if not to be had."""
        key = (shop_id, product_id.strip())
        entry = self._entries.get(key)
        if entry is not None and self._clock() < entry.until:
            self._entries.move_to_end(key)
            return entry.product
        task = self._pending.get(key)
        if task is None:
            # A task of its own, so a card that stops waiting leaves the call to finish and
            # fill the cache for the next one, and every card waiting meanwhile shares it.
            task = asyncio.create_task(self._fetch(key))
            self._pending[key] = task
        try:
            return await asyncio.wait_for(asyncio.shield(task), self._timeout)
        except TimeoutError:
            log.warning(
                "Get Product %s of shop %s is slow; card shown without it", key[1], shop_id
            )
            return None

    async def _fetch(self, key: _Key) -> ProductInfo | None:
        shop_id, product_id = key
        found: ProductInfo | None = None
        try:
            found = product_info(await self._client.get_product(shop_id, product_id))
        except TikTokShopError as exc:
            log.info("Get Product %s of shop %s failed: %s", product_id, shop_id, exc)
        except Exception:  # a chat card is never worth failing over; the log says what broke
            log.exception("Get Product %s of shop %s broke", product_id, shop_id)
        finally:
            self._pending.pop(key, None)
        ttl = self._ttl if found is not None else self._miss_ttl
        self._entries[key] = _Entry(found, self._clock() + ttl)
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return found


class TikTokShopProducts:
    """The product half of ``TikTokShopMarketplace`` (``DescribesProducts``)."""

    _products: ProductLookup

    async def describe_product(self, shop_id: str, product_id: str) -> ProductInfo | None:
        return await self._products.get_product(shop_id, product_id)
