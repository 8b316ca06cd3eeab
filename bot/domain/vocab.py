"""The words stored behind Telegram messages and buttons; their values are in the database."""

from __future__ import annotations

from enum import StrEnum


class ButtonAction(StrEnum):
    """What an inline button does; stored with its callback token."""

    REPLY = "reply"
    RETRY_REPLY = "retry_reply"
    ACCEPT = "accept"
    REJECT = "reject"
    REJECT_CODE = "reject_code"
    REJECT_BACK = "reject_back"
    REJECT_GO = "reject_go"
    REJECT_TEXT = "reject_text"
    CANCEL_OK = "cancel_ok"
    CANCEL_NO = "cancel_no"
    ORDER = "order"


class LinkKind(StrEnum):
    """What a message in the staff group stands for, so a reply to it can be understood."""

    ORDER = "order"
    CONVERSATION = "conversation"
    PROMPT_REASON = "prompt_reason"  # a question whose answer is a typed reject reason
    PROMPT_CLOSE = "prompt_close"  # a question whose answer is the shop's reopening details

    @property
    def is_prompt(self) -> bool:
        """A question tokobot asked, whose answer continues a reject."""
        return self in (LinkKind.PROMPT_REASON, LinkKind.PROMPT_CLOSE)
