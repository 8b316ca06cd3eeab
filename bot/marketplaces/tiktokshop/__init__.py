"""TikTok Shop Partner API ("Tokopedia & Shop" in Indonesia) adapter: a small internal library.

The composition root builds ``TikTokShopTokens`` -> ``TikTokShopClient`` ->
``TikTokShopMarketplace`` and hands the core only the last, as a
``bot.marketplaces.Marketplace`` that is also ``bot.marketplaces.Authorizing``.
"""

from .adapter import TikTokShopMarketplace
from .auth import TikTokShopTokens, install_log_redaction, redact
from .client import TikTokShopClient
from .errors import (
    AuthError,
    InvalidRequest,
    NotEligible,
    NotFound,
    OutcomeUnknown,
    PermissionDenied,
    QuotaExceeded,
    RateLimited,
    RejectionInvalid,
    ServerError,
    TikTokShopError,
    TokenExpired,
    classify,
)
from .quota import CustomerServiceQuota
from .signer import sign, verify_webhook, webhook_signature
from .transport import RetryPolicy

__all__ = [
    "AuthError",
    "CustomerServiceQuota",
    "InvalidRequest",
    "NotEligible",
    "NotFound",
    "OutcomeUnknown",
    "PermissionDenied",
    "QuotaExceeded",
    "RateLimited",
    "RejectionInvalid",
    "RetryPolicy",
    "ServerError",
    "TikTokShopClient",
    "TikTokShopError",
    "TikTokShopMarketplace",
    "TikTokShopTokens",
    "TokenExpired",
    "classify",
    "install_log_redaction",
    "redact",
    "sign",
    "verify_webhook",
    "webhook_signature",
]
