"""The ffi rule pages' snippets behave as documented: every Example fires its rule, and a Use
instead that removes the risk does not."""

from __future__ import annotations

import pytest

from checks import AnalyzeOptions, analyze_source
from checks.ffi import RULES

OPTS = AnalyzeOptions(families=frozenset({"ffi"}))
FIX_REMOVES_THE_RISK = {"ffi/safe-extern-item", "ffi/no-mangle-with-rust-abi", "ffi/panic-in-extern-fn"}
"""The other rules' fixes are the reviewed form of the same construct, which still needs a review."""


def _rules(snippet: str, edition: int) -> set[str]:
    report = analyze_source("src/lib.rs", snippet.encode(), edition=edition, options=OPTS)
    return {f.rule for f in report.findings}


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_example_fires_its_rule(rule):
    assert rule.id in _rules(rule.example, 2021)


@pytest.mark.parametrize("rule", [r for r in RULES if r.id in FIX_REMOVES_THE_RISK],
                         ids=[r.id for r in RULES if r.id in FIX_REMOVES_THE_RISK])
def test_fix_does_not_fire_the_rule(rule):
    assert rule.id not in _rules(rule.fix, 2024)


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_snippets_parse_without_errors_except_safe_items(rule):
    """Snippets are valid Rust; only `safe` (unknown to tree-sitter-rust 0.24) yields ERROR nodes."""
    from checks.parse import parse

    for snippet in (rule.example, rule.fix):
        tree = parse(snippet.encode())
        assert not tree.root_node.has_error or " safe " in snippet, snippet


def test_file_with_safe_items_is_listed_with_parse_errors():
    src = b'unsafe extern "C" {\n    pub safe fn abs(x: i32) -> i32;\n}\n'
    report = analyze_source("src/lib.rs", src, edition=2024, options=OPTS)
    assert report.coverage.files_with_parse_errors == ["src/lib.rs"]
    assert {f.rule for f in report.findings} == {"ffi/extern-declaration", "ffi/safe-extern-item"}
