"""Server configuration from the environment (12-factor), checked once at start.

A missing secret or key, or a database URL we cannot use, raises `ConfigError` with one line
that says what to set; `blindspot serve` prints it and exits (DESIGN.md "Server configuration").
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite:///blindspot.db"
DEFAULT_GITHUB_URL = "https://api.github.com"


class ConfigError(Exception):
    """A configuration problem that stops the start; the message is the one line shown."""


@dataclass(frozen=True)
class Settings:
    app_id: str
    private_key: str
    webhook_secret: bytes
    database_url: str = DEFAULT_DATABASE_URL
    github_url: str = DEFAULT_GITHUB_URL
    host: str = "0.0.0.0"
    port: int = 8080
    log_level: str = "info"
    log_format: str = "json"
    workers: int = 4
    """Jobs run at the same time (never two of one PR)."""
    lease_seconds: float = 120.0
    """A job claimed by a process that stopped renewing it is taken again after this."""
    max_attempts: int = 5
    retry_base_seconds: float = 2.0
    """Backoff before retry n is retry_base_seconds * 2**(n-1)."""
    coalesce_seconds: float = 0.5
    """Pushes (synchronize) wait this long so a burst is analysed once, at the newest head."""
    poll_seconds: float = 1.0
    max_rate_wait_seconds: float = 120.0
    """Longest in-request wait for a rate limit; longer waits become a job retry."""
    http_timeout_seconds: float = 30.0
    writes_per_minute: int = 80
    analysis_processes: int = 1
    """Processes that parse Rust (0: a thread of the server process)."""


def _num(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None


def _private_key(env: Mapping[str, str]) -> str:
    key = env.get("BLINDSPOT_PRIVATE_KEY", "")
    path = env.get("BLINDSPOT_PRIVATE_KEY_PATH", "")
    if not key and path:
        try:
            key = Path(path).read_text()
        except OSError as e:
            raise ConfigError(f"BLINDSPOT_PRIVATE_KEY_PATH: cannot read {path}: {e.strerror}") from None
    if not key:
        raise ConfigError("set BLINDSPOT_PRIVATE_KEY or BLINDSPOT_PRIVATE_KEY_PATH (the GitHub App's private key, PEM)")
    if "PRIVATE KEY" not in key:
        raise ConfigError("the GitHub App private key is not a PEM key (expected '-----BEGIN ... PRIVATE KEY-----')")
    return key


def check_database_url(url: str) -> str:
    """The URL if we can use it; only SQLite is wired today (PostgreSQL is the scale-out plan)."""
    if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        folder = Path(url.removeprefix("sqlite:///")).parent
        if not folder.is_dir():
            raise ConfigError(f"BLINDSPOT_DATABASE_URL: cannot open the database: folder {folder} does not exist")
        return url
    if url.startswith(("postgresql://", "postgres://")):
        raise ConfigError("BLINDSPOT_DATABASE_URL: PostgreSQL is not supported by this version; use sqlite:///PATH")
    raise ConfigError(f"BLINDSPOT_DATABASE_URL must look like sqlite:///PATH, got {url!r}")


def load(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from `env` (default: the process environment); raises ConfigError."""
    env = os.environ if env is None else env
    secret = env.get("BLINDSPOT_WEBHOOK_SECRET", "")
    if not secret:
        raise ConfigError("set BLINDSPOT_WEBHOOK_SECRET (the GitHub App's webhook secret); "
                          "refusing to accept unsigned webhooks")
    app_id = env.get("BLINDSPOT_APP_ID", "")
    if not app_id.isdigit():
        raise ConfigError("set BLINDSPOT_APP_ID to the GitHub App's numeric id")
    log_format = env.get("BLINDSPOT_LOG_FORMAT", "json")
    if log_format not in ("json", "console"):
        raise ConfigError(f"BLINDSPOT_LOG_FORMAT must be json or console, got {log_format!r}")
    return Settings(
        app_id=app_id,
        private_key=_private_key(env),
        webhook_secret=secret.encode(),
        database_url=check_database_url(env.get("BLINDSPOT_DATABASE_URL", DEFAULT_DATABASE_URL)),
        github_url=env.get("BLINDSPOT_GITHUB_URL", DEFAULT_GITHUB_URL).rstrip("/"),
        host=env.get("BLINDSPOT_HOST", "0.0.0.0"),
        port=int(_num(env, "PORT", 8080)),
        log_level=env.get("BLINDSPOT_LOG_LEVEL", "info").lower(),
        log_format=log_format,
        workers=max(1, int(_num(env, "BLINDSPOT_WORKERS", 4))),
        lease_seconds=_num(env, "BLINDSPOT_LEASE_SECONDS", 120.0),
        max_attempts=max(1, int(_num(env, "BLINDSPOT_MAX_ATTEMPTS", 5))),
        retry_base_seconds=_num(env, "BLINDSPOT_RETRY_BASE_SECONDS", 2.0),
        coalesce_seconds=_num(env, "BLINDSPOT_COALESCE_SECONDS", 0.5),
        poll_seconds=_num(env, "BLINDSPOT_POLL_SECONDS", 1.0),
        max_rate_wait_seconds=_num(env, "BLINDSPOT_MAX_RATE_WAIT_SECONDS", 120.0),
        http_timeout_seconds=_num(env, "BLINDSPOT_HTTP_TIMEOUT_SECONDS", 30.0),
        analysis_processes=max(0, int(_num(env, "BLINDSPOT_ANALYSIS_PROCESSES", 1))),
    )
