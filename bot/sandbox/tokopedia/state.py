"""In-memory state of the simulated Tokopedia account: shops, orders, chats, tokens, faults."""

from __future__ import annotations

import math
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

import httpx

from bot.sandbox.tokopedia import payloads, views
from bot.sandbox.tokopedia.payloads import JsonDict
from bot.sandbox.tokopedia.ratelimit import UNLIMITED_HEADERS, Bucket
from bot.sandbox.tokopedia.records import (
    ChatRoom,
    Injection,
    RecordedCall,
    WebhookDelivery,
)
from bot.sandbox.tokopedia.signing import send_webhook

# Everything List Registered Webhook shows plus what Register accepts (§4.1, §4.2).
WEBHOOK_URL_FIELDS = (
    "order_notification_url",
    "order_cancellation_url",
    "order_status_url",
    "order_request_cancellation_url",
    "chat_notification_url",
    "product_creation_url",
    "product_changes_url",
    "campaign_notification_url",
    "order_partial_fulfillment_url",
)

# Webhook kind -> the registered URL field it is delivered to.
WEBHOOK_KINDS = {
    "chat": "chat_notification_url",
    "order_notification": "order_notification_url",
    "order_status": "order_status_url",
    "order_cancellation": "order_cancellation_url",
    "request_cancellation": "order_request_cancellation_url",
}

_DEFAULT_BUYER = (654321, "Budi Santoso")
_DEFAULT_CITY = "Jakarta Pusat"


