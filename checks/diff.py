"""The diff model: a unified git diff (or one GitHub per-file `patch`) as changed files and line sets.

The App validates every review-comment anchor against this model before it posts (DESIGN.md
"Data flow" step 5: a 422 must never lose a review), so parsing never trusts the input: any
bytes decode (surrogateescape), and malformed hunks raise `DiffError`, never anything else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchSet

DEV_NULL = "/dev/null"


class DiffError(ValueError):
    """The text is not a unified diff this model can read (e.g. a hunk shorter than its header)."""


class FileStatus(StrEnum):
    ADDED = "added"
    MODIFIED = "modified"
    RENAMED = "renamed"
    DELETED = "deleted"
    BINARY = "binary"
    MODE_ONLY = "mode-only"


@dataclass(frozen=True)
class Hunk:
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    section: str
    """The text after the second `@@` (git puts the enclosing function there)."""


@dataclass(frozen=True)
class ChangedFile:
    """One file of a diff: its status, both paths, hunks and the changed line numbers."""

    status: FileStatus
    old_path: str | None
    """None when the file was added."""
    new_path: str | None
    """None when the file was deleted."""
    hunks: tuple[Hunk, ...] = ()
    added: frozenset[int] = frozenset()
    """New-side (head) line numbers of `+` lines."""
    removed: frozenset[int] = frozenset()
    """Old-side (base) line numbers of `-` lines."""
    positions: Mapping[int, int] = field(default_factory=dict)
    """New-side line -> GitHub's legacy diff `position` (lines below the first `@@`, 1-based)."""
    old_mode: str | None = None
    new_mode: str | None = None

    @property
    def path(self) -> str:
        """The head path, or the base path of a deleted file."""
        return self.new_path or self.old_path or ""

    def position(self, line: int) -> int | None:
        return self.positions.get(line)

    def is_commentable(self, line: int) -> bool:
        """True when new-side `line` is inside a hunk (an added or context line), where GitHub
        accepts an inline review comment."""
        return line in self.positions


@dataclass(frozen=True)
class Diff:
    files: tuple[ChangedFile, ...] = ()

    def file(self, path: str) -> ChangedFile | None:
        """The file whose head path (or, if deleted, base path) is `path`."""
        for f in self.files:
            if f.path == path:
                return f
        return None

    @property
    def paths(self) -> frozenset[str]:
        """Every path the diff touches, old and new sides (a rename contributes both)."""
        return frozenset(p for f in self.files for p in (f.old_path, f.new_path) if p)


def decode(data: bytes | str) -> str:
    """Diff bytes as text; undecodable bytes survive as surrogates (lossless, never raises)."""
    if isinstance(data, str):
        return data
    return data.decode("utf-8", "surrogateescape")


def parse_diff(data: bytes | str) -> Diff:
    """Parse `git diff` output (any number of files; empty input is an empty diff)."""
    text = decode(data)
    if not text.strip():
        return Diff()
    if not text.endswith("\n"):
        text += "\n"
    try:
        patch_set = PatchSet(text)
    except (UnidiffParseError, AssertionError, IndexError) as exc:
        raise DiffError(str(exc)) from exc
    return Diff(tuple(_changed_file(pf) for pf in patch_set))


_GITHUB_STATUS = {
    "added": FileStatus.ADDED,
    "removed": FileStatus.DELETED,
    "renamed": FileStatus.RENAMED,
}


def parse_patch(path: str, patch: str | None, *, status: str = "modified",
                previous_filename: str | None = None) -> ChangedFile:
    """One file of a GitHub pull-request file list (`filename`, `patch`, `status`,
    `previous_filename`): the patch has hunks but no headers, and is absent for binary or
    very large files (then nothing on the file is commentable)."""
    st = _GITHUB_STATUS.get(status, FileStatus.MODIFIED)
    old = None if st is FileStatus.ADDED else (previous_filename or path)
    new = None if st is FileStatus.DELETED else path
    if not patch or not patch.strip():
        return ChangedFile(status=st, old_path=old, new_path=new)
    header = f"--- {'a/' + old if old else DEV_NULL}\n+++ {'b/' + new if new else DEV_NULL}\n"
    diff = parse_diff(header + patch)
    if len(diff.files) != 1:
        raise DiffError(f"patch for {path} holds {len(diff.files)} files")
    f = diff.files[0]
    return ChangedFile(status=st, old_path=old, new_path=new, hunks=f.hunks, added=f.added,
                       removed=f.removed, positions=f.positions)


def _changed_file(pf: Any) -> ChangedFile:
    old = _strip_prefix(pf.source_file, "a/")
    new = _strip_prefix(pf.target_file, "b/")
    added: set[int] = set()
    removed: set[int] = set()
    positions: dict[int, int] = {}
    hunks: list[Hunk] = []
    first_header: int | None = None
    for h in pf:
        hunks.append(Hunk(h.source_start, h.source_length, h.target_start, h.target_length,
                          h.section_header))
        for line in h:
            if line.diff_line_no is None:
                continue
            if first_header is None:
                first_header = line.diff_line_no - 1
            if line.line_type == "+":
                added.add(line.target_line_no)
            elif line.line_type == "-":
                removed.add(line.source_line_no)
            if line.target_line_no is not None:
                positions[line.target_line_no] = line.diff_line_no - first_header
    return ChangedFile(
        status=_status(pf, old, new, bool(hunks)), old_path=old, new_path=new, hunks=tuple(hunks),
        added=frozenset(added), removed=frozenset(removed), positions=positions,
        old_mode=pf.source_mode, new_mode=pf.target_mode,
    )


def _status(pf: Any, old: str | None, new: str | None, has_hunks: bool) -> FileStatus:
    if pf.is_binary_file:
        return FileStatus.BINARY
    if old is None:
        return FileStatus.ADDED
    if new is None:
        return FileStatus.DELETED
    if old != new:
        return FileStatus.RENAMED
    if not has_hunks and pf.source_mode != pf.target_mode:
        return FileStatus.MODE_ONLY
    return FileStatus.MODIFIED


def _strip_prefix(name: str | None, prefix: str) -> str | None:
    if name is None or name == DEV_NULL or name == "":
        return None
    name = unquote_path(name)
    return name[len(prefix):] if name.startswith(prefix) else name


_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}
_QUOTED = re.compile(r'\\([0-7]{3}|.)', re.S)


def unquote_path(name: str) -> str:
    """Undo git's C-style quoting of unusual paths (`"a/caf\\303\\251.rs"`), keeping odd bytes."""
    if len(name) < 2 or not (name.startswith('"') and name.endswith('"')):
        return name
    raw = bytearray()
    pos = 0
    body = name[1:-1]
    for m in _QUOTED.finditer(body):
        raw += body[pos:m.start()].encode("utf-8", "surrogateescape")
        esc = m.group(1)
        if len(esc) == 3:
            raw.append(int(esc, 8) & 0xFF)
        elif esc in _ESCAPES:
            raw.append(_ESCAPES[esc])
        else:
            raw += esc.encode("utf-8", "surrogateescape")
        pos = m.end()
    raw += body[pos:].encode("utf-8", "surrogateescape")
    return bytes(raw).decode("utf-8", "surrogateescape")
