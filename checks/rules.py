"""The Rule record and the registry: rule id -> family module, documentation and defaults.

The record is the single source of a rule's docs: `docs/rules/<family>/<name>.md` is generated
from it (`python -m checks.docs`) and a test fails when a page is stale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

from checks.findings import Confidence, Severity


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    confidence: Confidence
    summary: str
    what: str
    why: str
    example: str
    fix: str
    limits: str = ""
    see_also: str = ""
    default_on: bool = True
    """Off-by-default rules run only when `AnalyzeOptions.enabled_rules` names them."""

    @property
    def family(self) -> str:
        return self.id.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.id.split("/", 1)[1]

    @property
    def doc_path(self) -> str:
        return f"docs/rules/{self.family}/{self.name}.md"

    @property
    def fixture_path(self) -> str:
        return f"tests/fixtures/rust/{self.family}/{self.name}.rs"


def all_rules() -> dict[str, Rule]:
    """Every registered rule by id, in family order; the `blindspot/` rules about suppression
    comments come last (they live in `checks/suppressions.py`, outside the query machinery).

    A fresh dict each call (callers may change it); `analyze()` reads `rule_table()` instead.
    """
    return dict(rule_table())


@cache
def rule_table() -> Mapping[str, Rule]:
    """`all_rules()` built once per process (the registry is fixed at import): read-only."""
    from checks import suppressions
    from checks.families import FAMILIES

    out: dict[str, Rule] = {}
    for rules in (*(fam.RULES for fam in FAMILIES), suppressions.RULES):
        for rule in rules:
            out[rule.id] = rule
    return MappingProxyType(out)
