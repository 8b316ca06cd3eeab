"""Bot API methods for files: sendPhoto, sendVideo, getFile, and the file download path.

The rules are the Bot API's (shared/docs/telegram.md, "Media"): an uploaded photo is at most
10 MB and must be an image (``IMAGE_PROCESS_FAILED`` otherwise); a ``file_id`` must name a
file Telegram holds; a URL is fetched by Telegram's servers with none of the bot's headers,
so only a public one works (5 MB for photos, 20 MB for other files); a caption is at most
1024 characters after entity parsing; bots download files of at most 20 MB.
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.images import probe
from bot.sandbox.telegram.api_messages import _editable, post_message
from bot.sandbox.telegram.checks import check_reply_markup, parse_text
from bot.sandbox.telegram.errors import NOT_MODIFIED, bad_request
from bot.sandbox.telegram.html_text import utf16_len
from bot.sandbox.telegram.models import FakeFile
from bot.sandbox.telegram.wire import Params
from bot.sandbox.telegram.world import World

MB = 1024 * 1024
PHOTO_UPLOAD_MAX = 10 * MB
PHOTO_URL_MAX = 5 * MB
VIDEO_UPLOAD_MAX = 50 * MB
URL_MAX = 20 * MB
DOWNLOAD_MAX = 20 * MB
CAPTION_MAX = 1024
_WRONG_FILE = "wrong file identifier/HTTP URL specified"


def store_file(world: World, data: bytes, kind: str) -> FakeFile:
    """Keep ``data`` as a new file Telegram holds; returns it with its ids and path."""
    number = world.serial()
    stored = FakeFile(
        file_id=f"AgAC-{kind}-{number}-{len(data)}",
        file_unique_id=f"AQAD-{kind}-{number}",
        data=data,
        file_path=f"{kind}s/file_{number}.{'jpg' if kind == 'photo' else 'mp4'}",
    )
    world.files[stored.file_id] = stored
    return stored


def _input_bytes(world: World, value: object, *, upload_max: int, url_max: int) -> bytes:
    """The bytes of an InputFile: an upload, a known file_id, or a public URL."""
    if isinstance(value, dict) and isinstance(value.get("data"), bytes):
        data: bytes = value["data"]
        if len(data) > upload_max:
            raise bad_request("file is too big")
        return data
    if not isinstance(value, str) or not value:
        raise bad_request("there is no photo in the request")
    if value.startswith("attach://"):
        raise bad_request("the fake Bot API doesn't simulate attach:// references")
    if value.startswith(("http://", "https://")):
        fetched = world.public_urls.get(value)
        if fetched is None or len(fetched) > url_max:
            raise bad_request("failed to get HTTP URL content")
        return fetched
    known = world.files.get(value)
    if known is None:
        raise bad_request(_WRONG_FILE)
    return known.data


def _caption(params: Params) -> dict[str, Any]:
    caption = params.get_str("caption")
    if not caption:
        return {}
    parsed = parse_text(caption, params.get_str("parse_mode"), params.get_json("caption_entities"))
    if utf16_len(parsed.plain) > CAPTION_MAX:
        raise bad_request("message caption is too long")
    out: dict[str, Any] = {"caption": parsed.plain}
    if parsed.entities:
        out["caption_entities"] = list(parsed.entities)
    return out


def _post(world: World, params: Params, content: dict[str, Any]) -> dict[str, Any]:
    chat = world.chat(params)
    return post_message(world, chat, params, content={**content, **_caption(params)})


async def send_photo(world: World, params: Params) -> dict[str, Any]:
    """sendPhoto: an image upload (≤ 10 MB), a file_id, or a public URL (≤ 5 MB)."""
    world.chat(params)
    value = params.values.get("photo")
    data = _input_bytes(world, value, upload_max=PHOTO_UPLOAD_MAX, url_max=PHOTO_URL_MAX)
    info = probe(data)
    if info is None:
        raise bad_request("IMAGE_PROCESS_FAILED")
    stored = store_file(world, data, "photo")
    size = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "width": info.width,
        "height": info.height,
        "file_size": len(data),
    }
    return _post(world, params, {"photo": [size]})


async def send_video(world: World, params: Params) -> dict[str, Any]:
    """sendVideo: an upload (≤ 50 MB), a file_id, or a public URL (≤ 20 MB)."""
    world.chat(params)
    value = params.values.get("video")
    data = _input_bytes(world, value, upload_max=VIDEO_UPLOAD_MAX, url_max=URL_MAX)
    stored = store_file(world, data, "video")
    video = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "width": params.get_int("width") or 0,
        "height": params.get_int("height") or 0,
        "duration": params.get_int("duration") or 0,
        "file_size": len(data),
    }
    return _post(world, params, {"video": video})


async def get_file(world: World, params: Params) -> dict[str, Any]:
    """getFile: a path to download from; bots can't download files over 20 MB."""
    file_id = params.get_str("file_id")
    stored = world.files.get(file_id or "")
    if stored is None:
        raise bad_request(_WRONG_FILE)
    answer: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
    }
    if len(stored.data) > DOWNLOAD_MAX:
        raise bad_request("file is too big")
    return answer | {"file_path": stored.file_path}


def download(world: World, path: str) -> bytes | None:
    """The bytes at ``/file/bot<token>/<path>``, or None (404)."""
    return next((f.data for f in world.files.values() if f.file_path == path), None)


async def edit_message_caption(world: World, params: Params) -> dict[str, Any]:
    """editMessageCaption: a photo's or video's caption and keyboard (omitted: removed)."""
    message = _editable(world, params)
    if message.plain_text is not None:
        raise bad_request("there is no caption in the message to edit")
    markup = check_reply_markup(params.get_json("reply_markup"), inline_only=True)
    media = {k: v for k, v in message.content.items() if k not in ("caption", "caption_entities")}
    content = media | _caption(params)
    if (content, markup) == (message.content, message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    edited = world.update(
        message, "edit", content=content, reply_markup=markup, edited=True, edit_date=world.now()
    )
    return world.message_json(edited)
