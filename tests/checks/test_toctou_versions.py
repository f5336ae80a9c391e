"""Diff-aware behaviour of the toctou family through `analyze()` with a base and a head version."""

from __future__ import annotations

from checks import AnalyzeOptions, analyze

PATH = "src/install.rs"
OPTS = AnalyzeOptions(families=frozenset({"toctou"}))

UNCHECKED_CREATE = b"""
use std::fs::{self, File, OpenOptions};
use std::path::Path;

fn install(dest: &Path) -> std::io::Result<()> {
    File::create(dest)?;
    Ok(())
}
"""

CHECKED_CREATE = b"""
use std::fs::{self, File, OpenOptions};
use std::path::Path;

fn install(dest: &Path) -> std::io::Result<()> {
    if !dest.exists() {
        File::create(dest)?;
    }
    Ok(())
}
"""

CHECKED_CREATE_NEW = b"""
use std::fs::{self, File, OpenOptions};
use std::path::Path;

fn install(dest: &Path) -> std::io::Result<()> {
    if !dest.exists() {
        OpenOptions::new().write(true).create_new(true).open(dest)?;
    }
    Ok(())
}
"""


def _new(base: bytes | None, head: bytes) -> list[tuple[str, int]]:
    base_files = {PATH: base} if base is not None else {}
    report = analyze(base_files, {PATH: head}, [PATH], OPTS)
    return [(f.rule, f.line) for f in report.findings]


def test_pr_adding_the_check_above_an_existing_create_is_flagged():
    assert _new(UNCHECKED_CREATE, CHECKED_CREATE) == [("toctou/check-then-use", 7)]


def test_pr_adding_create_new_to_fix_the_race_reports_nothing():
    assert _new(CHECKED_CREATE, CHECKED_CREATE_NEW) == []


def test_race_already_in_base_is_not_new_when_lines_shift_and_reindent():
    """The fingerprint is the text of the two calls, so moving and re-indenting keeps it."""
    shifted = CHECKED_CREATE.replace(b"fn install", b"// Installs the file.\n\nfn install").replace(
        b"        File::create(dest)?;", b"            File::create(dest)?;")
    assert _new(CHECKED_CREATE, shifted) == []


def test_changing_the_racing_call_makes_a_new_finding():
    changed = CHECKED_CREATE.replace(b"File::create(dest)?;", b"std::fs::write(dest, b\"x\")?;")
    assert _new(CHECKED_CREATE, changed) == [("toctou/check-then-use", 7)]


def test_new_file_reports_every_race_in_it():
    assert _new(None, CHECKED_CREATE) == [("toctou/check-then-use", 7)]


REMOVE_THEN_CREATE = b"""
use std::fs::{self, File, OpenOptions};
use std::path::Path;

fn reset(p: &Path) -> std::io::Result<()> {
    let _ = fs::remove_file(p);
    let _f = File::create(p)?;
    Ok(())
}
"""


def test_keeping_the_remove_and_adding_create_new_fixes_remove_then_create():
    fixed = REMOVE_THEN_CREATE.replace(
        b"File::create(p)?", b"OpenOptions::new().write(true).create_new(true).open(p)?")
    assert _new(UNCHECKED_CREATE, REMOVE_THEN_CREATE) == [("toctou/remove-then-create", 7)]
    assert _new(REMOVE_THEN_CREATE, fixed) == []


def test_switching_to_a_handle_chmod_fixes_create_then_chmod():
    base = b"""
use std::fs::{self, File, Permissions};
use std::os::unix::fs::PermissionsExt;
fn save(p: &std::path::Path) -> std::io::Result<()> {
    let f = File::create(p)?;
    fs::set_permissions(p, Permissions::from_mode(0o600))?;
    Ok(())
}
"""
    head = base.replace(b"fs::set_permissions(p, ", b"f.set_permissions(")
    assert _new(None, base) == [("toctou/create-then-chmod", 6)]
    assert _new(base, head) == []


def test_keeping_the_stat_and_dropping_the_truncate_is_not_flagged():
    base = b"""
use std::fs::OpenOptions;
fn overwrite(p: &std::path::Path) -> std::io::Result<()> {
    if p.is_file() {
        let f = OpenOptions::new().write(true).truncate(true).open(p)?;
    }
    Ok(())
}
"""
    head = base.replace(b".truncate(true)", b"")
    assert _new(None, base) == [("toctou/check-then-use", 5)]
    assert _new(base, head) == []
