"""bot/github.py limits that need no server: write pacing per installation, long waits become retries."""

from __future__ import annotations

import aiohttp
import pytest

from bot.config import ConfigError, Settings
from bot.demo import key_pair
from bot.github import GitHubApp, InstallationAPI, Transient, load_key

KEY = key_pair()[0]


async def _client(**settings) -> tuple[aiohttp.ClientSession, InstallationAPI, list[float]]:
    session = aiohttp.ClientSession()
    app = GitHubApp(session, Settings(app_id="1", private_key=KEY, webhook_secret=b"s", **settings))
    gh = InstallationAPI(app, 1, "token")
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    gh.sleep = fake_sleep  # type: ignore[method-assign]
    return session, gh, waits


async def test_content_creating_calls_are_paced_and_reads_are_not():
    session, gh, waits = await _client(writes_per_minute=3)
    async with session:
        for _ in range(5):
            await gh.manage_rate_limit(method="GET", url="x")
        for _ in range(4):
            await gh.manage_rate_limit(method="POST", url="x")
    assert len(waits) == 1 and 59 < waits[0] <= 60


async def test_a_wait_longer_than_allowed_becomes_a_job_retry():
    session, gh, _ = await _client(writes_per_minute=1, max_rate_wait_seconds=10)
    async with session:
        await gh.manage_rate_limit(method="POST", url="x")
        with pytest.raises(Transient) as e:
            await gh.manage_rate_limit(method="POST", url="x")
    assert e.value.after > 10


def test_a_key_that_is_not_a_pem_key_is_a_config_error():
    with pytest.raises(ConfigError, match="private key"):
        load_key("-----BEGIN RSA PRIVATE KEY-----\nnot base64\n-----END RSA PRIVATE KEY-----\n")
