"""The demo's Tokopedia & Shop: the TikTok Shop sandbox and what the page does to it.

Like the Tokopedia side of ``stage``: each buyer or marketplace action changes the sandbox
(``buyer_says``, ``add_order``, ``request_cancellation``, ``set_order_status``) and then posts
its signed notification (``webhook_body`` + ``send_webhook``) to tokobot's
``/webhooks/tiktokshop``, as the platform would. What tokobot writes back (replies, answers to
cancellation requests, cancellations) goes into the shared log, labelled "Tokopedia & Shop".
``authorize`` connects the shop the way a seller does: a code from the sandbox and a signed
``state``, brought to tokobot's own ``/oauth/tiktokshop/callback``.

Order ids here are strings (18-19 digits do not fit a JavaScript number).
"""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import dataclass

import httpx
from starlette.types import ASGIApp

from bot.demo import views
from bot.demo.board import Board, DemoError, JsonDict
from bot.demo.cast import (
    BUYERS,
    CANCEL_REASONS,
    TIKTOKSHOP,
    TTS_APP_KEY,
    TTS_APP_SECRET,
    TTS_PRODUCTS,
    TTS_SERVICE_ID,
    TTS_SHOP_ID,
    TTS_SHOP_NAME,
    Buyer,
    buyer,
)
from bot.demo.market_log import PostRecorder, describe_tts_post, tts_error
from bot.sandbox.images import make_png
from bot.sandbox.tiktokshop import TikTokSandboxState, create_app, send_webhook
from bot.sandbox.tiktokshop.return_desk import BUYER_REASONS

SHOWN_ORDERS = 25
BURST_CONCURRENCY = 8
# Notification types (webhook topics) the demo sends.
ORDER_STATUS = 1
CANCELLATION = 11
RETURN_STATUS = 12
NEW_MESSAGE = 14
RETURN_PHOTOS = 2  # pictures of the "damage" a buyer attaches to a return request


def tiktok_state() -> TikTokSandboxState:
    """The sandbox with the fixed demo credentials and the demo's one shop."""
    state = TikTokSandboxState(
        app_key=TTS_APP_KEY, app_secret=TTS_APP_SECRET, service_id=TTS_SERVICE_ID
    )
    state.add_shop(TTS_SHOP_ID, TTS_SHOP_NAME)
    for item in TTS_PRODUCTS:  # what the buyer panel's product cards point at (Get Product)
        prices: tuple[int, ...] = (int(item["sale_price"]),)
        if item["product_name"] == "Kemeja Batik Parang":  # sizes S-M cost less: a price range
            prices = (225_000, *prices)
        state.add_product(TTS_SHOP_ID, str(item["product_name"]), prices)
    return state


@dataclass(frozen=True)
class Delivery:
    """How tokobot answered a notification: its HTTP status, or the transport error."""

    status_code: int | None
    error: str | None


def _buyer(buyer_id: int) -> Buyer:
    try:
        return buyer(buyer_id)
    except LookupError as exc:
        raise DemoError(404, str(exc)) from None


