"""The stand-in's in-memory GitHub: installations, repositories, commits, pull requests and what was posted."""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.sandbox.diff import FileDiff, diff_trees


def now_iso() -> str:
    """The current time as GitHub writes timestamps."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class NotFound(KeyError):
    """A repository, branch, pull request or object that does not exist (HTTP 404)."""


@dataclass
class Commit:
    sha: str
    tree: dict[str, bytes]
    parent: str | None
    message: str


@dataclass
class PullRequest:
    number: int
    base: str
    head: str
    title: str
    author: str
    draft: bool
    base_sha: str
    head_sha: str
    body: str | None = None
    state: str = "open"
    created_at: str = field(default_factory=now_iso)
    updated_at: str = field(default_factory=now_iso)
    files: list[FileDiff] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    requested_reviewers: list[str] = field(default_factory=list)


@dataclass
class Repo:
    owner: str
    name: str
    id: int
    installation_id: int
    default_branch: str
    branches: dict[str, str] = field(default_factory=dict)
    commits: dict[str, Commit] = field(default_factory=dict)
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)
    collaborators: dict[str, str] = field(default_factory=dict)
    pulls: dict[int, PullRequest] = field(default_factory=dict)
    issue_comments: dict[int, dict[str, Any]] = field(default_factory=dict)  # id -> comment (has issue number)
    review_comments: dict[int, dict[str, Any]] = field(default_factory=dict)  # id -> review comment
    check_runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    created_at: str = field(default_factory=now_iso)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


class World:
    """All state of the stand-in, with the operations tests use to set it up."""

    def __init__(self) -> None:
        self.installations: dict[int, str] = {}  # installation id -> account login
        self.repos: dict[str, Repo] = {}  # "owner/name" -> repo
        self.user_ids: dict[str, int] = {}
        self.teams: dict[str, dict[str, tuple[str, str]]] = {}  # "org/slug" -> login -> (state, role), lowercase keys
        self._ids = itertools.count(1000)

    def next_id(self) -> int:
        """A fresh id, unique across every kind of object."""
        return next(self._ids)

    def user_id(self, login: str) -> int:
        """A stable numeric id for a login."""
        return self.user_ids.setdefault(login, len(self.user_ids) + 1)

    def repo(self, owner: str, name: str) -> Repo:
        try:
            return self.repos[f"{owner}/{name}".lower()]
        except KeyError:
            raise NotFound(f"{owner}/{name}") from None

    def pull(self, owner: str, name: str, number: int) -> PullRequest:
        try:
            return self.repo(owner, name).pulls[number]
        except KeyError:
            raise NotFound(f"{owner}/{name}#{number}") from None

    def add_repo(self, owner: str, name: str, installation_id: int, default_branch: str) -> Repo:
        if installation_id not in self.installations:
            raise ValueError(f"unknown installation {installation_id}")
        repo = Repo(owner, name, self.next_id(), installation_id, default_branch)
        self.repos[repo.full_name.lower()] = repo
        self.commit(owner, name, default_branch, {}, "Initial commit")
        return repo

    def commit(self, owner: str, name: str, branch: str, files: dict[str, bytes], message: str) -> str:
        """Set a branch tip to a new commit whose tree is exactly `files`; return its sha."""
        repo = self.repo(owner, name)
        parent = repo.branches.get(branch)
        seed = f"{repo.full_name}\0{branch}\0{parent}\0{message}\0{self.next_id()}".encode()
        sha = hashlib.sha1(seed + b"".join(k.encode() + v for k, v in sorted(files.items()))).hexdigest()
        repo.commits[sha] = Commit(sha, dict(files), parent, message)
        repo.branches[branch] = sha
        for pr in repo.pulls.values():
            if pr.state == "open" and branch in (pr.base, pr.head):
                self._refresh(repo, pr)
        return sha

    def tree_at(self, repo: Repo, ref: str | None) -> tuple[str, dict[str, bytes]]:
        """(commit sha, tree) for a branch name, a commit sha or None (the default branch)."""
        ref = ref or repo.default_branch
        ref = ref.removeprefix("refs/heads/")
        sha = repo.branches.get(ref, ref)
        if sha not in repo.commits:
            raise NotFound(ref)
        return sha, repo.commits[sha].tree

    def open_pull(self, owner: str, name: str, number: int | None, base: str, head: str, **fields: Any) -> PullRequest:
        repo = self.repo(owner, name)
        for branch in (base, head):
            if branch not in repo.branches:
                raise ValueError(f"branch {branch!r} does not exist in {repo.full_name}")
        number = number or max([0, *repo.pulls], key=int) + 1
        pr = PullRequest(number, base, head, base_sha="", head_sha="", **fields)
        repo.pulls[number] = pr
        self._refresh(repo, pr)
        return pr

    def _refresh(self, repo: Repo, pr: PullRequest) -> None:
        """Recompute a pull request's shas and file list from its branches."""
        pr.base_sha, base_tree = self.tree_at(repo, pr.base)
        pr.head_sha, head_tree = self.tree_at(repo, pr.head)
        pr.files = diff_trees(base_tree, head_tree)
        pr.updated_at = now_iso()

    def issue_numbers(self, repo: Repo) -> set[int]:
        return set(repo.pulls)
