"""The PTB error handler: log with the traceback, tell the group briefly, once a minute."""

from __future__ import annotations

import logging
import time

from telegram import Update

from bot.context import Context
from bot.render.base import Rendered
from bot.render.catalogue import t

log = logging.getLogger(__name__)

_last_report = 0.0


async def on_error(update: object, context: Context) -> None:
    global _last_report  # noqa: PLW0603 - a process-wide throttle
    log.error("error while handling an update", exc_info=context.error)
    now = time.monotonic()
    if now - _last_report < 60:
        return
    _last_report = now
    services = context.services
    where = ""
    if isinstance(update, Update) and update.effective_message is not None:
        where = f" ({update.effective_message.message_id})"
    text = t("error.report", services.lang, error=type(context.error).__name__ + where)
    try:
        await services.sender.send(
            services.chat_id, Rendered(text), marketplace="", shop_id="", bulk=False
        )
    except Exception:
        log.warning("could not report the error to the group")
