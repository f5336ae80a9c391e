"""Every registered rule has its fixture file and its generated docs page, and there are no strays."""

from __future__ import annotations

from pathlib import Path

from checks import all_rules
from checks.docs import expected_files, render_readme

ROOT = Path(__file__).resolve().parents[2]


def test_every_rule_has_a_fixture_file():
    missing = [r.fixture_path for r in all_rules().values() if not (ROOT / r.fixture_path).is_file()]
    assert not missing


def test_every_fixture_file_names_a_rule():
    known = {r.fixture_path for r in all_rules().values()}
    fixtures = ROOT / "tests" / "fixtures" / "rust"
    strays = [str(p.relative_to(ROOT)) for p in fixtures.glob("*/*.rs") if str(p.relative_to(ROOT)) not in known]
    assert not strays, "fixture files without a rule (case folders go one level deeper)"


def test_rule_pages_are_generated_and_current():
    stale = [str(p.relative_to(ROOT)) for p, text in expected_files(ROOT).items()
             if not p.is_file() or p.read_text() != text]
    assert not stale, "run `python -m checks.docs` to regenerate"


def test_no_stray_rule_pages():
    pages = {p for p in (ROOT / "docs" / "rules").glob("*/*.md")}
    assert pages == set(expected_files(ROOT))


def test_readme_rule_table_is_current():
    text = (ROOT / "README.md").read_text()
    assert render_readme(text) == text, "run `python -m checks.docs` to regenerate"


def test_every_rule_names_its_family_and_has_full_docs():
    for rule in all_rules().values():
        assert rule.family in ("unsafe", "ffi", "toctou", "lock", "blindspot")
        assert rule.what and rule.why and rule.example and rule.fix, rule.id
