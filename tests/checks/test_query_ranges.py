"""The query restricted to item units finds exactly what the whole-tree query finds."""

from __future__ import annotations

import re
import types
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checks import AnalyzeOptions, all_rules
from checks.analysis import analyze_file, family_triggers, prefilter_gate, required_literals, trigger_offsets
from checks.coverage import Coverage
from checks.findings import Finding
from checks.parse import CombinedQuery, item_ranges, parse
from checks.syntax import item_path
from tests.checks.fixture_annotations import FIXTURES, all_fixture_files, load

FILES = all_fixture_files()
ALL_ON = AnalyzeOptions(enabled_rules=frozenset(all_rules()))

SYNTHETIC = {
    "nested_mods.rs": b"""
fn plain() {}

mod outer {
    fn safe_one() {}

    mod inner {
        // a comment above
        fn risky() {
            let v = unsafe { *P };
        }

        fn fine() {}
    }

    #[inline]
    fn also_risky() {
        // SAFETY: documented.
        unsafe { f() }
    }
}

fn tail() {
    unsafe { g() };
}
""",
    "header_hit.rs": b"""
#[cfg(feature = "unsafe")]
mod gated {
    fn a() { unsafe { x() } }
}

/// Not unsafe: a doc comment mentioning the word.
fn doc_only() {}
""",
    "impls.rs": b"""
struct S;

unsafe impl Send for S {}

impl S {
    unsafe fn raw(&self) -> u8 {
        unsafe { *self.p() }
    }

    fn p(&self) -> *const u8 {
        std::ptr::null()
    }
}

const C: u8 = unsafe { std::mem::transmute(1u8) };
static mut G: u8 = 0;
""",
    "macros_and_errors.rs": b"""
macro_rules! m {
    ($e:expr) => { unsafe { $e } };
}

fn uses() {
    m!(read());
    let x = vec![unsafe { y() }];
}

fn broken( {
    unsafe { z() }
}
""",
}


def _findings(path: str, source: bytes, opts: AnalyzeOptions, edition: int, restrict: bool) -> list[Finding]:
    return analyze_file(path, source, edition, opts, Coverage(), family_triggers(opts), restrict)


def _same(path: str, source: bytes, opts: AnalyzeOptions, edition: int = 2021) -> list[Finding]:
    restricted = _findings(path, source, opts, edition, restrict=True)
    whole = _findings(path, source, opts, edition, restrict=False)
    assert restricted == whole
    assert [f.fingerprint for f in restricted] == [f.fingerprint for f in whole]
    return whole


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(FIXTURES)) for p in FILES])
def test_fixture_findings_are_identical_with_and_without_ranges(path):
    fx = load(path)
    opts = replace(ALL_ON, **{k: tuple(v) if isinstance(v, list) else v for k, v in fx.options.items()})
    _same(str(path.relative_to(FIXTURES)), path.read_bytes(), opts, fx.edition)


@pytest.mark.parametrize("name", sorted(SYNTHETIC))
def test_synthetic_findings_are_identical_with_and_without_ranges(name):
    _same(name, SYNTHETIC[name], ALL_ON)


def test_synthetic_files_do_produce_findings():
    """Guards the identity tests above against comparing two empty lists."""
    assert len(_same("nested_mods.rs", SYNTHETIC["nested_mods.rs"], ALL_ON)) >= 3
    assert len(_same("impls.rs", SYNTHETIC["impls.rs"], ALL_ON)) >= 2


def _text(src: bytes, ranges: list[tuple[int, int]]) -> list[bytes]:
    return [src[s:e].strip() for s, e in ranges]


def test_hits_in_nested_modules_map_to_the_innermost_item_with_its_comments_and_attributes():
    src = SYNTHETIC["nested_mods.rs"]
    offsets = [i for i in range(len(src)) if src.startswith(b"unsafe", i)]
    got = _text(src, item_ranges(parse(src).root_node, offsets))
    assert [g.split(b"\n")[0] for g in got] == [b"// a comment above", b"#[inline]", b"fn tail() {"]


def test_hit_in_a_module_header_takes_the_whole_module():
    src = SYNTHETIC["header_hit.rs"]
    got = _text(src, item_ranges(parse(src).root_node, [src.index(b"unsafe")]))
    assert got == [src[src.index(b"#[cfg"):src.index(b"}\n}") + 3].strip()]


def test_hit_in_a_doc_comment_takes_the_item_below():
    src = SYNTHETIC["header_hit.rs"]
    got = _text(src, item_ranges(parse(src).root_node, [src.rindex(b"unsafe")]))
    assert got == [b"/// Not unsafe: a doc comment mentioning the word.\nfn doc_only() {}"]


def _family(name: str, query: str) -> types.ModuleType:
    fam = types.ModuleType(f"test_{name}")
    fam.FAMILY = name  # type: ignore[attr-defined]
    fam.QUERY = query  # type: ignore[attr-defined]
    return fam


