"""Fixtures for the TikTok Shop adapter: an in-memory state store, a fake clock, a recording
sleep, stored shop credentials, and ``FakeApi``, a ``MockTransport`` handler that records
every request and answers from canned envelopes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.marketplaces.tiktokshop import (
    CustomerServiceQuota,
    RetryPolicy,
    TikTokShopClient,
    TikTokShopMarketplace,
    TikTokShopTokens,
)
from bot.marketplaces.tiktokshop.models import ShopCredentials

SAMPLES = Path(__file__).parent.parent / "samples" / "tiktokshop"
APP_KEY = "6a1b2c3d4e5f6"
APP_SECRET = "app-secret-do-not-log-0f9e8d7c"
SERVICE_ID = "7000000000000000001"
API_URL = "https://open-api.tiktokglobalshop.com"
AUTH_URL = "https://auth.tiktok-shops.com"
SHOP_ID = "7495540735365777507"
CIPHER = "ROW_xkMbgAAAeVAQra0eZWebFQq5aIK"
ACCESS_TOKEN = "TTP_access-token-do-not-log-1"
REFRESH_TOKEN = "TTP_refresh-token-do-not-log-1"
NOW = datetime(2025, 10, 6, 3, 0, tzinfo=UTC)  # 10:00 in Jakarta


def sample(name: str) -> Any:
    """A parsed JSON sample from tests/samples/tiktokshop/."""
    return json.loads((SAMPLES / name).read_text())


def sample_bytes(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


class MemoryStateStore:
    """``StateStore`` in a dict; records every put so tests can see what was written."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.puts: list[tuple[str, str]] = []

    async def get(self, key: str) -> str | None:
        return self.values.get(key)

    async def put(self, key: str, value: str) -> None:
        await asyncio.sleep(0)  # a real store awaits I/O: let concurrent callers interleave
        self.puts.append((key, value))
        self.values[key] = value

    def json(self, key: str) -> Any:
        return json.loads(self.values[key])


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


Responder = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


def reply(body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


def ok(data: Any = None, request_id: str = "202510061000000101") -> httpx.Response:
    return reply({"code": 0, "message": "Success", "request_id": request_id, "data": data})


def fail(code: int, message: str = "error", status: int = 200) -> httpx.Response:
    return reply(
        {"code": code, "message": message, "request_id": "20251006REQ", "data": None}, status
    )


@dataclass
class FakeApi:
    """Canned responses per (method, path); the last one repeats. Records every request."""

    requests: list[httpx.Request] = field(default_factory=list)
    routes: dict[tuple[str, str], list[Responder]] = field(default_factory=dict)

    def on(self, method: str, path: str, *responders: Responder) -> None:
        self.routes[(method, path)] = list(responders)

    def calls(self, method: str | None = None, path: str | None = None) -> list[httpx.Request]:
        return [
            r
            for r in self.requests
            if (method is None or r.method == method) and (path is None or r.url.path == path)
        ]

    async def handler(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0)  # let concurrent callers interleave, as a real server would
        self.requests.append(request)
        queue = self.routes.get((request.method, request.url.path))
        if not queue:
            return reply({"code": 36009009, "message": "Invalid path", "data": None}, 404)
        responder = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(responder, Exception):
            raise responder
        if isinstance(responder, httpx.Response):
            return responder
        return responder(request)


def credentials(**overrides: Any) -> ShopCredentials:
    values: dict[str, Any] = {
        "shop_id": SHOP_ID,
        "cipher": CIPHER,
        "access_token": ACCESS_TOKEN,
        "access_token_expire_in": int((NOW + timedelta(days=6)).timestamp()),
        "refresh_token": REFRESH_TOKEN,
        "refresh_token_expire_in": int((NOW + timedelta(days=300)).timestamp()),
        "name": "Toko Maju Jaya",
        "code": "IDLCABC123",
        "region": "ID",
        "seller_open_id": "7010736057180325637",
        "seller_name": "Maju Jaya",
        "granted_scopes": ("seller.order.info", "seller.customer_service"),
    }
    values.update(overrides)
    return ShopCredentials(**values)


@pytest.fixture(name="store")
def _store() -> MemoryStateStore:
    return MemoryStateStore()


@pytest.fixture(name="clock")
def _clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture(name="sleeps")
def _sleeps() -> list[float]:
    return []


@pytest.fixture(name="api")
def _api() -> FakeApi:
    return FakeApi()


@pytest.fixture(name="http")
async def _http(api: FakeApi) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(api.handler)) as http:
        yield http


@pytest.fixture(name="tokens")
async def _tokens(store: MemoryStateStore, clock: FakeClock) -> TikTokShopTokens:
    """A token manager that already holds one authorized shop."""
    tokens = TikTokShopTokens(store, clock=clock)
    await tokens.save(credentials())
    store.puts.clear()
    return tokens


def make_client(
    http: httpx.AsyncClient,
    tokens: TikTokShopTokens,
    clock: FakeClock,
    sleeps: list[float],
    **kwargs: Any,
) -> TikTokShopClient:
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    return TikTokShopClient(
        http,
        app_key=APP_KEY,
        app_secret=APP_SECRET,
        tokens=tokens,
        api_url=kwargs.pop("api_url", API_URL),
        auth_url=kwargs.pop("auth_url", AUTH_URL),
        retry=kwargs.pop("retry", RetryPolicy()),
        sleep=sleep,
        jitter=kwargs.pop("jitter", lambda: 1.0),  # deterministic: the full backoff
        clock=clock,
        **kwargs,
    )


@pytest.fixture(name="quota")
def _quota(store: MemoryStateStore, clock: FakeClock) -> CustomerServiceQuota:
    return CustomerServiceQuota(store, reserve=100, clock=clock)


@pytest.fixture(name="client")
def _client(
    http: httpx.AsyncClient,
    tokens: TikTokShopTokens,
    clock: FakeClock,
    sleeps: list[float],
    quota: CustomerServiceQuota,
) -> TikTokShopClient:
    return make_client(http, tokens, clock, sleeps, quota=quota)


@pytest.fixture(name="market")
def _market(
    client: TikTokShopClient, store: MemoryStateStore, clock: FakeClock
) -> TikTokShopMarketplace:
    return TikTokShopMarketplace(
        client,
        app_key=APP_KEY,
        app_secret=APP_SECRET,
        service_id=SERVICE_ID,
        store=store,
        clock=clock,
    )
