"""The services behind staff buttons and commands: decisions, rejects, replies, cards, lookups.

``handlers/`` call these; they post through ``services.sender`` (``bot.relay``) and never
import ``handlers`` or ``bot.app``.
"""
