"""Stage 1, in: the web app, marketplace webhooks, health, the Telegram webhook, OAuth callback.

Verify, parse, store, answer. Never imports PTB's ``Application`` or ``handlers``: the
composition root hands it the ``store`` callable and the sink for Telegram updates.
"""
