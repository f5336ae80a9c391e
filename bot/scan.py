"""`blindspot scan` as a function: pick revisions, read the changed Rust files, call `checks.analyze`.

The pipeline reads top to bottom in `run_scan`; git access lives in `bot/gitrepo.py` and output
in `bot/formats/`, so this module only decides *which* files and versions are compared.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.gitrepo import GitError, GitRepo
from checks import AnalyzeOptions, Report, analyze
from checks.edition import manifest_paths_for


@dataclass(frozen=True)
class ScanRequest:
    repo: Path | None = None
    """A directory inside the repository; None: the current directory."""
    base: str | None = None
    head: str | None = None
    """None: the working tree (uncommitted changes and untracked files included)."""
    paths: tuple[str, ...] = ()
    audit: bool = False
    """`--all`: every Rust file at head, no diff."""
    options: AnalyzeOptions = field(default_factory=AnalyzeOptions)


@dataclass
class ScanResult:
    report: Report
    root: Path
    head_files: Mapping[str, bytes]
    """Head contents of the analysed files (writers show the flagged code line)."""
    base_label: str | None
    head_label: str
    scanned: list[str]
    """The Rust paths handed to the analysis."""


def run_scan(req: ScanRequest) -> ScanResult:
    repo = GitRepo.discover(req.repo or Path.cwd())
    head = repo.resolve(req.head) if req.head else None
    filters = [repo_path(repo, head, p) for p in req.paths]
    base: str | None = None
    if req.audit:
        paths = rust_paths(_all_files(repo, head), filters)
    else:
        base = _base(repo, req.base, head)
        paths = rust_paths(repo.changed_paths(base, head), filters)
    manifests = {m for p in paths for m in manifest_paths_for(p)}
    head_files, skipped = _read(repo, head, [*paths, *sorted(manifests)])
    base_files = {} if base is None else repo.read_blobs(base, [*paths, *sorted(manifests)])
    report = analyze(base_files, head_files, paths, req.options)
    for path, reason in skipped.items():
        if path.endswith(".rs"):
            report.coverage.files_skipped[path] = reason
    return ScanResult(report=report, root=repo.root, head_files=head_files,
                      base_label=None if base is None else (req.base or base[:12]),
                      head_label=req.head or "working tree", scanned=paths)


def _base(repo: GitRepo, base: str | None, head: str | None) -> str:
    if base is not None:
        return repo.resolve(base)
    if head is None and not repo.has_commits():
        raise GitError("the repository has no commits yet; commit a base, or use --all")
    return repo.default_base(head or "HEAD")


def _all_files(repo: GitRepo, head: str | None) -> list[str]:
    if head is None and not repo.has_commits():
        return repo.untracked()
    return repo.files_at(head)


def _read(repo: GitRepo, head: str | None, paths: list[str]) -> tuple[dict[str, bytes], dict[str, str]]:
    if head is None:
        return repo.read_worktree(paths)
    return repo.read_blobs(head, paths), {}


def rust_paths(paths: Iterable[str], filters: list[str]) -> list[str]:
    """The `.rs` paths under any of `filters` (no filters: all of them)."""
    return sorted(p for p in paths if p.endswith(".rs") and (not filters or any(_under(p, f) for f in filters)))


def _under(path: str, prefix: str) -> bool:
    return prefix == "" or path == prefix or path.startswith(prefix.rstrip("/") + "/")


def repo_path(repo: GitRepo, head: str | None, arg: str) -> str:
    """A PATH argument as a repo-relative path. Relative arguments are taken from the current
    directory when it lies inside the repository, else from the repository root."""
    root = Path(os.path.realpath(repo.root))
    cwd = Path(os.path.realpath(Path.cwd()))
    anchor = cwd if cwd.is_relative_to(root) else root
    full = Path(os.path.normpath(anchor / arg))
    if os.path.lexists(full.parent):
        full = Path(os.path.realpath(full.parent)) / full.name if full.name else full
    if not full.is_relative_to(root):
        raise GitError(f"path is outside the repository {root}: {arg}")
    rel = full.relative_to(root).as_posix()
    rel = "" if rel == "." else rel
    if not repo.exists(head, rel):
        where = "in the working tree" if head is None else f"at {head[:12]}"
        raise GitError(f"no such path {where}: {arg}")
    return rel
