"""Downloading a buyer's chat media: the shop's token and cipher, a cap, and a timeout."""

from __future__ import annotations

import json

import httpx
import pytest

from bot.marketplaces.tiktokshop.errors import InvalidRequest, NotFound, ServerError
from bot.marketplaces.tiktokshop.mapping import card_ref
from bot.marketplaces.tiktokshop.media import (
    DOWNLOAD_TIMEOUT,
    MediaTooLarge,
    UploadedImage,
    download,
)
from bot.marketplaces.tiktokshop.signer import sign
from tests.tiktokshop.conftest import APP_SECRET, CIPHER, SHOP_ID, ok

URL = "https://p16-oec-sg.ibyteimg.com/tos-alisg-i/abc.jpeg"


class _Body(httpx.AsyncByteStream):
    """A body of ``chunks`` pieces of ``size`` bytes that counts how many were read."""

    def __init__(self, chunks: int, size: int) -> None:
        self.chunks, self.size, self.read = chunks, size, 0

    async def __aiter__(self):
        for _ in range(self.chunks):
            self.read += 1
            yield b"\xff" * self.size


def _client(handler) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


async def test_the_token_and_cipher_go_with_the_request_and_the_bytes_come_back():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"picture")

    async with _client(handler) as http:
        data = await download(http, URL, token="TTP_x", cipher="GCP_c", max_bytes=100)
    assert data == b"picture"
    assert seen[0].headers["x-tts-access-token"] == "TTP_x"
    assert seen[0].url.params["shop_cipher"] == "GCP_c"
    assert seen[0].extensions["timeout"]["read"] == DOWNLOAD_TIMEOUT.read


async def test_a_body_past_the_cap_stops_the_download_early():
    """Without a content-length the stream is read only until the cap is passed."""
    body = _Body(chunks=1000, size=64 * 1024)  # 64 MB if read whole

    async with _client(lambda request: httpx.Response(200, stream=body)) as http:
        with pytest.raises(MediaTooLarge) as caught:
            await download(http, URL, token="t", cipher="c", max_bytes=10 * 1024 * 1024)
    assert body.read <= 161  # 10 MB / 64 KB, and the one piece that passed it
    assert caught.value.size > 10 * 1024 * 1024


async def test_an_announced_size_past_the_cap_is_refused_before_reading():
    body = _Body(chunks=10, size=1024)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=body, headers={"content-length": str(50 * 1024**2)})

    async with _client(handler) as http:
        with pytest.raises(MediaTooLarge):
            await download(http, URL, token="t", cipher="c", max_bytes=1024**2)
    assert body.read == 0


async def test_refused_expired_and_unreachable_media_are_errors_not_empty_pictures():
    def refused(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, content=b"Access Denied")

    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("slow", request=request)

    async with _client(refused) as http:
        with pytest.raises(NotFound):
            await download(http, URL, token="t", cipher="c", max_bytes=10)
    async with _client(broken) as http:
        with pytest.raises(ServerError):
            await download(http, URL, token="t", cipher="c", max_bytes=10)


def test_cards_keep_their_product_and_order_ids():
    assert card_ref("ORDER_CARD", '{"order_id": "5766536881"}') == "5766536881"
    assert card_ref("PRODUCT_CARD", '{"product_id": 1729000000000000001}') == "1729000000000000001"
    assert card_ref("TEXT", '{"content": "halo"}') == ""


async def test_the_token_goes_only_over_https_or_to_the_api_host(client, api):
    """A plain-http URL off the API host is refused before any request carries the token."""
    with pytest.raises(InvalidRequest):
        await client.download_media(SHOP_ID, "http://elsewhere.test/a.jpeg", max_bytes=10)
    assert api.requests == []


async def test_upload_is_multipart_field_data_signed_over_an_empty_body(client, api):
    """The multipart body is left out of the signature, as EcomPHP and the official SDK do."""
    path = "/customer_service/202309/images/upload"
    api.on("POST", path, ok({"url": "https://p16.test/up.jpeg", "width": 9, "height": 7}))
    uploaded = await client.upload_image(SHOP_ID, b"\x89PNG picture bytes")
    [request] = api.calls("POST", path)
    query = {k: v for k, v in request.url.params.items() if k != "sign"}
    assert request.url.params["sign"] == sign(path, query, b"", APP_SECRET)
    assert request.headers["content-type"].startswith("multipart/form-data")
    assert b'name="data"' in request.content
    assert b"\x89PNG picture bytes" in request.content
    assert request.url.params["shop_cipher"] == CIPHER
    assert (uploaded.url, uploaded.width, uploaded.height) == ("https://p16.test/up.jpeg", 9, 7)


async def test_an_image_message_carries_the_uploaded_url_and_size(client, api):
    conversation = "7494560109732200001"
    path = f"/customer_service/202309/conversations/{conversation}/messages"
    api.on("POST", path, ok({"message_id": "m1"}))
    image = UploadedImage(url="https://p16.test/up.jpeg", width=9, height=7)
    await client.send_image(SHOP_ID, conversation, image)
    body = json.loads(api.calls("POST", path)[0].content)
    assert body["type"] == "IMAGE"
    assert json.loads(body["content"]) == {
        "url": "https://p16.test/up.jpeg",
        "width": 9,
        "height": 7,
    }


async def test_a_photo_over_ten_megabytes_is_refused_before_any_call(client, api):
    with pytest.raises(MediaTooLarge):
        await client.upload_image(SHOP_ID, b"\x00" * (10 * 1024 * 1024 + 1))
    assert api.requests == []
