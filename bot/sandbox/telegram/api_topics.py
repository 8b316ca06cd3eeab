"""Bot API forum-topic methods; a topic's id is the id of its root service message."""

from typing import Any

from bot.sandbox.telegram.checks import TOPIC_ICON_COLORS, check_topic_name
from bot.sandbox.telegram.errors import bad_request
from bot.sandbox.telegram.models import FakeEvent, FakeMessage, FakeTopic
from bot.sandbox.telegram.wire import Params
from bot.sandbox.telegram.world import World

DEFAULT_ICON_COLOR = 0x6FB9F0


def _service(world: World, topic: FakeTopic, kind: str, payload: dict[str, Any]) -> None:
    """Post the service message Telegram adds to the topic for each change."""
    message_id = topic.thread_id if kind == "created" else world.next_message_id(topic.chat_id)
    world.add(
        FakeMessage(
            chat_id=topic.chat_id,
            message_id=message_id,
            date=world.now(),
            from_id=world.bot_id,
            thread_id=topic.thread_id,
            content={f"forum_topic_{kind}": payload},
        )
    )
    world.publish(FakeEvent("topic", topic.chat_id, data={"action": kind, **topic.to_json()}))


async def create_forum_topic(world: World, params: Params) -> dict[str, Any]:
    """createForumTopic: only in forum supergroups, with a 1-128 character name."""
    chat = world.chat(params)
    if not chat.is_forum:
        raise bad_request("the chat is not a forum")
    name = check_topic_name(params.get_str("name"))
    color = params.get_int("icon_color")
    if color is not None and color not in TOPIC_ICON_COLORS:
        raise bad_request("TOPIC_ICON_COLOR_INVALID")
    topic = FakeTopic(
        chat_id=chat.id,
        thread_id=world.next_message_id(chat.id),
        name=name,
        icon_color=DEFAULT_ICON_COLOR if color is None else color,
        icon_custom_emoji_id=params.get_str("icon_custom_emoji_id") or None,
    )
    world.topics[chat.id, topic.thread_id] = topic
    created = topic.to_json()
    payload = {key: value for key, value in created.items() if key != "message_thread_id"}
    _service(world, topic, "created", payload)
    return created


async def edit_forum_topic(world: World, params: Params) -> bool:
    """editForumTopic: change the name and/or icon; no change is TOPIC_NOT_MODIFIED."""
    topic = world.topic(world.chat(params), params.require_int("message_thread_id"))
    name = params.get_str("name")
    emoji = params.get_str("icon_custom_emoji_id")
    changes: dict[str, Any] = {}
    if name is not None and check_topic_name(name) != topic.name:
        changes["name"] = topic.name = name
    if emoji is not None and (emoji or None) != topic.icon_custom_emoji_id:
        changes["icon_custom_emoji_id"] = emoji
        topic.icon_custom_emoji_id = emoji or None
    if not changes:
        raise bad_request("TOPIC_NOT_MODIFIED")
    _service(world, topic, "edited", changes)
    return True


async def close_forum_topic(world: World, params: Params) -> bool:
    """closeForumTopic: later sends there answer TOPIC_CLOSED until it is reopened."""
    topic = world.topic(world.chat(params), params.require_int("message_thread_id"))
    if topic.closed:
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.closed = True
    _service(world, topic, "closed", {})
    return True


async def reopen_forum_topic(world: World, params: Params) -> bool:
    """reopenForumTopic: the inverse of closeForumTopic."""
    topic = world.topic(world.chat(params), params.require_int("message_thread_id"))
    if not topic.closed:
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.closed = False
    _service(world, topic, "reopened", {})
    return True


async def delete_forum_topic(world: World, params: Params) -> bool:
    """deleteForumTopic: the topic and all its messages disappear."""
    topic = world.topic(world.chat(params), params.require_int("message_thread_id"))
    delete_topic(world, topic)
    return True


def delete_topic(world: World, topic: FakeTopic) -> None:
    """Delete ``topic`` and its messages (shared by the API and the test hook)."""
    topic.deleted = True
    for message in world.messages(topic.chat_id):
        if message.thread_id == topic.thread_id and not message.deleted:
            world.update(message, "delete", deleted=True)
    world.publish(FakeEvent("topic", topic.chat_id, data={"action": "deleted", **topic.to_json()}))
