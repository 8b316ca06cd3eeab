"""Chat media: downloading a buyer's image or video, and what an upload answers.

Since 30 Sep 2025 an Indonesian chat image URL serves its bytes only with the shop's
``x-tts-access-token`` header and its ``shop_cipher`` query parameter (doc §7.6, CL-ID-IMG),
so Telegram can't be handed the URL: tokobot downloads the file and uploads it. The download
is streamed and stops at the caller's cap, so a huge or endless body never fills memory.
"""

from __future__ import annotations

import json
import re

import httpx
from pydantic import BaseModel, ValidationError

from .errors import InvalidRequest, NotFound, OutcomeUnknown, ServerError, TikTokShopError
from .models import SentMessage
from .transport import Transport

IMAGE_UPLOAD_MAX = 10 * 1024 * 1024  # Upload Image (§8.1)
DOWNLOAD_TIMEOUT = httpx.Timeout(20.0, connect=5.0)


class UploadedImage(BaseModel):
    """What Upload Image answers: the values an IMAGE message is sent with."""

    url: str
    width: int
    height: int


class MediaTooLarge(InvalidRequest):
    """A file past the cap; ``size`` is how far the download got (or what it announced)."""

    def __init__(self, size: int) -> None:
        super().__init__(0, f"file larger than the limit ({size} bytes or more)")
        self.size = size


async def download(
    http: httpx.AsyncClient, url: str, *, token: str, cipher: str, max_bytes: int
) -> bytes:
    """The bytes at a chat media URL, fetched with the shop's token; capped at ``max_bytes``."""
    if not url.startswith(("https://", "http://")):
        raise InvalidRequest(0, "not a media URL")
    headers = {"x-tts-access-token": token}
    params = {"shop_cipher": cipher}
    try:
        async with http.stream(
            "GET", url, headers=headers, params=params, timeout=DOWNLOAD_TIMEOUT
        ) as response:
            if response.status_code in (403, 404, 410):
                raise NotFound(0, f"media answered HTTP {response.status_code}")
            if response.status_code >= 400:
                raise ServerError(0, f"media answered HTTP {response.status_code}")
            announced = response.headers.get("content-length", "")
            if announced.isdigit() and int(announced) > max_bytes:
                raise MediaTooLarge(int(announced))
            body = bytearray()
            async for piece in response.aiter_bytes():
                body.extend(piece)
                if len(body) > max_bytes:
                    raise MediaTooLarge(len(body))
            return bytes(body)
    except httpx.HTTPError as exc:
        raise ServerError(0, f"media download failed: {type(exc).__name__}") from None


_ID_RE = re.compile(r"[0-9A-Za-z_-]{1,64}")
IMAGE_UPLOAD_PATH = "/customer_service/202309/images/upload"
SEND_PATH = "/customer_service/202309/conversations/{conversation_id}/messages"


class MediaEndpoints(Transport):
    """Upload Image, IMAGE messages and media downloads, as a base of ``TikTokShopClient``."""

    async def upload_image(self, shop_id: str, data: bytes) -> UploadedImage:
        """Upload Image (multipart field ``data``, at most 10 MB; the body is not signed)."""
        if len(data) > IMAGE_UPLOAD_MAX:
            raise MediaTooLarge(len(data))
        files = {"data": ("image", data, "application/octet-stream")}
        result = await self._call("POST", IMAGE_UPLOAD_PATH, shop_id=shop_id, files=files)
        try:
            return UploadedImage.model_validate(result)
        except ValidationError:
            raise TikTokShopError(0, "Upload Image answered without url/width/height") from None

    async def send_image(
        self, shop_id: str, conversation_id: str, image: UploadedImage
    ) -> SentMessage:
        """Send Message (IMAGE) with an uploaded image's url and size; never resent."""
        if not _ID_RE.fullmatch(conversation_id):
            raise InvalidRequest(0, f"invalid conversation {conversation_id!r}")
        path = SEND_PATH.format(conversation_id=conversation_id)
        content = json.dumps(image.model_dump(), separators=(",", ":"))
        body = {"type": "IMAGE", "content": content}
        data = await self._call("POST", path, shop_id=shop_id, body=body, resend=False)
        try:
            return SentMessage.model_validate(data)
        except ValidationError:
            raise OutcomeUnknown(0, "Send Message answered without a message_id") from None

    async def download_media(self, shop_id: str, url: str, *, max_bytes: int) -> bytes:
        """A buyer's chat image or video, fetched with the shop's token and cipher.

        The token goes only over https (or to the configured API host, a sandbox on loopback):
        never in clear text to wherever a message's content points.
        """
        if not (url.startswith("https://") or url.startswith(f"{self._api_url}/")):
            raise InvalidRequest(0, "media URL is neither https nor on the API host")
        creds = await self._tokens.current(shop_id, self.refresh_grant)
        return await download(
            self._http, url, token=creds.access_token, cipher=creds.cipher, max_bytes=max_bytes
        )
