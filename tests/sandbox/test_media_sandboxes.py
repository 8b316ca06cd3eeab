"""The media rules of both sandboxes: what Telegram and TikTok Shop accept and refuse."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from telegram import Bot
from telegram.error import BadRequest
from telegram.request import HTTPXRequest

from bot.sandbox.images import make_png, probe
from bot.sandbox.telegram import FakeTelegram
from bot.sandbox.tiktokshop import TikTokSandboxState, create_app, request_sign

GROUP = -1009876543210
STAFF = 42
SHOP = "7495540735365777507"
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture(name="fake")
def _fake():
    fake = FakeTelegram()
    fake.add_chat(GROUP, "Staff", members={STAFF: "member"})
    return fake


def _bot(fake: FakeTelegram) -> Bot:
    return Bot(
        fake.token,
        base_url="http://fake/bot",
        base_file_url="http://fake/file/bot",
        request=HTTPXRequest(httpx_kwargs={"transport": fake.transport()}),
        get_updates_request=HTTPXRequest(httpx_kwargs={"transport": fake.transport()}),
    )


class TestImages:
    def test_probe_reads_the_size_of_a_png_and_refuses_other_bytes(self):
        assert probe(make_png(31, 17)).width == 31
        assert probe(make_png(31, 17)).height == 17
        assert probe(b"%PDF-1.4 not a picture") is None


class TestTelegramPhotos:
    async def test_an_uploaded_photo_keeps_its_bytes_and_caption(self, fake):
        picture = make_png(64, 48)
        async with _bot(fake) as bot:
            sent = await bot.send_photo(GROUP, picture, caption="<b>Dewi</b>", parse_mode="HTML")
        assert sent.caption == "Dewi"
        assert (sent.photo[-1].width, sent.photo[-1].height) == (64, 48)
        assert fake.photo_bytes(fake.messages(GROUP)[-1]) == picture

    async def test_bytes_that_are_no_image_are_refused(self, fake):
        async with _bot(fake) as bot:
            with pytest.raises(BadRequest, match="Image_process_failed"):
                await bot.send_photo(GROUP, b"not a picture at all")

    async def test_a_caption_over_1024_characters_is_refused(self, fake):
        async with _bot(fake) as bot:
            with pytest.raises(BadRequest, match="caption is too long"):
                await bot.send_photo(GROUP, make_png(4, 4), caption="x" * 1025)

    async def test_a_url_is_fetched_without_the_bots_headers(self, fake):
        """Only a public URL works: Telegram's servers can't send a shop's token."""
        picture = make_png(20, 20)
        fake.serve_url("https://cdn.example.test/a.png", picture)
        async with _bot(fake) as bot:
            await bot.send_photo(GROUP, "https://cdn.example.test/a.png")
            with pytest.raises(BadRequest, match="Failed to get http url content"):
                await bot.send_photo(GROUP, "https://tiktok.test/media/image/secret.jpeg")
        assert fake.photo_bytes(fake.messages(GROUP)[-1]) == picture

    async def test_a_file_id_resends_a_known_file_and_an_unknown_one_is_refused(self, fake):
        async with _bot(fake) as bot:
            first = await bot.send_photo(GROUP, make_png(5, 5))
            again = await bot.send_photo(GROUP, first.photo[-1].file_id)
            with pytest.raises(BadRequest, match="Wrong file identifier"):
                await bot.send_photo(GROUP, "AgAC-nothing-here")
        assert again.photo[-1].file_size == first.photo[-1].file_size

    async def test_get_file_and_the_download_path_give_back_a_persons_photo(self, fake):
        picture = make_png(300, 200, shade=4)
        fake.user_sends_photo(GROUP, STAFF, data=picture)
        async with _bot(fake) as bot:
            [update] = await bot.get_updates()
            assert update.message is not None
            found = await bot.get_file(update.message.photo[-1].file_id)
            assert bytes(await found.download_as_bytearray()) == picture
        wrong = await httpx.AsyncClient(transport=fake.transport()).get(
            f"http://fake/file/bot1:WRONG/{found.file_path.rsplit('/bot', 1)[-1]}"
        )
        assert wrong.status_code == 404

    async def test_a_text_edit_of_a_photo_is_refused_and_its_caption_edit_works(self, fake):
        async with _bot(fake) as bot:
            sent = await bot.send_photo(GROUP, make_png(5, 5), caption="a")
            with pytest.raises(BadRequest, match="no text in the message"):
                await bot.edit_message_text("b", GROUP, sent.message_id)
            edited = await bot.edit_message_caption(GROUP, sent.message_id, caption="b")
            with pytest.raises(BadRequest, match="not modified"):
                await bot.edit_message_caption(GROUP, sent.message_id, caption="b")
        assert edited.caption == "b"


