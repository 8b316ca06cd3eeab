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
    BULK_OFFER = "bulk_offer"  # "accept all" on a digest: asks to confirm
    BULK_GO = "bulk_go"
    BULK_BACK = "bulk_back"
    BULK_RETRY = "bulk_retry"  # only the failures of a finished run
    CLAIM = "claim"  # take a conversation; pressed on a handled one, says who has it
    CLAIM_TAKEOVER = "claim_takeover"  # ref is "<expected handler id>:<conversation>"
    CLAIM_KEEP = "claim_keep"  # leave the handler be (the takeover question's Cancel)
    CLAIM_RELEASE = "claim_release"
    ORDER = "order"
    SHOW_MEDIA = "show_media"  # fetch a buyer's photo and post it; ref is a MediaRef's JSON
    QUICK_REPLIES = "quick"  # open a conversation's quick-reply menu
    TEMPLATE = "template"  # send one quick reply; ref is "<name>:<conversation>"
    RETURN_APPROVE = "return_approve"
    RETURN_REJECT = "return_reject"  # opens the picker of the marketplace's reasons
    RETURN_REASON = "return_reason"
    RETURN_COMMENT = "return_comment"
    RETURN_GO = "return_go"
    RETURN_BACK = "return_back"
    RETURN_PHOTOS = "return_photos"  # post the buyer's photos of a request; ref is its id


class LinkKind(StrEnum):
    """What a message in the staff group stands for, so a reply to it can be understood."""

    ORDER = "order"
    CONVERSATION = "conversation"
    CHAT_DIGEST = "chat_digest"  # many buyers in one message: a reply to it answers nobody
    PROMPT_REASON = "prompt_reason"  # a question whose answer is a typed reject reason
    PROMPT_CLOSE = "prompt_close"  # a question whose answer is the shop's reopening details
    PROMPT_RETURN = "prompt_return"  # a question whose answer is a return rejection's comment

    @property
    def is_prompt(self) -> bool:
        """A question tokobot asked, whose answer continues a reject."""
        return self in (LinkKind.PROMPT_REASON, LinkKind.PROMPT_CLOSE)
