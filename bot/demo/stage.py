"""The demo's world: the Telegram fake and both marketplace sandboxes, and what the page does.

Staff actions become real updates in the fake (tokobot fetches them with getUpdates). Buyer
and marketplace actions change a sandbox and then post its signed webhook over HTTP to
tokobot's own receiver, as the marketplace would: Tokopedia's here, Tokopedia & Shop's in
``tiktok``. What tokobot sends back to a marketplace (replies, accept, reject, answers to
cancellation requests) is noted in the shared ``log`` for the page.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator

from starlette.types import ASGIApp

from bot.demo import views
from bot.demo.board import Board, Bus, DemoError, JsonDict
from bot.demo.cast import (
    BUYERS,
    CANCEL_REASONS,
    CHAT_ID,
    CITIES,
    FIRST_ORDER_ID,
    MARKET_LABELS,
    STAFF,
    TIKTOKSHOP,
    TOKOPEDIA,
    Staff,
    buyer,
    staff_member,
)
from bot.demo.market_log import PostRecorder, describe_post, error_reason
from bot.demo.tiktok import TikTokMarket
from bot.sandbox.telegram import FakeEvent, FakeMessage, FakeTelegram
from bot.sandbox.tiktokshop import TikTokSandboxState
from bot.sandbox.tokopedia import SandboxState, WebhookDelivery, create_app

SHOWN_ORDERS = 25
SHOWN_LOG = 80
BURST_CONCURRENCY = 8

# Webhook kind -> tokobot's receiver path (README: "Register tokobot's webhook URLs").
WEBHOOK_PATHS = {
    "chat": "chat",
    "order_notification": "order",
    "order_status": "order-status",
    "order_cancellation": "order-cancellation",
    "request_cancellation": "order-request-cancellation",
}
_WEBHOOK_LABELS = {
    "chat": "pesan pembeli",
    "order_notification": "pesanan baru",
    "order_status": "status pesanan",
    "order_cancellation": "pembatalan",
    "request_cancellation": "permintaan batal",
}


class Stage:
    """The fakes plus the demo's own memory (the marketplace log, the next order id).

    ``sandbox`` is Tokopedia's; ``tiktok`` holds Tokopedia & Shop's (``tiktok.state``).
    """

    def __init__(
        self,
        fake: FakeTelegram,
        sandbox: SandboxState,
        tts: TikTokSandboxState,
        *,
        log: list[JsonDict] | None = None,
        next_order: int = FIRST_ORDER_ID,
    ) -> None:
        self.fake = fake
        self.sandbox = sandbox
        self.board = Board(log)
        self.tiktok = TikTokMarket(tts, self.board)
        self.next_order = next_order

    @property
    def log(self) -> list[JsonDict]:
        return self.board.log

    @property
    def bus(self) -> Bus:
        return self.board.bus

    @property
    def receiver(self) -> str:
        """tokobot's base URL, set once it listens."""
        return self.board.receiver

    @receiver.setter
    def receiver(self, url: str) -> None:
        self.board.receiver = url

    @property
    def tts(self) -> TikTokSandboxState:
        return self.tiktok.state

    @property
    def topics_enabled(self) -> bool:
        return self.fake.world.chats[CHAT_ID].is_forum

    def market_app(self) -> ASGIApp:
        """The sandbox app, wrapped so tokobot's writes show up in the log."""
        return PostRecorder(create_app(self.sandbox), self._on_post)

    # -- the staff group ---------------------------------------------------------------------

    def staff_sends(
        self, key: str, text: str, *, reply_to: int | None = None, thread: int | None = None
    ) -> int:
        """A staff member writes in the group (optionally as a reply, or in a topic)."""
        member = _staff(key)
        try:
            return self.fake.user_sends(
                CHAT_ID,
                member.user_id,
                text,
                first_name=member.name,
                reply_to=reply_to,
                thread_id=thread if self.topics_enabled else None,
            )
        except ValueError as exc:
            raise DemoError(400, str(exc)) from None

    def staff_presses(self, key: str, message_id: int, data: str) -> str:
        """A staff member presses an inline button; returns the callback query id."""
        member = _staff(key)
        try:
            return self.fake.user_presses(
                CHAT_ID, member.user_id, message_id, data, first_name=member.name
            )
        except ValueError as exc:
            raise DemoError(400, str(exc)) from None

    # -- the marketplace ---------------------------------------------------------------------

    def _shop(self, shop_id: int | None) -> int:
        if shop_id is None:
            return next(iter(self.sandbox.shops))
        if shop_id not in self.sandbox.shops:
            raise DemoError(404, f"toko {shop_id} tidak ada")
        return shop_id

    def _order(self, order_id: int) -> JsonDict:
        order = self.sandbox.orders.get(order_id)
        if order is None:
            raise DemoError(404, f"pesanan {order_id} tidak ada")
        return order

    async def buyer_writes(self, buyer_id: int, text: str, shop_id: int | None = None) -> JsonDict:
        """A buyer sends the shop a chat message; the chat webhook goes to tokobot."""
        try:
            person = buyer(buyer_id)
        except LookupError as exc:
            raise DemoError(404, str(exc)) from None
        room = self.sandbox.add_chat(self._shop(shop_id), person.user_id, person.name, text)
        delivery = await self._deliver("chat", room, f"{person.name}: {text}")
        return {"msg_id": room, "webhook_status": delivery.status_code}

    def _create_order(self, buyer_id: int | None, shop_id: int | None) -> JsonDict:
        shop = self._shop(shop_id)
        order_id = self.next_order
        # Seeded by the order id, so the same demo session produces the same orders.
        rng = random.Random(order_id)  # noqa: S311 - demo data, not security
        if buyer_id is None:
            person = rng.choice(BUYERS)
        else:
            try:
                person = buyer(buyer_id)
            except LookupError as exc:
                raise DemoError(404, str(exc)) from None
        catalogue = self.sandbox.products[shop]
        picked = rng.sample(catalogue, k=rng.randint(1, min(3, len(catalogue))))
        order = self.sandbox.add_order(
            shop,
            order_id=order_id,
            products=[{**product, "quantity": rng.randint(1, 3)} for product in picked],
            buyer_id=person.user_id,
            buyer_name=person.name,
            city=rng.choice(CITIES),
        )
        self.next_order = order_id + 1
        return order

    async def new_order(self, buyer_id: int | None = None, shop_id: int | None = None) -> JsonDict:
        """A buyer pays for an order; the new-order webhook goes to tokobot."""
        order = self._create_order(buyer_id, shop_id)
        about = views.order_label(order)
        delivery = await self._deliver("order_notification", order["order_id"], about)
        return views.order_view(order) | {"webhook_status": delivery.status_code}

    async def request_cancellation(self, order_id: int, reason: str | None = None) -> JsonDict:
        """The buyer asks to cancel; the request-cancellation webhook goes to tokobot."""
        order = self._order(order_id)
        if order.get("cancel_request_info"):
            raise DemoError(409, "pembeli sudah minta batal untuk pesanan ini")
        reason = reason or random.choice(CANCEL_REASONS)  # noqa: S311 - demo data
        try:
            self.sandbox.request_cancellation(order_id, reason)
        except ValueError:
            raise DemoError(409, "pesanan ini tidak bisa dibatalkan lagi") from None
        delivery = await self._deliver(
            "request_cancellation", order_id, f"{views.order_label(order)} · {reason}"
        )
        return views.order_view(order) | {"webhook_status": delivery.status_code}

    async def pickup(self, order_id: int) -> JsonDict:
        """The courier moves an accepted order on (400 -> 450 -> 500); the status webhook goes."""
        order = self._order(order_id)
        following = {400: 450, 450: 500}.get(int(order["order_status"]))
        if following is None:
            raise DemoError(409, "kurir hanya menjemput pesanan yang sudah diterima penjual")
        self.sandbox.set_status(order_id, following)
        label = views.ORDER_STATUS[following]
        about = f"{views.order_label(order)} → {label}"
        delivery = await self._deliver("order_status", order_id, about)
        return views.order_view(order) | {"webhook_status": delivery.status_code}

    async def burst(self, count: int) -> JsonDict:
        """``count`` orders arrive at once: their webhooks go to tokobot side by side."""
        orders = [self._create_order(None, None) for _ in range(count)]
        gate = asyncio.Semaphore(BURST_CONCURRENCY)

        async def one(order: JsonDict) -> bool:
            async with gate:
                delivery = await self._deliver("order_notification", order["order_id"], None)
            return delivery.status_code == 200

        accepted = sum(await asyncio.gather(*(one(order) for order in orders)))
        self.note(
            "out",
            f"→ tokobot: {count} webhook pesanan baru",
            f"{accepted} dijawab 200",
            ok=accepted == count,
        )
        return {"created": count, "accepted": accepted}

    async def _deliver(self, kind: str, ident: int, detail: str | None) -> WebhookDelivery:
        url = self.board.webhook_url(f"tokopedia/{WEBHOOK_PATHS[kind]}")
        delivery = await self.sandbox.deliver(kind, ident, url)
        if detail is not None:
            self.note(
                "out",
                f"→ tokobot: webhook {_WEBHOOK_LABELS[kind]}",
                detail,
                ok=delivery.status_code == 200,
                status=delivery.status_code,
                error=delivery.error,
            )
        else:
            self.board.changed()
        return delivery

    # -- what tokobot sent to the marketplace ---------------------------------------------

    def note(
        self,
        direction: str,
        title: str,
        detail: str,
        *,
        ok: bool = True,
        status: int | None = None,
        error: str | None = None,
        market: str = TOKOPEDIA,
    ) -> None:
        """Add a line to the marketplace log and tell the page."""
        self.board.note(direction, title, detail, ok=ok, status=status, error=error, market=market)

    def _on_post(self, path: str, body: bytes, status: int, answer: bytes) -> None:
        described = describe_post(self.sandbox, path, body)
        if described is not None:  # not the token request or other housekeeping
            ok = 200 <= status < 300
            error = None if ok else error_reason(answer)
            self.note("in", *described, ok=ok, status=status, error=error)

    # -- views -------------------------------------------------------------------------------

    def message_json(self, message: FakeMessage) -> JsonDict:
        world = self.fake.world
        target = world.message(message.chat_id, message.reply_to_message_id)
        return views.message_view(
            message,
            sender={
                "id": message.from_id,
                "name": world.user_json(message.from_id)["first_name"],
                "bot": message.from_id == self.fake.bot_id,
            },
            reply_to=target,
            reply_sender=None if target is None else world.user_json(target.from_id)["first_name"],
        )

    def messages(self) -> list[JsonDict]:
        return [self.message_json(m) for m in self.fake.messages(CHAT_ID) if not m.deleted]

    def topics(self) -> list[JsonDict]:
        return [views.topic_view(t) for t in self.fake.topics(CHAT_ID) if not t.deleted]

    def market(self) -> JsonDict:
        """Each marketplace's latest orders, and the shared log (newest first)."""
        orders = sorted(self.sandbox.orders.values(), key=lambda o: -int(o["order_id"]))
        return {
            TOKOPEDIA: {
                "orders": [views.order_view(o) for o in orders[:SHOWN_ORDERS]],
                "order_count": len(orders),
            },
            TIKTOKSHOP: self.tiktok.market(),
            "log": self.log[::-1][:SHOWN_LOG],
        }

    def markets(self) -> list[JsonDict]:
        tokopedia = [{"id": i, "name": s["shop_name"]} for i, s in self.sandbox.shops.items()]
        shops = {TOKOPEDIA: tokopedia, TIKTOKSHOP: self.tiktok.shops()}
        return [{"key": key, "label": MARKET_LABELS[key], "shops": shops[key]} for key in shops]

    def state(self) -> JsonDict:
        chat = self.fake.world.chats[CHAT_ID]
        return {
            "chat": {"id": chat.id, "title": chat.title, "topics": chat.is_forum},
            "bot": {"id": self.fake.bot_id, "name": self.fake.world.bot_name},
            "staff": [
                {"key": s.key, "id": s.user_id, "name": s.name, "label": s.label, "admin": s.admin}
                for s in STAFF
            ],
            "buyers": [{"id": b.user_id, "name": b.name} for b in BUYERS],
            "markets": self.markets(),
            "topics": self.topics(),
            "messages": self.messages(),
            "market": self.market(),
        }

    def event_item(self, event: FakeEvent) -> JsonDict | None:
        """Turn a change in the fake into what the page needs to redraw."""
        if event.chat_id != CHAT_ID:
            return None
        if event.kind == "callback_answer":
            return {
                "type": "toast",
                "text": event.data.get("text"),
                "alert": bool(event.data.get("show_alert")),
                "query_id": event.data.get("callback_query_id"),
            }
        if event.kind == "topic":
            return {"type": "topics", "topics": self.topics()}
        if event.message is None:
            return None
        return {"type": "message", "message": self.message_json(event.message)}

    # -- lifetime ----------------------------------------------------------------------------

    async def _forward(self) -> None:
        queue = self.fake.subscribe()
        try:
            while True:
                item = self.event_item(await queue.get())
                if item is not None:
                    self.bus.publish(item)
        finally:
            self.fake.unsubscribe(queue)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Relay the fake's events to the page until the block ends, then close the streams."""
        task = asyncio.create_task(self._forward(), name="demo-events")
        try:
            yield
        finally:
            self.bus.publish(None)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _staff(key: str) -> Staff:
    try:
        return staff_member(key)
    except LookupError as exc:
        raise DemoError(400, str(exc)) from None
