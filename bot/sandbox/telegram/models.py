"""The fake's state records: chats, topics, messages, callback queries, calls and events."""

from dataclasses import dataclass, field
from typing import Any, Literal

EventKind = Literal["message", "edit", "delete", "reaction", "callback_answer", "topic"]
MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted", "left", "kicked"})


@dataclass(frozen=True, slots=True)
class Call:
    """One Bot API request as the fake received and answered it."""

    method: str
    params: dict[str, Any]
    ok: bool
    error_code: int | None
    description: str | None
    at: float


@dataclass(slots=True)
class FakeChat:
    """A group, supergroup or private chat the bot is in."""

    id: int
    title: str
    is_forum: bool = False
    members: dict[int, str] = field(default_factory=dict)
    kicked: bool = False
    can_send: bool = True  # False once an admin took the bot's right to post
    migrated_to: int | None = None  # the supergroup this group was upgraded to

    @property
    def type(self) -> str:
        """Return the Bot API chat type derived from the id, as Telegram allocates them."""
        if self.id > 0:
            return "private"
        return "supergroup" if self.is_forum or str(self.id).startswith("-100") else "group"

    def to_json(self) -> dict[str, Any]:
        """Return the Chat object embedded in messages."""
        if self.type == "private":
            return {"id": self.id, "type": "private", "first_name": self.title}
        chat: dict[str, Any] = {"id": self.id, "type": self.type, "title": self.title}
        if self.is_forum:
            chat["is_forum"] = True
        return chat


@dataclass(slots=True)
class FakeTopic:
    """A forum topic; ``thread_id`` is the id of its ``forum_topic_created`` root message."""

    chat_id: int
    thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None = None
    closed: bool = False
    deleted: bool = False

    def to_json(self) -> dict[str, Any]:
        """Return the ForumTopic object createForumTopic answers with."""
        topic: dict[str, Any] = {
            "message_thread_id": self.thread_id,
            "name": self.name,
            "icon_color": self.icon_color,
        }
        if self.icon_custom_emoji_id:
            topic["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return topic


@dataclass(frozen=True, slots=True)
class FakeMessage:
    """A message's current state; ``text`` is as sent (HTML source), ``plain_text`` as shown."""

    chat_id: int
    message_id: int
    date: int
    from_id: int
    text: str | None = None
    plain_text: str | None = None
    entities: tuple[dict[str, Any], ...] = ()
    reply_markup: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    thread_id: int | None = None
    edited: bool = False
    edit_date: int | None = None
    reactions: tuple[str, ...] = ()
    deleted: bool = False
    content: dict[str, Any] = field(default_factory=dict)
    """Non-text fields merged into the API JSON: ``sticker``, ``photo``, service payloads."""

    @property
    def is_service(self) -> bool:
        """Return whether this is a service message (e.g. ``forum_topic_created``)."""
        return any(key.startswith("forum_topic_") for key in self.content)


@dataclass(frozen=True, slots=True)
class FakeFile:
    """A file Telegram holds: what getFile describes and the download path serves."""

    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str


@dataclass(slots=True)
class FakeCallbackQuery:
    """A button press pushed as an update, and how the bot answered it."""

    id: str
    chat_id: int
    message_id: int
    user_id: int
    data: str
    created_at: float
    answered: bool = False
    answer_text: str | None = None
    show_alert: bool = False


@dataclass(slots=True)
class WebhookState:
    """What setWebhook recorded; the fake never delivers to it."""

    url: str = ""
    secret_token: str | None = None
    allowed_updates: list[str] | None = None


@dataclass(frozen=True, slots=True)
class FakeEvent:
    """A change a live view (the demo page) may want to render."""

    kind: EventKind
    chat_id: int
    message: FakeMessage | None = None
    data: dict[str, Any] = field(default_factory=dict)
