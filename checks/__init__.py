"""Blindspot's analysis: `analyze()` turns base and head files into the findings a PR introduces.

Pure: no network, no GitHub, no asyncio, no logging. The CLI, the CI mode, the App and the
benchmarks all call this one function.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from checks.coverage import Coverage
from checks.findings import Confidence, Finding, Severity
from checks.options import AnalyzeOptions
from checks.rules import Rule, all_rules

__all__ = [
    "AnalyzeOptions",
    "Confidence",
    "Coverage",
    "Finding",
    "Report",
    "Rule",
    "Severity",
    "all_rules",
    "analyze",
    "analyze_source",
]


@dataclass
class Report:
    findings: list[Finding]
    """New in head relative to base, sorted by path and line."""
    coverage: Coverage
    head_findings: list[Finding] = field(default_factory=list)
    """Every finding in the analysed head files (new or not)."""


def analyze(
    base_files: Mapping[str, bytes],
    head_files: Mapping[str, bytes],
    changed_paths: Iterable[str],
    options: AnalyzeOptions | None = None,
) -> Report:
    """Findings whose fingerprint is in head and not in base, across all changed files.

    `base_files`/`head_files` map repo-relative paths to contents; they may also hold the
    `Cargo.toml` files that decide editions. A path missing from one side was added or deleted.
    Passing an empty `base_files` reports every finding in head (audit mode, `scan --all`).
    Findings under a `// blindspot: allow(...)` comment are dropped on both sides; a comment new
    in head is itself reported (`checks/suppressions.py`).
    """
    from checks import suppressions
    from checks.analysis import analyze_side, relate_sides

    opts = options or AnalyzeOptions()
    paths = sorted({p for p in changed_paths if p.endswith(".rs") and opts.path_selected(p)})
    head_cov = Coverage()
    head = analyze_side(head_files, paths, opts, head_cov)
    base = analyze_side(base_files, paths, opts, Coverage())
    head = relate_sides(base, head, opts)
    base, head = suppressions.apply(base_files, head_files, paths, base, head, opts)
    new = _new_in_head(base, head)
    return Report(findings=new, coverage=head_cov, head_findings=head)


def analyze_source(path: str, source: bytes, edition: int | None = None,
                   options: AnalyzeOptions | None = None) -> Report:
    """Every finding in one file (no diff): what fixtures and quick checks call."""
    opts = options or AnalyzeOptions()
    if edition is not None:
        opts = replace(opts, edition=edition)
    return analyze({}, {path: source}, [path], opts)


def _new_in_head(base: list[Finding], head: list[Finding]) -> list[Finding]:
    remaining = Counter(f.fingerprint for f in base)
    out = []
    for f in head:
        if remaining[f.fingerprint] > 0:
            remaining[f.fingerprint] -= 1
            continue
        out.append(f)
    return out

