"""Stage 2, out: the worker, per-event delivery, the sender and the pacer (the group budget).

The one door to the Bot API for posting and editing; handlers and jobs post through ``Sender``.
Imports the domain, render and storage; never ``handlers`` or ``bot.app``.
"""
