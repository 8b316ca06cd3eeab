"""Where the simulator keeps chat media: buyer files behind token-gated URLs, and uploads."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.images import probe

DEFAULT_BASE = "http://tiktok.test"


@dataclass
class MediaStore:
    """Buyer files behind token-gated URLs, and the images the app uploaded."""

    base_url: str = DEFAULT_BASE  # where this simulator is reachable (the demo changes it)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # id -> (shop, bytes)
    uploads: dict[str, tuple[bytes, int, int]] = field(default_factory=dict)  # url -> image
    downloads: list[dict[str, Any]] = field(default_factory=list)  # every download attempt
    fail_downloads: int = 0  # the next this many downloads answer 503 (a CDN hiccup)

    def image(self, url: str) -> bytes:
        """The bytes of an image the app uploaded (an IMAGE message's ``content``)."""
        return self.uploads[url][0]

    def put(self, shop_id: str, data: bytes, kind: str) -> str:
        """Keep a buyer's file; returns its URL (which needs the shop's token)."""
        file_id = secrets.token_hex(8)
        self.files[file_id] = (shop_id, data)
        suffix = "jpeg" if kind == "image" else "mp4"
        return f"{self.base_url.rstrip('/')}/media/{kind}/{file_id}.{suffix}"


def image_content(data: bytes, url: str) -> str:
    """The `content` of a buyer's IMAGE message."""
    info = probe(data)
    width, height = (info.width, info.height) if info else (0, 0)
    return json.dumps({"url": url, "width": width, "height": height})


def video_content(data: bytes, url: str, now: int) -> str:
    """The `content` of a buyer's VIDEO message (doc §8.2: url, cover, sizes, vid, expiry)."""
    return json.dumps(
        {
            "url": url,
            "cover": "",
            "width": 720,
            "height": 1280,
            "size": len(data),
            "vid": "v" + secrets.token_hex(8),
            "expire_time": now + 3600,
        }
    )
