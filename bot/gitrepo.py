"""Read a local git repository for `blindspot scan`: revisions, changed paths and file contents.

Only plumbing that reads (`rev-parse`, `diff --name-only`, `ls-files`, `cat-file --batch`):
nothing here checks out, builds or runs the repository's code, and diffs are asked for with
`--no-ext-diff --no-textconv` so no configured helper program runs either.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from pathlib import Path

DEFAULT_BRANCHES = ("origin/HEAD", "main", "master")


class GitError(Exception):
    """A problem the user can fix, stated in one line (exit code 2)."""


class GitRepo:
    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def discover(cls, start: Path) -> GitRepo:
        """The repository holding `start` (a directory), or a one-line `GitError`."""
        if not start.is_dir():
            raise GitError(f"not a directory: {start}")
        proc = _git(start, "rev-parse", "--show-toplevel")
        if b"dubious ownership" in proc.stderr:
            raise GitError(f"git refuses {start}: owned by another user (see `git config safe.directory`)")
        if proc.returncode != 0:
            raise GitError(f"not a git repository: {start}")
        return cls(Path(os.fsdecode(proc.stdout.rstrip(b"\n"))))

    def run(self, *args: str, stdin: bytes | None = None) -> bytes:
        proc = _git(self.root, *args, stdin=stdin)
        if proc.returncode != 0:
            last = (proc.stderr.decode("utf-8", "replace").strip().splitlines() or ["failed"])[-1]
            raise GitError(f"git {args[0]}: {last}")
        return proc.stdout

    def resolve(self, rev: str) -> str:
        """The commit id `rev` names, or `GitError("unknown revision: ...")`."""
        if rev.startswith("-"):
            raise GitError(f"unknown revision: {rev}")
        proc = _git(self.root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
        if proc.returncode != 0:
            raise GitError(f"unknown revision: {rev}")
        return proc.stdout.decode().strip()

    def has_commits(self) -> bool:
        return _git(self.root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").returncode == 0

    def default_base(self, head: str) -> str:
        """Merge-base of `head` with the default branch (origin/HEAD, else main, else master)."""
        for branch in DEFAULT_BRANCHES:
            proc = _git(self.root, "rev-parse", "--verify", "--quiet", f"{branch}^{{commit}}")
            if proc.returncode != 0:
                continue
            base = _git(self.root, "merge-base", head, branch)
            if base.returncode == 0:
                return base.stdout.decode().strip()
            raise GitError(f"{branch} and {head[:12]} share no history; pass --base")
        raise GitError("no default branch (origin/HEAD, main or master) to compare with; pass --base REV")

    def changed_paths(self, base: str, head: str | None) -> list[str]:
        """Paths that differ between `base` and `head` (None: the working tree, untracked files
        included). Renames count as a deletion plus an addition: both paths are listed."""
        args = ["diff", "--name-only", "-z", "--no-renames", "--no-ext-diff", "--no-textconv", base]
        out = self.run(*args, *([head] if head else []), "--")
        paths = set(_split_z(out))
        if head is None:
            paths.update(self.untracked())
        return sorted(paths)

    def untracked(self) -> list[str]:
        return _split_z(self.run("ls-files", "-z", "--others", "--exclude-standard", "--full-name"))

    def files_at(self, head: str | None) -> list[str]:
        """Every file at `head` (None: tracked and untracked files of the working tree)."""
        if head is not None:
            return _split_z(self.run("ls-tree", "-r", "-z", "--name-only", "--full-tree", head))
        tracked = _split_z(self.run("ls-files", "-z", "--cached", "--full-name"))
        return sorted({p for p in tracked if (self.root / p).exists()} | set(self.untracked()))

    def exists(self, head: str | None, path: str) -> bool:
        """Whether `path` (file or directory, repo-relative) exists at `head` (None: on disk)."""
        if head is None or path == "":
            return os.path.lexists(self.root / path)
        return _git(self.root, "cat-file", "-e", f"{head}:{path}").returncode == 0

    def read_blobs(self, rev: str, paths: Iterable[str]) -> dict[str, bytes]:
        """Contents of `paths` at `rev` in one `git cat-file --batch` call; absent paths and
        non-blobs (directories, submodules) are left out."""
        wanted = [p for p in dict.fromkeys(paths) if "\n" not in p]
        if not wanted:
            return {}
        request = "".join(f"{rev}:{p}\n" for p in wanted).encode("utf-8", "surrogateescape")
        return _parse_batch(wanted, self.run("cat-file", "--batch", stdin=request))

    def read_worktree(self, paths: Iterable[str]) -> tuple[dict[str, bytes], dict[str, str]]:
        """Contents of `paths` on disk, and the paths skipped with why (symlinks are not followed:
        a link could point outside the repository)."""
        files: dict[str, bytes] = {}
        skipped: dict[str, str] = {}
        for p in dict.fromkeys(paths):
            full = self.root / p
            if full.is_symlink():
                skipped[p] = "symbolic link (not followed)"
            elif full.is_file():
                files[p] = full.read_bytes()
        return files, skipped


def _git(cwd: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        return subprocess.run(["git", "-c", "core.quotePath=false", *args], cwd=cwd, input=stdin,
                              capture_output=True, env=env, check=False)
    except FileNotFoundError as exc:
        raise GitError("git is not installed (or not on PATH)") from exc


def _split_z(out: bytes) -> list[str]:
    return [os.fsdecode(p) for p in out.split(b"\0") if p]


def _parse_batch(paths: list[str], out: bytes) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    pos = 0
    for path in paths:
        nl = out.index(b"\n", pos)
        header = out[pos:nl].split(b" ")
        pos = nl + 1
        if header[-1] == b"missing" or len(header) != 3:
            continue
        size = int(header[2])
        if header[1] == b"blob":
            files[path] = out[pos:pos + size]
        pos += size + 1
    return files
