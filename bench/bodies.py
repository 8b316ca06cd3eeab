"""Realistic signed webhook bodies with unique ids, so none of them dedupes.

Orders come from the Tokopedia sandbox (the order-notification shape of §6.2); chats use
the documented chat-notification shape (§6.1), one fresh room per message.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

from bench.common import FS_ID, SHOP_ID, WEBHOOK_SECRET
from bot.sandbox.tokopedia import SandboxState, sign
from bot.sandbox.tokopedia.views import order_notification_payload

ORDER_ID_BASE = 700_000_000
ROOM_ID_BASE = 50_000_000

_BUYERS = ("Budi Santoso", "Siti Rahmawati", "Andi Wijaya", "Dewi Lestari", "Rudi Hartono")
_PRODUCTS = (
    ("Kopi Gayo Arabika 250g", 85_000),
    ("Teh Melati Tubruk 100g", 18_000),
    ("Gula Aren Cair 500ml", 32_000),
)
_CHATS = (
    "Kak, ini ready stok?",
    "Bisa kirim hari ini nggak ya?",
    "Pesanan saya kok belum diproses?",
    "Ada varian 1kg?",
    "Alamat saya salah kak, bisa diganti ke Jl. Melati No. 5?",
)


@dataclass(frozen=True)
class Webhook:
    """One signed webhook: where it goes, its exact body and signature, and what it names."""

    topic: str  # "order" or "chat"
    ident: str  # the order id or the chat room id
    body: bytes
    signature: str


def _encode(data: dict[str, Any]) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def _signed(topic: str, ident: int, data: dict[str, Any]) -> Webhook:
    body = _encode(data)
    return Webhook(topic, str(ident), body, sign(body, WEBHOOK_SECRET))


def sandbox_state() -> SandboxState:
    state = SandboxState(
        fs_id=FS_ID,
        client_id="sandbox-client",
        client_secret="sandbox-secret",  # noqa: S106 - the sandbox's public demo credential
        webhook_secret=WEBHOOK_SECRET,
    )
    state.add_shop(SHOP_ID, "Toko Maju Jaya")
    for name, price in _PRODUCTS:
        state.add_product(SHOP_ID, name, price)
    return state


def order_webhooks(state: SandboxState, count: int, *, first_id: int) -> list[Webhook]:
    """``count`` new paid orders added to ``state``, and their notification webhooks."""
    rng = random.Random(first_id)
    hooks = []
    for order_id in range(first_id, first_id + count):
        order = state.add_order(SHOP_ID, order_id=order_id, buyer_name=rng.choice(_BUYERS))
        hooks.append(_signed("order", order_id, order_notification_payload(order)))
    return hooks


def chat_webhook(room_id: int, rng: random.Random) -> Webhook:
    buyer_id = 800_000 + room_id % 100_000
    return _signed(
        "chat",
        room_id,
        {
            "msg_id": room_id,
            "buyer_id": buyer_id,
            "message": rng.choice(_CHATS),
            "thumbnail": f"https://images.tokopedia.net/img/user/{buyer_id}/avatar.jpg",
            "full_name": rng.choice(_BUYERS).split(" ", 1)[0],
            "shop_id": SHOP_ID,
        },
    )


def mixed_webhooks(count: int, *, offset: int) -> list[Webhook]:
    """Alternating new-order and chat webhooks, ids starting at ``offset``."""
    state = sandbox_state()
    orders = order_webhooks(state, (count + 1) // 2, first_id=ORDER_ID_BASE + offset)
    rng = random.Random(offset)
    chats = [chat_webhook(ROOM_ID_BASE + offset + i, rng) for i in range(count // 2)]
    mixed: list[Webhook] = []
    for index in range(count):
        source = orders if index % 2 == 0 else chats
        mixed.append(source[index // 2])
    return mixed
