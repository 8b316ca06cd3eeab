"""`tokobot run` as a real process: polling the fake Telegram over sockets, clean SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys

import httpx

from bot.sandbox.telegram import FakeTelegram
from bot.sandbox.telegram.server import serve as serve_telegram
from bot.sandbox.tokopedia import serve as serve_tokopedia
from bot.sandbox.tokopedia import sign
from tests.harness import ADMIN_ID, CHAT_ID, SHOP_ID, default_sandbox


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _wait_for(predicate, timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.05)


async def test_run_relays_polls_and_stops_cleanly_on_sigterm(tmp_path):
    """The real process relays a webhook, answers a staff command, and exits 0 on SIGTERM."""
    fake = FakeTelegram()
    fake.add_chat(CHAT_ID, "Staff", members={ADMIN_ID: "administrator"})
    sandbox = default_sandbox()
    market_port, http_port = _free_port(), _free_port()
    market = asyncio.create_task(serve_tokopedia(sandbox, port=market_port))
    async with serve_telegram(fake) as base_url:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin"),
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_CHAT_ID": str(CHAT_ID),
            "TELEGRAM_API_URL": base_url.removesuffix("/bot"),
            "TELEGRAM_ADMIN_IDS": str(ADMIN_ID),
            "MARKETPLACES": "tokopedia",
            "TOKOPEDIA_APP_ID": "13000",
            "TOKOPEDIA_CLIENT_ID": "sandbox-client",
            "TOKOPEDIA_CLIENT_SECRET": "sandbox-secret",
            "TOKOPEDIA_WEBHOOK_SECRET": "sandbox-webhook-secret",
            "TOKOPEDIA_API_URL": f"http://127.0.0.1:{market_port}",
            "TOKOPEDIA_AUTH_URL": f"http://127.0.0.1:{market_port}",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": str(http_port),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{http_port}") as web:

                async def healthy() -> bool:
                    with contextlib.suppress(httpx.HTTPError):
                        return (await web.get("/healthz")).status_code == 200
                    return False

                async with asyncio.timeout(30):
                    while not await healthy():
                        await asyncio.sleep(0.1)
                order = sandbox.add_order(SHOP_ID)
                body = json.dumps(
                    sandbox.webhook_body("order_notification", order["order_id"])
                ).encode()
                response = await web.post(
                    "/webhooks/tokopedia/order",
                    content=body,
                    headers={"Authorization-Hmac": sign(body, "sandbox-webhook-secret")},
                )
                assert response.status_code == 200
                await _wait_for(
                    lambda: any(
                        order["invoice_num"] in (m.plain_text or "")
                        for m in fake.messages(CHAT_ID)
                    )
                )
                fake.user_sends(CHAT_ID, ADMIN_ID, f"/accept {order['order_id']}")
                await _wait_for(lambda: sandbox.orders[order["order_id"]]["order_status"] == 400)
            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(30):
                code = await process.wait()
            output = (await process.stdout.read()).decode() if process.stdout else ""
            assert code == 0, output
            assert "sandbox-secret" not in output
            assert fake.token.split(":")[1] not in output
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
            market.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await market
