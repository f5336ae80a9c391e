"""Unsafe-family behaviour the fixture annotations cannot express: severities, coverage, identity, docs."""

from __future__ import annotations

import pytest

from checks import AnalyzeOptions, analyze_source
from checks import unsafe as unsafe_family
from checks.parse import parse
from checks.unsafe.safety_doc import has_safety_heading


def _findings(src: bytes, edition: int = 2021):
    return analyze_source("src/lib.rs", src, edition=edition).findings


@pytest.mark.parametrize(("src", "severity"), [
    (b"struct H(*mut u8);\nunsafe impl Send for H {}\n", "error"),
    (b"struct H<T>(*mut T);\n// SAFETY: owns its T.\nunsafe impl<T> Send for H<T> {}\n", "error"),
    (b"struct H<T>(*mut T);\n// SAFETY: owns its T.\nunsafe impl<T: Send> Send for H<T> {}\n", "warning"),
    (b"struct H<T>(*mut T);\n// SAFETY: shares &T.\nunsafe impl<T> Sync for H<T> where T: Sync {}\n", "warning"),
    (b"struct M<T>(*mut T);\n// SAFETY: a lock hands out &mut T.\nunsafe impl<T: Send> Sync for M<T> {}\n", "warning"),
    (b"struct V<A>(A);\n// SAFETY: items are owned.\nunsafe impl<A: Array> Send for V<A> where A::Item: Send {}\n",
     "warning"),
])
def test_send_sync_impl_severity_follows_documentation_and_bounds(src, severity):
    (finding,) = _findings(src)
    assert finding.rule == "unsafe/send-sync-impl"
    assert finding.severity.value == severity


def test_send_impl_message_names_the_unbounded_parameters():
    (finding,) = _findings(b"struct H<'a, T, U>(&'a T, U);\nunsafe impl<'a, T, U> Send for H<'a, T, U> {}\n")
    assert "type parameters `T`, `U` have no `Send`/`Sync` bound" in finding.message
    assert "data race" in finding.message


def test_macro_blocks_are_counted_in_coverage():
    src = b"fn f(p: *const u8) {\n    println!(\"{}\", unsafe { *p });\n    let _ = vec![unsafe { *p }];\n}\n"
    report = analyze_source("src/lib.rs", src, edition=2021)
    assert report.coverage.macro_tokens["unsafe"] == 2
    assert [f.rule for f in report.findings] == ["unsafe/undocumented-block"] * 2


def test_unsafe_attribute_tokens_are_not_blocks():
    src = b'#[cfg_attr(unix, unsafe(no_mangle))]\npub extern "C" fn f() {}\n'
    report = analyze_source("src/lib.rs", src, edition=2024)
    assert [f for f in report.findings if f.family == "unsafe"] == []
    assert report.coverage.macro_tokens["unsafe"] == 0


def test_unsafe_fn_identity_survives_body_edits():
    before = _findings(b"unsafe fn f(p: *const u8) -> u8 {\n    0\n}\n")
    after = _findings(b"unsafe fn f(p: *const u8) -> u8 {\n    1 + 1\n}\n")
    assert [f.fingerprint for f in before] == [f.fingerprint for f in after]


def test_static_mut_message_depends_on_edition():
    (old,) = _findings(b"static mut X: u8 = 0;\n", edition=2021)
    (new,) = _findings(b"static mut X: u8 = 0;\n", edition=2024)
    assert "denied from edition 2024" in old.message
    assert "denied in edition 2024" in new.message


def test_disabled_rule_is_not_reported():
    opts = AnalyzeOptions(disabled_rules=frozenset({"unsafe/documented-block"}))
    src = b"fn f(p: *const u8) -> u8 {\n    // SAFETY: valid.\n    unsafe { *p }\n}\n"
    assert analyze_source("src/lib.rs", src, options=opts).findings == []


def test_files_without_unsafe_skip_the_family():
    assert unsafe_family.trigger(AnalyzeOptions()).search(b"fn safe() {}\n") is None
    assert unsafe_family.trigger(AnalyzeOptions()).search(b"static   mut X: u8 = 0;") is not None


@pytest.mark.parametrize(("doc", "expected"), [
    (["# Safety"], True),
    (["### SAFETY"], True),
    (["# Implementation safety"], True),
    (["Safety", "------"], True),
    (["# Safety notes"], False),
    (["Safety: prose"], False),
    (["```", "# Safety", "```"], False),
])
def test_safety_heading_is_an_exact_markdown_heading(doc, expected):
    assert has_safety_heading(doc) is expected


@pytest.mark.parametrize("rule", unsafe_family.RULES, ids=lambda r: r.id)
def test_rule_snippets_are_valid_rust(rule):
    for snippet in (rule.example, rule.fix):
        assert not parse(snippet.encode()).root_node.has_error, snippet


@pytest.mark.parametrize("rule", [r for r in unsafe_family.RULES if r.id != "unsafe/removed-safety-comment"],
                         ids=lambda r: r.id)
def test_rule_example_fires_and_its_fix_does_not(rule):
    assert rule.id in {f.rule for f in _findings(rule.example.encode())}
    assert rule.id not in {f.rule for f in _findings(rule.fix.encode())}
