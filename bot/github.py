"""The one GitHub client: installation tokens, rate limits, pacing, retries and request logs.

Every call the App makes goes through `InstallationAPI._request`, so this is the one place
that counts calls, waits for limits and logs them (STYLE.md §4). Limits follow GitHub's docs
(research/peers.md §8): honour `retry-after`; when `x-ratelimit-remaining` is 0 wait for
`x-ratelimit-reset`; keep content-creating calls under ~80 a minute per installation.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiohttp
import gidgethub
import gidgethub.aiohttp
import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from bot import logging as blog
from bot.config import ConfigError, Settings

USER_AGENT = "blindspot-app"
TOKEN_MARGIN_SECONDS = 300
_WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})
log = blog.get("blindspot.github")


class Transient(Exception):
    """A failure worth retrying later (5xx, timeout, a rate limit longer than we wait in-line)."""

    def __init__(self, message: str, after: float = 0.0) -> None:
        super().__init__(message)
        self.after = after


@dataclass
class Limits:
    """What GitHub told us about one installation's budget, shared by its clients."""

    remaining: int | None = None
    reset: float = 0.0
    writes: deque[float] = field(default_factory=deque)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, Transient | gidgethub.GitHubBroken | gidgethub.RateLimitExceeded | aiohttp.ClientError
                  | asyncio.TimeoutError | ConnectionError):
        return True
    return isinstance(exc, gidgethub.BadRequest) and exc.status_code in (403, 429) and _is_rate_limit(exc)


def _is_rate_limit(exc: gidgethub.HTTPException) -> bool:
    h = exc.headers
    return "retry-after" in h or h.get("x-ratelimit-remaining") == "0" or "rate limit" in str(exc.args).lower()


class InstallationAPI(gidgethub.aiohttp.GitHubAPI):
    """gidgethub's aiohttp client for one installation, with our limits and logging."""

    def __init__(self, app: GitHubApp, installation_id: int, token: str | None) -> None:
        super().__init__(app.session, USER_AGENT, oauth_token=token, base_url=app.settings.github_url)
        self.app = app
        self.installation_id = installation_id
        self.limits = app.limits_for(installation_id)

    async def _request(self, method: str, url: str, headers: Mapping[str, str],
                       body: bytes = b"") -> tuple[int, Mapping[str, str], bytes]:
        started = time.perf_counter()
        status, resp_headers, data = await super()._request(method, url, headers, body)
        self._note_limits(resp_headers)
        path = url.removeprefix(self.base_url)
        self.app.count(method, status)
        log.debug("github call", method=method, path=path, status=status,
                  ms=round((time.perf_counter() - started) * 1000, 1), remaining=self.limits.remaining)
        return status, resp_headers, data

    def _note_limits(self, headers: Mapping[str, str]) -> None:
        if "x-ratelimit-remaining" in headers:
            self.limits.remaining = int(headers["x-ratelimit-remaining"])
            self.limits.reset = float(headers.get("x-ratelimit-reset", "0"))

    async def manage_rate_limit(self, *, method: str, url: str) -> None:
        if self.limits.remaining == 0 and self.limits.reset > time.time():
            await self._wait(self.limits.reset - time.time() + 1, "primary rate limit")
            self.limits.remaining = None
        if method in _WRITES and "/access_tokens" not in url:
            await self._pace_write()

    async def _pace_write(self) -> None:
        """At most `writes_per_minute` content-creating calls in any 60 s window."""
        async with self.limits.lock:
            window = self.limits.writes
            while len(window) >= self.app.settings.writes_per_minute:
                wait = window[0] + 60 - time.monotonic()
                if wait > 0:
                    await self._wait(wait, "write pacing")
                window.popleft()
            window.append(time.monotonic())

    async def _wait(self, seconds: float, why: str) -> None:
        if seconds > self.app.settings.max_rate_wait_seconds:
            raise Transient(f"{why}: {seconds:.0f}s to wait", after=seconds)
        log.info("github wait", reason=why, seconds=round(seconds, 2))
        await self.sleep(seconds)

    async def handle_rate_limit_error(self, *, method: str, url: str, exception: gidgethub.HTTPException,
                                      attempt: int) -> bool:
        h = exception.headers
        status = exception.status_code
        if status in (403, 429) and attempt <= 3:
            if "retry-after" in h:
                await self._wait(float(h["retry-after"]), "retry-after")
                return True
            if h.get("x-ratelimit-remaining") == "0":
                await self._wait(float(h.get("x-ratelimit-reset", "0")) - time.time() + 1, "primary rate limit")
                return True
            if _is_rate_limit(exception):
                raise Transient("secondary rate limit without retry-after", after=60)
        if status >= 500 and method == "GET" and attempt <= 2:
            await self.sleep(0.2 * attempt)
            return True
        return False

    async def content(self, owner: str, repo: str, path: str, ref: str) -> bytes | None:
        """A file's bytes at `ref`; None when absent or too large for the contents API."""
        try:
            data = await self.getitem("/repos/{owner}/{repo}/contents/{+path}{?ref}",
                                      {"owner": owner, "repo": repo, "path": path, "ref": ref})
        except gidgethub.BadRequest as e:
            if e.status_code == 404:
                return None
            raise
        if not isinstance(data, dict) or data.get("type") != "file" or data.get("encoding") != "base64":
            return None
        return base64.b64decode(data.get("content") or "")

    # -- GraphQL (review lifecycle: bot/threads.py, bot/summary.py) ------------------------------------

    @property
    def graphql_url(self) -> str:
        """`<api>/graphql` (GitHub Enterprise Server: `/api/v3` becomes `/api/graphql`)."""
        base = self.base_url.rstrip("/")
        return base.removesuffix("/v3") + "/graphql" if base.endswith("/api/v3") else base + "/graphql"

    async def graphql(self, query: str, variables: Mapping[str, Any] | None = None,  # type: ignore[override]
                      **_: Any) -> Any:
        """`data` of one GraphQL call; mutations are paced like REST writes (a 5xx raises GitHubBroken)."""
        await self.manage_rate_limit(method="POST" if query.lstrip().startswith("mutation") else "GET",
                                     url=self.graphql_url)
        return await super().graphql(query, endpoint=self.graphql_url, **dict(variables or {}))


