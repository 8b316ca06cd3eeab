"""``tokobot demo``: tokobot wired to the Telegram fake and both marketplace sandboxes.

One process serves four apps on loopback: the strict fake Bot API, the Tokopedia simulator,
the TikTok Shop simulator (shown as "Tokopedia & Shop") and tokobot itself, built by
``bot.app.runtime`` from ordinary ``Settings`` that point at the fakes
(``MARKETPLACES=tokopedia,tiktokshop``). Only in this mode does tokobot's web app also serve
``/demo``: a staff-group view on the left, the marketplaces on the right.

Modules: ``cast`` (the fixed people, group and shops), ``views`` (pure JSON views and safe
HTML from Telegram entities), ``board`` (refusals, the event bus and the shared log),
``stage`` (the fakes plus the actions the page can take on Tokopedia), ``tiktok`` (the same
for Tokopedia & Shop, and the seller's authorization), ``market_log`` (what tokobot sent the
marketplaces), ``persist`` (the fakes' state in a JSON file beside the database), ``api``
(the ``/demo`` router), ``serving`` (uvicorn on a pre-bound loopback socket), ``run`` (the
command).
"""
