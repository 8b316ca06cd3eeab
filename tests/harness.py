"""End-to-end harness: tokobot's real wiring between the strict fakes.

tokobot runs exactly as ``tokobot run`` builds it (``bot.app.runtime``); only the HTTP
transports point at the Telegram fake and the Tokopedia sandbox. Updates are pulled from
the fake with real ``getUpdates`` calls and processed in order, and the delivery worker
runs one pass at a time, so tests are deterministic without sleeping.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from telegram.request import HTTPXRequest

from bot.app import Runtime, oauth_secret, refresh_shops, runtime
from bot.http.oauth import make_state
from bot.relay.pacer import GroupPacer
from bot.sandbox.telegram import FakeMessage, FakeTelegram
from bot.sandbox.tiktokshop import TikTokSandboxState
from bot.sandbox.tiktokshop import create_app as create_tts_app
from bot.sandbox.tokopedia import SandboxState, create_app, sign
from tests.conftest import make_settings

CHAT_ID = -1001000000001
SHOP_ID = 479573
ADMIN_ID = 111
STAFF_ID = 222
OUTSIDER_ID = 333
TTS_SHOP_ID = "7495540735365777507"

TOPIC_OF_KIND = {
    "chat": "chat",
    "order_notification": "order",
    "order_status": "order-status",
    "order_cancellation": "order-cancellation",
    "request_cancellation": "order-request-cancellation",
}


class Clock:
    """A controllable clock for tokobot; starts at the real time and moves only on demand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class HostRouter(httpx.AsyncBaseTransport):
    """Sends each marketplace host to its own in-process sandbox."""

    def __init__(self, routes: dict[str, httpx.AsyncBaseTransport]) -> None:
        self.routes = routes

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.routes[request.url.host].handle_async_request(request)


@dataclass
class Harness:
    rt: Runtime
    fake: FakeTelegram
    sandbox: SandboxState
    web: httpx.AsyncClient
    clock: Clock
    tts: TikTokSandboxState
    offset: int = 0

    async def post_tts(
        self, body: dict[str, Any] | bytes, *, signature: str | None = "good"
    ) -> httpx.Response:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"content-type": "application/json"}
        if signature == "good":
            headers["Authorization"] = self.tts.sign_webhook(raw)
        elif signature is not None:
            headers["Authorization"] = signature
        return await self.web.post("/webhooks/tiktokshop", content=raw, headers=headers)

    async def authorize_tts(self, shop_ids: list[str] | None = None) -> httpx.Response:
        """The seller's browser coming back from Partner Center with a code and our state."""
        state = make_state(oauth_secret(self.rt.settings, "tiktokshop"), self.clock.now)
        code = self.tts.issue_auth_code(shop_ids or [TTS_SHOP_ID])
        return await self.web.get(
            "/oauth/tiktokshop/callback", params={"code": code, "state": state}
        )

    @property
    def secret(self) -> str:
        secret = self.rt.settings.tokopedia_webhook_secret
        assert secret is not None
        return secret.get_secret_value()

    async def post_webhook(
        self, topic: str, body: dict[str, Any] | bytes, *, signature: str | None = "good"
    ) -> httpx.Response:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"content-type": "application/json"}
        if signature == "good":
            headers["Authorization-Hmac"] = sign(raw, self.secret)
        elif signature is not None:
            headers["Authorization-Hmac"] = signature
        return await self.web.post(f"/webhooks/tokopedia/{topic}", content=raw, headers=headers)

    async def webhook(self, kind: str, ident: int) -> httpx.Response:
        """Post the sandbox's signed webhook of ``kind`` for an order or chat room."""
        response = await self.post_webhook(
            TOPIC_OF_KIND[kind], self.sandbox.webhook_body(kind, ident)
        )
        assert response.status_code == 200, response.text
        return response

    async def deliver(self, passes: int = 50) -> int:
        """Run the delivery worker until nothing is due."""
        total = 0
        for _ in range(passes):
            done = await self.rt.relay.run_once()
            if not done:
                break
            total += done
        return total

    async def updates(self) -> int:
        """Fetch pending updates from the fake with getUpdates and process them in order."""
        bot = self.rt.application.bot
        handled = 0
        while True:
            batch = await bot.get_updates(offset=self.offset, timeout=0)
            if not batch:
                return handled
            for update in batch:
                self.offset = update.update_id + 1
                await self.rt.application.process_update(update)
                handled += 1

    def group(self, thread_id: int | None = None, chat_id: int = CHAT_ID) -> list[FakeMessage]:
        return [m for m in self.fake.messages(chat_id, thread_id) if not m.deleted]

    def last(self) -> FakeMessage:
        return self.group()[-1]

    def button(self, message: FakeMessage, label_part: str) -> str:
        markup = message.reply_markup or {}
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if label_part in button["text"]:
                    return str(button["callback_data"])
        raise AssertionError(f"no button {label_part!r} on message {message.message_id}")

    async def press(
        self,
        message: FakeMessage,
        label_part: str,
        user_id: int = ADMIN_ID,
        first_name: str = "Rina",
        chat_id: int = CHAT_ID,
    ) -> str:
        data = self.button(message, label_part)
        query_id = self.fake.user_presses(
            chat_id, user_id, message.message_id, data, first_name=first_name
        )
        await self.updates()
        return query_id

    async def say(
        self,
        text: str,
        *,
        user_id: int = ADMIN_ID,
        reply_to: int | None = None,
        thread_id: int | None = None,
        first_name: str = "Rina",
        chat_id: int = CHAT_ID,
    ) -> int:
        message_id = self.fake.user_sends(
            chat_id, user_id, text, first_name=first_name, reply_to=reply_to, thread_id=thread_id
        )
        await self.updates()
        return message_id


