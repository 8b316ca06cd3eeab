"""Prometheus metrics: one registry per runtime, filled from the seams around the stages.

Nothing here is a global: ``bot.app.runtime`` builds one ``Metrics`` and hands it to the
pieces that observe (the web app's middleware, the Telegram request wrapper, the marketplace
HTTP client's event hooks, the relay). Staff actions and first responses are counted from the
audit trail itself (the rows ``storage.audit`` and ``storage.stats`` write), on commit, so the
figures agree with ``/audit`` and the daily summary and no staff service needs to know.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any

import httpx
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Mapper
from telegram.request import BaseRequest, RequestData

from bot.config import Settings
from storage.models import AuditEntry, FirstResponse

# Seconds from a webhook's arrival to its message in the group: pacing and digests make
# minutes normal under bursts, so the buckets reach an hour.
DELIVERY_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
# Staff answer buyers in minutes to hours; reminders go out at CHAT_REMINDER_MINUTES (15).
RESPONSE_BUCKETS = (60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400)

_PENDING = "tokobot_metrics_pending"  # Connection.info key: rows counted once committed


class Metrics:
    """The metrics of one tokobot process, on a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.webhooks = Counter(
            "tokobot_webhooks",
            "Marketplace webhooks answered, by answer status",
            ["marketplace", "route", "status"],
            registry=r,
        )
        self.inbox_events = Gauge(
            "tokobot_inbox_events", "Inbox events waiting (pending) or given up (parked)",
            ["state"], registry=r,
        )  # fmt: skip
        self.delivery_seconds = Histogram(
            "tokobot_delivery_seconds",
            "From webhook received to the message accepted by Telegram",
            buckets=DELIVERY_BUCKETS,
            registry=r,
        )
        self.telegram_requests = Counter(
            "tokobot_telegram_requests",
            "Bot API calls by method and outcome (rate_limited = HTTP 429)",
            ["method", "outcome"],
            registry=r,
        )
        self.marketplace_requests = Counter(
            "tokobot_marketplace_requests",
            "Marketplace API calls by operation and outcome (rate_limited = HTTP 429)",
            ["marketplace", "operation", "outcome"],
            registry=r,
        )
        self.staff_actions = Counter(
            "tokobot_staff_actions",
            "Staff replies and order actions, as recorded in the audit trail",
            ["action", "outcome"],
            registry=r,
        )
        self.first_response_seconds = Histogram(
            "tokobot_first_response_seconds",
            "From a buyer's first waiting message to the first staff answer",
            buckets=RESPONSE_BUCKETS,
            registry=r,
        )
        for state in ("pending", "parked"):
            self.inbox_events.labels(state=state).set(0)

    def delivered(self, received_at: datetime, now: datetime) -> None:
        """One event reached the group; ``now`` and ``received_at`` come from one clock."""
        self.delivery_seconds.observe(max(0.0, (now - received_at).total_seconds()))

    def render(self) -> tuple[bytes, str]:
        """The registry in Prometheus' text format, with its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def outcome_of(status: int | None) -> str:
    """A bounded label for an HTTP answer (None: no answer at all)."""
    if status is None:
        return "network_error"
    if status == 429:
        return "rate_limited"
    if status < 400:
        return "ok"
    return "client_error" if status < 500 else "server_error"


# --- web app: webhook answers --------------------------------------------------------------

_WEBHOOK_PATH = re.compile(r"^/webhooks/([^/]+)(?:/([^/]+))?/?$")


class WebhookMetrics:
    """ASGI middleware counting ``/webhooks/...`` answers; unknown names count as "unknown".

    Labels come from a fixed set (the enabled marketplaces and their topics), so a scanner
    posting to random paths cannot grow the metric without bound.
    """

    def __init__(
        self, app: Any, *, metrics: Metrics, routes: Mapping[str, Collection[str]]
    ) -> None:
        self._app = app
        self._metrics = metrics
        self._routes = routes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        match = _WEBHOOK_PATH.match(scope.get("path", "")) if scope["type"] == "http" else None
        if match is None:
            await self._app(scope, receive, send)
            return
        name, topic = match.group(1), match.group(2) or ""
        known = name in self._routes and topic in self._routes[name]
        marketplace, route = (name, topic or "-") if known else ("unknown", "unknown")
        status = {"code": 500}

        async def observe(message: Any) -> None:
            if message["type"] == "http.response.start":
                status["code"] = int(message["status"])
            await send(message)

        try:
            await self._app(scope, receive, observe)
        finally:
            self._metrics.webhooks.labels(marketplace, route, str(status["code"])).inc()


# --- Telegram: the Bot API request object -------------------------------------------------


class CountingRequest(BaseRequest):
    """Wraps PTB's request object and counts each Bot API call by method and outcome."""

    def __init__(self, inner: BaseRequest, metrics: Metrics) -> None:
        self._inner = inner
        self._metrics = metrics

    @property
    def read_timeout(self) -> float | None:
        return self._inner.read_timeout

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        # The URL holds the bot token; only its last segment, the method name, is kept.
        api_method = url.rstrip("/").rsplit("/", 1)[-1]
        status: int | None = None
        try:
            status, payload = await self._inner.do_request(
                url,
                method,
                request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        finally:
            self._metrics.telegram_requests.labels(api_method, outcome_of(status)).inc()
        return status, payload


# --- marketplaces: the shared httpx client -------------------------------------------------

_NUMBER = re.compile(r"^\d+$|^[0-9a-f-]{16,}$", re.IGNORECASE)


def operation_of(path: str) -> str:
    """A path without its ids: ``/v1/order/123/fs/13000/ack`` -> ``/v1/order/:id/fs/:id/ack``."""
    return "/".join(":id" if _NUMBER.match(part) else part for part in path.split("/")) or "/"


def marketplace_hooks(
    metrics: Metrics, hosts: Mapping[str, str]
) -> dict[str, list[Callable[..., Any]]]:
    """httpx event hooks counting every marketplace call; ``hosts`` maps host -> marketplace."""

    async def on_response(response: httpx.Response) -> None:
        request = response.request
        name = hosts.get(request.url.host, "other")
        operation = f"{request.method} {operation_of(request.url.path)}"
        metrics.marketplace_requests.labels(
            name, operation, outcome_of(response.status_code)
        ).inc()

    return {"response": [on_response]}


# --- staff actions and first responses, from the audit trail --------------------------------


def watch_audit(metrics: Metrics, engine: AsyncEngine) -> Callable[[], None]:
    """Count audit and first-response rows of ``engine`` once their transaction commits.

    Returns the function that stops watching (the runtime calls it on exit).
    """
    sync_engine = engine.sync_engine

    def inserted(_mapper: Mapper[Any], connection: Connection, target: object) -> None:
        if connection.engine is sync_engine:
            connection.info.setdefault(_PENDING, []).append(target)

    def committed(connection: Connection) -> None:
        for row in connection.info.pop(_PENDING, []):
            if isinstance(row, AuditEntry):
                metrics.staff_actions.labels(row.action, row.result or "ok").inc()
            elif isinstance(row, FirstResponse):
                waited = (row.answered_at - row.asked_at).total_seconds()
                metrics.first_response_seconds.observe(max(0.0, waited))

    def rolled_back(connection: Connection) -> None:
        connection.info.pop(_PENDING, None)

    listeners: list[tuple[Any, str, Callable[..., None]]] = [
        (AuditEntry, "after_insert", inserted),
        (FirstResponse, "after_insert", inserted),
        (sync_engine, "commit", committed),
        (sync_engine, "rollback", rolled_back),
    ]
    for target, name, fn in listeners:
        event.listen(target, name, fn)

    def stop() -> None:
        for target, name, fn in listeners:
            if event.contains(target, name, fn):
                event.remove(target, name, fn)

    return stop


def marketplace_hosts(settings: Settings) -> dict[str, str]:
    """Which marketplace each configured API host belongs to, for the request labels."""
    urls = {
        "tokopedia": (settings.tokopedia_api_url, settings.tokopedia_auth_url),
        "tiktokshop": (settings.tiktokshop_api_url, settings.tiktokshop_auth_url),
    }
    return {
        httpx.URL(url).host: name for name in settings.marketplaces for url in urls.get(name, ())
    }
