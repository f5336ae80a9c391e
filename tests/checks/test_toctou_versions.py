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


# Real shapes: base = before the bug-introducing change, head = after it, fix = the real fix.

MKFIFO_BASE = b"""
use nix::sys::stat::Mode;
use nix::unistd::mkfifo;
fn make_fifo(f: &std::path::Path, mode: u32) -> std::io::Result<()> {
    mkfifo(f, Mode::from_bits_truncate(mode)).map_err(std::io::Error::from)?;
    Ok(())
}
"""


def test_uutils_mkfifo_pr_adding_a_chmod_by_name_is_flagged_and_its_fix_is_not():
    """uutils issue #10020 (CVE-2026-35352): `-m` was honoured with a path chmod after `mkfifo`."""
    head = MKFIFO_BASE.replace(
        b"    Ok(())\n",
        b"    std::fs::set_permissions(f, std::os::unix::fs::PermissionsExt::from_mode(mode))?;\n    Ok(())\n")
    assert _new(MKFIFO_BASE, head) == [("toctou/create-then-chmod", 6)]
    assert _new(head, MKFIFO_BASE) == []


REMOVE_TREE_BASE = b"""
use std::fs;
use std::path::Path;

fn remove_tree(path: &Path) -> std::io::Result<()> {
    for entry in fs::read_dir(path)? {
        fs::remove_file(entry?.path())?;
    }
    fs::remove_dir(path)
}
"""

REMOVE_TREE_HEAD = b"""
use std::fs;
use std::path::Path;

fn remove_tree(path: &Path) -> std::io::Result<()> {
    for entry in fs::read_dir(path)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            remove_tree(&entry.path())?;
        } else {
            fs::remove_file(entry.path())?;
        }
    }
    fs::remove_dir(path)
}
"""


def test_recursing_into_subdirectories_by_path_is_flagged_and_std_remove_dir_all_is_not():
    """CVE-2022-21658 / RUSTSEC-2023-0018: the type test decides a recursive walk by name."""
    assert _new(REMOVE_TREE_BASE, REMOVE_TREE_HEAD) == [("toctou/check-then-use", 9)]
    fixed = b"""
use std::fs;
use std::path::Path;

fn remove_tree(path: &Path) -> std::io::Result<()> {
    fs::remove_dir_all(path)
}
"""
    assert _new(REMOVE_TREE_HEAD, fixed) == []


def test_uutils_install_unlink_then_create_and_its_create_new_fix():
    """uutils issue #10023: the destination is unlinked, then re-created by name."""
    base = b"""
use std::fs::{self, File, OpenOptions};
fn install(from: &std::path::Path, to: &std::path::Path) -> std::io::Result<()> {
    let mut out = File::create(to)?;
    std::io::copy(&mut File::open(from)?, &mut out)?;
    Ok(())
}
"""
    head = base.replace(b"    let mut out", b"    let _ = fs::remove_file(to);\n    let mut out")
    fixed = head.replace(b"File::create(to)?", b"OpenOptions::new().write(true).create_new(true).open(to)?")
    assert _new(base, head) == [("toctou/remove-then-create", 5)]
    assert _new(head, fixed) == []
