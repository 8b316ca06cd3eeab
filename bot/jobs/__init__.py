"""Scheduled work (a module per job, wired to PTB's JobQueue in ``runner``) and its pure rules.

Jobs post through ``bot.relay`` and keep their state in storage; never import ``handlers``.
"""
