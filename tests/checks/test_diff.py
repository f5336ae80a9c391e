"""The diff model against real `git diff` and `difflib` output: line sets, statuses, positions."""

from __future__ import annotations

import contextlib
import difflib
import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks.diff import ChangedFile, DiffError, FileStatus, parse_diff, parse_patch

GIT_ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

# Few distinct lines, so random edits produce context, moves and repeated lines.
LINE = st.sampled_from([b"a", b"b", b"fn x() {}", b"", b"  unsafe { *p }", b"}", b"caf\xe9", b"\xff\xfe"])
CONTENT = st.tuples(st.lists(LINE, max_size=30), st.sampled_from([b"\n", b"\r\n"]), st.booleans())


def render(lines: list[bytes], eol: bytes, final_newline: bool) -> bytes:
    body = eol.join(lines)
    return body + eol if lines and final_newline else body


def git_diff(tmp: Path, old: bytes, new: bytes) -> bytes:
    (tmp / "old").write_bytes(old)
    (tmp / "new").write_bytes(new)
    proc = subprocess.run(
        ["git", "diff", "--no-index", "--no-color", "--text", "--src-prefix=a/", "--dst-prefix=b/",
         "old", "new"], cwd=tmp, capture_output=True, env=GIT_ENV, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stdout


def split_lines(data: bytes) -> list[bytes]:
    """Lines as git numbers them: split on LF only (a CR stays part of its line)."""
    lines = data.split(b"\n")
    return lines[:-1] if data.endswith(b"\n") else lines if data else []


def assert_matches_truth(f: ChangedFile, old: bytes, new: bytes, patch: bytes) -> None:
    """Removing `removed` from old and `added` from new leaves the same sequence, every added
    line number holds the `+` text, and every position points at that line in the patch."""
    old_lines, new_lines = split_lines(old), split_lines(new)
    assert all(1 <= n <= len(old_lines) for n in f.removed)
    assert all(1 <= n <= len(new_lines) for n in f.added)
    kept_old = [line for i, line in enumerate(old_lines, 1) if i not in f.removed]
    kept_new = [line for i, line in enumerate(new_lines, 1) if i not in f.added]
    assert kept_old == kept_new
    body = patch.split(b"\n")
    first = next(i for i, line in enumerate(body) if line.startswith(b"@@"))
    for line_no, pos in f.positions.items():
        diff_line = body[first + pos]
        assert diff_line[:1] in (b" ", b"+")
        assert diff_line[1:] == new_lines[line_no - 1]
        assert (diff_line[:1] == b"+") == (line_no in f.added)
    assert f.added <= set(f.positions)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(CONTENT, CONTENT)
def test_git_diff_line_sets_match_the_files(tmp_path: Path, old_spec: tuple, new_spec: tuple) -> None:
    old, new = render(*old_spec), render(*new_spec)
    patch = git_diff(tmp_path, old, new)
    diff = parse_diff(patch)
    if old == new:
        assert diff.files == ()
        return
    (f,) = diff.files
    assert_matches_truth(f, old, new, patch)


@settings(max_examples=150, deadline=None)
@given(st.lists(LINE, max_size=40), st.lists(LINE, max_size=40), st.integers(0, 4))
def test_difflib_line_sets_match_the_files(a: list[bytes], b: list[bytes], context: int) -> None:
    old = b"".join(line + b"\n" for line in a)
    new = b"".join(line + b"\n" for line in b)
    patch = b"".join(difflib.diff_bytes(difflib.unified_diff, old.splitlines(keepends=True),
                                        new.splitlines(keepends=True), b"a/f.rs", b"b/f.rs", n=context))
    diff = parse_diff(patch)
    if old == new:
        assert diff.files == ()
        return
    (f,) = diff.files
    assert_matches_truth(f, old, new, patch)


DIFFISH = st.sampled_from([
    b"diff --git a/x.rs b/x.rs", b"--- a/x.rs", b"+++ b/x.rs", b"--- /dev/null", b"+++ /dev/null",
    b"@@ -1,2 +1,2 @@", b"@@ -0,0 +1 @@", b"@@ -1 +0,0 @@", b" ctx", b"-old", b"+new", b"",
    b"\\ No newline at end of file", b"rename from x.rs", b"rename to y.rs", b"new file mode 100644",
    b"Binary files a/x and b/x differ", b"GIT binary patch", b"\xff\r",
])


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=300), st.lists(DIFFISH, max_size=25).map(b"\n".join)))
def test_arbitrary_input_parses_or_raises_diff_error(data: bytes) -> None:
    with contextlib.suppress(DiffError):
        parse_diff(data)