def _tts() -> TikTokSandboxState:
    state = TikTokSandboxState(app_key="k", app_secret="s", service_id="1")
    state.add_shop(SHOP, "Toko")
    return state


async def _grant(client: httpx.AsyncClient, state: TikTokSandboxState) -> str:
    code = state.issue_auth_code([SHOP])
    answer = await client.get(
        "/api/v2/token/get",
        params={
            "app_key": "k",
            "app_secret": "s",
            "auth_code": code,
            "grant_type": "authorized_code",
        },
    )
    return str(answer.json()["data"]["access_token"])


@asynccontextmanager
async def _seller(state: TikTokSandboxState) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """A client of the sandbox's app, holding the shop's freshly granted access token."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(state)), base_url="http://tiktok.test"
    ) as client:
        yield client, await _grant(client, state)


async def _signed(client, state, method, path, token, *, body=b"", files=None):
    """A request signed as the API wants: a multipart body is left out of the signature."""
    cipher = state.shop(SHOP)["cipher"]
    query = {"app_key": "k", "timestamp": str(state.now()), "shop_cipher": cipher}
    query["sign"] = request_sign(path, query, body, "s")
    headers = {"x-tts-access-token": token}
    if files is not None:
        return await client.request(method, path, params=query, files=files, headers=headers)
    headers["content-type"] = "application/json"
    return await client.request(method, path, params=query, content=body, headers=headers)


class TestTikTokShopMedia:
    async def test_upload_then_image_message_with_the_returned_url(self):
        state = _tts()
        async with _seller(state) as (client, token):
            picture = make_png(90, 60)
            upload = await _signed(
                client,
                state,
                "POST",
                "/customer_service/202309/images/upload",
                token,
                files={"data": ("image", picture, "image/png")},
            )
            data = upload.json()["data"]
            assert (data["width"], data["height"]) == (90, 60)
            conv = state.add_conversation(SHOP, "Dewi")
            path = f"/customer_service/202309/conversations/{conv}/messages"
            elsewhere = {"url": "https://elsewhere.test/x.png", "width": 90, "height": 60}
            forged = json.dumps({"type": "IMAGE", "content": json.dumps(elsewhere)}).encode()
            refused = await _signed(client, state, "POST", path, token, body=forged)
            assert refused.json()["code"] != 0
            good = json.dumps({"type": "IMAGE", "content": json.dumps(data)}).encode()
            sent = await _signed(client, state, "POST", path, token, body=good)
            assert sent.json()["code"] == 0
        assert state.media.image(state.sent_messages[-1]["content"]) == picture

    async def test_an_upload_over_ten_megabytes_or_not_an_image_is_refused(self):
        state = _tts()
        async with _seller(state) as (client, token):
            path = "/customer_service/202309/images/upload"
            huge = make_png(5, 5, padding=11 * MB)
            big = await _signed(
                client, state, "POST", path, token, files={"data": ("image", huge, "x")}
            )
            not_image = await _signed(
                client, state, "POST", path, token, files={"data": ("image", b"%PDF", "x")}
            )
        assert "10 MB" in big.json()["message"]
        assert not_image.json()["code"] != 0

    async def test_a_buyers_media_needs_the_shops_token_and_cipher(self):
        state = _tts()
        async with _seller(state) as (client, token):
            conv = state.add_conversation(SHOP, "Dewi")
            message = state.buyer_sends_media(conv, make_png(8, 8))
            url = json.loads(message["content"])["url"]
            cipher = state.shop(SHOP)["cipher"]
            anonymous = await client.get(url)
            no_cipher = await client.get(url, headers={"x-tts-access-token": token})
            good = await client.get(
                url, headers={"x-tts-access-token": token}, params={"shop_cipher": cipher}
            )
        assert (anonymous.status_code, no_cipher.status_code, good.status_code) == (403, 403, 200)
        assert good.content == make_png(8, 8)
