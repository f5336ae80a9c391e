"""What the ffi family reports for a pull request: base/head pairs through `analyze()`."""

from __future__ import annotations

from checks import AnalyzeOptions, Finding, analyze

OPTS = AnalyzeOptions(families=frozenset({"ffi"}), edition=2021)

BLOCK = b"""\
use std::ffi::c_char;

extern "C" {
    fn strlen(s: *const c_char) -> usize;
    fn abs(x: i32) -> i32;
    static errno: i32;
}
"""


def _new(base: bytes | None, head: bytes, path: str = "src/sys.rs") -> list[Finding]:
    base_files = {} if base is None else {path: base}
    return analyze(base_files, {path: head}, [path], OPTS).findings


def _rules_and_lines(findings: list[Finding]) -> list[tuple[str, int]]:
    return [(f.rule, f.line) for f in findings]


def test_new_block_of_three_declarations_is_one_finding():
    found = _new(b"use std::ffi::c_char;\n", BLOCK)
    assert _rules_and_lines(found) == [("ffi/extern-declaration", 3)]
    assert "3 foreign items" in found[0].message


def test_unchanged_block_reports_nothing():
    assert _new(BLOCK, BLOCK) == []


def test_reindented_and_shifted_block_reports_nothing():
    head = b"// a new comment at the top\n\n" + BLOCK.replace(b"    fn", b"        fn")
    assert _new(BLOCK, head) == []


def test_declaration_added_to_existing_block_is_reported_alone():
    head = BLOCK.replace(b"    static errno", b"    fn labs(x: i64) -> i64;\n    static errno")
    found = _new(BLOCK, head)
    assert _rules_and_lines(found) == [("ffi/extern-declaration", 6)]
    assert "`fn labs`" in found[0].message


def test_changed_declaration_signature_is_reported_alone():
    head = BLOCK.replace(b"fn abs(x: i32) -> i32", b"fn abs(x: i64) -> i64")
    found = _new(BLOCK, head)
    assert _rules_and_lines(found) == [("ffi/extern-declaration", 5)]


def test_removed_declaration_reports_nothing():
    head = BLOCK.replace(b"    fn abs(x: i32) -> i32;\n", b"")
    assert _new(BLOCK, head) == []


def test_declaration_added_to_a_block_new_in_the_pr_flags_the_block_again():
    """The block finding's identity is the whole block, so a later push needs a new review of it."""
    base = b"use std::ffi::c_char;\n"
    first_push = _new(base, BLOCK)
    second = BLOCK.replace(b"    static errno", b"    fn labs(x: i64) -> i64;\n    static errno")
    second_push = _new(base, second)
    assert [f.line for f in first_push] == [3] and [f.line for f in second_push] == [3]
    assert first_push[0].fingerprint != second_push[0].fingerprint


def test_edition_2024_migration_to_unsafe_extern_reports_nothing():
    head = BLOCK.replace(b'extern "C" {', b'unsafe extern "C" {')
    assert _new(BLOCK, head) == []


def test_link_attribute_added_to_existing_block_flags_the_block():
    head = BLOCK.replace(b'extern "C" {', b'#[link(name = "m")]\nextern "C" {')
    found = _new(BLOCK, head)
    assert _rules_and_lines(found) == [("ffi/extern-declaration", 4)]
    assert "linked from `m`" in found[0].message


def test_abi_change_flags_the_block_once():
    head = BLOCK.replace(b'extern "C" {', b'extern "system" {')
    found = _new(BLOCK, head)
    assert _rules_and_lines(found) == [("ffi/extern-declaration", 3)]


def test_declaration_made_safe_is_reported_by_the_safe_rule_only():
    base = BLOCK.replace(b'extern "C" {', b'unsafe extern "C" {')
    head = base.replace(b"    fn abs", b"    pub safe fn abs")
    found = _new(base, head)
    assert _rules_and_lines(found) == [("ffi/safe-extern-item", 5)]


def test_block_moved_to_another_file_is_not_new():
    base = {"src/a.rs": BLOCK, "src/b.rs": b"pub fn f() {}\n"}
    head = {"src/a.rs": b"use std::ffi::c_char;\n", "src/b.rs": b"pub fn f() {}\n" + BLOCK}
    assert analyze(base, head, ["src/a.rs", "src/b.rs"], OPTS).findings == []