class TikTokMarket:
    """The Tokopedia & Shop sandbox plus the page's actions on it."""

    def __init__(self, state: TikTokSandboxState, board: Board) -> None:
        self.state = state
        self.board = board

    def app(self) -> ASGIApp:
        """The sandbox app, wrapped so tokobot's writes show up in the log."""
        return PostRecorder(create_app(self.state), self._on_post)

    @property
    def connected(self) -> bool:
        """Whether the sandbox holds a seller grant for the demo shop."""
        return self.state.grant_for_shop(TTS_SHOP_ID) is not None

    async def authorize(self, oauth_state: str) -> bool:
        """The seller's browser returns to tokobot with a fresh code; True if tokobot took it."""
        code = self.state.issue_auth_code([TTS_SHOP_ID])
        url = f"{self.board.receiver}/oauth/tiktokshop/callback"
        status: int | None = None
        error: str | None = None
        async with httpx.AsyncClient(timeout=20.0, trust_env=False) as client:
            try:
                response = await client.get(url, params={"code": code, "state": oauth_state})
            except httpx.HTTPError as exc:
                error = repr(exc)
            else:
                status = response.status_code
        self.board.note(
            "out",
            "→ tokobot: penjual menghubungkan toko",
            TTS_SHOP_NAME,
            ok=status == 200,
            status=status,
            error=error,
            market=TIKTOKSHOP,
        )
        return status == 200

    # -- the page's actions ------------------------------------------------------------------

    def _shop(self, shop_id: int | str | None) -> str:
        if shop_id is None:
            return next(iter(self.state.shops))
        if str(shop_id) not in self.state.shops:
            raise DemoError(404, f"toko {shop_id} tidak ada")
        return str(shop_id)

    def _order(self, order_id: int | str) -> JsonDict:
        order = self.state.orders.get(str(order_id))
        if order is None:
            raise DemoError(404, f"pesanan {order_id} tidak ada")
        return order

    def _conversation(self, shop_id: str, name: str) -> str:
        """The buyer's conversation with the shop, opened on the first message."""
        for conversation in self.state.conversations.values():
            if conversation.shop_id == shop_id and conversation.buyer.nickname == name:
                return conversation.id
        return self.state.add_conversation(shop_id, name)

    async def buyer_writes(
        self, buyer_id: int, text: str, shop_id: int | str | None = None
    ) -> JsonDict:
        """A buyer writes to the shop; the new-message notification goes to tokobot."""
        person = _buyer(buyer_id)
        conversation = self._conversation(self._shop(shop_id), person.name)
        self.state.buyer_says(conversation, text)
        delivery = await self._deliver(
            NEW_MESSAGE,
            {"conversation_id": conversation},
            "pesan pembeli",
            f"{person.name}: {text}",
        )
        return {"conversation_id": conversation, "webhook_status": delivery.status_code}

    async def buyer_sends_photo(self, buyer_id: int, shop_id: int | str | None = None) -> JsonDict:
        """A buyer sends a photo (a generated picture) behind a URL that needs the shop's token."""
        person = _buyer(buyer_id)
        conversation = self._conversation(self._shop(shop_id), person.name)
        self.state.buyer_sends_media(conversation, make_png(640, 480, shade=buyer_id * 53))
        delivery = await self._deliver(
            NEW_MESSAGE, {"conversation_id": conversation}, "foto pembeli", f"{person.name}: 📷"
        )
        return {"conversation_id": conversation, "webhook_status": delivery.status_code}

    async def buyer_sends_product(
        self, buyer_id: int, shop_id: int | str | None = None
    ) -> JsonDict:
        """A buyer sends a product card (an id only); tokobot looks up its name and price."""
        person = _buyer(buyer_id)
        shop = self._shop(shop_id)
        offered = [p for p in self.state.products.values() if p["shop_id"] == shop]
        if not offered:
            raise DemoError(404, "toko ini belum punya produk")
        product = offered[buyer_id % len(offered)]
        conversation = self._conversation(shop, person.name)
        card = json.dumps({"product_id": product["id"]})
        self.state.add_message(conversation, "BUYER", card, "PRODUCT_CARD")
        delivery = await self._deliver(
            NEW_MESSAGE,
            {"conversation_id": conversation},
            "kartu produk",
            f"{person.name}: 🛍️ {product['title']}",
        )
        return {"conversation_id": conversation, "webhook_status": delivery.status_code}

    def _create_order(self, buyer_id: int | None, shop_id: int | str | None) -> JsonDict:
        shop = self._shop(shop_id)
        chosen = None if buyer_id is None else _buyer(buyer_id)
        order_id = self.state.new_id("order")
        # Seeded by the order id, so the same demo session produces the same orders.
        rng = random.Random(int(order_id))  # noqa: S311 - demo data, not security
        person = chosen or rng.choice(BUYERS)
        picked = rng.sample(TTS_PRODUCTS, k=rng.randint(1, 3))
        return self.state.add_order(
            shop,
            id=order_id,
            buyer_nickname=person.name,
            line_items=[{**product, "quantity": rng.randint(1, 3)} for product in picked],
        )

    def _view(self, order: JsonDict) -> JsonDict:
        returning = any(
            case.order_id == order["id"] and case.action
            for case in self.state.returns.cases.values()
        )
        name = self.state.shops[order["shop_id"]]["name"]
        return views.tts_order_view(order, name, returning=returning)

    async def new_order(
        self, buyer_id: int | None = None, shop_id: int | str | None = None
    ) -> JsonDict:
        """A buyer pays for an order; the order-status notification goes to tokobot."""
        order = self._create_order(buyer_id, shop_id)
        delivery = await self._deliver(
            ORDER_STATUS, {"order_id": order["id"]}, "pesanan baru", views.tts_order_label(order)
        )
        return self._view(order) | {"webhook_status": delivery.status_code}

    async def request_cancellation(
        self, order_id: int | str, reason: str | None = None
    ) -> JsonDict:
        """The buyer asks to cancel; the cancellation notification goes to tokobot."""
        order = self._order(order_id)
        if order.get("is_buyer_request_cancel"):
            raise DemoError(409, "pembeli sudah minta batal untuk pesanan ini")
        reason = reason or random.choice(CANCEL_REASONS)  # noqa: S311 - demo data
        try:
            cancel_id = self.state.request_cancellation(order["id"], reason)
        except ValueError:
            raise DemoError(409, "pesanan ini tidak bisa dibatalkan lagi") from None
        delivery = await self._deliver(
            CANCELLATION,
            {"cancel_id": cancel_id},
            "permintaan batal",
            f"{views.tts_order_label(order)} · {reason}",
        )
        return self._view(order) | {"webhook_status": delivery.status_code}

    async def request_return(self, order_id: int | str) -> JsonDict:
        """The buyer asks for a refund with photos of the damage; a parcel still on its way
        arrives first (its status goes too), since refunds are asked for goods received."""
        order = self._order(order_id)
        status = str(order["status"])
        if status not in views.TTS_RETURNABLE:
            raise DemoError(409, "retur hanya untuk pesanan yang sudah dikirim")
        if status == "IN_TRANSIT":
            self.state.set_order_status(order["id"], "DELIVERED")
            label = views.TTS_ORDER_STATUS["DELIVERED"][0]
            await self._deliver(
                ORDER_STATUS,
                {"order_id": order["id"]},
                "status pesanan",
                f"{views.tts_order_label(order)} → {label}",
            )
        reason = random.choice(list(BUYER_REASONS))  # noqa: S311 - demo data
        seed = int(order["id"]) % 200
        photos = [make_png(480, 360, shade=seed + n * 37) for n in range(RETURN_PHOTOS)]
        try:
            return_id = self.state.returns.request(order["id"], reason, photos=photos)
        except ValueError:
            raise DemoError(409, "pembeli sudah minta retur untuk pesanan ini") from None
        delivery = await self._deliver(
            RETURN_STATUS,
            {"return_id": return_id},
            "permintaan retur",
            f"{views.tts_order_label(order)} · {BUYER_REASONS[reason][0]} · 📷 {len(photos)}",
        )
        return self._view(order) | {"return_id": return_id, "webhook_status": delivery.status_code}

    async def pickup(self, order_id: int | str) -> JsonDict:
        """The courier moves an order on (to be collected -> in transit); its status goes."""
        order = self._order(order_id)
        following = views.TTS_PICKUP_NEXT.get(str(order["status"]))
        if following is None:
            raise DemoError(409, "kurir hanya menjemput pesanan yang perlu dikirim")
        self.state.set_order_status(order["id"], following)
        label = views.TTS_ORDER_STATUS[following][0]
        delivery = await self._deliver(
            ORDER_STATUS,
            {"order_id": order["id"]},
            "status pesanan",
            f"{views.tts_order_label(order)} → {label}",
        )
        return self._view(order) | {"webhook_status": delivery.status_code}

    async def burst(self, count: int) -> JsonDict:
        """``count`` orders arrive at once: their notifications go to tokobot side by side."""
        orders = [self._create_order(None, None) for _ in range(count)]
        gate = asyncio.Semaphore(BURST_CONCURRENCY)

        async with httpx.AsyncClient(timeout=10.0, trust_env=False) as client:

            async def one(order: JsonDict) -> bool:
                async with gate:
                    fields = {"order_id": order["id"]}
                    delivery = await self._deliver(ORDER_STATUS, fields, None, None, client)
                return delivery.status_code == 200

            accepted = sum(await asyncio.gather(*(one(order) for order in orders)))
        self.board.note(
            "out",
            f"→ tokobot: {count} webhook pesanan baru",
            f"{accepted} dijawab 200",
            ok=accepted == count,
            market=TIKTOKSHOP,
        )
        return {"created": count, "accepted": accepted}

    async def _deliver(
        self,
        type_: int,
        fields: JsonDict,
        label: str | None,
        detail: str | None,
        client: httpx.AsyncClient | None = None,
    ) -> Delivery:
        """Post the sandbox's signed notification; note it unless ``detail`` is None."""
        url = self.board.webhook_url("tiktokshop")
        body = self.state.webhook_body(type_, **fields)
        try:
            if client is None:
                async with httpx.AsyncClient(timeout=10.0, trust_env=False) as own:
                    response = await send_webhook(own, url, body, self.state)
            else:
                response = await send_webhook(client, url, body, self.state)
        except httpx.HTTPError as exc:
            delivery = Delivery(None, repr(exc))
        else:
            delivery = Delivery(response.status_code, None)
        if detail is None:
            self.board.changed()
        else:
            self.board.note(
                "out",
                f"→ tokobot: webhook {label}",
                detail,
                ok=delivery.status_code == 200,
                status=delivery.status_code,
                error=delivery.error,
                market=TIKTOKSHOP,
            )
        return delivery

    # -- what tokobot sent -------------------------------------------------------------------

    def _on_post(self, path: str, body: bytes, status: int, answer: bytes) -> None:
        described = describe_tts_post(self.state, path, body)
        if described is None:
            return
        error = tts_error(status, answer)
        self.board.note(
            "in",
            *described,
            ok=error is None,
            # A refusal travels with HTTP 200 and a code; show the status only when it says more.
            status=None if 200 <= status < 300 else status,
            error=error,
            market=TIKTOKSHOP,
        )

    # -- views -------------------------------------------------------------------------------

    def shops(self) -> list[JsonDict]:
        return [
            {"id": shop_id, "name": shop["name"]} for shop_id, shop in self.state.shops.items()
        ]

    def market(self) -> JsonDict:
        orders = sorted(self.state.orders.values(), key=lambda o: -int(o["id"]))
        return {
            "orders": [self._view(o) for o in orders[:SHOWN_ORDERS]],
            "order_count": len(orders),
            "connected": self.connected,
        }
