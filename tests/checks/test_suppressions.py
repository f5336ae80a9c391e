"""`// blindspot: allow(...)` comments through `analyze()`: base/head pairs decide what is new."""

from __future__ import annotations

from checks import AnalyzeOptions, Finding, analyze
from checks.suppressions import find

PATH = "src/lib.rs"

BARE = """\
pub fn read(p: *const u8) -> u8 {
    unsafe { *p }
}
"""
ALLOWED = """\
pub fn read(p: *const u8) -> u8 {
    // blindspot: allow(unsafe/undocumented-block) reason: p is a live &u8 in every caller
    unsafe { *p }
}
"""
LOCKS = """\
use std::sync::Mutex;

pub fn relock(m: &Mutex<u32>) {
    let a = m.lock().unwrap();
    // blindspot: allow(lock) reason: reproducer for the deadlock test, never shipped
    let b = m.lock().unwrap();
    drop((a, b));
}
"""


def run(base: str | None, head: str | None, options: AnalyzeOptions | None = None,
        path: str = PATH) -> list[Finding]:
    base_files = {} if base is None else {path: base.encode()}
    head_files = {} if head is None else {path: head.encode()}
    return analyze(base_files, head_files, [path], options).findings


def rules(findings: list[Finding]) -> list[tuple[str, int]]:
    return [(f.rule, f.line) for f in findings]


def test_suppression_added_in_pr_is_reported_and_hides_the_finding() -> None:
    found = run(BARE, ALLOWED)
    assert rules(found) == [("blindspot/new-suppression", 2)]
    hidden = run(None, BARE)[0]
    assert f"unsafe/undocumented-block {hidden.short_id}" in found[0].message
    assert "hides 1 finding" in found[0].message
    assert found[0].severity.value == "warning"


def test_suppression_added_with_new_unsafe_code_hides_it_but_needs_approval() -> None:
    assert rules(run("pub fn other() {}\n", "pub fn other() {}\n" + ALLOWED)) == [
        ("blindspot/new-suppression", 3)]


def test_suppression_on_base_branch_is_honoured() -> None:
    """An approved-and-merged suppression stays silent when the PR only shifts its lines."""
    shifted = "// a new header line\n\n" + ALLOWED
    assert run(ALLOWED, shifted) == []
    head = analyze({PATH: ALLOWED.encode()}, {PATH: shifted.encode()}, [PATH])
    assert head.head_findings == []


def test_base_suppression_over_changed_code_is_new_again() -> None:
    """The approval binds to the hidden finding: edit the suppressed block and it needs a new one."""
    changed = ALLOWED.replace("unsafe { *p }", "unsafe { *p.add(1) }")
    assert rules(run(ALLOWED, changed)) == [("blindspot/new-suppression", 2)]


def test_removing_a_suppression_exposes_the_finding() -> None:
    assert rules(run(ALLOWED, BARE)) == [("unsafe/undocumented-block", 2)]


def test_new_suppression_identity_survives_line_shifts_and_file_moves() -> None:
    one = run(BARE, ALLOWED)[0]
    two = run(BARE, "\n\n// moved down\n" + ALLOWED)[0]
    assert one.fingerprint == two.fingerprint
    moved = analyze({PATH: BARE.encode()}, {"src/other.rs": ALLOWED.encode()}, [PATH, "src/other.rs"])
    assert [f.fingerprint for f in moved.findings] == [one.fingerprint]


def test_new_suppression_identity_changes_with_its_reason() -> None:
    other = ALLOWED.replace("every caller", "most callers")
    assert run(BARE, ALLOWED)[0].fingerprint != run(BARE, other)[0].fingerprint


def test_suppression_without_reason_is_an_error_and_hides_nothing() -> None:
    bare_allow = ALLOWED.replace(" reason: p is a live &u8 in every caller", "")
    found = run(None, bare_allow)
    assert rules(found) == [("blindspot/suppression-without-reason", 2), ("unsafe/undocumented-block", 3)]
    assert found[0].severity.value == "error"
    assert found[1].short_id in found[0].message


def test_bare_allow_over_old_code_is_reported_and_the_old_finding_stays_visible() -> None:
    bare_allow = ALLOWED.replace(" reason: p is a live &u8 in every caller", "")
    report = analyze({PATH: BARE.encode()}, {PATH: bare_allow.encode()}, [PATH])
    assert rules(report.findings) == [("blindspot/suppression-without-reason", 2)]
    assert ("unsafe/undocumented-block", 3) in rules(report.head_findings)


def test_suppression_without_reason_already_on_base_is_not_new() -> None:
    bare_allow = ALLOWED.replace(" reason: p is a live &u8 in every caller", "")
    assert run(bare_allow, bare_allow) == []


def test_family_wide_allow_hides_every_rule_of_the_family() -> None:
    found = run(None, LOCKS)
    assert rules(found) == [("blindspot/new-suppression", 5)]
    assert "lock/double-lock BS-" in found[0].message
    assert run(LOCKS, LOCKS) == []


def test_unknown_rule_is_reported_and_suppresses_nothing() -> None:
    typo = ALLOWED.replace("undocumented-block)", "undocumented-blok)")
    found = run(None, typo)
    assert rules(found) == [("blindspot/unknown-rule-in-suppression", 2), ("unsafe/undocumented-block", 3)]
    assert "`unsafe/undocumented-blok`" in found[0].message


def test_disabled_meta_rule_still_honours_the_suppression() -> None:
    opts = AnalyzeOptions(disabled_rules=frozenset({"blindspot/new-suppression"}))
    assert run(BARE, ALLOWED, opts) == []


def test_meta_rules_run_when_families_are_restricted() -> None:
    """Choosing `families = ["unsafe"]` must not let a suppression pass without approval."""
    opts = AnalyzeOptions(families=frozenset({"unsafe"}))
    assert rules(run(BARE, ALLOWED, opts)) == [("blindspot/new-suppression", 2)]


def test_find_reads_rules_reason_and_covered_lines() -> None:
    (sup,) = find(PATH, LOCKS.encode())
    assert (sup.line, sup.last_line, sup.reason) == (5, 6, "reproducer for the deadlock test, never shipped")
    assert sup.rules == {"lock/double-lock", "lock/nested-lock", "lock/lock-order-inversion",
                         "lock/guard-across-await"}
    assert sup.item == "relock"
