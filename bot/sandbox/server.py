"""GitHubStandIn: a real aiohttp server on loopback that answers the GitHub REST calls the bot makes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.sandbox import api_apps, api_checks, api_issues, api_pulls, api_repos, api_reviews, api_teams, render  # noqa: F401
from bot.sandbox.auth import Auth, generate_key_pair
from bot.sandbox.dispatch import Dispatcher, Fault
from bot.sandbox.routing import public
from bot.sandbox.state import World


@dataclass
class Call:
    """One request the stand-in answered, as recorded for tests."""

    method: str
    path: str
    operation_id: str | None
    status: int
    request_json: Any
    response_json: Any
    query: dict[str, str]


class GitHubStandIn:
    """GitHub in memory, over real HTTP, checked against GitHub's OpenAPI description on every call."""

    def __init__(self, app_id: int = 1, public_key_pem: str | None = None, private_key_pem: str | None = None) -> None:
        if public_key_pem is None:
            private_key_pem, public_key_pem = generate_key_pair()
        self.app_id = app_id
        self.private_key_pem = private_key_pem  # only known when the stand-in generated the key pair
        self.public_key_pem = public_key_pem
        self.world = World()
        self.auth = Auth(app_id, public_key_pem)
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.latency = 0.0  # seconds added to every call (benchmarks)
        self.rate_limit = 5000  # primary limit per installation token (and per App JWT); 403 once it is used up
        self.url = ""
        self.archives: dict[str, tuple[str, str]] = {}  # one-time tarball download token -> (repo, sha)
        self._dispatcher = Dispatcher(self)
        self._runner: web.AppRunner | None = None

    # -- lifecycle ---------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start serving on loopback; return the base URL (also kept in `self.url`)."""
        self._runner = web.AppRunner(self._dispatcher.application(), handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        assert server is not None and isinstance(server, asyncio.base_events.Server)
        self.url = f"http://{host}:{server.sockets[0].getsockname()[1]}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- state setup ---------------------------------------------------------------------------------

    def add_installation(self, installation_id: int, account: str) -> None:
        self.world.installations[installation_id] = account

    def add_repo(self, owner: str, name: str, installation_id: int, default_branch: str = "main") -> None:
        self.world.add_repo(owner, name, installation_id, default_branch)

    def commit(self, owner: str, repo: str, branch: str, files: dict[str, bytes], message: str = "Update") -> str:
        """Set `branch` to a new commit whose tree is exactly `files`; return the commit sha."""
        return self.world.commit(owner, repo, branch, files, message)

    def open_pull_request(
        self, owner: str, repo: str, *, number: int | None = None, base: str = "main", head: str = "feature",
        title: str = "Change", author: str = "alice", draft: bool = False, body: str | None = None,
    ) -> dict[str, Any]:
        """Open a PR between two existing branches; its files and patches come from the two trees."""
        pr = self.world.open_pull(owner, repo, number, base, head, title=title, author=author, draft=draft, body=body)
        r = self.world.repo(owner, repo)
        return render.pull_request(self.world, r, pr)

    def push(
        self, owner: str, repo: str, number: int, files: dict[str, bytes], force: bool = False,
        delete: Iterable[str] = (), message: str = "Push",
    ) -> str:
        """A new commit on the PR's head branch: `files` added or replaced on top of the head tree, `delete` removed.

        With `force`, the new commit does not descend from the old head (a rewritten history).
        """
        r = self.world.repo(owner, repo)
        pr = self.world.pull(owner, repo, number)
        _, tree = self.world.tree_at(r, pr.head)
        tree = {**tree, **files}
        for path in delete:
            tree.pop(path, None)
        if force:
            r.branches[pr.head] = pr.base_sha
        return self.world.commit(owner, repo, pr.head, tree, message)

    def add_collaborator(self, owner: str, repo: str, login: str, permission: str) -> None:
        if permission not in ("admin", "maintain", "write", "triage", "read"):
            raise ValueError(f"unknown permission {permission!r}")
        self.world.repo(owner, repo).collaborators[login] = permission

    def add_team_member(self, org: str, team_slug: str, login: str, state: str = "active",
                        role: str = "member") -> None:
        """Make `login` a member of the org's team (`state` "pending" for an invitation not yet accepted)."""
        if state not in ("active", "pending") or role not in ("member", "maintainer"):
            raise ValueError(f"bad membership {state!r}/{role!r}")
        self.world.teams.setdefault(f"{org}/{team_slug}".lower(), {})[login.lower()] = (state, role)

    def add_comment(self, owner: str, repo: str, number: int, login: str, body: str) -> dict[str, Any]:
        """An issue comment written by a user (e.g. a slash command); returns its JSON."""
        return public(api_issues.store_comment(self, self.world.repo(owner, repo), number, login, body))

    # -- observation -------------------------------------------------------------------------------

    def check_runs(self, owner: str, repo: str) -> list[dict[str, Any]]:
        return [public(c) for c in self.world.repo(owner, repo).check_runs.values()]

    def check_run_annotations(self, owner: str, repo: str, check_run_id: int) -> list[dict[str, Any]]:
        """Every annotation sent for a check run, across all its create/update requests, in order."""
        return list(self.world.repo(owner, repo).check_runs[check_run_id]["__annotations"])

    def reviews(self, owner: str, repo: str, number: int) -> list[dict[str, Any]]:
        return [public(r) for r in self.world.pull(owner, repo, number).reviews]

    def review_comments(self, owner: str, repo: str, number: int) -> list[dict[str, Any]]:
        comments = self.world.repo(owner, repo).review_comments.values()
        return [public(c) for c in comments if c["__pull"] == number]

    def issue_comments(self, owner: str, repo: str, number: int) -> list[dict[str, Any]]:
        comments = self.world.repo(owner, repo).issue_comments.values()
        return [public(c) for c in comments if c["__issue"] == number]

    def issue_labels(self, owner: str, repo: str, number: int) -> list[str]:
        return list(self.world.pull(owner, repo, number).labels)

    def repo_labels(self, owner: str, repo: str) -> dict[str, dict[str, Any]]:
        return dict(self.world.repo(owner, repo).labels)

    # -- fault injection ---------------------------------------------------------------------------

    def fail_next(
        self, operation_id: str, status: int = 500, times: int = 1,
        headers: dict[str, str] | None = None, body: dict[str, Any] | None = None,
    ) -> None:
        """Answer the next `times` calls of an operation with an error instead of handling them.

        A fault applies to calls that pass authentication and the contract check; nothing is stored for them.
        """
        self._dispatcher.faults.setdefault(operation_id, []).extend(
            [Fault(status=status, headers=headers or {}, body=body)] * times
        )

    def delay_next(self, operation_id: str, seconds: float, times: int = 1) -> None:
        """Hold the next `times` calls of an operation for `seconds` before answering (client timeouts)."""
        self._dispatcher.delays.setdefault(operation_id, []).extend([seconds] * times)

    def record(self, call: Call) -> None:
        self.calls.append(call)

    def calls_to(self, operation_id: str) -> list[Call]:
        """The recorded calls of one operation, oldest first."""
        return [c for c in self.calls if c.operation_id == operation_id]


def dump(value: Any) -> bytes:
    return json.dumps(value).encode()
