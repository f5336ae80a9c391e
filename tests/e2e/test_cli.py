"""`blindspot scan` and `demo` run as a user runs them: a subprocess on real git repositories."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import GIT_ENV, OLD_LIB, GitRepo, blindspot

NEW_UNSAFE = """
pub fn read_twice(p: *const u8) -> u8 {
    let a = unsafe { *p };
    a
}
"""
DOCUMENTED = """
pub fn documented(p: *const u8) -> u8 {
    // SAFETY: callers pass a pointer from `Box::into_raw`.
    unsafe { *p }
}
"""
FINDING_KEYS = {"rule", "family", "severity", "confidence", "path", "line", "end_line", "message", "fingerprint"}


def rules_at(run_json: dict[str, object]) -> list[tuple[str, str, int]]:
    findings = run_json["findings"]
    assert isinstance(findings, list)
    return [(f["rule"], f["path"], f["line"]) for f in findings]


# --- what counts as new ------------------------------------------------------------------------


def test_pr_reports_only_the_unsafe_block_it_adds(repo: GitRepo) -> None:
    repo.write("src/lib.rs", OLD_LIB + NEW_UNSAFE)
    repo.commit("add read_twice")
    run = repo.scan("--format", "json")
    assert run.code == 1, run.err
    assert rules_at(run.json()) == [("unsafe/undocumented-block", "src/lib.rs", 8)]


def test_function_moved_to_another_file_is_not_new(repo: GitRepo) -> None:
    """The unsafe block in `old` keeps its identity (item path + text) when it changes file."""
    repo.write("src/lib.rs", "pub mod util;\n")
    repo.write("src/util.rs", "// moved here\n\n" + OLD_LIB.replace("pub mod util;\n", ""))
    repo.commit("move old to util.rs")
    run = repo.scan("--format", "json")
    assert (run.code, run.json()["findings"]) == (0, []), run.err


def test_removed_safety_comment_is_new(repo: GitRepo) -> None:
    repo.git("checkout", "-q", "main")
    repo.write("src/lib.rs", OLD_LIB + DOCUMENTED)
    repo.commit("documented unsafe")
    repo.git("checkout", "-q", "-b", "strip-comment")
    stripped = "".join(line for line in DOCUMENTED.splitlines(keepends=True) if "SAFETY" not in line)
    repo.write("src/lib.rs", OLD_LIB + stripped)
    repo.commit("drop the comment")
    run = repo.scan("--format", "json")
    assert run.code == 1
    assert rules_at(run.json()) == [("unsafe/removed-safety-comment", "src/lib.rs", 8)]


def test_working_tree_changes_and_untracked_files_are_scanned(repo: GitRepo) -> None:
    repo.write("src/lib.rs", OLD_LIB + NEW_UNSAFE)  # uncommitted
    repo.write("src/extra.rs", NEW_UNSAFE)  # untracked
    run = repo.scan("--format", "json")
    assert [(r, p) for r, p, _ in rules_at(run.json())] == [
        ("unsafe/undocumented-block", "src/extra.rs"), ("unsafe/undocumented-block", "src/lib.rs")]


def test_head_rev_ignores_the_working_tree(repo: GitRepo) -> None:
    repo.write("src/lib.rs", OLD_LIB + NEW_UNSAFE)
    assert repo.scan("--head", "HEAD", "--format", "json").json()["findings"] == []


def test_default_base_is_the_merge_base_with_main(repo: GitRepo) -> None:
    """Unsafe code that lands on main after the branch point is not this branch's doing."""
    repo.git("checkout", "-q", "main")
    repo.write("src/main_only.rs", NEW_UNSAFE)
    repo.commit("main moves on")
    repo.git("checkout", "-q", "feature")
    repo.git("merge", "-q", "--no-edit", "main")
    repo.write("src/feature.rs", NEW_UNSAFE)
    repo.commit("feature work")
    paths = {p for _, p, _ in rules_at(repo.scan("--format", "json").json())}
    assert paths == {"src/feature.rs"}


def test_all_audits_whole_files_and_path_filters_narrow_it(repo: GitRepo) -> None:
    repo.write("tools/gen.rs", NEW_UNSAFE)
    repo.commit("tools")
    everything = rules_at(repo.scan("--all", "--format", "json").json())
    assert {p for _, p, _ in everything} == {"src/lib.rs", "tools/gen.rs"}
    only_src = rules_at(repo.scan("--all", "--format", "json", "src").json())
    assert only_src == [("unsafe/undocumented-block", "src/lib.rs", 4)]


