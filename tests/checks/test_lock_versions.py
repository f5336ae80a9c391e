"""`lock` findings across PR versions: new relocks are reported at the added line, renames are not."""

from __future__ import annotations

from checks import AnalyzeOptions, analyze

OPTS = AnalyzeOptions(edition=2021)

BASE = b"""use std::sync::Mutex;
struct S { items: Mutex<Vec<u32>> }
impl S {
    fn fill(&self) {
        let guard = self.items.lock().unwrap();
        let n = guard.len();
        println!("{}", n);
    }
}
"""

PRINT = b'        println!("{}", n);\n'
ADDS_RELOCK = BASE.replace(PRINT, PRINT + b"        self.items.lock().unwrap().push(n as u32);\n")


def _new(base: bytes, head: bytes) -> list[tuple[str, int]]:
    report = analyze({"src/s.rs": base}, {"src/s.rs": head}, ["src/s.rs"], OPTS)
    return [(f.rule, f.line) for f in report.findings]


def test_relock_added_inside_an_existing_guard_is_reported_at_the_added_line():
    assert _new(BASE, ADDS_RELOCK) == [("lock/double-lock", 8)]


def test_renaming_the_guard_variable_keeps_the_finding_identity():
    renamed = ADDS_RELOCK.replace(b"guard", b"items_guard").replace(b"let n", b"let count").replace(
        b"{}\", n", b"{}\", count").replace(b"push(n as", b"push(count as")
    assert b"items_guard" in renamed
    assert _new(ADDS_RELOCK, renamed) == []


def test_shifting_lines_keeps_the_finding_identity():
    shifted = ADDS_RELOCK.replace(b"use std::sync::Mutex;\n", b"use std::sync::Mutex;\n\n// moved down\n\n")
    assert _new(ADDS_RELOCK, shifted) == []


def test_renaming_a_local_alias_of_the_lock_keeps_the_identity():
    base = ADDS_RELOCK.replace(b"let guard = self.items", b"let m = &self.items;\n        let guard = m")
    head = base.replace(b"let m = ", b"let items_ref = ").replace(b"guard = m.", b"guard = items_ref.")
    assert _new(base, head) == []


def test_renaming_the_lock_field_itself_is_a_new_finding():
    """The lock's path is the identity of a double lock: a renamed lock is a changed construct."""
    head = ADDS_RELOCK.replace(b"items", b"entries")
    assert _new(ADDS_RELOCK, head) == [("lock/double-lock", 8)]


def test_fixing_the_relock_reports_nothing():
    len_line = b"        let n = guard.len();\n"
    fixed = ADDS_RELOCK.replace(len_line, len_line + b"        drop(guard);\n")
    assert _new(ADDS_RELOCK, fixed) == []
    report = analyze({}, {"src/s.rs": fixed}, ["src/s.rs"], OPTS)
    assert report.head_findings == []


def test_edition_from_the_crate_manifest_decides_if_let_else():
    src = b"""use std::sync::Mutex;
fn f(m: &Mutex<Vec<u32>>) {
    if let Some(_x) = m.lock().unwrap().pop() {
    } else {
        m.lock().unwrap().push(0);
    }
}
"""
    for edition, expected in (("2021", [("lock/double-lock", 5)]), ("2024", [])):
        manifest = f'[package]\nname = "x"\nedition = "{edition}"\n'.encode()
        report = analyze({}, {"Cargo.toml": manifest, "src/lib.rs": src}, ["src/lib.rs"], AnalyzeOptions())
        assert [(f.rule, f.line) for f in report.findings] == expected, edition


# Real-world shapes (research/detection.md §5.2): base = the code before the bug, head = the change
# that introduced it. The finding must sit on the added line.

WINIT_BASE = b"""use parking_lot::Mutex;
struct Shared { pos: (i32, i32), full: bool }
struct Window { shared: Mutex<Shared> }
impl Window {
    fn set_position_inner(&self, x: i32, y: i32) {
        self.shared.lock().pos = (x, y);
    }
    fn set_fullscreen(&self, on: bool) {
        let mut state = self.shared.lock();
        state.full = on;
    }
}
"""
WINIT_HEAD = WINIT_BASE.replace(b"        state.full = on;\n",
                                b"        state.full = on;\n        self.set_position_inner(0, 0);\n")


def test_winit_shape_call_to_a_relocking_method_under_a_bound_guard():
    assert _new(WINIT_BASE, WINIT_HEAD) == [("lock/double-lock", 11)]


SOLANA_BASE = b"""use std::sync::RwLock;
struct Index { startup: RwLock<Vec<u64>>, count: usize }
impl Index {
    fn write_startup(&self) {
        let n = self.startup.read().unwrap().len();
        assert!(n == self.count);
    }
}
"""
SOLANA_HEAD = SOLANA_BASE.replace(
    b"        assert!(n == self.count);\n",
    b"        assert!(n == self.count);\n"
    b"        assert!(self.startup.read().unwrap().is_empty() || self.startup.read().unwrap().len() == n);\n")


def test_solana_shape_two_read_locks_inside_one_assert_macro():
    assert _new(SOLANA_BASE, SOLANA_HEAD) == [("lock/double-lock", 7)]


LIGHTHOUSE_BASE = b"""use parking_lot::{RwLock, RwLockReadGuard};
struct Cache { blocks: Vec<u64> }
struct Service { cache: RwLock<Cache> }
impl Service {
    fn blocks(&self) -> RwLockReadGuard<'_, Cache> {
        self.cache.read()
    }
    fn latest(&self) -> Option<u64> {
        self.blocks().blocks.last().copied()
    }
    fn summary(&self) -> usize {
        let cache = self.blocks();
        cache.blocks.len()
    }
}
"""
LIGHTHOUSE_HEAD = LIGHTHOUSE_BASE.replace(
    b"        cache.blocks.len()\n",
    b"        let last = self.latest();\n        cache.blocks.len() + last.is_some() as usize\n")


def test_lighthouse_shape_guard_returned_by_a_getter_then_a_relocking_call():
    assert _new(LIGHTHOUSE_BASE, LIGHTHOUSE_HEAD) == [("lock/double-lock", 13)]
