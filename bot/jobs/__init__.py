"""Scheduled work on PTB's JobQueue, and its pure scheduling rules (``rules``).

Jobs post through ``bot.relay`` and keep their state in storage; never import ``handlers``.
"""