# --- explicit shapes, from a real repository --------------------------------------------------


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ChangedFile]:
    """One commit that adds, modifies, renames (with and without edits), deletes, changes a mode,
    and adds a binary file, a CRLF file, a non-UTF-8 file and a file without a final newline."""
    repo = tmp_path_factory.mktemp("shapes")

    def git(*args: str) -> bytes:
        return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo,
                              check=True, capture_output=True, env=GIT_ENV).stdout

    def write(name: str, data: bytes) -> None:
        (repo / name).write_bytes(data)

    git("init", "-q", "-b", "main")
    for name, data in {"mod.rs": b"a\nb\nc\n", "moved.rs": b"".join(b"%d\n" % i for i in range(20)),
                       "same.rs": b"fn same() {}\n", "gone.rs": b"x\n", "run.sh": b"echo\n",
                       "eol.rs": b"a\r\nb\r\n", "tail.rs": b"x\ny"}.items():
        write(name, data)
    git("add", ".")
    git("commit", "-qm", "base")
    write("mod.rs", b"a\nB\nc\nd\n")
    git("mv", "moved.rs", "moved2.rs")
    write("moved2.rs", b"".join(b"%d\n" % i for i in range(20)).replace(b"10\n", b"ten\n"))
    git("mv", "same.rs", "same2.rs")
    git("rm", "-q", "gone.rs")
    os.chmod(repo / "run.sh", 0o755)
    write("eol.rs", b"a\r\nB\r\n")
    write("tail.rs", b"x\nz")
    write("bin.dat", b"\0\1\2")
    write("latin.rs", b"// caf\xe9\nfn f() {}\n")
    write("new.rs", b"fn new() {}\n")
    git("add", "-A")
    patch = git("diff", "--cached", "-M", "--src-prefix=a/", "--dst-prefix=b/", "--no-color")
    return {f.path: f for f in parse_diff(patch).files}


def test_modified_file_has_both_line_sets(shapes: dict[str, ChangedFile]) -> None:
    f = shapes["mod.rs"]
    assert f.status is FileStatus.MODIFIED
    assert (f.added, f.removed) == ({2, 4}, {2})
    assert f.is_commentable(1) and f.is_commentable(4) and not f.is_commentable(9)


def test_rename_with_edits_keeps_both_paths(shapes: dict[str, ChangedFile]) -> None:
    f = shapes["moved2.rs"]
    assert (f.status, f.old_path, f.new_path) == (FileStatus.RENAMED, "moved.rs", "moved2.rs")
    assert (f.added, f.removed) == ({11}, {11})


def test_rename_without_edits_has_no_hunks(shapes: dict[str, ChangedFile]) -> None:
    f = shapes["same2.rs"]
    assert (f.status, f.old_path, f.hunks, f.added) == (FileStatus.RENAMED, "same.rs", (), frozenset())


def test_deleted_added_binary_and_mode_only(shapes: dict[str, ChangedFile]) -> None:
    assert shapes["gone.rs"].status is FileStatus.DELETED and shapes["gone.rs"].new_path is None
    assert shapes["gone.rs"].removed == {1}
    assert shapes["new.rs"].status is FileStatus.ADDED and shapes["new.rs"].old_path is None
    assert shapes["bin.dat"].status is FileStatus.BINARY and not shapes["bin.dat"].positions
    assert shapes["run.sh"].status is FileStatus.MODE_ONLY
    assert (shapes["run.sh"].old_mode, shapes["run.sh"].new_mode) == ("100644", "100755")


def test_crlf_no_final_newline_and_non_utf8(shapes: dict[str, ChangedFile]) -> None:
    assert (shapes["eol.rs"].added, shapes["eol.rs"].removed) == ({2}, {2})
    assert (shapes["tail.rs"].added, shapes["tail.rs"].removed) == ({2}, {2})
    assert shapes["latin.rs"].added == {1, 2}


def test_empty_diff_has_no_files() -> None:
    assert parse_diff(b"").files == ()
    assert parse_diff("\n\n").files == ()


def test_malformed_hunk_raises_diff_error() -> None:
    with pytest.raises(DiffError):
        parse_diff("--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n")


def test_ten_thousand_line_diff() -> None:
    old = b"".join(b"line %d\n" % i for i in range(12_000))
    new = old.replace(b"line 5000\n", b"changed\n").replace(b"line 11999\n", b"")
    patch = b"".join(difflib.diff_bytes(difflib.unified_diff, old.splitlines(True), new.splitlines(True),
                                        b"a/big.rs", b"b/big.rs", n=20_000))
    (f,) = parse_diff(patch).files
    assert (f.added, f.removed) == ({5001}, {5001, 12000})
    assert f.position(11999) == 12000  # one hunk: the `-` line at 5001 shifts positions by one


# --- GitHub per-file patches (pulls/{n}/files `patch`, no headers) -----------------------------

GITHUB_PATCH = (
    "@@ -1,3 +1,4 @@\n fn a() {}\n-fn b() {}\n+fn b2() {}\n+fn c() {}\n fn d() {}\n"
    "@@ -10,2 +11,2 @@ impl X\n x\n-y\n+z"
)


def test_parse_patch_positions_count_every_hunk_header() -> None:
    """GitHub: position 1 is the line below the first `@@`, later `@@` lines count too."""
    f = parse_patch("src/lib.rs", GITHUB_PATCH)
    assert f.status is FileStatus.MODIFIED and f.path == "src/lib.rs"
    assert dict(f.positions) == {1: 1, 2: 3, 3: 4, 4: 5, 11: 7, 12: 9}
    assert f.added == {2, 3, 12} and f.removed == {2, 11}
    assert not f.is_commentable(5)


def test_parse_patch_for_renamed_added_and_binary_files() -> None:
    renamed = parse_patch("b.rs", "@@ -1 +1 @@\n-x\n+y\n", status="renamed", previous_filename="a.rs")
    assert (renamed.status, renamed.old_path, renamed.new_path) == (FileStatus.RENAMED, "a.rs", "b.rs")
    added = parse_patch("n.rs", "@@ -0,0 +1,2 @@\n+a\n+b\n\\ No newline at end of file", status="added")
    assert (added.status, added.added, added.old_path) == (FileStatus.ADDED, {1, 2}, None)
    binary = parse_patch("logo.png", None)
    assert binary.positions == {} and not binary.is_commentable(1)
