"""Who is in the demo: the staff group, two staff members, a few buyers and the shops.

Two marketplaces: Tokopedia (two shops) and Tokopedia & Shop (the TikTok Shop Partner API,
one shop). Their keys are tokobot's ``MARKETPLACES`` names; people only ever see the labels.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.sandbox.tiktokshop import (
    DEMO_APP_KEY,
    DEMO_APP_SECRET,
    DEMO_SERVICE_ID,
    DEMO_SHOP_ID,
)
from bot.sandbox.tokopedia.server import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_FS_ID,
    DEMO_WEBHOOK_SECRET,
)

HOST = "127.0.0.1"
BOT_TOKEN = "7000000001:demo-token-not-a-secret"  # noqa: S105 - the fake's own dummy token
BOT_USERNAME = "tokobot"
CHAT_ID = -1001987654321
CHAT_TITLE = "Staf Toko Maju Jaya"
FIRST_ORDER_ID = 580_000_001

# The sandbox's demo credentials, re-exported so the demo's settings name them in one place.
FS_ID = DEMO_FS_ID
CLIENT_ID = DEMO_CLIENT_ID
CLIENT_SECRET = DEMO_CLIENT_SECRET
WEBHOOK_SECRET = DEMO_WEBHOOK_SECRET
TTS_APP_KEY = DEMO_APP_KEY
TTS_APP_SECRET = DEMO_APP_SECRET
TTS_SERVICE_ID = DEMO_SERVICE_ID
TTS_SHOP_ID = DEMO_SHOP_ID
# The same seller on both marketplaces; tokobot adds "(Tokopedia & Shop)" itself.
TTS_SHOP_NAME = "Toko Maju Jaya"

TOKOPEDIA = "tokopedia"
TIKTOKSHOP = "tiktokshop"
# What people read for each marketplace; Indonesian sellers never see the API's own name.
MARKET_LABELS = {TOKOPEDIA: "Tokopedia", TIKTOKSHOP: "Tokopedia & Shop"}


@dataclass(frozen=True)
class Staff:
    """A staff member the page can act as."""

    key: str
    user_id: int
    name: str
    label: str
    admin: bool


@dataclass(frozen=True)
class Buyer:
    """A buyer who writes to the shop and places orders."""

    user_id: int
    name: str


STAFF = (
    Staff("rina", 5_100_001, "Rina", "Rina (admin)", admin=True),
    Staff("budi", 5_100_002, "Budi", "Budi (staf, bukan admin)", admin=False),
)
BUYERS = (
    Buyer(7_200_001, "Siti Aminah"),
    Buyer(7_200_002, "Andi Wijaya"),
    Buyer(7_200_003, "Dewi Lestari"),
    Buyer(7_200_004, "Agus Saputra"),
)
# Tokopedia & Shop's catalogue, as Order API line items (the sandbox completes the rest).
TTS_PRODUCTS = (
    {"product_name": "Kopi Gayo Arabika 250g", "sku_name": "250g", "sale_price": "85000",
     "seller_sku": "KOPI-GAYO-250"},
    {"product_name": "Teh Melati Tubruk 100g", "sku_name": "100g", "sale_price": "18000",
     "seller_sku": "TEH-MELATI-100"},
    {"product_name": "Gula Aren Cair 500ml", "sku_name": "500ml", "sale_price": "32000",
     "seller_sku": "GULA-AREN-500"},
    {"product_name": "Kemeja Batik Parang", "sku_name": "L", "sale_price": "245000",
     "seller_sku": "BTK-PRG-L"},
)  # fmt: skip
CITIES = ("Jakarta Selatan", "Bandung", "Surabaya", "Yogyakarta", "Medan", "Makassar")
CANCEL_REASONS = (
    "Ingin mengubah alamat pengiriman",
    "Salah pilih varian",
    "Menemukan harga lebih murah",
    "Berubah pikiran",
)


def staff_member(key: str) -> Staff:
    """Return the staff member called ``key`` ("rina", "budi"), or raise ``LookupError``."""
    for member in STAFF:
        if member.key == key:
            return member
    raise LookupError(f"unknown staff member {key!r}; expected one of {[s.key for s in STAFF]}")


def buyer(user_id: int) -> Buyer:
    """Return the buyer with ``user_id``, or raise ``LookupError``."""
    for person in BUYERS:
        if person.user_id == user_id:
            return person
    raise LookupError(f"unknown buyer {user_id}")
