"""Commentable lines (via checks.diff) and rebuilding the base version from head + patch (bot/patches.py)."""

from __future__ import annotations

import difflib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.fetch import commentable_lines
from bot.patches import PatchError, base_from_head

PATCH = "@@ -1,3 +1,4 @@\n fn a() {}\n+fn b() {}\n fn c() {}\n-fn d() {}\n+fn e() {}\n@@ -10,2 +11,2 @@\n x\n-y\n+z"


def _patch(base: str, head: str) -> str:
    lines = list(difflib.unified_diff(base.splitlines(keepends=True), head.splitlines(keepends=True), n=3))
    out = []
    for line in lines[2:]:
        if line.endswith("\n"):
            out.append(line[:-1])
        else:
            out += [line, "\\ No newline at end of file"]
    return "\n".join(out)


def test_commentable_lines_are_added_and_context_lines_of_the_head():
    assert commentable_lines({"filename": "a.rs", "status": "modified", "patch": PATCH}) == {1, 2, 3, 4, 11, 12}


def test_no_patch_or_a_broken_patch_means_nothing_is_commentable():
    assert commentable_lines({"filename": "a.rs", "status": "modified"}) == frozenset()
    assert commentable_lines({"filename": "a.rs", "status": "modified", "patch": "@@ -1,5 +1,5 @@\n x"}) == frozenset()


def test_base_is_rebuilt_from_head_and_patch():
    base = "".join(f"line {i}\n" for i in range(30))
    head = base.replace("line 3\n", "line 3\nnew\n").replace("line 20\n", "changed\n")
    assert base_from_head(head.encode(), _patch(base, head)) == base.encode()


def test_a_patch_for_another_file_is_refused():
    with pytest.raises(PatchError):
        base_from_head(b"something else\n", "@@ -1,2 +1,2 @@\n a\n-b\n+c")


@given(st.lists(st.sampled_from(["a", "b", "c", "", "fn x() {}"]), max_size=25),
       st.lists(st.sampled_from(["a", "b", "d", "", "unsafe {}"]), max_size=25),
       st.booleans(), st.booleans())
def test_rebuild_round_trips_any_edit(base_lines, head_lines, base_nl, head_nl):
    base = "\n".join(base_lines) + ("\n" if base_nl and base_lines else "")
    head = "\n".join(head_lines) + ("\n" if head_nl and head_lines else "")
    patch = _patch(base, head)
    if not patch:
        return
    assert base_from_head(head.encode(), patch) == base.encode()