class GitHubApp:
    """The App: one shared ClientSession and installation tokens cached until shortly before expiry."""

    def __init__(self, session: aiohttp.ClientSession, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self._tokens: dict[int, tuple[str, float]] = {}
        self._token_locks: dict[int, asyncio.Lock] = {}
        self._limits: dict[int, Limits] = {}
        self.calls: Counter[str] = Counter()
        self.ensured_labels: set[str] = set()
        self._key = load_key(settings.private_key)
        """`owner/repo:label` known to exist (bot/labels.py creates it once per process)."""

    def limits_for(self, installation_id: int) -> Limits:
        return self._limits.setdefault(installation_id, Limits())

    def count(self, method: str, status: int) -> None:
        self.calls["total"] += 1
        self.calls[method] += 1
        if method in _WRITES:
            self.calls["writes"] += 1

    async def installation(self, installation_id: int) -> InstallationAPI:
        return InstallationAPI(self, installation_id, await self.token(installation_id))

    async def token(self, installation_id: int) -> str:
        lock = self._token_locks.setdefault(installation_id, asyncio.Lock())
        async with lock:
            cached = self._tokens.get(installation_id)
            if cached is not None and cached[1] - TOKEN_MARGIN_SECONDS > time.time():
                return cached[0]
            raw = await InstallationAPI(self, installation_id, None).post(
                "/app/installations/{installation_id}/access_tokens", {"installation_id": installation_id},
                data=b"", jwt=self.app_jwt())
            expires = datetime.fromisoformat(str(raw["expires_at"]).replace("Z", "+00:00")).timestamp()
            self._tokens[installation_id] = (str(raw["token"]), expires)
            log.info("installation token", installation_id=installation_id, expires_at=raw["expires_at"])
            return str(raw["token"])


    def app_jwt(self) -> str:
        """A 10-minute App JWT (RS256), issued 60 s in the past to allow for clock drift."""
        now = int(time.time()) - 60
        return jwt.encode({"iat": now, "exp": now + 600, "iss": self.settings.app_id}, self._key, algorithm="RS256")


def load_key(pem: str) -> RSAPrivateKey:
    """The App's private key, parsed once (parsing checks the key and takes a noticeable fraction of a second)."""
    try:
        key = load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as e:
        raise ConfigError(f"the GitHub App private key cannot be read: {e}") from None
    if not isinstance(key, RSAPrivateKey):
        raise ConfigError("the GitHub App private key must be an RSA key (GitHub Apps sign with RS256)")
    return key


def new_session(settings: Settings) -> aiohttp.ClientSession:
    timeout = aiohttp.ClientTimeout(total=settings.http_timeout_seconds)
    return aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=50))


async def paged(gh: InstallationAPI, url: str, url_vars: Mapping[str, Any], limit: int) -> list[dict[str, Any]]:
    """Items of a paginated list (Link headers followed), at most `limit`."""
    out: list[dict[str, Any]] = []
    async for item in gh.getiter(url, url_vars):
        out.append(item)
        if len(out) >= limit:
            break
    return out
