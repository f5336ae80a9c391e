"""Compares two commit trees the way GitHub's pulls/list-files does: status, blob sha, patch and commentable lines."""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field

HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
NO_NEWLINE = "\\ No newline at end of file\n"


def blob_sha(content: bytes) -> str:
    """The git blob id of some content (what GitHub reports as a file's `sha`)."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


@dataclass
class FileDiff:
    """One entry of a pull request's file list."""

    filename: str
    status: str  # added | removed | modified | renamed
    sha: str  # blob id on the head side (the base side for a removed file)
    additions: int = 0
    deletions: int = 0
    patch: str | None = None  # None for binary files and pure renames
    previous_filename: str | None = None
    right_lines: set[int] = field(default_factory=set)  # head lines a comment may use (side RIGHT)
    left_lines: set[int] = field(default_factory=set)  # base lines a comment may use (side LEFT)

    @property
    def changes(self) -> int:
        return self.additions + self.deletions


def _text_lines(content: bytes) -> list[str] | None:
    """The content as diff lines, or None when it is binary."""
    if b"\0" in content:
        return None
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n" + NO_NEWLINE
    return lines


def unified_patch(old: bytes, new: bytes) -> str | None:
    """GitHub's `patch` field: unified hunks with three lines of context and no file headers."""
    a, b = _text_lines(old), _text_lines(new)
    if a is None or b is None:
        return None
    body = list(difflib.unified_diff(a, b, n=3))[2:]  # drop the ---/+++ header lines
    return "".join(body).rstrip("\n") if body else ""


def commentable_lines(patch: str) -> tuple[set[int], set[int]]:
    """(right, left): the head and base line numbers that appear in the patch's hunks."""
    right: set[int] = set()
    left: set[int] = set()
    old = new = 0
    for line in patch.split("\n"):
        header = HUNK.match(line)
        if header:
            old, new = int(header.group(1)), int(header.group(3))
        elif line.startswith("+"):
            right.add(new)
            new += 1
        elif line.startswith("-"):
            left.add(old)
            old += 1
        elif line.startswith(" "):
            right.add(new)
            left.add(old)
            new += 1
            old += 1
    return right, left


def _entry(path: str, status: str, old: bytes, new: bytes, previous: str | None = None) -> FileDiff:
    patch = unified_patch(old, new)
    entry = FileDiff(path, status, blob_sha(new if status != "removed" else old), previous_filename=previous)
    if patch:
        entry.patch = patch
        lines = patch.split("\n")
        entry.additions = sum(1 for ln in lines if ln.startswith("+"))
        entry.deletions = sum(1 for ln in lines if ln.startswith("-"))
        entry.right_lines, entry.left_lines = commentable_lines(patch)
    return entry


def _renames(base: dict[str, bytes], head: dict[str, bytes]) -> dict[str, str]:
    """new path -> old path for files that moved with identical or similar content (git's 50% rule)."""
    gone = [p for p in base if p not in head]
    new = [p for p in head if p not in base]
    found: dict[str, str] = {}
    for path in new:
        for old in gone:
            if old in found.values():
                continue
            same = base[old] == head[path]
            if same or (difflib.SequenceMatcher(None, base[old], head[path]).quick_ratio() >= 0.5 and (
                difflib.SequenceMatcher(None, base[old], head[path]).ratio() >= 0.5
            )):
                found[path] = old
                break
    return found


def diff_trees(base: dict[str, bytes], head: dict[str, bytes]) -> list[FileDiff]:
    """The pull request file list between two trees, sorted by path like GitHub's."""
    renames = _renames(base, head)
    moved = set(renames.values())
    entries: list[FileDiff] = []
    for path in sorted(set(base) | set(head)):
        if path in renames:
            entries.append(_entry(path, "renamed", base[renames[path]], head[path], renames[path]))
        elif path in moved:
            continue
        elif path not in base:
            entries.append(_entry(path, "added", b"", head[path]))
        elif path not in head:
            entries.append(_entry(path, "removed", base[path], b""))
        elif base[path] != head[path]:
            entries.append(_entry(path, "modified", base[path], head[path]))
    return entries


def locate(patch: str, line: int, side: str) -> tuple[int, int] | None:
    """(position, hunk header index) of a line of one side in a patch, or None when the patch lacks it.

    The position is GitHub's old `position`: the index of the patch line, counting the first hunk header as 0.
    """
    old = new = 0
    header = 0
    for index, text in enumerate(patch.split("\n")):
        match = HUNK.match(text)
        if match:
            old, new, header = int(match.group(1)), int(match.group(3)), index
            continue
        if text.startswith("\\"):
            continue
        on_right = text.startswith(("+", " "))
        on_left = text.startswith(("-", " "))
        if (side == "RIGHT" and on_right and new == line) or (side == "LEFT" and on_left and old == line):
            return index, header
        new += on_right
        old += on_left
    return None


def hunk_excerpt(patch: str, position: int, header: int) -> str:
    """GitHub's `diff_hunk` of a comment: from its hunk header down to the commented line."""
    return "\n".join(patch.split("\n")[header : position + 1])
