"""The demo's memory between runs: the fakes' state in a JSON file beside the database.

tokobot keeps its own state in ``tokobot-demo.db``, as in production. The two fakes live in
memory, and a restart would forget the messages and orders that database points to (and hand
out their ids again), so ``tokobot-demo.json`` holds them: written at most once a second
while things change, and on exit. Loading goes through the fakes' public API: the sandbox's
``demo_state()`` re-creates the shops and catalogue deterministically; orders, chat rooms,
replies, group messages and topics are then put back. The two files belong together: if one
is missing or unreadable, both are discarded and the demo starts clean (as ``--fresh`` does).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.demo.cast import BOT_TOKEN, BOT_USERNAME, CHAT_ID, CHAT_TITLE, FIRST_ORDER_ID, STAFF
from bot.demo.stage import Stage
from bot.sandbox.telegram import FakeMessage, FakeTelegram, FakeTopic
from bot.sandbox.tokopedia import SandboxState, demo_state

log = logging.getLogger(__name__)

STATE_VERSION = 1
DATABASE_NAME = "tokobot-demo.db"
STATE_NAME = "tokobot-demo.json"


@dataclass(frozen=True)
class DemoFiles:
    """Where a demo session keeps its database and the fakes' state."""

    directory: Path

    @property
    def database(self) -> Path:
        return self.directory / DATABASE_NAME

    @property
    def state(self) -> Path:
        return self.directory / STATE_NAME

    @property
    def database_url(self) -> str:
        return f"sqlite+aiosqlite:///{self.database.resolve()}"

    def remove(self) -> None:
        """Forget the session: the database (with its WAL files) and the state file."""
        db = self.database
        for path in (db, db.with_name(f"{db.name}-wal"), db.with_name(f"{db.name}-shm")):
            path.unlink(missing_ok=True)
        self.state.unlink(missing_ok=True)

    def open(self, *, fresh: bool, topics: bool) -> Stage:
        """Return the saved session, or a new one when asked to or when the files disagree."""
        if fresh:
            self.remove()
        data = read_state(self.state)
        if data is not None and self.database.exists():
            try:
                return restore(data, topics=topics)
            except (KeyError, TypeError, ValueError) as exc:
                log.warning("could not restore %s (%s); starting a fresh demo", self.state, exc)
        elif data is not None or self.database.exists():
            log.warning("only one of %s and %s exists; starting a fresh demo", *self._names)
        self.remove()
        return new_stage(topics=topics)

    @property
    def _names(self) -> tuple[str, str]:
        return self.database.name, self.state.name


def build_fake(*, topics: bool) -> FakeTelegram:
    """The fake Bot API with its real limits on, and the staff group with the bot in it."""
    fake = FakeTelegram(token=BOT_TOKEN, bot_username=BOT_USERNAME, enforce_limits=True)
    members = {s.user_id: "administrator" if s.admin else "member" for s in STAFF}
    fake.add_chat(CHAT_ID, CHAT_TITLE, is_forum=topics, members=members)
    for member in STAFF:
        fake.world.user_names[member.user_id] = member.name
    return fake


def new_stage(*, topics: bool) -> Stage:
    return Stage(build_fake(topics=topics), demo_state())


def snapshot(stage: Stage) -> dict[str, Any]:
    """Everything ``restore`` needs, as JSON-ready data."""
    world = stage.fake.world
    sandbox = stage.sandbox
    return {
        "version": STATE_VERSION,
        "telegram": {
            "messages": [dataclasses.asdict(m) for m in stage.fake.messages(CHAT_ID)],
            "topics": [dataclasses.asdict(t) for t in stage.fake.topics(CHAT_ID)],
            "user_names": {str(k): v for k, v in world.user_names.items()},
        },
        "tokopedia": {
            "orders": list(sandbox.orders.values()),
            "rooms": [dataclasses.asdict(r) for r in sandbox.rooms.values()],
            "replies": sandbox.replies,
        },
        "log": stage.log,
        "next_order": stage.next_order,
    }


def restore(data: dict[str, Any], *, topics: bool) -> Stage:
    """Rebuild a session from ``snapshot`` data; raises on anything inconsistent."""
    if data.get("version") != STATE_VERSION:
        raise ValueError(f"state version {data.get('version')!r}, expected {STATE_VERSION}")
    fake = build_fake(topics=topics)
    _restore_telegram(fake, data["telegram"])
    sandbox = demo_state()
    _restore_tokopedia(sandbox, data["tokopedia"])
    next_order = max([FIRST_ORDER_ID, int(data["next_order"]), *(o + 1 for o in sandbox.orders)])
    return Stage(fake, sandbox, log=list(data["log"]), next_order=next_order)


def _restore_telegram(fake: FakeTelegram, data: dict[str, Any]) -> None:
    world = fake.world
    world.user_names.update({int(k): str(v) for k, v in data["user_names"].items()})
    for raw in data["topics"]:
        topic = FakeTopic(**raw)
        world.topics[topic.chat_id, topic.thread_id] = topic
    for raw in sorted(data["messages"], key=lambda m: int(m["message_id"])):
        message = FakeMessage(
            **raw | {"entities": tuple(raw["entities"]), "reactions": tuple(raw["reactions"])}
        )
        # Message ids count per chat; allocate up to this one so new ids continue after it.
        allocated = world.next_message_id(CHAT_ID)
        while allocated < message.message_id:
            allocated = world.next_message_id(CHAT_ID)
        if allocated != message.message_id or message.chat_id != CHAT_ID:
            raise ValueError(f"message {message.message_id} is out of order")
        world.add(message)


def _restore_tokopedia(sandbox: SandboxState, data: dict[str, Any]) -> None:
    # Rooms are re-created in id order, so the sandbox hands out the same ids again.
    for raw in sorted(data["rooms"], key=lambda r: int(r["msg_id"])):
        room = sandbox.room_for(int(raw["shop_id"]), int(raw["buyer_id"]), str(raw["buyer_name"]))
        if room.msg_id != raw["msg_id"]:
            raise ValueError(f"chat room {raw['msg_id']} is out of order")
        room.thumbnail = raw["thumbnail"]
        room.bubbles = list(raw["bubbles"])
    sandbox.orders = {int(order["order_id"]): order for order in data["orders"]}
    sandbox.replies = list(data["replies"])


def read_state(path: Path) -> dict[str, Any] | None:
    """Return the saved state, or None when there is none or it is unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("could not read %s: %s", path, exc)
        return None
    return data if isinstance(data, dict) else None


def _write(path: Path, text: str) -> None:
    partial = path.with_name(f"{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)  # a crash mid-write leaves the previous state intact


async def save(stage: Stage, path: Path) -> None:
    """Write the state file (the snapshot is taken now, the writing happens off the loop)."""
    text = json.dumps(snapshot(stage), ensure_ascii=False, separators=(",", ":"))
    await asyncio.to_thread(_write, path, text)


@contextlib.asynccontextmanager
async def autosave(stage: Stage, path: Path, *, every: float = 1.0) -> AsyncIterator[None]:
    """Save after changes, at most once per ``every`` seconds, while the block runs."""
    queue = stage.bus.subscribe()

    async def loop() -> None:
        while await queue.get() is not None:
            await asyncio.sleep(every)  # one write for a whole burst of changes
            while not queue.empty():
                queue.get_nowait()
            await save(stage, path)

    task = asyncio.create_task(loop(), name="demo-autosave")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        stage.bus.unsubscribe(queue)
