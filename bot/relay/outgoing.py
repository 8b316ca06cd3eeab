"""What the relay posts, before it is posted: prepared messages, their journal steps and
links, and how to read Telegram's answers about them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, ReplyParameters
from telegram.error import BadRequest

from bot.domain.vocab import LinkKind


def is_not_modified(exc: BadRequest) -> bool:
    return "message is not modified" in exc.message.lower()


def is_thread_gone(exc: BadRequest) -> bool:
    text = exc.message.lower()
    return "thread not found" in text or "topic_deleted" in text or "topic_closed" in text


@dataclass(frozen=True)
class LinkTo:
    """What a posted message stands for, so a staff reply to it finds its target."""

    kind: LinkKind
    marketplace: str
    shop_id: str
    ref: str


@dataclass(frozen=True)
class Step:
    """One message an inbox event shows, journalled chunk by chunk (``storage.steps``)."""

    event_id: int
    name: str  # "alert", "update", "edit", "notice", "chat", "digest:<n>"
    # Linked in the chunk's own commit: staff can answer a message the moment they see it,
    # before the event's closing commit.
    link: LinkTo | None = None
    # The other events a digest shows: journalled under each of them too, in the same commit,
    # so a retry after a crash finds every one of them shown, whatever batch it comes in.
    shown_with: tuple[int, ...] = ()


@dataclass(frozen=True)
class Outgoing:
    """A rendered message ready to post: its chunks, and buttons whose tokens are stored."""

    chunks: Sequence[str]
    markup: InlineKeyboardMarkup | None


def reply_of(reply_to: int | None, index: int) -> ReplyParameters | None:
    """Only a message's first chunk replies; the rest follow it."""
    if reply_to is None or index != 0:
        return None
    return ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
