"""tokobot benchmarks (README, "Benchmarks"): ``python -m bench``.

* ``ingest``: signed webhooks over real sockets into the real HTTP app, against a bare
  endpoint on the same FastAPI/uvicorn stack measured in the same run.
* ``burst``: 1,000 new orders through the relay into the strict fake Telegram with its real
  20/min flood control, until every order is visible with a button in the staff group.
"""
