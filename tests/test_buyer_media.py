"""Which buyer media tokobot fetches, hands to Telegram by URL, or only describes."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.errors import ErrorKind, MarketplaceError
from bot.domain.values import BuyerMessage, Conversation, MarketplaceName
from bot.marketplaces.media import MediaTooLarge
from bot.relay.buyer_media import PHOTO_MAX, VIDEO_MAX, MediaRef, fetch_buyer_media


def _message(kind: str, url: str, marketplace: str = "tiktokshop") -> BuyerMessage:
    return BuyerMessage(
        conversation=Conversation(
            marketplace=MarketplaceName(marketplace),
            shop_id="1",
            conversation_id="c1",
            buyer_id="b",
        ),
        text="",
        received_at=datetime(2026, 12, 6, tzinfo=UTC),
        attachment_kind=kind,
        attachment_url=url,
    )


class _PublicOnly:
    """A marketplace with no media of its own to fetch (Tokopedia)."""


class _Fetching:
    def __init__(self, outcome: bytes | Exception) -> None:
        self.outcome = outcome
        self.caps: list[int] = []

    async def fetch_media(self, message: BuyerMessage, *, max_bytes: int) -> bytes:
        self.caps.append(max_bytes)
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


async def test_a_public_https_image_goes_to_telegram_by_url():
    fetched = await fetch_buyer_media(_PublicOnly(), _message("image", "https://cdn.test/a.jpg"))
    assert fetched is not None
    assert fetched.postable == "https://cdn.test/a.jpg"


async def test_plain_http_images_videos_and_cards_are_only_described():
    for kind, url in (("image", "http://cdn.test/a.jpg"), ("video", "https://v.test/a.mp4")):
        assert await fetch_buyer_media(_PublicOnly(), _message(kind, url)) is None
    assert await fetch_buyer_media(_Fetching(b"x"), _message("product", "")) is None


async def test_token_gated_media_is_downloaded_with_its_cap():
    marketplace = _Fetching(b"jpeg bytes")
    photo = await fetch_buyer_media(marketplace, _message("image", "https://tts.test/a"))
    video = await fetch_buyer_media(marketplace, _message("video", "https://tts.test/v"))
    assert photo is not None
    assert video is not None
    assert (photo.data, photo.video, video.video) == (b"jpeg bytes", False, True)
    assert marketplace.caps == [PHOTO_MAX, VIDEO_MAX]


async def test_failures_become_notes_and_only_a_fetch_failure_offers_a_retry():
    gone = MarketplaceError(ErrorKind.UNAVAILABLE, detail="503")
    failed = await fetch_buyer_media(_Fetching(gone), _message("image", "https://tts.test/a"))
    big_video = await fetch_buyer_media(
        _Fetching(MediaTooLarge(25 * 1024 * 1024)), _message("video", "https://tts.test/v")
    )
    assert failed is not None
    assert failed.postable is None
    assert failed.note.state == "failed"
    assert MediaRef.loads(failed.note.retry_ref) == MediaRef("c1", "https://tts.test/a", "image")
    assert big_video is not None
    assert (big_video.note.state, big_video.note.size) == ("too_big", 25 * 1024 * 1024)
    assert MediaRef.loads("not json") is None
