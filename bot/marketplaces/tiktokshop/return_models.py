"""Pydantic models of the Return and Refund API and webhook type 12 (doc §10.5).

Read as leniently as the order models (``models``): unknown keys ignored, ids kept as
strings, amounts (strings in the API) in whole Rupiah, Unix-second times as aware datetimes.
Field names follow the API reference as the doc quotes it, checked against EcomPHP's
``src/Resources/ReturnRefund.php`` (EcomPHP/tiktokshop-php@dbbec21), which sends the same
paths, and the official SDK's ``returnRefundV202309Api.ts`` models the doc cites.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from bot.marketplaces.lenient import Flag, Id, Int, Text

# A return's seller_next_action_response rows are the cancellation's: one model serves both.
from .models import Many, Money, NextAction, Timestamp


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ReturnStatusData(_Model):
    """Webhook type 12. ``return_status`` stays an open string: the doc's own example spells
    a status the enum does not have (``RETURN_OR_REFUND__REQUEST_CANCELLED``)."""

    order_id: Id
    return_status: Text = ""
    return_id: Id = ""
    return_role: Text = ""
    return_type: Text = ""
    create_time: Timestamp = None
    update_time: Timestamp = None


class RefundAmount(_Model):
    currency: Text = ""
    refund_total: Money = 0
    refund_subtotal: Money = 0
    refund_shipping_fee: Money = 0


class ReturnLineItem(_Model):
    return_line_item_id: Id = ""
    order_line_item_id: Id = ""
    sku_id: Id = ""
    sku_name: Text = ""
    product_name: Text = ""
    seller_sku: Text = ""
    refund_amount: RefundAmount | None = None


class ReturnOrder(_Model):
    """A Search Returns row (the fields tokobot shows or decides by)."""

    return_id: Id = Field(validation_alias=AliasChoices("return_id", "id"))
    order_id: Id
    return_type: Text = ""
    return_status: Text = Field("", validation_alias=AliasChoices("return_status", "status"))
    arbitration_status: Text = ""
    role: Text = ""
    return_reason: Text = ""
    return_reason_text: Text = ""
    create_time: Timestamp = None
    update_time: Timestamp = None
    seller_next_action_response: Many[NextAction] = Field(default_factory=list)
    refund_amount: RefundAmount | None = None
    return_line_items: Many[ReturnLineItem] = Field(default_factory=list)
    return_tracking_number: Text = ""
    can_buyer_keep_item: Flag = False

    @property
    def next_action(self) -> NextAction | None:
        """The seller's pending answer, if any: the one with a deadline, else the first."""
        actions = [a for a in self.seller_next_action_response if a.action]
        return next((a for a in actions if a.deadline), actions[0] if actions else None)

    @property
    def deadline(self) -> datetime | None:
        action = self.next_action
        return action.deadline if action else None


class ReturnPage(_Model):
    return_orders: Many[ReturnOrder] = Field(default_factory=list)
    next_page_token: Text = ""
    total_count: Int = 0

    @property
    def is_empty(self) -> bool:
        return not self.return_orders


class RecordImage(_Model):
    url: Text = ""
    width: Int = 0
    height: Int = 0


class ReturnRecord(_Model):
    """One entry of Get Return Records: the buyer's request, a seller's answer, … with the
    images either side attached (the SDK's ``GetReturnRecordsResponseDataRecords``)."""

    event: Text = ""
    role: Text = ""  # BUYER | SELLER | OPERATOR | SYSTEM; the doc's example writes "Buyer"
    description: Text = ""
    reason_text: Text = ""
    note: Text = ""
    images: Many[RecordImage] = Field(default_factory=list)
    create_time: Timestamp = None

    @property
    def from_buyer(self) -> bool:
        return self.role.strip().upper() == "BUYER"


class ReturnRecords(_Model):
    records: Many[ReturnRecord] = Field(default_factory=list)
