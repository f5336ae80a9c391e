"""The schema of `.github/blindspot.toml`: every key, its check and default, read into plain values.

Each problem carries the key it is about and the line where that key is written (bot/toml_lines.py),
so a maintainer editing the file sees `line 7: ...`. Documented key by key in docs/config.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.toml_lines import Key, line_of
from checks.families import FAMILIES
from checks.findings import Severity
from checks.rules import all_rules

FAMILY_NAMES = tuple(f.FAMILY for f in FAMILIES)
SEVERITIES = tuple(s.value for s in Severity)
CONCLUSIONS = ("action_required", "failure", "neutral")
PERMISSIONS = ("write", "maintain", "admin")
DRAFT_MODES = ("analyse", "skip")
EDITIONS = (2015, 2018, 2021, 2024)
DEFAULT_LABEL = "blindspot: needs review"
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
TEAM = re.compile(r"(?:[A-Za-z0-9-]+/)?[A-Za-z0-9_.-]+")

TABLES: dict[str, tuple[str, ...]] = {
    "families": FAMILY_NAMES,
    "paths": ("include", "exclude"),
    "lock": ("methods",),
    "toctou": ("checks", "uses"),
    "review": ("label", "comment_budget", "group_threshold", "summary_comment", "draft", "max_inline_comments"),
    "approve": ("permission", "teams"),
    "check": ("conclusion",),
    # issue-6 spellings, still read (with a note saying the new spelling)
    "label": ("name",),
    "checks": ("lock_methods", "toctou_checks", "toctou_uses"),
}
TOP_LEVEL = ("edition", "rules", *TABLES)
RULE_KEYS = ("enabled", "severity")
MOVED: dict[Key, Key] = {
    ("label", "name"): ("review", "label"),
    ("review", "max_inline_comments"): ("review", "comment_budget"),
    ("checks", "lock_methods"): ("lock", "methods"),
    ("checks", "toctou_checks"): ("toctou", "checks"),
    ("checks", "toctou_uses"): ("toctou", "uses"),
}


def dotted(key: Key) -> str:
    return ".".join(p if re.fullmatch(r"[A-Za-z0-9_-]+", p) else f'"{p}"' for p in key)


@dataclass(frozen=True)
class Problem:
    key: Key
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}`{dotted(self.key)}` {self.message}" if self.key else f"{where}{self.message}"


class Reader:
    """Reads values out of the parsed TOML, collecting problems (errors) and notes (old spellings)."""

    def __init__(self, data: dict[str, Any], lines: dict[Key, int]) -> None:
        self.data, self.lines = data, lines
        self.problems: list[Problem] = []
        self.notes: list[Problem] = []

    def problem(self, key: Key, message: str) -> None:
        self.problems.append(Problem(key, message, line_of(self.lines, key)))

    def table(self, key: Key, allowed: tuple[str, ...] | None) -> dict[str, Any]:
        value = self.raw(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(key, "must be a table")
            return {}
        for name in value:
            if allowed is not None and name not in allowed:
                self.problem((*key, name), f"unknown key (known here: {', '.join(allowed)})")
        return value

    def raw(self, key: Key) -> Any:
        value: Any = self.data
        for part in key:
            if not isinstance(value, dict) or part not in value:
                return None
            value = value[part]
        return value

    def value(self, key: Key, default: Any, ok: Callable[[Any], bool], expected: str) -> Any:
        """The value at `key` (or at its old spelling), `default` when absent or invalid."""
        old = next((o for o, new in MOVED.items() if new == key and self.raw(o) is not None), None)
        if old is not None:
            self.notes.append(Problem(old, f"is the old spelling of `{dotted(key)}`; it still works",
                                      line_of(self.lines, old)))
            if self.raw(key) is None:
                key = old
        value = self.raw(key)
        if value is None:
            return default
        if not ok(value):
            self.problem(key, f"must be {expected}")
            return default
        return value


def is_int(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def is_names(value: Any, pattern: re.Pattern[str] | None = None) -> bool:
    return isinstance(value, list) and all(
        isinstance(v, str) and v and (pattern is None or pattern.fullmatch(v)) for v in value)


def read_rules(r: Reader) -> tuple[frozenset[str], frozenset[str], dict[str, Severity]]:
    """`[rules."<id>"]` tables -> (enabled, disabled, severity overrides)."""
    known = all_rules()
    enabled: set[str] = set()
    disabled: set[str] = set()
    severity: dict[str, Severity] = {}
    for rule_id in r.table(("rules",), None):
        key = ("rules", rule_id)
        if rule_id not in known:
            r.problem(key, "is not a rule id (the ids are listed in docs/rules/ and the README)")
            continue
        if not isinstance(r.raw(key), dict):
            r.problem(key, 'must be a table such as `[rules."lock/double-lock"]` with `enabled` and/or `severity`')
            continue
        r.table(key, RULE_KEYS)
        on = r.value((*key, "enabled"), None, lambda v: isinstance(v, bool), "true or false")
        if on is not None:
            (enabled if on else disabled).add(rule_id)
        level = r.value((*key, "severity"), None, lambda v: v in SEVERITIES, f"one of {', '.join(SEVERITIES)}")
        if level is not None:
            severity[rule_id] = Severity(level)
    return frozenset(enabled), frozenset(disabled), severity


def read_families(r: Reader) -> frozenset[str] | None:
    table = r.table(("families",), FAMILY_NAMES)
    if not table:
        return None
    off = {name for name in FAMILY_NAMES
           if r.value(("families", name), True, lambda v: isinstance(v, bool), "true or false") is False}
    return frozenset(n for n in FAMILY_NAMES if n not in off)
