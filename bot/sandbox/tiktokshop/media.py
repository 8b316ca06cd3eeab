"""Chat media: token-gated buyer files, Upload Image, and the IMAGE messages that use it.

* A buyer's image or video URL serves its bytes only with an unexpired `x-tts-access-token`
  of a grant covering the shop and that shop's `shop_cipher` query parameter (ID market since
  30 Sep 2025, doc §7.6); anything else answers 403, as a staff member tapping the URL sees.
* Upload Image (`POST /customer_service/202309/images/upload`) takes the multipart field
  `data`, a jpg / gif / webp / png of at most 10 MB; the multipart body is not signed
  (the gateway signs it as empty). It answers `url`, `width`, `height`.
* An IMAGE message must carry the `url` of an image this app uploaded, with its size.
"""

from __future__ import annotations

import json
import secrets
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from bot.sandbox.images import probe
from bot.sandbox.tiktokshop.gateway import ApiError, Ctx, invalid_params

if TYPE_CHECKING:
    from bot.sandbox.tiktokshop.state import TikTokSandboxState

UPLOAD_MAX = 10 * 1024 * 1024
UPLOAD_FORMATS = frozenset({"jpeg", "png", "gif", "webp"})
UPLOAD_HOST = "https://p16-oec-sg.ibyteimg.com/tos-alisg-i-sandbox"


def _multipart(content_type: str, body: bytes) -> dict[str, bytes]:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    parsed = BytesParser(policy=HTTP).parsebytes(head + body)
    fields: dict[str, bytes] = {}
    for part in parsed.iter_parts() if isinstance(parsed, Message) else ():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            fields[name] = payload
    return fields


async def upload_image(ctx: Ctx) -> object:
    """POST /customer_service/202309/images/upload (multipart `data`) -> url, width, height."""
    content_type = ctx.request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise invalid_params("Upload Image takes multipart/form-data with the field `data`.")
    data = _multipart(content_type, ctx.raw).get("data")
    if not data:
        raise invalid_params("The form field `data` (the image file) is required.")
    if len(data) > UPLOAD_MAX:
        raise invalid_params("The image is larger than 10 MB.")
    info = probe(data)
    if info is None or info.format not in UPLOAD_FORMATS:
        raise invalid_params("The image must be jpg, gif, webp or png.")
    url = f"{UPLOAD_HOST}/{secrets.token_hex(12)}~tplv-o3syd03w52-origin-jpeg.jpeg"
    ctx.state.media.uploads[url] = (data, info.width, info.height)
    return {"url": url, "width": info.width, "height": info.height}


def uploaded_image(state: TikTokSandboxState, content: object) -> tuple[str, bytes]:
    """Check an IMAGE message's content: an uploaded url with its own width and height."""
    parsed: Any = None
    if isinstance(content, str):
        try:
            parsed = json.loads(content)
        except ValueError:
            parsed = None
    if not isinstance(parsed, dict):
        raise invalid_params('IMAGE content must encode {"url", "width", "height"}.')
    url = parsed.get("url")
    found = state.media.uploads.get(url) if isinstance(url, str) else None
    if found is None:
        raise invalid_params("The image url must come from Upload Image.")
    data, width, height = found
    if (parsed.get("width"), parsed.get("height")) != (width, height):
        raise invalid_params("width and height must be those Upload Image returned.")
    return str(url), data


async def serve_media(state: TikTokSandboxState, request: Request) -> Response:
    """GET /media/{kind}/{file}: the bytes, for the owning shop's token and cipher only."""
    file_id = request.path_params["file"].split(".", 1)[0]
    found = state.media.files.get(file_id)
    token = request.headers.get("x-tts-access-token", "")
    entry = state.access_token(token) if token else None
    shop = state.shop_by_cipher(request.query_params.get("shop_cipher", ""))
    allowed = (
        found is not None
        and entry is not None
        and state.clock() < entry.expires_at
        and shop is not None
        and shop["id"] == found[0]
        and found[0] in entry.grant.shop_ids
    )
    state.media.downloads.append({"file": file_id, "allowed": allowed})
    if state.media.fail_downloads > 0:
        state.media.fail_downloads -= 1
        return Response(b"Service Unavailable", status_code=503)
    if found is None:
        return Response(status_code=404)
    if not allowed:
        return Response(b"Access Denied", status_code=403)
    return Response(found[1], media_type="application/octet-stream")


def refuse_media_type(kind: object) -> ApiError:
    return invalid_params(f"type {kind!r} is not sent by the sandbox (TEXT and IMAGE only).")
