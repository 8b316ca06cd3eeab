"""``tokobot demo``: tokobot wired to the Telegram fake and the Tokopedia sandbox, with a page.

One process serves three apps on loopback: the strict fake Bot API, the Tokopedia simulator
and tokobot itself, built by ``bot.app.runtime`` from ordinary ``Settings`` that point at the
two fakes. Only in this mode does tokobot's web app also serve ``/demo``: a staff-group view
on the left, the marketplace on the right.

Modules: ``cast`` (the fixed people, group and shops), ``views`` (pure JSON views and safe
HTML from Telegram entities), ``stage`` (the fakes plus the actions the page can take),
``market_log`` (what tokobot sent the marketplace), ``persist`` (the fakes' state in a
JSON file beside the database), ``api`` (the ``/demo`` router), ``serving`` (uvicorn on a
pre-bound loopback socket), ``run`` (the command).
"""
