"""What the Tokopedia app (its fs_id) holds: its token, webhook registration and shops."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from bot.marketplaces.lenient import Flag, Id, Int, Text

from .base import Many, Model


class Token(Model):
    access_token: str = Field(repr=False)
    expires_in: int
    token_type: Text = "Bearer"  # noqa: S105 - a scheme name, not a secret


WEBHOOK_URL_FIELDS = (
    "order_notification_url",
    "order_cancellation_url",
    "order_status_url",
    "order_request_cancellation_url",
    "chat_notification_url",
    "product_creation_url",
    "product_changes_url",
    "campaign_notification_url",
    "order_partial_fulfillment_url",
)


class WebhookRegistration(Model):
    """List Registered Webhook (app info). Unknown keys are kept so a merge can resend them."""

    model_config = ConfigDict(extra="allow")

    fs_id: Id = ""
    order_notification_url: Text = ""
    order_cancellation_url: Text = ""
    order_status_url: Text = ""
    order_request_cancellation_url: Text = ""
    chat_notification_url: Text = ""
    product_creation_url: Text = ""
    product_changes_url: Text = ""
    campaign_notification_url: Text = ""
    order_partial_fulfillment_url: Text = ""
    webhook_secret: Text = Field("", repr=False)  # returned in clear; keep it out of logs


class ShopInfo(Model):
    shop_id: Id
    shop_name: Text = ""
    user_id: Id = ""
    logo: Text = ""
    shop_url: Text = ""
    is_open: Int = 0
    status: Int = 0
    date_shop_created: Text = ""
    domain: Text = ""
    admin_id: Many[Id] = Field(default_factory=list)
    reason: Text = ""
    district_id: Id = ""
    province_name: Text = ""
    subscribe_tokocabang: Flag = False
    is_mitra: Flag = False
