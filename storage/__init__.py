"""Durable state: SQLModel tables, the inbox, and one module of repository functions per entity.

Imports nothing from ``bot`` but ``bot.domain``, and nothing from ``handlers`` or ``telegram``.
"""
