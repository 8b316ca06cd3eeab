"""The demo's memory between runs: the fakes' state in a JSON file beside the database.

tokobot keeps its own state in ``tokobot-demo.db``, as in production. The fakes live in
memory, and a restart would forget the messages and orders that database points to (and hand
out their ids again), so ``tokobot-demo.json`` holds them: written at most once a second
while things change, and on exit. Loading goes through the fakes' public API where there is
one: the Tokopedia sandbox's ``demo_state()`` and ``tiktok_state()`` re-create the shops and
catalogue deterministically; orders, chat rooms, conversations, cancellations, return
requests, replies, group messages and topics are then put back (buyers' pictures are not:
after a restart they can no longer be fetched, as when a marketplace's URL expires). The
Tokopedia & Shop sandbox has no public way to export its seller grants or id counters, so
those are read and restored directly (see ``_tts_private``): tokobot's stored tokens must
stay valid, and ids (notification ids above all, tokobot's dedup keys) must not be handed
out twice. The two files belong together: if one is missing or unreadable, both are
discarded and the demo starts clean (as ``--fresh`` does). A version 1 file (before
Tokopedia & Shop) is read with a fresh Tokopedia & Shop.
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

from bot.demo.cast import (
    BOT_TOKEN,
    BOT_USERNAME,
    CHAT_ID,
    CHAT_TITLE,
    FIRST_ORDER_ID,
    STAFF,
    TOKOPEDIA,
)
from bot.demo.stage import Stage
from bot.demo.tiktok import tiktok_state
from bot.sandbox.telegram import FakeMessage, FakeTelegram, FakeTopic
from bot.sandbox.tiktokshop import Cancellation, Conversation, TikTokSandboxState
from bot.sandbox.tiktokshop.records import AccessToken, Buyer, Grant
from bot.sandbox.tiktokshop.return_desk import ReturnCase
from bot.sandbox.tokopedia import SandboxState, demo_state

log = logging.getLogger(__name__)

STATE_VERSION = 2
READABLE_VERSIONS = (1, 2)
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
    return Stage(build_fake(topics=topics), demo_state(), tiktok_state())


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
        "tiktokshop": _tts_snapshot(stage.tts),
        "log": stage.log,
        "next_order": stage.next_order,
    }


def restore(data: dict[str, Any], *, topics: bool) -> Stage:
    """Rebuild a session from ``snapshot`` data; raises on anything inconsistent."""
    if data.get("version") not in READABLE_VERSIONS:
        raise ValueError(f"state version {data.get('version')!r}, expected {STATE_VERSION}")
    fake = build_fake(topics=topics)
    _restore_telegram(fake, data["telegram"])
    sandbox = demo_state()
    _restore_tokopedia(sandbox, data["tokopedia"])
    tts = tiktok_state()
    if "tiktokshop" in data:
        _restore_tts(tts, data["tiktokshop"])
    next_order = max([FIRST_ORDER_ID, int(data["next_order"]), *(o + 1 for o in sandbox.orders)])
    log = [{"market": TOKOPEDIA} | entry for entry in data["log"]]  # version 1 had only it
    return Stage(fake, sandbox, tts, log=log, next_order=next_order)


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


def _tts_snapshot(state: TikTokSandboxState) -> dict[str, Any]:
    conversations = []
    for conversation in state.conversations.values():
        raw = dataclasses.asdict(conversation)
        raw["read_ids"] = sorted(conversation.read_ids)
        conversations.append(raw)
    return {
        "buyers": [dataclasses.asdict(b) for b in state.buyers.values()],
        "orders": list(state.orders.values()),
        "conversations": conversations,
        "cancellations": [dataclasses.asdict(c) for c in state.cancellations.values()],
        "returns": [dataclasses.asdict(c) for c in state.returns.cases.values()],
        "sent_messages": state.sent_messages,
        **_tts_private(state),
    }


def _restore_tts(state: TikTokSandboxState, data: dict[str, Any]) -> None:
    state.buyers = {raw["nickname"]: Buyer(**raw) for raw in data["buyers"]}
    state.orders = {str(order["id"]): order for order in data["orders"]}
    for raw in data["conversations"]:
        fields = raw | {"buyer": Buyer(**raw["buyer"]), "read_ids": set(raw["read_ids"])}
        state.conversations[str(raw["id"])] = Conversation(**fields)
    for raw in data["cancellations"]:
        state.cancellations[str(raw["cancel_id"])] = Cancellation(**raw)
    for raw in data.get("returns", []):  # absent from snapshots older than the demo's returns
        state.returns.cases[str(raw["return_id"])] = ReturnCase(**raw)
    state.sent_messages = list(data["sent_messages"])
    _restore_tts_private(state, data)


# The Tokopedia & Shop sandbox keeps seller grants, tokens and id counters to itself; the
# demo is the one caller that must carry them over a restart, so it reaches in here only.


def _tts_private(state: TikTokSandboxState) -> dict[str, Any]:
    """Grants with their tokens, and the next id of each kind."""
    grants: list[Grant] = []

    def index(grant: Grant) -> int:
        for number, known in enumerate(grants):
            if known is grant:
                return number
        grants.append(grant)
        return len(grants) - 1

    refresh = {token: index(grant) for token, grant in state._refresh.items()}
    access = {token: [index(a.grant), a.expires_at] for token, a in state._access.items()}
    return {
        "grants": [dataclasses.asdict(grant) for grant in grants],
        "refresh_tokens": refresh,
        "access_tokens": access,
        "next_ids": dict(state._next_id),
    }


def _restore_tts_private(state: TikTokSandboxState, data: dict[str, Any]) -> None:
    grants = [
        Grant(**raw | {"shop_ids": tuple(raw["shop_ids"]), "scopes": tuple(raw["scopes"])})
        for raw in data["grants"]
    ]
    state._refresh = {token: grants[number] for token, number in data["refresh_tokens"].items()}
    state._access = {
        token: AccessToken(grants[number], float(expires))
        for token, (number, expires) in data["access_tokens"].items()
    }
    for kind, value in data["next_ids"].items():
        if kind not in state._next_id:
            raise ValueError(f"unknown id kind {kind!r}")
        state._next_id[kind] = max(state._next_id[kind], int(value))


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