def test_second_block_added_next_to_an_existing_one_is_one_finding():
    head = BLOCK + b'\nextern "C" {\n    fn labs(x: i64) -> i64;\n    fn llabs(x: i64) -> i64;\n}\n'
    found = _new(BLOCK, head)
    assert _rules_and_lines(found) == [("ffi/extern-declaration", 9)]


EXPORTED = b"""\
#[no_mangle]
pub extern "C" fn mylib_len(s: *const u8) -> usize {
    let _ = s;
    0
}
"""


def test_body_edit_of_exported_fn_reports_nothing():
    head = EXPORTED.replace(b"    0\n", b"    1\n")
    assert _new(EXPORTED, head) == []


def test_renaming_the_exported_symbol_is_new():
    head = EXPORTED.replace(b"#[no_mangle]", b'#[unsafe(export_name = "mylib_strlen")]')
    found = _new(EXPORTED, head)
    assert _rules_and_lines(found) == [("ffi/exported-symbol", 1)]
    assert "`mylib_strlen`" in found[0].message


def test_no_mangle_added_to_existing_rust_fn():
    base = b"pub fn entry() {}\n"
    found = _new(base, b"#[no_mangle]\n" + base)
    assert _rules_and_lines(found) == [("ffi/no-mangle-with-rust-abi", 1)]


def test_unwrap_added_to_existing_extern_fn_is_a_panic_note():
    base = b'extern "C" fn cb(v: Option<u32>) -> u32 {\n    v.unwrap_or(0)\n}\n'
    head = base.replace(b"v.unwrap_or(0)", b"v.unwrap()")
    found = _new(base, head)
    assert _rules_and_lines(found) == [("ffi/panic-in-extern-fn", 2)]
    assert found[0].confidence.value == "low" and "1.81" in found[0].message


def test_bare_no_mangle_message_follows_the_edition():
    src = b'#[no_mangle]\npub extern "C" fn f() {}\n'
    for edition, phrase in ((2021, "Prefer `#[unsafe(no_mangle)]`"), (2024, "Edition 2024 rejects")):
        opts = AnalyzeOptions(families=frozenset({"ffi"}), edition=edition)
        (finding,) = analyze({}, {"src/lib.rs": src}, ["src/lib.rs"], opts).findings
        assert phrase in finding.message


def test_unsafe_spelling_has_no_edition_advice():
    (finding,) = _new(None, b'#[unsafe(no_mangle)]\npub extern "C" fn f() {}\n')
    assert "Prefer" not in finding.message and "rejects" not in finding.message


CFG_IF = b"""\
cfg_if::cfg_if! {
    if #[cfg(unix)] {
        extern "C" {
            pub fn getpid() -> i32;
        }
    }
}
"""


def test_extern_block_in_macro_is_found_once_and_counted_in_coverage():
    report = analyze({}, {"src/lib.rs": CFG_IF}, ["src/lib.rs"], OPTS)
    assert [(f.rule, f.line, f.confidence.value) for f in report.findings] == [
        ("ffi/extern-declaration", 3, "medium")]
    assert report.coverage.macro_tokens["extern"] == 1


def test_extern_block_in_macro_unchanged_but_shifted_reports_nothing():
    assert _new(CFG_IF, b"use std::ffi::c_int;\n\n" + CFG_IF) == []


def test_extern_block_in_macro_edited_is_reported_again_as_a_whole():
    head = CFG_IF.replace(b"pub fn getpid() -> i32;", b"pub fn getpid() -> i32;\n            pub fn getppid() -> i32;")
    assert _rules_and_lines(_new(CFG_IF, head)) == [("ffi/extern-declaration", 3)]


def test_link_name_added_to_existing_declaration_is_reported_with_the_symbol():
    head = BLOCK.replace(b"    fn abs", b'    #[link_name = "labs"]\n    fn abs')
    found = _new(BLOCK, head)
    assert _rules_and_lines(found) == [("ffi/extern-declaration", 6)]
    assert "bound to C symbol `labs`" in found[0].message
