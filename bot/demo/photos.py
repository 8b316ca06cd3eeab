"""Photos in the demo: a staff member's, sent from the group's composer."""

from __future__ import annotations

from bot.demo.board import DemoError
from bot.demo.cast import CHAT_ID, staff_member
from bot.demo.stage import Stage
from bot.sandbox.images import make_png


def staff_sends_photo(
    stage: Stage, key: str, caption: str, *, reply_to: int | None, thread: int | None
) -> int:
    """A staff member sends a photo (a generated picture), captioned or not."""
    try:
        member = staff_member(key)
    except LookupError as exc:
        raise DemoError(400, str(exc)) from None
    picture = make_png(480, 360, shade=stage.fake.world.serial() * 37)
    try:
        return stage.fake.user_sends_photo(
            CHAT_ID,
            member.user_id,
            caption=caption or None,
            first_name=member.name,
            reply_to=reply_to,
            thread_id=thread if stage.topics_enabled else None,
            data=picture,
        )
    except ValueError as exc:
        raise DemoError(400, str(exc)) from None