class SandboxState:
    """Everything the simulator knows; tests arrange it directly and inspect what happened."""

    def __init__(
        self,
        fs_id: int,
        client_id: str,
        client_secret: str,
        webhook_secret: str,
        token_ttl: int = 1209600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.fs_id = fs_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_ttl = token_ttl
        self.clock = clock
        self.shops: dict[int, JsonDict] = {}
        self.products: dict[int, list[JsonDict]] = {}
        self.orders: dict[int, JsonDict] = {}
        self.rooms: dict[int, ChatRoom] = {}
        self.webhooks: JsonDict = {"fs_id": fs_id, **dict.fromkeys(WEBHOOK_URL_FIELDS, "")}
        self.webhooks["webhook_secret"] = webhook_secret
        self.calls: list[RecordedCall] = []
        self.replies: list[JsonDict] = []
        self.deliveries: list[WebhookDelivery] = []
        self.tokens_issued = 0
        # Doc silent on which cancel code an approved buyer request ends in (§8.5); 0 is
        # "Seller cancel order". Tests may set 15 to exercise the other plausible outcome.
        self.approve_cancel_status = 0
        # Outbound webhooks go through this (e.g. an ASGITransport to tokobot's receiver).
        self.webhook_transport: httpx.AsyncBaseTransport | None = None
        self._token: str | None = None
        self._token_expires_at = -math.inf
        self._buckets: list[Bucket] = []
        self._injections: list[Injection] = []
        self._next_id = {"order": 580_000_001, "payment": 3_100_001, "room": 10_000}
        self._next_id.update(product=1_100_000_001, reply=900_000_001)

    def _new_id(self, kind: str) -> int:
        value = self._next_id[kind]
        self._next_id[kind] = value + 1
        return value

    # --- tokens -------------------------------------------------------------------------

    @property
    def webhook_secret(self) -> str:
        """The currently registered secret (Register can change or blank it)."""
        return str(self.webhooks["webhook_secret"])

    @property
    def current_token(self) -> str | None:
        """The valid access token, if one has been issued and has not expired."""
        if self._token is not None and self.clock() < self._token_expires_at:
            return self._token
        return None

    def issue_token(self) -> tuple[str, int]:
        """Return (token, expires_in); a new token only once the old one has expired (§3.3)."""
        now = self.clock()
        token = self.current_token
        if token is None:
            token = self._token = secrets.token_urlsafe(32)
            self._token_expires_at = now + self.token_ttl
            self.tokens_issued += 1
        return token, math.ceil(self._token_expires_at - now)

    def token_valid(self, token: str) -> bool:
        current = self.current_token
        return current is not None and secrets.compare_digest(token, current)

    def expire_tokens(self) -> None:
        """Expire the current token now, as if its lifetime had run out."""
        self._token_expires_at = -math.inf

    # --- faults and rate limits ---------------------------------------------------------

    def fail_next(
        self,
        path_regex: str,
        status: int,
        error_code: str = "",
        times: int = 1,
        delay: float = 0.0,
    ) -> None:
        """Make the next `times` matching requests fail with `status` (0 drops the link).

        A 2xx status with a delay only slows the request down; it is then served normally.
        """
        self._injections.append(
            Injection(re.compile(path_regex), status, error_code, times, delay)
        )

    def take_injection(self, path: str) -> Injection | None:
        for injection in self._injections:
            if injection.pattern.search(path):
                injection.times -= 1
                if injection.times <= 0:
                    self._injections.remove(injection)
                return injection
        return None

    def set_rate_limit(self, path_regex: str, per_second: float, burst: int) -> None:
        """Limit paths matching `path_regex` (one shared bucket); re-setting replaces it."""
        if per_second <= 0 or burst < 1:
            raise ValueError("per_second must be > 0 and burst >= 1")
        self._buckets = [b for b in self._buckets if b.pattern.pattern != path_regex]
        bucket = Bucket(re.compile(path_regex), per_second, burst, float(burst), self.clock())
        self._buckets.append(bucket)

    def rate_limit(self, path: str) -> tuple[bool, dict[str, str]]:
        """Charge one request to the first matching limit; unmatched paths are unlimited."""
        for bucket in self._buckets:
            if bucket.pattern.search(path):
                return bucket.take(self.clock())
        return True, dict(UNLIMITED_HEADERS)

    # --- arranging data -----------------------------------------------------------------

    def shop(self, shop_id: int) -> JsonDict:
        if shop_id not in self.shops:
            raise KeyError(f"unknown shop_id {shop_id}")
        return self.shops[shop_id]

    def order(self, order_id: int) -> JsonDict:
        if order_id not in self.orders:
            raise KeyError(f"unknown order_id {order_id}")
        return self.orders[order_id]

    def room(self, msg_id: int) -> ChatRoom:
        if msg_id not in self.rooms:
            raise KeyError(f"unknown msg_id {msg_id}")
        return self.rooms[msg_id]

    def add_shop(self, shop_id: int, name: str) -> JsonDict:
        """Connect a shop to the fs_id; returns its live shop-info row."""
        self.shops[shop_id] = payloads.new_shop(shop_id, name, self.clock())
        self.products.setdefault(shop_id, [])
        return self.shops[shop_id]

    def add_product(
        self, shop_id: int, name: str, price: int, *, sku: str = "", weight: float = 0.5
    ) -> JsonDict:
        """Add a catalogue product that new orders of the shop will use."""
        self.shop(shop_id)
        product_id = self._new_id("product")
        product = payloads.new_product(product_id, name, price, sku or f"SKU-{product_id}", weight)
        self.products[shop_id].append(product)
        return product

    def add_order(self, shop_id: int, **overrides: Any) -> JsonDict:
        """Create a paid order (status 220 unless overridden); returns the live record.

        Overrides replace top-level keys of the record (see `payloads.new_order`); the
        shortcuts `status`, `buyer_id`, `buyer_name`, `city` and `accept_deadline` (ISO
        string or UNIX time) reach into nested fields. `create_time` is UNIX seconds.
        """
        shop = self.shop(shop_id)
        status = int(overrides.pop("status", overrides.pop("order_status", 220)))
        order_id = int(overrides.pop("order_id", 0)) or self._new_id("order")
        if order_id in self.orders:
            raise ValueError(f"order_id {order_id} already exists")
        created = float(overrides.pop("create_time", self.clock()))
        products = overrides.pop("products", None) or self._default_products(shop_id)
        products = [p if "id" in p else {**p, "id": self._new_id("product")} for p in products]
        deadline = overrides.pop("accept_deadline", None)
        order = payloads.new_order(
            order_id=order_id,
            payment_id=self._new_id("payment"),
            fs_id=self.fs_id,
            shop=shop,
            products=products,
            created=created,
            status=status,
            buyer_id=int(overrides.pop("buyer_id", _DEFAULT_BUYER[0])),
            buyer_name=str(overrides.pop("buyer_name", _DEFAULT_BUYER[1])),
            city=str(overrides.pop("city", _DEFAULT_CITY)),
        )
        unknown = sorted(set(overrides) - set(order))
        if unknown:
            raise TypeError(f"add_order() got unknown overrides {unknown}")
        order.update(overrides)
        if deadline is not None:
            order["shipment_fulfillment"]["accept_deadline"] = (
                deadline if isinstance(deadline, str) else payloads.iso(float(deadline))
            )
        # Seed a plausible history: anything past the pre-payment codes went through 220.
        if status not in payloads.PRE_PAYMENT and status != 220:
            order["order_history"].append(
                payloads.history_entry(220, created, "Payment verified", "system")
            )
        order["order_history"].append(
            payloads.history_entry(status, created, "Order created by sandbox", "system")
        )
        self.orders[order_id] = order
        return order

    def _default_products(self, shop_id: int) -> list[JsonDict]:
        catalogue = self.products.get(shop_id) or []
        if not catalogue:
            return [{"id": self._new_id("product"), "Name": "Product A", "price": 50000}]
        # Rotate through the catalogue so successive demo orders differ.
        return [dict(catalogue[len(self.orders) % len(catalogue)])]

    def change_status(self, order: JsonDict, status: int, message: str, by: str) -> None:
        order["order_status"] = status
        order["order_history"].append(payloads.history_entry(status, self.clock(), message, by))

    def set_status(self, order_id: int, status: int) -> None:
        """Move an order to `status`, as Tokopedia's side (buyer, courier, system) would."""
        self.change_status(self.order(order_id), status, "Status changed by sandbox", "system")

    def request_cancellation(self, order_id: int, reason: str) -> None:
        """Record a pending buyer cancellation request on a paid, undelivered order."""
        order = self.order(order_id)
        if not 220 <= order["order_status"] < 600:
            raise ValueError(f"order {order_id} is at {order['order_status']}, not cancellable")
        order["cancel_request_info"] = {
            "create_time": payloads.iso(self.clock()),
            "reason": reason,
            "status": 1,  # doc silent on the values; 1 = pending here
        }

    def add_chat(self, shop_id: int, buyer_id: int, buyer_name: str, text: str) -> int:
        """Add a buyer message; one room per buyer and shop. Returns the room's msg_id."""
        self.shop(shop_id)
        room = self.room_for(shop_id, buyer_id, buyer_name)
        room.bubbles.append(self._bubble(room, text, from_buyer=True))
        return room.msg_id

    def room_for(self, shop_id: int, buyer_id: int, buyer_name: str) -> ChatRoom:
        for room in self.rooms.values():
            if room.shop_id == shop_id and room.buyer_id == buyer_id:
                return room
        msg_id = self._new_id("room")
        thumbnail = f"https://images.tokopedia.net/img/user/{buyer_id}/avatar.jpg"
        room = ChatRoom(msg_id, shop_id, buyer_id, buyer_name, thumbnail)
        self.rooms[msg_id] = room
        return room

    def _bubble(self, room: ChatRoom, text: str, *, from_buyer: bool) -> JsonDict:
        shop = self.shops[room.shop_id]
        return {
            "msg_id": room.msg_id,
            "sender_id": room.buyer_id if from_buyer else shop["user_id"],
            "role": "User" if from_buyer else "Shop Owner",
            "msg": text,
            "reply_time": int(self.clock() * 1000),
            "reply_id": self._new_id("reply"),
            "sender_name": room.buyer_name if from_buyer else shop["shop_name"],
            "read_status": 1,
            "read_time": 0,
            "status": 1,
            "attachment_id": 0,
            "message_is_read": False,
            "is_opposite": from_buyer,
            "is_first_reply": not room.bubbles,
            "is_reported": False,
        }

    def post_reply(self, room: ChatRoom, text: str) -> JsonDict:
        """Append the shop's reply, mark the buyer's messages read, and record it."""
        now = self.clock()
        for bubble in room.bubbles:
            if bubble["is_opposite"] and not bubble["message_is_read"]:
                bubble.update(message_is_read=True, read_status=2, read_time=int(now * 1000))
        bubble = self._bubble(room, text, from_buyer=False)
        room.bubbles.append(bubble)
        self.replies.append(
            {"shop_id": room.shop_id, "msg_id": room.msg_id, "message": text, "time": now}
        )
        return bubble

    # --- webhooks -----------------------------------------------------------------------

    def chat_webhook(self, msg_id: int) -> JsonDict:
        """Chat notification (§6.1) for the room's latest buyer message."""
        room = self.room(msg_id)
        texts = [b["msg"] for b in room.bubbles if b["is_opposite"]]
        return {
            "msg_id": room.msg_id,
            "buyer_id": room.buyer_id,
            "message": texts[-1] if texts else "",
            "thumbnail": room.thumbnail,
            "full_name": room.buyer_name.split(" ", 1)[0],  # "first name" per the doc
            "shop_id": room.shop_id,
        }

    def order_notification_webhook(self, order_id: int) -> JsonDict:
        return views.order_notification_payload(self.order(order_id))

    def order_status_webhook(self, order_id: int) -> JsonDict:
        return views.order_status_payload(self.order(order_id))

    def order_cancellation_webhook(self, order_id: int) -> JsonDict:
        # Doc: no schema known; the status shape is the documented assumption (§6.4).
        return views.order_status_payload(self.order(order_id))

    def request_cancellation_webhook(self, order_id: int) -> JsonDict:
        return {"order_id": self.order(order_id)["order_id"]}

    def webhook_body(self, kind: str, ident: int) -> JsonDict:
        """Payload of `kind` (a WEBHOOK_KINDS key) for a msg_id (chat) or an order_id."""
        builders: dict[str, Callable[[int], JsonDict]] = {
            "chat": self.chat_webhook,
            "order_notification": self.order_notification_webhook,
            "order_status": self.order_status_webhook,
            "order_cancellation": self.order_cancellation_webhook,
            "request_cancellation": self.request_cancellation_webhook,
        }
        if kind not in builders:
            raise ValueError(f"unknown webhook kind {kind!r}; expected one of {list(builders)}")
        return builders[kind](ident)

    async def deliver(self, kind: str, ident: int, url: str = "") -> WebhookDelivery:
        """Post the signed webhook to `url` or the registered URL; never raises on failure."""
        body = self.webhook_body(kind, ident)
        target = url or str(self.webhooks[WEBHOOK_KINDS[kind]])
        if not target:
            raise LookupError(f"no {WEBHOOK_KINDS[kind]} registered")
        # trust_env=False: an HTTP(S)_PROXY in the environment must not swallow loopback posts.
        async with httpx.AsyncClient(
            transport=self.webhook_transport, timeout=10.0, trust_env=False
        ) as client:
            try:
                response = await send_webhook(client, target, body, self.webhook_secret)
            except httpx.HTTPError as exc:
                delivery = WebhookDelivery(kind, target, body, None, repr(exc))
            else:
                delivery = WebhookDelivery(kind, target, body, response.status_code, None)
        self.deliveries.append(delivery)
        return delivery
