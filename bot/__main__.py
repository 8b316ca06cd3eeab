"""``python -m bot`` is ``tokobot``."""

from bot.cli import main

raise SystemExit(main())