def default_tts(clock: Clock | None = None) -> TikTokSandboxState:
    state = TikTokSandboxState(
        app_key="sandbox-app-key",
        app_secret="sandbox-app-secret",
        service_id="7000000000000000001",
    )
    if clock is not None:
        # Request signatures carry tokobot's time; the platform must share the test clock.
        state.clock = lambda: clock.now.timestamp()  # noqa: PLW0108 - clock.now moves
    state.add_shop(TTS_SHOP_ID, "Toko Maju Jaya")
    return state


def default_sandbox() -> SandboxState:
    state = SandboxState(
        fs_id=13000,
        client_id="sandbox-client",
        client_secret="sandbox-secret",
        webhook_secret="sandbox-webhook-secret",
    )
    state.add_shop(SHOP_ID, "Toko Maju Jaya")
    return state


@asynccontextmanager
async def harness(
    database_url: str,
    *,
    topics: bool = False,
    limits: bool = False,
    sandbox: SandboxState | None = None,
    fake: FakeTelegram | None = None,
    pacer: GroupPacer | None = None,
    clock: Clock | None = None,
    tts: TikTokSandboxState | None = None,
    **settings: object,
) -> AsyncIterator[Harness]:
    clock = clock or Clock()
    tts = tts or default_tts(clock)
    fake = fake or FakeTelegram(enforce_limits=limits)
    if CHAT_ID not in fake.world.chats:
        fake.add_chat(
            CHAT_ID,
            "Staff Toko Maju",
            is_forum=topics,
            members={ADMIN_ID: "administrator", STAFF_ID: "member"},
        )
    sandbox = sandbox or default_sandbox()
    config = make_settings(
        database_url=database_url,
        telegram_topics=topics,
        telegram_admin_ids=str(ADMIN_ID),
        tiktokshop_app_key=tts.app_key,
        tiktokshop_app_secret=tts.app_secret,
        tiktokshop_service_id=tts.service_id,
        tiktokshop_api_url="http://tiktok.test",
        tiktokshop_auth_url="http://tiktok.test",
        tiktokshop_authorize_url="https://services.tiktokshop.test/open/authorize",
        **settings,
    )
    async with (
        runtime(
            config,
            telegram_request=HTTPXRequest(httpx_kwargs={"transport": fake.transport()}),
            telegram_updates_request=HTTPXRequest(httpx_kwargs={"transport": fake.transport()}),
            marketplace_transport=HostRouter(
                {
                    "tokopedia.test": httpx.ASGITransport(app=create_app(sandbox)),
                    "tiktok.test": httpx.ASGITransport(app=create_tts_app(tts)),
                }
            ),
            pacer=pacer or GroupPacer(group_limit=10_000, overall_per_second=10_000),
            clock=clock,
        ) as rt,
        rt.application,
    ):
        await refresh_shops(rt.services)
        transport = httpx.ASGITransport(app=rt.web)
        async with httpx.AsyncClient(transport=transport, base_url="http://tokobot") as web:
            yield Harness(rt=rt, fake=fake, sandbox=sandbox, web=web, clock=clock, tts=tts)


def now() -> datetime:
    return datetime.now(UTC)
