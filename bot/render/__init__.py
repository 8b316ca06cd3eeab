"""Pure rendering: domain values to ``Rendered(text, keyboard)``, the catalogue and formatting.

Imports the domain only; never storage, marketplaces, ``telegram`` or ``bot.app``.
"""
