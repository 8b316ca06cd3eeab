# tokobot in a container: `docker compose up -d` (see compose.yaml and README, "Go live").
# Build stage: a wheel of tokobot and its dependencies, so the runtime image has no compiler
# and no source tree.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080 \
    DATABASE_URL=sqlite+aiosqlite:////var/lib/tokobot/tokobot.db
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/tokobot --create-home tokobot
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
# The working directory holds the SQLite file when DATABASE_URL is not PostgreSQL.
WORKDIR /var/lib/tokobot
VOLUME /var/lib/tokobot
USER tokobot
EXPOSE 8080
# /healthz answers 503 only when the database is unreachable ("degraded" is still 200).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('HTTP_PORT', '8080'), timeout=4)"]
# `docker run IMAGE doctor` (or backup, migrate, ...) runs another tokobot command.
ENTRYPOINT ["tokobot"]
CMD ["run"]
