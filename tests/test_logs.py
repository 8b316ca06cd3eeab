"""No secret leaves in a log line or a traceback, in text or JSON lines (bot.logs).

The unit tests feed the redacting filter the shapes secrets travel in; the process tests run
``tokobot run`` against the strict fakes, make it fail in each way an operator will meet
(token rejected, Telegram unreachable, marketplace 401 and 5xx) and scan everything it
printed for every secret it was given or learned.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import json
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from bot import logs
from bot.sandbox.telegram import FakeTelegram
from bot.sandbox.telegram.server import serve as serve_telegram
from bot.sandbox.tokopedia import SandboxState, sign
from bot.sandbox.tokopedia import serve as serve_tokopedia
from tests.conftest import make_settings
from tests.harness import ADMIN_ID, CHAT_ID, SHOP_ID, default_sandbox

BOT_TOKEN = "7351946280:AAHf-sEcReT_b0t-T0keN-9xQ2mZpLk3vWn8"
CLIENT_SECRET = "cl1ent-s3cret-Zq8Xw"
WEBHOOK_SECRET = "w3bhook-s3cret-Hy5Tn"


@pytest.fixture(name="capture")
def _capture() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    root = logging.getLogger()
    level, hooks = root.level, (sys.excepthook, threading.excepthook)
    stream = io.StringIO()
    settings = make_settings(
        telegram_bot_token=BOT_TOKEN,
        tokopedia_client_secret=CLIENT_SECRET,
        tokopedia_webhook_secret=WEBHOOK_SECRET,
    )
    handler = logs.setup(settings=settings, stream=stream)
    try:
        yield logging.getLogger("tokobot.test"), stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        sys.excepthook, threading.excepthook = hooks


def _fail(exc: Exception) -> None:
    """Raise ``exc`` one frame down, so the traceback has a line showing the secret's name."""
    token = BOT_TOKEN  # noqa: F841 - a local holding the secret, as in PTB's frame
    raise exc


class TestRedactor:
    def test_settings_secrets_in_messages_and_arguments(self, capture):
        log, out = capture
        log.warning("token %s and secret %r", BOT_TOKEN, CLIENT_SECRET)
        log.warning(f"https://api.telegram.org/bot{BOT_TOKEN}/getMe webhook {WEBHOOK_SECRET}")
        text = out.getvalue()
        for secret in (BOT_TOKEN, CLIENT_SECRET, WEBHOOK_SECRET):
            assert secret not in text
        assert text.count("[redacted]") == 4

    def test_exception_text_and_traceback(self, capture):
        """PTB's InvalidToken quotes the token; the traceback's lines must not carry it."""
        log, out = capture
        try:
            _fail(RuntimeError(f"The token `{BOT_TOKEN}` was rejected by the server."))
        except RuntimeError:
            log.exception("start-up failed")
        text = out.getvalue()
        assert "Traceback" in text
        assert "RuntimeError: The token `[redacted]` was rejected" in text
        assert BOT_TOKEN not in text

    @pytest.mark.parametrize(
        "line",
        [
            "GET /api?access_token=Xy9-learned-at-runtime-Qq1&shop_id=1",
            '{"access_token": "Xy9-learned-at-runtime-Qq1", "expires_in": 3600}',
            "headers={'x-tts-access-token': 'Xy9-learned-at-runtime-Qq1'}",
            "Authorization: Bearer Xy9-learned-at-runtime-Qq1",
            "refresh_token=Xy9-learned-at-runtime-Qq1",
            "bot token 123456789:AAEw2-another-bots-token-zzzzzz rejected",
        ],
    )
    def test_secrets_learned_at_run_time_are_caught_by_shape(self, capture, line):
        log, out = capture
        log.error(line)
        assert "Xy9-learned-at-runtime-Qq1" not in out.getvalue()
        assert "AAEw2-another" not in out.getvalue()

    def test_registered_and_basic_auth_forms(self, capture):
        log, out = capture
        logs.register_secret("tts-shop-cipher-Zz81")
        basic = base64.b64encode(f"sandbox-client:{CLIENT_SECRET}".encode()).decode()
        log.info("cipher tts-shop-cipher-Zz81, header %s", basic)
        assert "tts-shop-cipher-Zz81" not in out.getvalue()
        assert basic not in out.getvalue()

    def test_chatty_libraries_are_quiet_below_warning(self, capture):
        """httpx's request lines carry Telegram URLs; aiosqlite's carry SQL parameters."""
        _, out = capture
        logging.getLogger("httpx").warning("kept")
        logging.getLogger("aiosqlite").error("kept too")
        logging.getLogger("httpx").info("dropped")
        logging.getLogger("aiosqlite").info("dropped")
        assert "kept" in out.getvalue()
        assert "kept too" in out.getvalue()
        assert "dropped" not in out.getvalue()

    def test_ordinary_text_is_untouched(self, capture):
        log, out = capture
        log.info("order 582220328 accepted by Rina; design: blue; signal=SIGTERM")
        assert "order 582220328 accepted by Rina; design: blue; signal=SIGTERM" in out.getvalue()


def test_json_lines(capture):
    log, out = capture
    (handler,) = [h for h in logging.getLogger().handlers if h.get_name() == "tokobot"]
    handler.setFormatter(logs.JsonFormatter(logs.Redactor([CLIENT_SECRET])))
    try:
        _fail(ValueError(CLIENT_SECRET))
    except ValueError:
        log.exception("line one\nline two")
    (line,) = out.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["level"] == "ERROR"
    assert entry["message"] == "line one\nline two"
    assert "ValueError: [redacted]" in entry["exception"]
    assert CLIENT_SECRET not in line


