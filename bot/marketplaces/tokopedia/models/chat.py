"""Tokopedia chat: the chat webhook (§6.1) and the chat endpoints (§7)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from bot.marketplaces.lenient import Flag, Id, Int, Text

from .base import Model, One, Timestamp


class ChatWebhook(Model):
    """Chat notification: a new message in a chat room. No message id, no timestamp."""

    msg_id: Id  # the chat room, which is what a reply is addressed to
    buyer_id: Id
    message: str
    shop_id: Id
    thumbnail: Text = ""
    full_name: Text = ""


class ContactAttributes(Model):
    name: Text = ""
    tag: Text = ""
    thumbnail: Text = ""
    is_gold: Flag = False
    is_official: Flag = False


class Contact(Model):
    id: Id = ""
    role: Text = ""
    attributes: One[ContactAttributes] = Field(default_factory=ContactAttributes)


class ChatRoomAttributes(Model):
    contact: One[Contact] = Field(default_factory=Contact)
    last_reply_msg: Text = ""
    last_reply_time: Timestamp = None
    read_status: Int = 0  # 1 unread, 2 read
    unreads: Int = 0
    pin_status: Int = 0


class ChatRoom(Model):
    """A List Messages row: one chat room and its latest message."""

    msg_id: Id
    message_key: Text = ""
    attributes: One[ChatRoomAttributes] = Field(default_factory=ChatRoomAttributes)


class ChatReply(Model):
    """A List Replies row: one bubble. ``is_opposite`` is true for the buyer's."""

    msg_id: Id
    reply_id: Id = ""
    sender_id: Id = ""
    role: Text = ""
    msg: Text = ""  # may contain HTML, e.g. <a> for product links
    reply_time: Timestamp = None
    sender_name: Text = ""
    read_status: Int = 0
    read_time: Timestamp = None
    status: Int = 0
    attachment_id: Id = ""
    message_is_read: Flag = False
    is_opposite: Flag = False
    is_first_reply: Flag = False
    is_reported: Flag = False


class SentReplyResult(Model):
    msg_id: Id
    sender_id: Id = ""
    role: Text = ""
    msg: Text = ""
    reply_time: Timestamp = None
    sender: Text = Field("", alias="from")
    attachment: dict[str, Any] | None = None
    fallback_attachment: dict[str, Any] | None = None


class InitiatedChat(Model):
    msg_id: Id
    is_success: Flag = False
    contact: One[Contact] = Field(default_factory=Contact)
