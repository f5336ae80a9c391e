"""`blindspot scan` on real git repositories with `// blindspot: allow(...)` comments in them."""

from __future__ import annotations

from tests.e2e.conftest import OLD_LIB, GitRepo

ALLOW = "    // blindspot: allow(unsafe/undocumented-block) reason: callers pass a pointer from a live &u8\n"
SUPPRESSED_LIB = OLD_LIB.replace("    unsafe { *p }\n", ALLOW + "    unsafe { *p }\n")


def findings(repo: GitRepo, *args: str) -> tuple[int, list[dict[str, object]]]:
    run = repo.scan("--format", "json", *args)
    assert run.code in (0, 1), run.err
    found = run.json()["findings"]
    assert isinstance(found, list)
    return run.code, found


def test_author_suppression_needs_approval_then_is_honoured_once_merged(repo: GitRepo) -> None:
    """The PR that adds the comment gets a finding naming what it hides; after merge it is silent."""
    audit_code, audit = findings(repo, "--all")
    assert (audit_code, [f["rule"] for f in audit]) == (1, ["unsafe/undocumented-block"])
    hidden_id = "BS-" + str(audit[0]["fingerprint"])[:7]

    repo.write("src/lib.rs", SUPPRESSED_LIB)
    repo.commit("silence the old unsafe block")
    code, found = findings(repo)
    assert code == 1
    assert [(f["rule"], f["path"], f["line"]) for f in found] == [("blindspot/new-suppression", "src/lib.rs", 4)]
    assert f"unsafe/undocumented-block {hidden_id}" in str(found[0]["message"])

    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--ff-only", "feature")
    repo.git("checkout", "-q", "-b", "later")
    repo.write("src/lib.rs", "// shifts every line\n" + SUPPRESSED_LIB)
    repo.commit("unrelated edit")
    assert findings(repo) == (0, [])


def test_suppression_without_reason_fails_the_scan_and_hides_nothing(repo: GitRepo) -> None:
    repo.write("src/lib.rs", OLD_LIB.replace("    unsafe { *p }\n", "    unsafe { *p } // blindspot: allow(unsafe)\n"))
    repo.write("src/new.rs", "pub fn f(p: *const u8) -> u8 {\n    // blindspot: allow(unsafe)\n    unsafe { *p }\n}\n")
    code, found = findings(repo, "--fail-on", "error")
    assert code == 1
    assert [(f["rule"], f["path"], f["line"], f["severity"]) for f in found] == [
        ("blindspot/suppression-without-reason", "src/lib.rs", 4, "error"),
        ("blindspot/suppression-without-reason", "src/new.rs", 2, "error"),
        ("unsafe/undocumented-block", "src/new.rs", 3, "warning"),
    ]
    text = repo.scan("--format", "text")
    assert "blindspot/suppression-without-reason" in text.out