def test_path_filter_is_relative_to_the_current_directory(repo: GitRepo) -> None:
    repo.write("src/lib.rs", OLD_LIB + NEW_UNSAFE)
    repo.write("tools/gen.rs", NEW_UNSAFE)
    run = blindspot("scan", "--format", "json", "lib.rs", cwd=repo.root / "src")
    assert [p for _, p, _ in rules_at(run.json())] == ["src/lib.rs"]


# --- exit codes and errors ---------------------------------------------------------------------


@pytest.mark.parametrize(("fail_on", "code"), [("error", 0), ("warning", 1), ("note", 1), ("never", 0)])
def test_fail_on_sets_the_exit_code(repo: GitRepo, fail_on: str, code: int) -> None:
    repo.write("src/lib.rs", OLD_LIB + NEW_UNSAFE)
    assert repo.scan("--fail-on", fail_on, "--format", "json").code == code


def test_a_note_fails_only_with_fail_on_note(repo: GitRepo) -> None:
    repo.write("src/lib.rs", OLD_LIB + DOCUMENTED)
    assert repo.scan().code == 0
    assert repo.scan("--fail-on", "note").code == 1


def one_line_error(run_code: int, err: str, needle: str) -> None:
    assert run_code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert needle in err and "Traceback" not in err


def test_not_a_git_repository(tmp_path: Path) -> None:
    run = blindspot("scan", cwd=tmp_path)
    one_line_error(run.code, run.err, "not a git repository")
    assert run.out == ""


def test_unknown_revision(repo: GitRepo) -> None:
    run = repo.scan("--base", "no-such-branch")
    one_line_error(run.code, run.err, "unknown revision: no-such-branch")
    run = repo.scan("--head", "deadbeef")
    one_line_error(run.code, run.err, "unknown revision: deadbeef")


def test_missing_path(repo: GitRepo) -> None:
    run = repo.scan("src/nope.rs")
    one_line_error(run.code, run.err, "no such path in the working tree: src/nope.rs")


def test_missing_repo_dir_and_bad_option(repo: GitRepo) -> None:
    run = repo.scan("--repo", str(repo.root / "absent"))
    one_line_error(run.code, run.err, "not a directory")
    run = repo.scan("--format", "xml")
    one_line_error(run.code, run.err, "invalid choice")


def test_no_command_is_a_usage_error(tmp_path: Path) -> None:
    run = blindspot(cwd=tmp_path)
    one_line_error(run.code, run.err, "a command is required: scan, serve, demo")


def test_no_default_branch(tmp_path: Path) -> None:
    r = GitRepo(tmp_path / "r")
    r.commit("first")
    r.git("branch", "-m", "trunk")
    run = r.scan()
    one_line_error(run.code, run.err, "pass --base")


# --- files that cannot be analysed are coverage notes -------------------------------------------


def test_binary_non_utf8_and_huge_files_are_coverage_notes(repo: GitRepo) -> None:
    repo.write("src/blob.rs", b"\x00\x01unsafe {}")
    repo.write("src/latin1.rs", b"// caf\xe9\nfn f(p: *const u8) -> u8 { unsafe { *p } }\n")
    repo.write("src/huge.rs", b"// padding\n" * 200_000)
    repo.write("src/ok.rs", NEW_UNSAFE)
    run = repo.scan("--format", "json")
    doc = run.json()
    skipped = doc["coverage"]["files_skipped"]
    assert set(skipped) == {"src/blob.rs", "src/latin1.rs", "src/huge.rs"}
    assert skipped["src/blob.rs"] == "binary" and skipped["src/latin1.rs"] == "not UTF-8"
    assert skipped["src/huge.rs"].startswith("too large")
    assert [p for _, p, _ in rules_at(doc)] == ["src/ok.rs"]
    text = repo.scan()
    assert "not analysed src/huge.rs: too large" in text.out and text.code == 1


# --- formats -----------------------------------------------------------------------------------


def test_json_contract_to_the_letter(repo: GitRepo) -> None:
    repo.write("src/lib.rs", OLD_LIB + NEW_UNSAFE)
    run = repo.scan("--format", "json")
    doc = run.json()
    assert set(doc) == {"tool", "version", "findings", "coverage"}
    assert doc["tool"] == "blindspot" and isinstance(doc["version"], str)
    (finding,) = doc["findings"]
    assert set(finding) == FINDING_KEYS
    assert finding["family"] == "unsafe" and finding["severity"] == "warning"
    assert finding["confidence"] == "high" and finding["end_line"] == 8
    assert len(finding["fingerprint"]) == 32
    assert doc["coverage"]["files_analyzed"] == 1
    assert run.err == ""


