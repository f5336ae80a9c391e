"""What one job works with: the PR it is about, the client, the stored state, the repo config."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.approvals import Approval
from bot.github import InstallationAPI
from bot.repo_config import RepoConfig
from bot.store import PullState, Store
from checks import Finding, Report


@dataclass(frozen=True)
class PullRef:
    """The PR a job is about, from the webhook payload (the newest one after coalescing)."""

    owner: str
    repo: str
    number: int
    installation_id: int
    head_sha: str
    base_sha: str
    base_ref: str
    draft: bool = False

    @property
    def key(self) -> str:
        return f"{self.owner}/{self.repo}#{self.number}"

    @property
    def url_vars(self) -> dict[str, Any]:
        return {"owner": self.owner, "repo": self.repo, "number": self.number}

    def to_json(self) -> dict[str, Any]:
        return {"owner": self.owner, "repo": self.repo, "number": self.number,
                "installation_id": self.installation_id, "head_sha": self.head_sha, "base_sha": self.base_sha,
                "base_ref": self.base_ref, "draft": self.draft}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PullRef:
        return cls(owner=data["owner"], repo=data["repo"], number=int(data["number"]),
                   installation_id=int(data["installation_id"]), head_sha=data["head_sha"],
                   base_sha=data["base_sha"], base_ref=data["base_ref"], draft=bool(data.get("draft")))


@dataclass
class Fetched:
    """The PR's files as the analysis needs them."""

    base_files: dict[str, bytes] = field(default_factory=dict)
    head_files: dict[str, bytes] = field(default_factory=dict)
    changed_paths: list[str] = field(default_factory=list)
    commentable: dict[str, frozenset[int]] = field(default_factory=dict)
    """head path -> lines inside the diff (RIGHT side), where an inline comment is accepted."""
    skipped: dict[str, str] = field(default_factory=dict)
    total_files: int = 0
    truncated: bool = False


@dataclass
class Outcome:
    """The result the publishers turn into a check run, a review and a label."""

    report: Report | None = None
    fetched: Fetched = field(default_factory=Fetched)
    error: str | None = None
    approvals: list[Approval] = field(default_factory=list)
    """Approvals recorded for the PR (issue 7, bot/approvals.py), oldest first."""
    skipped: str | None = None
    """Why nothing was analysed on purpose (repo config `[review] draft = "skip"` on a draft PR)."""

    @property
    def findings(self) -> list[Finding]:
        return self.report.findings if self.report else []

    @property
    def needs_review(self) -> list[Finding]:
        """Findings at warning or above: these set the conclusion and the label."""
        return [f for f in self.findings if f.severity.rank >= 1]

    @property
    def awaiting_approval(self) -> list[Finding]:
        """Findings that need review and no maintainer has approved: these set the conclusion and the label."""
        done = {fp for a in self.approvals for fp in a.fingerprints}
        return [f for f in self.needs_review if f.fingerprint not in done]


@dataclass
class JobContext:
    gh: InstallationAPI
    store: Store
    pr: PullRef
    state: PullState
    config: RepoConfig
    log: Any