# --- tokobot run, failing in each way ---------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(telegram_url: str, market_url: str, http_port: int, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin"),
        "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
        "TELEGRAM_CHAT_ID": str(CHAT_ID),
        "TELEGRAM_API_URL": telegram_url,
        "TELEGRAM_ADMIN_IDS": str(ADMIN_ID),
        "MARKETPLACES": "tokopedia",
        "TOKOPEDIA_APP_ID": "13000",
        "TOKOPEDIA_CLIENT_ID": "sandbox-client",
        "TOKOPEDIA_CLIENT_SECRET": CLIENT_SECRET,
        "TOKOPEDIA_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "TOKOPEDIA_API_URL": market_url,
        "TOKOPEDIA_AUTH_URL": market_url,
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(http_port),
        **extra,
    }


async def _run_until(
    tmp_path: Path, env: dict[str, str], done: Callable[[str], bool], timeout: float = 30
) -> str:
    """Run ``tokobot -v run`` until it exits or ``done(output)``; then SIGTERM; all output."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "-v", "run",
        cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert process.stdout is not None
    output = b""
    try:
        with contextlib.suppress(TimeoutError):  # then stop it: the scan is what matters
            async with asyncio.timeout(timeout):
                while not done(output.decode(errors="replace")):
                    chunk = await process.stdout.read(4096)
                    if not chunk:
                        break
                    output += chunk
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(20):
                output += await process.stdout.read()
                await process.wait()
        if process.returncode is None:
            process.kill()
            await process.wait()
    return output.decode(errors="replace")


def assert_no_secret(output: str, *learned: str) -> None:
    basic = base64.b64encode(f"sandbox-client:{CLIENT_SECRET}".encode()).decode()
    secrets = (BOT_TOKEN, BOT_TOKEN.split(":")[1], CLIENT_SECRET, WEBHOOK_SECRET, basic)
    for secret in (*secrets, *learned):
        at = output.find(secret)
        assert at < 0, f"{secret[:4]}… leaked in:\n{output[max(at - 600, 0) : at + 200]}"


@contextlib.asynccontextmanager
async def tokopedia(sandbox: SandboxState) -> AsyncIterator[str]:
    port = _free_port()
    task = asyncio.create_task(serve_tokopedia(sandbox, port=port))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _fake(token: str) -> FakeTelegram:
    fake = FakeTelegram(token=token)
    fake.add_chat(CHAT_ID, "Staff", members={ADMIN_ID: "administrator"})
    return fake


class TestTokobotRun:
    async def test_rejected_bot_token(self, tmp_path):
        """The reproduced leak: InvalidToken's message quoted the token."""
        fake = _fake("111111:some-other-token-entirely")
        async with tokopedia(default_sandbox()) as market, serve_telegram(fake) as base:
            env = _env(base.removesuffix("/bot"), market, _free_port())
            output = await _run_until(tmp_path, env, lambda out: False)
        assert any(word in output for word in ("refused", "rejected", "Unauthorized"))
        assert_no_secret(output)

    async def test_unreachable_telegram(self, tmp_path):
        async with tokopedia(default_sandbox()) as market:
            env = _env(f"http://127.0.0.1:{_free_port()}", market, _free_port())
            output = await _run_until(tmp_path, env, lambda out: "unreachable" in out)
        assert "Telegram unreachable" in output
        assert_no_secret(output)

    @pytest.mark.parametrize(
        ("status", "paths"),
        [(401, r"."), (500, r"^/v1/"), (503, r"^/v1/")],
        ids=["token refused", "api 500 with a live token", "api 503 with a live token"],
    )
    async def test_marketplace_refuses_or_fails(self, tmp_path, status, paths):
        """Token and API calls failing: the errors are logged, the credentials are not."""
        sandbox = SandboxState(
            fs_id=13000,
            client_id="sandbox-client",
            client_secret=CLIENT_SECRET,
            webhook_secret=WEBHOOK_SECRET,
        )
        sandbox.add_shop(SHOP_ID, "Toko Maju Jaya")
        fake = _fake(BOT_TOKEN)
        sandbox.fail_next(paths, status, times=1000)
        async with tokopedia(sandbox) as market, serve_telegram(fake) as base:
            http_port = _free_port()
            env = _env(base.removesuffix("/bot"), market, http_port)
            order = sandbox.add_order(SHOP_ID)
            body = json.dumps(sandbox.webhook_body("order_notification", order["order_id"]))
            posted: list[int] = []

            def after_start(output: str) -> bool:
                if "Application started" in output and not posted:
                    posted.append(1)
                    asyncio.get_running_loop().create_task(_post(http_port, body.encode()))
                after = output.rsplit("Application started", maxsplit=1)[-1]
                return bool(posted) and "Traceback" in after

            output = await _run_until(tmp_path, env, after_start)
        assert "injected failure" in output  # the sandbox's error text: the failure is logged
        assert_no_secret(output, *filter(None, [sandbox.current_token]))


async def _post(port: int, body: bytes) -> None:
    import httpx  # noqa: PLC0415

    async with httpx.AsyncClient() as client:
        with contextlib.suppress(httpx.HTTPError):
            await client.post(
                f"http://127.0.0.1:{port}/webhooks/tokopedia/order",
                content=body,
                headers={"Authorization-Hmac": sign(body, WEBHOOK_SECRET)},
            )
