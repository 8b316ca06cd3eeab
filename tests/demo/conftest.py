"""A whole demo (fakes, tokobot, /demo) in the test's loop on loopback, and a client for it."""

from __future__ import annotations

import asyncio
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from bot.demo.cast import CHAT_ID
from bot.demo.run import Demo, DemoOptions, demo
from bot.sandbox.telegram import FakeMessage

T = TypeVar("T")


async def eventually(check: Callable[[], T], timeout: float = 10.0) -> T:
    """Return ``check()`` once it is truthy; tokobot works in its own tasks, so wait for it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = check()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(0.05)


def group(running: Demo) -> list[FakeMessage]:
    """The staff group's messages, as the fake holds them now."""
    return [m for m in running.stage.fake.messages(CHAT_ID) if not m.deleted]


def bot_message(running: Demo, text: str) -> FakeMessage | None:
    """The bot's latest message containing ``text``, if any."""
    bot_id = running.stage.fake.bot_id
    found = [m for m in group(running) if m.from_id == bot_id and text in (m.plain_text or "")]
    return found[-1] if found else None


def button(message: FakeMessage, label: str) -> str:
    """The callback data of the button whose text contains ``label``."""
    for row in (message.reply_markup or {}).get("inline_keyboard", []):
        for key in row:
            if label in key["text"]:
                return str(key["callback_data"])
    raise AssertionError(f"no {label!r} button on message {message.message_id}")


def titles(running: Demo, market: str | None = None) -> list[str]:
    """The marketplace log's titles, oldest first, of one marketplace or all."""
    entries = running.stage.log
    return [e["title"] for e in entries if market is None or e["market"] == market]


class Client:
    """The page's side of the API, over real HTTP."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def post(self, path: str, body: dict[str, object], status: int = 200) -> dict:
        response = await self.http.post(f"/demo/api/{path}", json=body)
        assert response.status_code == status, response.text
        return response.json()

    async def state(self) -> dict:
        response = await self.http.get("/demo/api/state")
        assert response.status_code == 200
        return response.json()


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Demo]:
    async with demo(DemoOptions(tmp_path, port=0)) as handle:
        yield handle


@pytest.fixture
async def client(running: Demo) -> AsyncIterator[Client]:
    base = running.url.removesuffix("/demo")
    async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=60) as http:
        yield Client(http)


class DemoProcess:
    """``tokobot demo --port 0`` in a child process, as a person would start it."""

    def __init__(self, cwd: Path, *args: str) -> None:
        command = [sys.executable, "-m", "bot", "demo", "--port", "0", *args]
        self.proc = subprocess.Popen(  # noqa: S603 - our own command line
            command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.first_line = self._first_line(timeout=60)
        match = re.search(r"http://127\.0\.0\.1:\d+/demo", self.first_line)
        if match is None:
            self.proc.kill()
            _, err = self.proc.communicate()
            raise AssertionError(f"no address in {self.first_line!r}; stderr: {err}")
        self.url = match[0]

    def _first_line(self, timeout: float) -> str:
        lines: queue.Queue[str] = queue.Queue()
        assert self.proc.stdout is not None
        stdout = self.proc.stdout
        threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
        try:
            return lines.get(timeout=timeout)
        except queue.Empty:
            self.proc.kill()
            _, err = self.proc.communicate()
            raise AssertionError(f"the demo did not start within {timeout}s: {err}") from None

    def stop(self, sig: int = signal.SIGINT) -> tuple[int, str, str]:
        """Send ``sig`` and return (exit status, rest of stdout, stderr)."""
        self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=30)
        return self.proc.returncode, out, err

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.communicate()


@pytest.fixture
def launch() -> Iterator[Callable[..., DemoProcess]]:
    """Start demo processes; whatever a failing test left running is killed afterwards."""
    started: list[DemoProcess] = []

    def start(cwd: Path, *args: str) -> DemoProcess:
        process = DemoProcess(cwd, *args)
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()
