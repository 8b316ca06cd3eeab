"""What people do with files in the simulated chats, and what tests read back about them."""

from bot.sandbox.telegram import inbound
from bot.sandbox.telegram.models import FakeMessage
from bot.sandbox.telegram.world import World


class FileHooks:
    """Mixed into ``FakeTelegram``: media from people, the public web, stored bytes."""

    world: World

    def user_sends_file(
        self,
        chat_id: int,
        user_id: int,
        kind: str,
        *,
        first_name: str = "Rina",
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> int:
        """Queue a ``voice``, ``video`` or ``document`` message and return its ``message_id``."""
        return inbound.user_message(
            self.world,
            chat_id,
            user_id,
            first_name=first_name,
            reply_to=reply_to,
            thread_id=thread_id,
            content=inbound.media(self.world, kind),
        )

    def serve_url(self, url: str, data: bytes) -> None:
        """Put ``data`` on the public web, where Telegram's servers can fetch it by URL."""
        self.world.public_urls[url] = data

    def file_bytes(self, file_id: str) -> bytes:
        """The bytes Telegram holds under ``file_id`` (a photo the bot sent, for instance)."""
        return self.world.files[file_id].data

    def photo_bytes(self, message: FakeMessage) -> bytes:
        """The largest size of a photo message, as Telegram stores it."""
        return self.file_bytes(message.content["photo"][-1]["file_id"])
