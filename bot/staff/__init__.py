"""The services behind staff buttons and commands: accept, reject, cancellations, replies.

Handlers call these; they post through ``bot.relay`` and never import ``handlers`` or ``bot.app``.
"""
