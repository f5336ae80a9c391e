"""Read what a PR changed: the file list, base and head blobs of changed Rust files, Cargo manifests.

Only the contents API is used, by commit SHA; nothing from the PR is checked out, built or run.
A modified file's base version is rebuilt from its head version and GitHub's patch when the
patch fits (one call per file instead of two); otherwise it is fetched.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from bot.context import Fetched, PullRef
from bot.github import InstallationAPI, paged
from bot.patches import PatchError, base_from_head
from checks import AnalyzeOptions
from checks.diff import DiffError, parse_patch
from checks.edition import manifest_paths_for

MAX_FILES = 3000
CONCURRENCY = 24
"""Parallel contents calls of one job (GitHub allows 100 concurrent requests in all)."""


async def _gather(calls: list[Callable[[], Awaitable[Any]]]) -> list[Any]:
    sem = asyncio.Semaphore(CONCURRENCY)

    async def one(call: Callable[[], Awaitable[Any]]) -> Any:
        async with sem:
            return await call()

    return list(await asyncio.gather(*(one(c) for c in calls)))


def commentable_lines(f: dict[str, Any]) -> frozenset[int]:
    """Head lines of one listed file where GitHub accepts an inline comment (inside a hunk)."""
    try:
        changed = parse_patch(f["filename"], f.get("patch"), status=f["status"],
                              previous_filename=f.get("previous_filename"))
    except DiffError:
        return frozenset()  # a patch we cannot read: every finding of the file goes to the review body
    return frozenset(changed.positions)


async def list_files(gh: InstallationAPI, pr: PullRef) -> list[dict[str, Any]]:
    return await paged(gh, "/repos/{owner}/{repo}/pulls/{number}/files{?per_page}",
                       {**pr.url_vars, "per_page": 100}, MAX_FILES)


def _wanted(f: dict[str, Any], options: AnalyzeOptions) -> bool:
    paths = [f["filename"], f.get("previous_filename") or f["filename"]]
    return any(p.endswith(".rs") and options.path_selected(p) for p in paths)


async def fetch(gh: InstallationAPI, pr: PullRef, options: AnalyzeOptions,
                files: list[dict[str, Any]] | None = None) -> Fetched:
    """Blobs of the changed Rust files and their manifests, fetched together in one parallel round."""
    files = await list_files(gh, pr) if files is None else files
    out = Fetched(total_files=len(files), truncated=len(files) >= MAX_FILES)
    rust = [f for f in files if _wanted(f, options)]
    for f in files:
        if f["status"] != "removed":
            out.commentable[f["filename"]] = commentable_lines(f)
    paths = {f["filename"] for f in rust if f["status"] != "removed"} | {
        f.get("previous_filename") or f["filename"] for f in rust}
    manifests = sorted({m for p in paths for m in manifest_paths_for(p)})
    blobs = [lambda f=f: _fetch_one(gh, pr, f, out) for f in rust]
    heads = [lambda m=m: gh.content(pr.owner, pr.repo, m, pr.head_sha) for m in manifests]
    results = await _gather([*blobs, *heads])
    await _use_manifests(gh, pr, files, dict(zip(manifests, results[len(blobs):], strict=True)), out)
    return out


async def _fetch_one(gh: InstallationAPI, pr: PullRef, f: dict[str, Any], out: Fetched) -> None:
    path, status = f["filename"], f["status"]
    old_path = f.get("previous_filename") or path
    head = None
    if status != "removed":
        head = await gh.content(pr.owner, pr.repo, path, pr.head_sha)
        if head is None:
            out.skipped[path] = "not readable through the contents API (too large or not a file)"
            return
        out.head_files[path] = head
        out.changed_paths.append(path)
    if status == "added":
        return
    base = _rebuild_base(head or b"", f.get("patch"), status)
    if base is None:
        base = await gh.content(pr.owner, pr.repo, old_path, pr.base_sha)
    if base is not None:
        out.base_files[old_path] = base
        if old_path not in out.changed_paths:
            out.changed_paths.append(old_path)


def _rebuild_base(head: bytes, patch: str | None, status: str) -> bytes | None:
    if not patch or status == "renamed":
        return None
    try:
        return base_from_head(head, patch)
    except PatchError:
        return None


async def _use_manifests(gh: InstallationAPI, pr: PullRef, files: list[dict[str, Any]],
                         at_head: dict[str, bytes | None], out: Fetched) -> None:
    """Cargo.toml files that decide each Rust file's edition (checks/edition.py); base = head unless changed."""
    changed = {f["filename"] for f in files}
    for m, text in at_head.items():
        if text is not None:
            out.head_files.setdefault(m, text)
            if m not in changed:
                out.base_files.setdefault(m, text)
    changed_manifests = [m for m in at_head if m in changed]
    base = await _gather([lambda m=m: gh.content(pr.owner, pr.repo, m, pr.base_sha) for m in changed_manifests])  # type: ignore[misc]
    for m, text in zip(changed_manifests, base, strict=True):
        if text is not None:
            out.base_files.setdefault(m, text)
