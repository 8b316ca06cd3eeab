"""Whether the shop may write to a buyer at all right now, for marketplaces that say so.

Tokopedia & Shop lets a shop message a buyer only inside an eligibility window (a chat in the
last 30 days, an order in the last 60, or an after-sale case); its conversations carry the
answer as ``can_send_message``. A marketplace with such a rule implements ``ChecksMessaging``;
tokobot asks before a message nobody typed (the away message), so it is not sent only to be
refused.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from bot.domain.values import Conversation


@runtime_checkable
class ChecksMessaging(Protocol):
    async def may_message(self, conversation: Conversation) -> bool:
        """True if the platform lets the shop send this conversation a message now."""
        ...
