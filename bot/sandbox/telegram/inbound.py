"""Things people do in the simulated chats, turned into realistic updates for getUpdates.

Misuse by a test (unknown chat, missing message, a button that isn't there) raises
``ValueError`` at once rather than producing an update Telegram could never send.
"""

from typing import Any

from bot.sandbox.images import make_png, probe
from bot.sandbox.telegram.api_files import store_file
from bot.sandbox.telegram.html_text import utf16_len
from bot.sandbox.telegram.models import FakeCallbackQuery, FakeChat, FakeMessage
from bot.sandbox.telegram.world import World


def _chat(world: World, chat_id: int, user_id: int, first_name: str) -> FakeChat:
    chat = world.chats.get(chat_id)
    if chat is None and chat_id == user_id:
        chat = world.chats[chat_id] = FakeChat(chat_id, first_name)  # a private chat opens
    if chat is None:
        raise ValueError(f"unknown chat {chat_id}; call add_chat() first")
    return chat


def user_message(
    world: World,
    chat_id: int,
    user_id: int,
    *,
    first_name: str,
    reply_to: int | None,
    thread_id: int | None,
    text: str | None = None,
    content: dict[str, Any] | None = None,
) -> int:
    """Store a user's message, queue its ``message`` update and return its id."""
    chat = _chat(world, chat_id, user_id, first_name)
    world.user_names[user_id] = first_name
    if reply_to is not None:
        target = world.message(chat.id, reply_to)
        if target is None:
            raise ValueError(f"no message {reply_to} in chat {chat_id} to reply to")
        thread_id = target.thread_id if thread_id is None else thread_id
    if thread_id is not None:
        topic = world.topics.get((chat.id, thread_id))
        if topic is None or topic.deleted:
            raise ValueError(f"no topic {thread_id} in chat {chat_id}")
    message = FakeMessage(
        chat_id=chat.id,
        message_id=world.next_message_id(chat.id),
        date=world.now(),
        from_id=user_id,
        text=text,
        plain_text=text,
        entities=_command_entities(text),
        reply_to_message_id=reply_to,
        thread_id=thread_id,
        content=content or {},
    )
    world.add(message)
    world.updates.push({"message": world.message_json(message)})
    return message.message_id


def _command_entities(text: str | None) -> tuple[dict[str, Any], ...]:
    """Return the bot_command entity Telegram adds for a leading ``/command[@bot]``."""
    if not text or not text.startswith("/"):
        return ()
    command = text.split(maxsplit=1)[0]
    return ({"type": "bot_command", "offset": 0, "length": utf16_len(command)},)


def sticker(world: World) -> dict[str, Any]:
    """Return a Sticker object."""
    number = world.serial()
    return {
        "sticker": {
            "file_id": f"CAACAgIAAx-sticker-{number}",
            "file_unique_id": f"AgAD-sticker-{number}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "😀",
        }
    }


def photo(world: World, caption: str | None, data: bytes | None = None) -> dict[str, Any]:
    """Return the PhotoSize list (a thumbnail and the full picture) and optional caption.

    Both sizes are files getFile serves: the thumbnail a small generated picture, the full
    size ``data`` (a generated 800x800 picture by default).
    """
    full = data if data is not None else make_png(800, 800, shade=world.serial())
    info = probe(full)
    width, height = (info.width, info.height) if info else (800, 800)
    thumb = make_png(90, 90)
    sizes = []
    for picture, (w, h) in ((thumb, (90, 90)), (full, (width, height))):
        stored = store_file(world, picture, "photo")
        sizes.append(
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": w,
                "height": h,
                "file_size": len(picture),
            }
        )
    return {"photo": sizes} | ({"caption": caption} if caption else {})


def media(world: World, kind: str) -> dict[str, Any]:
    """Return a voice note, video or document (a short generated file)."""
    stored = store_file(world, b"\x00" * 2048, kind)
    base = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_size": 2048}
    if kind == "voice":
        return {"voice": base | {"duration": 3, "mime_type": "audio/ogg"}}
    if kind == "video":
        return {"video": base | {"width": 640, "height": 360, "duration": 5}}
    if kind == "document":
        return {"document": base | {"file_name": "nota.pdf", "mime_type": "application/pdf"}}
    raise ValueError(f"unknown media kind {kind!r}")


def user_press(
    world: World,
    chat_id: int,
    user_id: int,
    message_id: int,
    data: str,
    *,
    first_name: str,
    unchecked: bool = False,
) -> str:
    """Queue a ``callback_query`` for an existing button and return the query id.

    ``unchecked`` sends data the message no longer (or never) shows: a phone still
    displaying an old keyboard, or a crafted client. Telegram delivers both.
    """
    message = world.message(chat_id, message_id)
    if message is None:
        raise ValueError(f"no message {message_id} in chat {chat_id}")
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    shown = any(button.get("callback_data") == data for row in rows for button in row)
    if not shown and not unchecked:
        raise ValueError(f"message {message_id} has no button with callback_data {data!r}")
    world.user_names[user_id] = first_name
    query = FakeCallbackQuery(
        id=f"{user_id}{world.serial():08d}",
        chat_id=chat_id,
        message_id=message_id,
        user_id=user_id,
        data=data,
        created_at=world.clock(),
    )
    world.callbacks[query.id] = query
    world.updates.push(
        {
            "callback_query": {
                "id": query.id,
                "from": world.user_json(user_id),
                "message": world.message_json(message),
                "chat_instance": str(abs(chat_id)),
                "data": data,
            }
        }
    )
    return query.id
