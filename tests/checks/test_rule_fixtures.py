"""The one annotation runner: every fixture's `ruleid:` fires on its next line, `ok:` does not.

Like `semgrep --test`: a finding of the fixture's family on a line with no `ruleid:` for it fails
too, so fixtures pin precision as well as recall. `todoruleid:`/`todook:` record known misses and
false alarms and fail when they flip, so they get promoted.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from checks import AnalyzeOptions, all_rules, analyze_source
from tests.checks.fixture_annotations import FIXTURES, all_fixture_files, load

FILES = all_fixture_files()


def _options(raw: dict[str, object]) -> AnalyzeOptions:
    opts = AnalyzeOptions(enabled_rules=frozenset(all_rules()))
    conv = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    return replace(opts, **conv)  # type: ignore[arg-type]


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(FIXTURES)) for p in FILES])
def test_fixture(path):
    fx = load(path)
    assert fx.expectations, f"{path.name} has no annotations"
    rel = str(path.relative_to(FIXTURES))
    report = analyze_source(rel, path.read_bytes(), edition=fx.edition, options=_options(fx.options))
    fired = {(f.rule, f.line) for f in report.findings}
    errors = []
    for e in fx.expectations:
        if e.rule not in all_rules():
            errors.append(f"line {e.annotation_line}: unknown rule {e.rule}")
            continue
        hit = (e.rule, e.line) in fired
        if e.kind == "ruleid" and not hit:
            errors.append(f"line {e.line}: expected {e.rule}, not reported")
        elif e.kind == "ok" and hit:
            errors.append(f"line {e.line}: {e.rule} reported but marked ok")
        elif e.kind == "todoruleid" and hit:
            errors.append(f"line {e.line}: {e.rule} now fires; promote todoruleid to ruleid")
        elif e.kind == "todook" and not hit:
            errors.append(f"line {e.line}: {e.rule} no longer fires; promote todook to ok")
    expected = {(e.rule, e.line) for e in fx.expectations if e.kind in ("ruleid", "todook")}
    for f in report.findings:
        if f.family == fx.family and (f.rule, f.line) not in expected:
            errors.append(f"line {f.line}: unexpected {f.rule}: {f.message[:80]}")
    assert not errors, f"{rel}:\n  " + "\n  ".join(errors)
