"""Stage 1, in: the web app, marketplace webhook routes, the OAuth callback and health.

Verify, parse, store, answer. Knows no Telegram: it imports neither PTB's ``Application`` nor
``handlers``, and is handed the ``store`` callable by the composition root.
"""
