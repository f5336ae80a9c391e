"""`analyze()` over base/head pairs for the unsafe family: deletions count, line shifts do not."""

from __future__ import annotations

import re
from pathlib import Path

from checks import AnalyzeOptions, analyze
from tests.checks.fixture_annotations import FIXTURES

PATH = "src/lib.rs"
_BASE_MARKER = re.compile(r"^\s*//\s*base:\s*(ruleid|ok):\s*(\S+)\s*$")

BASE = b"""\
fn read(v: &[u8]) -> u8 {
    assert!(!v.is_empty());
    // SAFETY: the assert above guarantees index 0 is in bounds.
    unsafe { *v.get_unchecked(0) }
}
"""


def _new(base: bytes, head: bytes) -> list[tuple[str, int]]:
    report = analyze({PATH: base}, {PATH: head}, [PATH], AnalyzeOptions())
    return [(f.rule, f.line) for f in report.findings]


def test_deleted_safety_comment_is_a_new_finding():
    head = BASE.replace(b"    // SAFETY: the assert above guarantees index 0 is in bounds.\n", b"")
    report = analyze({PATH: BASE}, {PATH: head}, [PATH])
    assert [(f.rule, f.line) for f in report.findings] == [("unsafe/removed-safety-comment", 3)]
    base_report = analyze({}, {PATH: BASE}, [PATH])
    removed = report.findings[0]
    assert removed.fingerprint not in {f.fingerprint for f in base_report.head_findings}
    assert "lost its `// SAFETY:` comment" in removed.message


def test_removed_comment_fingerprint_differs_from_a_plain_undocumented_block():
    head = BASE.replace(b"    // SAFETY: the assert above guarantees index 0 is in bounds.\n", b"")
    removed = analyze({PATH: BASE}, {PATH: head}, [PATH]).findings[0]
    plain = analyze({}, {PATH: head}, [PATH]).findings[0]
    assert plain.rule == "unsafe/undocumented-block"
    assert removed.fingerprint != plain.fingerprint


def test_reindenting_and_inserting_lines_above_produce_no_new_finding():
    head = b"use std::fmt;\n\n// A new comment that says nothing about safety.\n\n" + re.sub(
        rb"(?m)^    ", b"        ", BASE)
    assert _new(BASE, head) == []


def test_moving_the_comment_inside_the_block_is_not_a_removal():
    head = BASE.replace(
        b"    // SAFETY: the assert above guarantees index 0 is in bounds.\n    unsafe { *v.get_unchecked(0) }",
        b"    unsafe {\n        // SAFETY: the assert above guarantees index 0 is in bounds.\n"
        b"        *v.get_unchecked(0)\n    }")
    assert _new(BASE, head) == []


def test_comment_deleted_and_code_changed_is_an_undocumented_block():
    head = BASE.replace(b"    // SAFETY: the assert above guarantees index 0 is in bounds.\n", b"").replace(
        b"get_unchecked(0)", b"get_unchecked(1)")
    assert _new(BASE, head) == [("unsafe/undocumented-block", 3)]


def test_block_that_was_never_documented_is_not_new():
    base = BASE.replace(b"    // SAFETY: the assert above guarantees index 0 is in bounds.\n", b"")
    assert _new(base, base + b"\n") == []


def test_two_identical_blocks_in_one_fn_get_different_fingerprints():
    src = b"fn twice(p: *mut u8) {\n    unsafe { *p = 0 };\n    unsafe { *p = 0 };\n}\n"
    report = analyze({}, {PATH: src}, [PATH])
    prints = [f.fingerprint for f in report.findings]
    assert [f.rule for f in report.findings] == ["unsafe/undocumented-block"] * 2
    assert len(set(prints)) == 2


def test_adding_a_second_identical_block_reports_only_one():
    base = b"fn twice(p: *mut u8) {\n    unsafe { *p = 0 };\n}\n"
    head = b"fn twice(p: *mut u8) {\n    unsafe { *p = 0 };\n    unsafe { *p = 0 };\n}\n"
    assert len(_new(base, head)) == 1


def test_block_moved_to_another_file_without_its_comment_is_a_removal():
    other = "src/other.rs"
    head_other = BASE.replace(b"    // SAFETY: the assert above guarantees index 0 is in bounds.\n", b"")
    report = analyze({PATH: BASE}, {other: head_other}, [PATH, other])
    assert [(f.rule, f.path) for f in report.findings] == [("unsafe/removed-safety-comment", other)]


def _base_markers(text: str) -> set[tuple[str, str, int]]:
    """(kind, rule, line) for each `// base: ruleid|ok: rule`, applying to the next code line."""
    out: set[tuple[str, str, int]] = set()
    pending: list[tuple[str, str]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if m := _BASE_MARKER.match(line):
            pending.append((m.group(1), m.group(2)))
        elif not line.strip().startswith("//") and pending:
            out.update((kind, rule, number) for kind, rule in pending)
            pending = []
    return out


def test_fixture_pair_reports_removed_comments_where_marked():
    head_path = FIXTURES / "unsafe" / "removed-safety-comment.rs"
    base_path: Path = FIXTURES / "unsafe" / "removed-safety-comment" / "base.rs"
    report = analyze({PATH: base_path.read_bytes()}, {PATH: head_path.read_bytes()}, [PATH])
    fired = {(f.rule, f.line) for f in report.findings if f.rule == "unsafe/removed-safety-comment"}
    markers = _base_markers(head_path.read_text())
    expected = {(rule, line) for kind, rule, line in markers if kind == "ruleid"}
    assert {kind for kind, _, _ in markers} == {"ruleid", "ok"}
    assert fired == expected
    assert not {(rule, line) for kind, rule, line in markers if kind == "ok"} & fired


def test_disabled_removed_comment_rule_is_not_reported():
    """A rule produced by comparing versions obeys the same on/off switch as any other."""
    from checks import AnalyzeOptions, analyze

    base = {"src/lib.rs": b"fn f(p: *const u8) -> u8 {\n    // SAFETY: valid\n    unsafe { *p }\n}\n"}
    head = {"src/lib.rs": b"fn f(p: *const u8) -> u8 {\n    unsafe { *p }\n}\n"}
    on = analyze(base, head, ["src/lib.rs"])
    assert [f.rule for f in on.findings] == ["unsafe/removed-safety-comment"]
    off = analyze(base, head, ["src/lib.rs"],
                  AnalyzeOptions(disabled_rules=frozenset({"unsafe/removed-safety-comment"})))
    assert [f.rule for f in off.findings] == []
