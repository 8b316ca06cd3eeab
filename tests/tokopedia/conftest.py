"""Fixtures for the Tokopedia adapter: an in-memory token store, a fake clock, a recording
sleep, and ``FakeApi``, a ``MockTransport`` handler that records every request."""

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

from bot.marketplaces.tokopedia import RetryPolicy, TokopediaAuth, TokopediaClient

SAMPLES = Path(__file__).parent.parent / "samples" / "tokopedia"
FS_ID = 13004
CLIENT_ID = "tokobot-client"
CLIENT_SECRET = "client-secret-do-not-log"
API_URL = "https://fs.tokopedia.net"
AUTH_URL = "https://accounts.tokopedia.com"
TOKEN_PATH = "/token"


def sample(name: str) -> Any:
    """A parsed JSON sample from tests/samples/tokopedia/."""
    return json.loads((SAMPLES / name).read_text())


def sample_bytes(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


class MemoryTokenStore:
    """``TokenStore`` in a dict; counts saves so tests can see refreshes."""

    def __init__(self) -> None:
        self.tokens: dict[str, tuple[str, datetime]] = {}
        self.saves = 0

    async def load(self, key: str) -> tuple[str, datetime] | None:
        return self.tokens.get(key)

    async def save(self, key: str, token: str, expires_at: datetime) -> None:
        self.saves += 1
        self.tokens[key] = (token, expires_at)


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


Responder = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


def reply(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


@dataclass
class FakeApi:
    """Canned responses per (method, path); the last one repeats. Records every request."""

    requests: list[httpx.Request] = field(default_factory=list)
    routes: dict[tuple[str, str], list[Responder]] = field(default_factory=dict)
    issued: int = 0

    def __post_init__(self) -> None:
        self.on("POST", TOKEN_PATH, self._issue_token)

    def on(self, method: str, path: str, *responders: Responder) -> None:
        self.routes[(method, path)] = list(responders)

    def _issue_token(self, request: httpx.Request) -> httpx.Response:
        self.issued += 1
        body = sample("api_token.json") | {"access_token": f"token-{self.issued}"}
        return reply(body)

    @property
    def token_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == TOKEN_PATH]

    def calls(self, method: str | None = None, path: str | None = None) -> list[httpx.Request]:
        """API requests (not token requests) that reached the server."""
        return [
            r
            for r in self.requests
            if r.url.path != TOKEN_PATH
            and (method is None or r.method == method)
            and (path is None or r.url.path == path)
        ]

    async def handler(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0)  # let concurrent callers interleave, as a real server would
        # A copy: the auth flow resends the same Request object with a new token.
        self.requests.append(
            httpx.Request(
                request.method,
                request.url,
                headers=request.headers.copy(),
                content=request.content,
            )
        )
        queue = self.routes.get((request.method, request.url.path))
        if not queue:
            return reply({"header": {"messages": "not found", "error_code": 404}}, 404)
        responder = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(responder, Exception):
            raise responder
        if isinstance(responder, httpx.Response):
            return responder
        return responder(request)


@pytest.fixture(name="store")
def _store() -> MemoryTokenStore:
    return MemoryTokenStore()


@pytest.fixture(name="clock")
def _clock() -> FakeClock:
    return FakeClock(datetime(2025, 6, 2, 3, 0, tzinfo=UTC))  # 10:00 in Jakarta


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


def make_auth(
    store: MemoryTokenStore, clock: FakeClock, auth_url: str = AUTH_URL
) -> TokopediaAuth:
    return TokopediaAuth(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        store=store,
        auth_url=auth_url,
        clock=clock,
    )


def make_client(
    http: httpx.AsyncClient,
    store: MemoryTokenStore,
    clock: FakeClock,
    sleeps: list[float],
    **kwargs: Any,
) -> TokopediaClient:
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    kwargs.setdefault("api_url", API_URL)
    return TokopediaClient(
        http,
        fs_id=FS_ID,
        auth=make_auth(store, clock, kwargs.pop("auth_url", AUTH_URL)),
        retry=kwargs.pop("retry", RetryPolicy()),
        sleep=sleep,
        jitter=lambda: 1.0,  # deterministic: the full backoff
        clock=clock,
        **kwargs,
    )


@pytest.fixture(name="client")
def _client(
    http: httpx.AsyncClient, store: MemoryTokenStore, clock: FakeClock, sleeps: list[float]
) -> TokopediaClient:
    return make_client(http, store, clock, sleeps)
