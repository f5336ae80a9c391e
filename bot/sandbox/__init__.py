"""An in-memory GitHub for tests and `blindspot demo`, checked against GitHub's own OpenAPI description."""

from bot.sandbox.server import Call, GitHubStandIn

__all__ = ["Call", "GitHubStandIn"]
