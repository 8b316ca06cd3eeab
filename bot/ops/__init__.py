"""Operator commands: ``tokobot doctor``, webhook registration and ``tokobot backup``.

They run outside the served process, build only the clients they need from ``Settings`` and
print for a person at a terminal; nothing here is imported by the running bot.
"""
