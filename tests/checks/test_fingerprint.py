"""A finding's fingerprint survives line shifts, re-indentation and rebases, and nothing else."""

from __future__ import annotations

from checks import analyze, analyze_source

BASE = b"""\
pub fn read(p: *const u8) -> u8 {
    let v = unsafe { *p };
    v
}

pub fn other() {}
"""


def fingerprints(src: bytes, path: str = "src/lib.rs") -> list[str]:
    return [f.fingerprint for f in analyze_source(path, src, edition=2021).findings]


def test_inserting_lines_above_keeps_the_fingerprint() -> None:
    shifted = b"// a new header comment\nuse std::ptr;\n\n" + BASE
    (before,), (after,) = analyze_source("a.rs", BASE).findings, analyze_source("a.rs", shifted).findings
    assert after.line == before.line + 3
    assert after.fingerprint == before.fingerprint


def test_reindenting_keeps_the_fingerprint() -> None:
    reindented = BASE.replace(b"    let v = unsafe { *p };", b"\t\tlet v = unsafe {\n\t\t\t*p\n\t\t};")
    assert fingerprints(reindented) == fingerprints(BASE)


def test_rebase_onto_a_different_base_keeps_the_fingerprint() -> None:
    """The same head code compared with two different bases: the finding keeps its identity."""
    head = BASE + b"\npub fn added(p: *const u8) -> u8 {\n    unsafe { *p.add(1) }\n}\n"
    old_base = {"src/lib.rs": BASE}
    new_base = {"src/lib.rs": b"pub fn upstream() {}\n\n" * 5 + BASE}
    rebased_head = {"src/lib.rs": b"pub fn upstream() {}\n\n" * 5 + head}
    before = analyze(old_base, {"src/lib.rs": head}, ["src/lib.rs"]).findings
    after = analyze(new_base, rebased_head, ["src/lib.rs"]).findings
    assert len(before) == len(after) == 1
    assert before[0].line != after[0].line
    assert before[0].fingerprint == after[0].fingerprint


def test_moving_the_file_keeps_the_fingerprint() -> None:
    assert fingerprints(BASE, "src/a.rs") == fingerprints(BASE, "src/deeper/b.rs")


def test_identical_constructs_in_one_function_differ_by_occurrence() -> None:
    twice = b"pub fn f(p: *const u8) -> u8 {\n    let a = unsafe { *p };\n    let b = unsafe { *p };\n    a + b\n}\n"
    first, second = fingerprints(twice)
    assert first != second


def test_changing_the_code_or_the_function_changes_the_fingerprint() -> None:
    edited = BASE.replace(b"*p }", b"*p.add(1) }")
    renamed = BASE.replace(b"pub fn read(", b"pub fn read_byte(")
    assert len({fingerprints(BASE)[0], fingerprints(edited)[0], fingerprints(renamed)[0]}) == 3


def test_editing_a_comment_inside_the_block_keeps_the_fingerprint() -> None:
    commented = BASE.replace(b"unsafe { *p }", b"unsafe { /* read it */ *p }")
    assert fingerprints(commented) == fingerprints(BASE)
