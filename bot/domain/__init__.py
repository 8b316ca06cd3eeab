"""Neutral values the whole core speaks: shops, orders, conversations, events and errors.

Imports nothing from storage, marketplaces, ``telegram`` or any other stage of ``bot``.
"""