def test_an_enclosing_match_seen_from_two_ranges_is_reported_once():
    query = CombinedQuery((_family("t", "(mod_item name: (identifier) @t.name) @t.mod\n(unsafe_block) @t.block"),))
    src = SYNTHETIC["nested_mods.rs"]
    tree = parse(src)
    offsets = [i for i in range(len(src)) if src.startswith(b"unsafe", i)]
    restricted = query.run(tree, {"t": offsets})["t"]
    mods = [m["t.name"][0].text for m in restricted if "t.mod" in m]
    blocks = [m["t.block"][0].start_byte for m in restricted if "t.block" in m]
    assert sorted(mods) == [b"inner", b"outer"]
    assert blocks == offsets


def test_whole_file_family_gets_matches_outside_its_trigger_items():
    query = CombinedQuery((_family("t", "(function_item name: (identifier) @t.fn)"),))
    src = SYNTHETIC["nested_mods.rs"]
    tree = parse(src)
    offsets = [src.index(b"unsafe { g()")]
    item = [m["t.fn"][0].text for m in query.run(tree, {"t": offsets})["t"]]
    whole = [m["t.fn"][0].text for m in query.run(tree, {"t": None})["t"]]
    assert item == [b"tail"]
    assert whole == [b"plain", b"safe_one", b"risky", b"fine", b"also_risky", b"tail"]


@pytest.mark.parametrize(("pattern", "literals"), [
    (rb"\bunsafe\b", (b"unsafe",)),
    (rb"unsafe|extern", (b"unsafe", b"extern")),
    (rb"\.(?:lock|rl)\(", (b".lock", b".rl")),
    (rb"ab*c", (b"a",)),
    (rb"(?i)unsafe", None),
    (rb"\b(?i:x)y", None),
    (rb"\bunsafe\b|x+", None),
    (rb"(?!)", None),
])
def test_required_literals_of_a_trigger(pattern, literals):
    assert required_literals(re.compile(pattern)) == literals


@pytest.mark.parametrize(("pattern", "gate"), [
    (rb"\bunsafe\b", (b"unsafe",)),
    (rb"unsafe|extern", (b"unsafe", b"extern")),
    (rb"\.\s*(?:lock|rl)\s*\(", None),  # re's own prefix scan finds the `.`
    (rb"\((?<=x\()", None),
])
def test_prefilter_gate_leaves_literal_led_patterns_to_re(pattern, gate):
    assert prefilter_gate(re.compile(pattern)) == gate


@given(st.text(alphabet="unsafe.lockr( xy", max_size=40))
def test_gated_trigger_offsets_hold_every_regex_match_and_only_matches(text):
    data = text.encode()
    for pattern in (rb"\bunsafe\b", rb"\.(?:lock|rl)\(", rb"\b(?:lock|read)\b|unsafe", rb"x(?:a|y*)u"):
        compiled = re.compile(pattern)
        gate = required_literals(compiled)
        assert gate is not None
        offsets = trigger_offsets(data, compiled, gate)
        assert offsets == sorted(offsets)
        assert {m.start() for m in compiled.finditer(data)} <= set(offsets)
        assert all(compiled.match(data, at) for at in offsets)
        first = trigger_offsets(data, compiled, gate, first_only=True)
        assert len(first) == min(1, len(offsets))
        assert set(first) <= set(offsets)


def test_hits_in_an_impl_map_to_the_method_and_a_header_hit_to_the_whole_impl():
    src = SYNTHETIC["impls.rs"]
    root = parse(src).root_node
    in_method = _text(src, item_ranges(root, [src.index(b"unsafe { *self")]))
    assert in_method == [src[src.index(b"unsafe fn raw"):src.index(b"    fn p(")].strip()]
    in_header = _text(src, item_ranges(root, [src.index(b"unsafe impl")]))
    assert in_header == [b"unsafe impl Send for S {}"]


def test_neighbouring_units_merge_so_a_pattern_over_both_still_matches():
    src = b"fn a() { unsafe { x() } }\n\nfn b() { unsafe { y() } }\n\nfn c() {}\n"
    tree = parse(src)
    offsets = [src.index(b"unsafe"), src.rindex(b"unsafe")]
    assert item_ranges(tree.root_node, offsets) == [(0, src.index(b"\n\nfn c"))]
    query = CombinedQuery((_family("t", "((function_item) @t.a . (function_item) @t.b)"),))
    def pairs(restrict: bool) -> list[tuple[int, int]]:
        found = query.run(tree, {"t": offsets}, restrict)["t"]
        return [(m["t.a"][0].start_byte, m["t.b"][0].start_byte) for m in found]

    assert pairs(True) == pairs(False) == [(0, src.index(b"fn b")), (src.index(b"fn b"), src.index(b"fn c"))]


