"""Reads `// ruleid:` / `// ok:` / `// todoruleid:` / `// todook:` annotations from Rust fixtures."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "rust"
_ANNOTATION = re.compile(r"^\s*//\s*(ruleid|ok|todoruleid|todook):\s*(.+?)\s*$")
_EDITION = re.compile(r"^\s*//\s*edition:\s*(\d{4})\s*$")
_OPTIONS = re.compile(r"^\s*//\s*options:\s*(\{.*\})\s*$")


@dataclass
class Expectation:
    kind: str
    rule: str
    line: int
    """1-based line the annotation applies to (the next non-annotation line)."""
    annotation_line: int


@dataclass
class Fixture:
    path: Path
    family: str
    edition: int = 2021
    options: dict[str, object] = field(default_factory=dict)
    expectations: list[Expectation] = field(default_factory=list)


def load(path: Path) -> Fixture:
    lines = path.read_text().split("\n")
    fx = Fixture(path=path, family=path.relative_to(FIXTURES).parts[0])
    pending: list[tuple[str, str, int]] = []
    for i, line in enumerate(lines):
        if m := _EDITION.match(line):
            fx.edition = int(m.group(1))
            continue
        if m := _OPTIONS.match(line):
            fx.options = json.loads(m.group(1))
            continue
        if m := _ANNOTATION.match(line):
            for rule in m.group(2).split(","):
                pending.append((m.group(1), rule.strip(), i + 1))
            continue
        for kind, rule, at in pending:
            fx.expectations.append(Expectation(kind, rule, i + 1, at))
        pending = []
    return fx


def all_fixture_files() -> list[Path]:
    return sorted(FIXTURES.rglob("*.rs"))