def test_text_shows_location_short_id_code_and_summary(repo: GitRepo) -> None:
    repo.write("src/lib.rs", OLD_LIB + "\npub fn tab(p: *const u8) -> u8 {\n\tlet a = unsafe { *p };\n\ta\n}\n")
    run = repo.scan()
    fp = repo.scan("--format", "json").json()["findings"][0]["fingerprint"]
    lines = run.out.splitlines()
    assert lines[0] == "src/lib.rs"
    assert lines[1].startswith("src/lib.rs:8:10: warning unsafe/undocumented-block [BS-" + fp[:7] + "]")
    code_row = next(i for i, line in enumerate(lines) if line.endswith("\tlet a = unsafe { *p };"))
    assert lines[code_row + 1].endswith("| \t        ^~~~~~~~~~~~~")
    assert lines[-1].startswith("1 finding (1 warning) in 1 file")
    assert "\x1b[" not in run.out


def test_github_format_escapes_workflow_commands(repo: GitRepo) -> None:
    repo.write("src/a,b:c.rs", NEW_UNSAFE)
    run = repo.scan("--format", "github")
    (line,) = run.out.splitlines()
    assert line.startswith("::warning file=src/a%2Cb%3Ac.rs,line=3,endLine=3,col=13,endColumn=26,"
                           "title=unsafe/undocumented-block [BS-")
    assert "::`unsafe` block without" in line


def test_sarif_has_rules_relative_locations_and_fingerprints(repo: GitRepo) -> None:
    repo.write("src/lib.rs", OLD_LIB + NEW_UNSAFE)
    doc = json.loads(repo.scan("--format", "sarif").out)
    run = doc["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert "unsafe/undocumented-block" in rule_ids
    (result,) = run["results"]
    loc = result["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "src/lib.rs", "uriBaseId": "%SRCROOT%"}
    assert loc["region"] == {"startLine": 8, "endLine": 8, "startColumn": 13, "endColumn": 26}
    fp = repo.scan("--format", "json").json()["findings"][0]["fingerprint"]
    assert result["partialFingerprints"] == {"blindspot/v1": fp}
    assert rule_ids[result["ruleIndex"]] == result["ruleId"]


# --- help and demo -----------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["--help"], ["scan", "--help"], ["demo", "--help"]])
def test_help_explains_every_command(tmp_path: Path, args: list[str]) -> None:
    run = blindspot(*args, cwd=tmp_path)
    assert run.code == 0 and "usage: blindspot" in run.out


def test_scan_help_names_every_flag(tmp_path: Path) -> None:
    out = blindspot("scan", "--help", cwd=tmp_path).out
    for flag in ("--repo", "--base", "--head", "--format", "--fail-on", "--all", "PATH", "exit codes"):
        assert flag in out


def test_demo_scan_reviews_the_sample_pr(tmp_path: Path) -> None:
    run = blindspot("demo", "--scan", cwd=tmp_path)
    assert run.code == 0, run.err
    assert "src/lib.rs:20:5: warning unsafe/undocumented-block" in run.out
    assert "longest_key" not in run.out  # its documented unsafe block is in base too


def scan_on_a_terminal(repo: GitRepo, env_extra: dict[str, str]) -> str:
    """Run `scan` with stdout on a pseudo-terminal and return what it printed."""
    leader, follower = pty.openpty()
    proc = subprocess.run([sys.executable, "-m", "bot.cli", "scan"], cwd=repo.root, stdout=follower,
                          stderr=subprocess.PIPE, env={**GIT_ENV, **env_extra}, timeout=120, check=False)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert proc.returncode == 1, proc.stderr
    return b"".join(chunks).decode()


def test_colour_only_on_a_terminal_without_no_color(repo: GitRepo) -> None:
    repo.write("src/lib.rs", OLD_LIB + NEW_UNSAFE)
    assert "\x1b[1;33mwarning\x1b[0m" in scan_on_a_terminal(repo, {})
    plain = scan_on_a_terminal(repo, {"NO_COLOR": "1"})
    assert "\x1b[" not in plain and "warning unsafe/undocumented-block" in plain
