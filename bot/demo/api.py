"""The ``/demo`` router: the page, its assets, a live event stream and the page's actions.

Mounted on tokobot's own web app (``runtime(..., extra=...)``) only by ``tokobot demo``.
Every action goes to a fake: staff actions become Telegram updates, marketplace actions
become sandbox changes plus signed webhooks; nothing here calls into tokobot directly.
Marketplace actions name their marketplace (``market``: "tokopedia", the default, or
"tiktokshop"); Tokopedia & Shop ids are strings.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from importlib import resources
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from bot.demo.board import DemoError, JsonDict
from bot.demo.cast import TIKTOKSHOP
from bot.demo.closed_hours import ClosedSwitch
from bot.demo.photos import staff_sends_photo
from bot.demo.sale_day import buyers_burst
from bot.demo.stage import Stage

HEARTBEAT_SECONDS = 15.0
COALESCE_SECONDS = 0.15
_ASSETS = {
    "demo.css": "text/css; charset=utf-8",
    "demo.js": "text/javascript; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
_PAGE_HEADERS = {
    # Rendered messages are escaped already; the policy is a second line of defence.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}


class SendIn(BaseModel):
    user: str
    text: str = Field(min_length=1, max_length=4096)
    reply_to: int | None = None
    thread: int | None = None


class PhotoIn(BaseModel):
    user: str
    caption: str = Field(default="", max_length=1024)
    reply_to: int | None = None
    thread: int | None = None


class BuyerPhotoIn(BaseModel):
    buyer: int
    shop: int | str | None = None
    market: Literal["tokopedia", "tiktokshop"] = "tiktokshop"


class PressIn(BaseModel):
    user: str
    message_id: int
    data: str = Field(min_length=1, max_length=64)


Market = Literal["tokopedia", "tiktokshop"]


class ChatIn(BaseModel):
    buyer: int
    text: str = Field(min_length=1, max_length=4000)
    shop: int | str | None = None
    market: Market = "tokopedia"


class OrderIn(BaseModel):
    buyer: int | None = None
    shop: int | str | None = None
    market: Market = "tokopedia"


class OrderRef(BaseModel):
    order_id: int | str
    reason: str | None = Field(default=None, max_length=200)
    market: Market = "tokopedia"


class BurstIn(BaseModel):
    count: int = Field(default=200, ge=1, le=500)
    market: Market = "tokopedia"


class ClosedIn(BaseModel):
    closed: bool


def _asset(name: str) -> bytes:
    return resources.files("bot.demo").joinpath("static", name).read_bytes()


def _ok(body: JsonDict) -> JSONResponse:
    return JSONResponse({"ok": True} | body)


def _refused(exc: DemoError) -> JSONResponse:
    return JSONResponse({"ok": False, "error": exc.message}, status_code=exc.status)


def _number(value: int | str, what: str) -> int:
    """A Tokopedia id, which the page may send as a string; refused if it is not a number."""
    if isinstance(value, int):
        return value
    if not value.isdigit():
        raise DemoError(404, f"{what} {value} tidak ada")
    return int(value)


def _sse(item: JsonDict) -> str:
    return f"data: {json.dumps(item, ensure_ascii=False, separators=(',', ':'))}\n\n"


async def event_stream(stage: Stage) -> AsyncIterator[str]:
    """The whole state first, then every change; marketplace changes come coalesced."""
    queue = stage.bus.subscribe()
    try:
        yield "retry: 1000\n\n"
        yield _sse({"type": "state", "state": stage.state()})
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
            except TimeoutError:
                yield ": ping\n\n"
                continue
            if item is None:
                return
            if item["type"] != "market":
                yield _sse(item)
                continue
            # A burst of 200 orders is one redraw of the panel, not 200.
            await asyncio.sleep(COALESCE_SECONDS)
            closing = False
            while not queue.empty():
                queued = queue.get_nowait()
                if queued is None:
                    closing = True
                elif queued["type"] != "market":
                    yield _sse(queued)
            yield _sse({"type": "market", "market": stage.market()})
            if closing:
                return
    finally:
        stage.bus.unsubscribe(queue)


def _product_card_route(router: APIRouter, stage: Stage) -> None:
    """The buyer panel's product card (Tokopedia & Shop only: Tokopedia's webhook has none)."""

    @router.post("/api/market/product")
    async def buyer_product(body: BuyerPhotoIn) -> JSONResponse:
        if body.market != TIKTOKSHOP:
            reason = "webhook chat Tokopedia tidak membawa kartu produk; pilih Tokopedia & Shop"
            return _refused(DemoError(400, reason))
        return await _act(lambda: stage.tiktok.buyer_sends_product(body.buyer, body.shop))


def demo_router(stage: Stage, switch: ClosedSwitch | None = None) -> APIRouter:
    router = APIRouter(prefix="/demo", include_in_schema=False)

    @router.get("")
    @router.get("/")
    async def page() -> Response:
        return Response(_asset("index.html"), media_type="text/html", headers=_PAGE_HEADERS)

    @router.get("/static/{name}")
    async def asset(name: str) -> Response:
        if name not in _ASSETS:
            return JSONResponse({"ok": False, "error": "not found"}, status_code=404)
        return Response(_asset(name), media_type=_ASSETS[name], headers=_PAGE_HEADERS)

    @router.get("/api/state")
    async def state() -> JSONResponse:
        return JSONResponse(stage.state())

    @router.get("/api/events")
    async def events() -> StreamingResponse:
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(
            event_stream(stage), media_type="text/event-stream", headers=headers
        )

    @router.post("/api/telegram/send")
    async def send(body: SendIn) -> JSONResponse:
        if not body.text.strip():
            return _refused(DemoError(400, "pesan kosong"))
        try:
            message_id = stage.staff_sends(
                body.user, body.text, reply_to=body.reply_to, thread=body.thread
            )
        except DemoError as exc:
            return _refused(exc)
        return _ok({"message_id": message_id})

    @router.post("/api/telegram/photo")
    async def send_photo(body: PhotoIn) -> JSONResponse:
        try:
            message_id = staff_sends_photo(
                stage, body.user, body.caption, reply_to=body.reply_to, thread=body.thread
            )
        except DemoError as exc:
            return _refused(exc)
        return _ok({"message_id": message_id})

    @router.get("/api/file/{file_id}")
    async def file(file_id: str) -> Response:
        found = stage.fake.world.files.get(file_id)
        if found is None:
            return Response(status_code=404)
        headers = {"Cache-Control": "max-age=3600"}
        return Response(found.data, media_type="image/png", headers=headers)

    @router.post("/api/market/photo")
    async def buyer_photo(body: BuyerPhotoIn) -> JSONResponse:
        if body.market != TIKTOKSHOP:
            reason = "webhook chat Tokopedia tidak membawa foto; pilih Tokopedia & Shop"
            return _refused(DemoError(400, reason))
        return await _act(lambda: stage.tiktok.buyer_sends_photo(body.buyer, body.shop))

    _product_card_route(router, stage)

    @router.post("/api/telegram/press")
    async def press(body: PressIn) -> JSONResponse:
        try:
            query_id = stage.staff_presses(body.user, body.message_id, body.data)
        except DemoError as exc:
            return _refused(exc)
        return _ok({"query_id": query_id})

    @router.post("/api/market/chat")
    async def chat(body: ChatIn) -> JSONResponse:
        if not body.text.strip():
            return _refused(DemoError(400, "pesan kosong"))
        if body.market == TIKTOKSHOP:
            return await _act(lambda: stage.tiktok.buyer_writes(body.buyer, body.text, body.shop))
        shop = None if body.shop is None else _number(body.shop, "toko")
        return await _act(lambda: stage.buyer_writes(body.buyer, body.text, shop))

    @router.post("/api/market/order")
    async def order(body: OrderIn) -> JSONResponse:
        if body.market == TIKTOKSHOP:
            return await _act(lambda: stage.tiktok.new_order(body.buyer, body.shop))
        return await _act(
            lambda: stage.new_order(
                body.buyer, None if body.shop is None else _number(body.shop, "toko")
            )
        )

    @router.post("/api/market/cancel-request")
    async def cancel_request(body: OrderRef) -> JSONResponse:
        if body.market == TIKTOKSHOP:
            return await _act(
                lambda: stage.tiktok.request_cancellation(body.order_id, body.reason)
            )
        return await _act(
            lambda: stage.request_cancellation(_number(body.order_id, "pesanan"), body.reason)
        )

    @router.post("/api/market/return-request")
    async def return_request(body: OrderRef) -> JSONResponse:
        """The buyer asks for a refund with photos (type 12); Tokopedia has no returns API."""
        if body.market != TIKTOKSHOP:
            reason = "Tokopedia tidak punya API retur; pilih Tokopedia & Shop"
            return _refused(DemoError(400, reason))
        return await _act(lambda: stage.tiktok.request_return(body.order_id))

    @router.post("/api/market/pickup")
    async def pickup(body: OrderRef) -> JSONResponse:
        if body.market == TIKTOKSHOP:
            return await _act(lambda: stage.tiktok.pickup(body.order_id))
        return await _act(lambda: stage.pickup(_number(body.order_id, "pesanan")))

    @router.post("/api/market/burst")
    async def burst(body: BurstIn) -> JSONResponse:
        if body.market == TIKTOKSHOP:
            return await _act(lambda: stage.tiktok.burst(body.count))
        return await _act(lambda: stage.burst(body.count))

    @router.post("/api/market/buyers-burst")
    async def buyers(body: BurstIn) -> JSONResponse:
        """Sale day: ``count`` buyers write at once (Tokopedia's chat webhooks)."""
        return await _act(lambda: buyers_burst(stage, body.count))

    @router.post("/api/shop/closed")
    async def shop_closed(body: ClosedIn) -> JSONResponse:
        """The "shop closed" switch: a buyer writing while it is on gets the away message."""
        if switch is None:
            return _refused(DemoError(404, "tidak ada saklar toko tutup"))
        return _ok({"closed": switch.set(body.closed)})

    return router


async def _act(action: Callable[[], Awaitable[JsonDict]]) -> JSONResponse:
    """Run a page action; a refusal (also while reading its ids) is a plain answer."""
    try:
        result = await action()
    except DemoError as exc:
        return _refused(exc)
    return _ok(result)
