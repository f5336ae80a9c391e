"""Shared pytest fixtures: the GitHub stand-in (fails the test on any contract violation)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import cache

import pytest

from bot.sandbox import GitHubStandIn
from bot.sandbox.auth import generate_key_pair

pytest_plugins = ("pytester",)


@cache
def app_key_pair() -> tuple[str, str]:
    """(private PEM, public PEM) of the test App, generated once per session (RSA generation is slow)."""
    return generate_key_pair()


@pytest.fixture
async def standin() -> AsyncIterator[GitHubStandIn]:
    """A started stand-in: installation 1 on account `octo`, repo `octo/widgets`, App id 1.

    `standin.private_key_pem` signs the bot's App JWTs. At teardown the test fails if any request or
    response broke GitHub's OpenAPI contract (`standin.violations`).
    """
    private, public = app_key_pair()
    server = GitHubStandIn(app_id=1, public_key_pem=public, private_key_pem=private)
    server.add_installation(1, "octo")
    server.add_repo("octo", "widgets", 1)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
    if server.violations:
        pytest.fail("GitHub contract violations:\n" + "\n".join(server.violations), pytrace=False)
