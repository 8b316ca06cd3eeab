"""Tokopedia Open Platform (Seller API) adapter: a small internal library.

The composition root builds ``TokopediaAuth`` -> ``TokopediaClient`` -> ``TokopediaMarketplace``
and hands the core only the last, as a ``bot.marketplaces.Marketplace``.
"""

from .adapter import TokopediaMarketplace
from .auth import TokopediaAuth
from .client import TokopediaClient
from .errors import (
    AuthError,
    InvalidRequest,
    NotEligible,
    NotFound,
    OutcomeUnknown,
    PermissionDenied,
    RateLimited,
    RejectionInvalid,
    ServerError,
    TokopediaError,
    classify,
)
from .protocol import sign, verify_signature
from .transport import RetryPolicy

__all__ = [
    "AuthError",
    "InvalidRequest",
    "NotEligible",
    "NotFound",
    "OutcomeUnknown",
    "PermissionDenied",
    "RateLimited",
    "RejectionInvalid",
    "RetryPolicy",
    "ServerError",
    "TokopediaAuth",
    "TokopediaClient",
    "TokopediaError",
    "TokopediaMarketplace",
    "classify",
    "sign",
    "verify_signature",
]
