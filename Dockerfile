# Blindspot GitHub App: one container, webhooks + worker, state in SQLite on a volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PORT=8080 BLINDSPOT_DATABASE_URL=sqlite:////data/blindspot.db BLINDSPOT_LOG_FORMAT=json

RUN useradd --create-home --uid 10001 blindspot && mkdir /data && chown blindspot /data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY checks ./checks
COPY bot ./bot
RUN pip install . && rm -rf /root/.cache

USER blindspot
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8080\")}/healthz', timeout=2)"
CMD ["blindspot", "serve"]