_SNIPPETS = [
    "fn f{n}() {{ let x = unsafe {{ g() }}; }}\n",
    "fn plain{n}() {{ h(); }}\n",
    "/// doc\n#[inline]\nfn attr{n}() {{ unsafe {{ k() }} }}\n",
    "mod m{n} {{\n    fn a() {{}}\n    fn b() {{ unsafe {{ z() }} }}\n}}\n",
    "impl S{n} {{\n    // note\n    fn m(&self) {{ unsafe {{ q() }} }}\n    fn n(&self) {{}}\n}}\n",
    "unsafe impl Send for T{n} {{}}\n",
    "extern \"C\" {{\n    fn ext{n}();\n}}\n",
    "macro_rules! mac{n} {{ () => {{ unsafe {{ w() }} }}; }}\n",
    "// unsafe in a comment {n}\n",
    "const C{n}: u8 = unsafe {{ r() }};\n",
]
_PROBE = CombinedQuery((_family("t", "(unsafe_block) @t.block\n(function_item name: (identifier) @t.fn)"),))


def _keys(found: list[dict]) -> set[tuple[str, int, int]]:
    return {(name, n.start_byte, n.end_byte) for m in found for name, nodes in m.items() for n in nodes}


@given(st.lists(st.integers(0, len(_SNIPPETS) - 1), max_size=12))
def test_restricted_query_keeps_every_match_inside_the_trigger_units(picks):
    src = "".join(_SNIPPETS[p].format(n=i) for i, p in enumerate(picks)).encode()
    tree = parse(src)
    offsets = [i for i in range(len(src)) if src.startswith(b"unsafe", i)]
    ranges = item_ranges(tree.root_node, offsets)
    assert all(any(s <= o < e for s, e in ranges) for o in offsets)
    restricted = _keys(_PROBE.run(tree, {"t": offsets})["t"])
    whole = _keys(_PROBE.run(tree, {"t": offsets}, restrict=False)["t"])
    inside = {k for k in whole if any(s <= k[1] and k[2] <= e for s, e in ranges)}
    assert inside <= restricted <= whole
    assert {k for k in whole if k[0] == "t.block"} <= restricted


def _toctou_wanted(src: bytes) -> bool:
    from checks.analysis import _wanted

    opts = AnalyzeOptions(families=frozenset({"toctou"}))
    return "toctou" in _wanted(src, parse(src).root_node, family_triggers(opts))


def test_toctou_trigger_counts_calls_only():
    declared = b'extern "C" {\n    pub fn stat(path: *const u8, buf: *mut u8) -> i32;\n}\n'
    named = b"fn exists(p: &str) -> bool { p.is_empty() } // exists(p)\n"
    assert not _toctou_wanted(declared)
    assert not _toctou_wanted(named)
    for call in (b"p.exists()", b"std::fs::metadata(p)", b"metadata(p)", b"a.b.create(true)"):
        assert _toctou_wanted(b"fn f(p: &str) { let _ = " + call + b"; }\n"), call


def test_item_path_memo_gives_the_same_paths():
    src = b"mod m { impl S { fn f() { unsafe { a(); } } } }\nfn g() { unsafe {} }\n"
    root = parse(src).root_node
    memo: dict[int, str | None] = {}
    for at in (src.index(b"a()"), src.index(b"fn f"), src.index(b"unsafe {}"), 0):
        node = root.descendant_for_byte_range(at, at + 1)
        assert item_path(node, memo) == item_path(node)
    assert item_path(root.descendant_for_byte_range(src.index(b"a()"), src.index(b"a()") + 1)) == "m::S::f"


def test_match_scope_queries_the_keyword_bytes_and_still_gets_whole_matches():
    from checks import unsafe

    fam = _family("u", unsafe.QUERY.replace("@unsafe.", "@u."))
    fam.SCOPE = "match"  # type: ignore[attr-defined]
    query = CombinedQuery((fam,))
    src = (b"fn a() { let x = 1; foo!(unsafe { bar() }); }\npub unsafe fn f(x: u8) -> u8 { x }\n"
           b"unsafe impl Send for S {}\nstatic mut G: u8 = 0;\nfn b() { let z = 3; unsafe { q() } }\n")
    tree = parse(src)
    offsets = [m.start() for m in unsafe.trigger(ALL_ON).finditer(src)]  # type: ignore[union-attr]
    got = query.run(tree, {"u": offsets})["u"]
    names = sorted(name for m in got for name in m)
    assert names == ["u.block", "u.fn", "u.impl", "u.macro_body", "u.macro_keyword", "u.static_mut"]
    assert _keys(got) == _keys(query.run(tree, {"u": offsets}, restrict=False)["u"])
    assert query._ranges(tree, {"u": offsets}, True) == [(o, o + 1) for o in offsets]
