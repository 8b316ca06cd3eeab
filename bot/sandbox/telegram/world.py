"""The simulated Telegram side: chats, topics, messages, pending updates and live events."""

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from bot.sandbox.telegram.errors import THREAD_NOT_FOUND, ApiError, bad_request
from bot.sandbox.telegram.models import (
    EventKind,
    FakeCallbackQuery,
    FakeChat,
    FakeEvent,
    FakeFile,
    FakeMessage,
    FakeTopic,
    WebhookState,
)
from bot.sandbox.telegram.polling import UpdateQueue, call_in_loop
from bot.sandbox.telegram.wire import Params


class World:
    """Everything the fake server knows; methods here are shared by the API handlers."""

    def __init__(
        self, *, bot_id: int, bot_username: str, clock: Callable[[], float], enforce_limits: bool
    ) -> None:
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.clock = clock
        self.enforce_limits = enforce_limits
        self.chats: dict[int, FakeChat] = {}
        self.user_names: dict[int, str] = {}
        self.topics: dict[tuple[int, int], FakeTopic] = {}
        self.callbacks: dict[str, FakeCallbackQuery] = {}
        self.updates = UpdateQueue()
        self.webhook = WebhookState()
        self.commands: dict[str, list[dict[str, str]]] = {}
        # The bot's own membership per chat, when not a full administrator (set_bot_member).
        self.bot_status: dict[int, str] = {}
        self.bot_rights: dict[int, dict[str, bool]] = {}
        # Files by file_id (photos people sent, uploads the bot made), and the public web:
        # URLs Telegram's servers can fetch without any header of the bot's.
        self.files: dict[str, FakeFile] = {}
        self.public_urls: dict[str, bytes] = {}
        self._messages: dict[int, dict[int, FakeMessage]] = {}
        self._last_message_id: dict[int, int] = {}
        self._subscribers: list[tuple[asyncio.AbstractEventLoop, asyncio.Queue[FakeEvent]]] = []
        self._serial = itertools.count(1)

    def serial(self) -> int:
        """Return a fresh number for file and callback-query ids."""
        return next(self._serial)

    # -- chats and topics ---------------------------------------------------------------

    def chat(self, params: Params) -> FakeChat:
        """Return the chat named by ``chat_id`` or raise 400 (FakeTelegram has checked kicks)."""
        chat = self.chats.get(params.require_int("chat_id"))
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def open_thread(self, chat: FakeChat, thread_id: int | None) -> FakeTopic | None:
        """Return the topic a message may be posted to (None for General), or raise 400."""
        if thread_id is None:
            return None
        topic = self.topics.get((chat.id, thread_id))
        if not chat.is_forum or topic is None or topic.deleted:
            raise bad_request(THREAD_NOT_FOUND)
        if topic.closed:
            raise bad_request("TOPIC_CLOSED")
        return topic

    def topic(self, chat: FakeChat, thread_id: int) -> FakeTopic:
        """Return an existing topic for the topic-management methods, or raise 400."""
        if not chat.is_forum:
            raise bad_request("the chat is not a forum")
        topic = self.topics.get((chat.id, thread_id))
        if topic is None or topic.deleted:
            raise bad_request("TOPIC_ID_INVALID")
        return topic

    # -- messages -------------------------------------------------------------------------

    def next_message_id(self, chat_id: int) -> int:
        """Allocate a message id; like Telegram, ids count per chat."""
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return self._last_message_id[chat_id]

    def message(self, chat_id: int, message_id: int | None) -> FakeMessage | None:
        """Return a live (not deleted) message."""
        found = self._messages.get(chat_id, {}).get(message_id or 0)
        return None if found is None or found.deleted else found

    def messages(self, chat_id: int) -> list[FakeMessage]:
        """Return every message of a chat, deleted ones included, oldest first."""
        return list(self._messages.get(chat_id, {}).values())

    def add(self, message: FakeMessage) -> FakeMessage:
        """Store a new message and tell subscribers."""
        self._messages.setdefault(message.chat_id, {})[message.message_id] = message
        self.publish(FakeEvent("message", message.chat_id, message))
        return message

    def update(self, message: FakeMessage, kind: EventKind, **changes: Any) -> FakeMessage:
        """Replace a message's state and tell subscribers what ``kind`` of change it was."""
        new = replace(message, **changes)
        self._messages[message.chat_id][message.message_id] = new
        self.publish(FakeEvent(kind, new.chat_id, new))
        return new

    def now(self) -> int:
        """Return a unix timestamp for ``date`` fields (wall clock; limits use ``clock``)."""
        return int(time.time())

    # -- JSON -----------------------------------------------------------------------------

    def user_json(self, user_id: int) -> dict[str, Any]:
        """Return the User object of the bot or of a simulated person."""
        if user_id == self.bot_id:
            return {
                "id": user_id,
                "is_bot": True,
                "first_name": self.bot_name,
                "username": self.bot_username,
            }
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": self.user_names.get(user_id, f"User {user_id}"),
        }

    @property
    def bot_name(self) -> str:
        """Return the bot's display name."""
        return self.bot_username.replace("_", " ").title()

    def message_json(self, message: FakeMessage, *, nested: bool = False) -> dict[str, Any]:
        """Return the Message object; a topic message replies to its root when not a reply."""
        body: dict[str, Any] = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": self.chats[message.chat_id].to_json(),
            "from": self.user_json(message.from_id),
        }
        if message.thread_id is not None:
            body["message_thread_id"] = message.thread_id
            body["is_topic_message"] = True
        if message.plain_text is not None:
            body["text"] = message.plain_text
            if message.entities:
                body["entities"] = list(message.entities)
        body.update(message.content)
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            body["reply_markup"] = message.reply_markup
        if message.edit_date is not None:
            body["edit_date"] = message.edit_date
        reply_to = message.reply_to_message_id
        if reply_to is None and message.thread_id not in {None, message.message_id}:
            reply_to = message.thread_id
        target = self.message(message.chat_id, reply_to)
        if not nested and target is not None:
            body["reply_to_message"] = self.message_json(target, nested=True)
        return body

    # -- live events ----------------------------------------------------------------------

    def subscribe(self) -> "asyncio.Queue[FakeEvent]":
        """Return a queue that receives every later ``FakeEvent``."""
        queue: asyncio.Queue[FakeEvent] = asyncio.Queue()
        self._subscribers.append((asyncio.get_running_loop(), queue))
        return queue

    def unsubscribe(self, queue: "asyncio.Queue[FakeEvent]") -> None:
        """Stop delivering events to ``queue``."""
        self._subscribers = [(lp, q) for lp, q in self._subscribers if q is not queue]

    def publish(self, event: FakeEvent) -> None:
        """Deliver ``event`` to every subscriber, whichever thread it comes from."""
        for loop, queue in self._subscribers:
            call_in_loop(loop, queue.put_nowait, event)


def kicked_error(chat: FakeChat) -> ApiError:
    """Return the 403 Telegram answers once the bot is no longer in ``chat``."""
    if chat.type == "private":
        return ApiError(403, "Forbidden: bot was blocked by the user")
    return ApiError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
