"""A repo's `.github/blindspot.toml`, read from the base branch, checked, and turned into options.

The base branch decides how a PR is judged (DESIGN.md "Data flow" step 3: a PR cannot change
its own rules). Unknown keys and bad values are reported, never ignored; any error makes the
whole file fall back to the defaults, and the check run summary says so.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import Any

from checks import AnalyzeOptions
from checks.families import FAMILIES

PATH = ".github/blindspot.toml"
DEFAULT_LABEL = "blindspot: needs review"
CONCLUSIONS = ("action_required", "failure", "neutral")
_FAMILY_NAMES = tuple(f.FAMILY for f in FAMILIES)


@dataclass(frozen=True)
class RepoConfig:
    options: AnalyzeOptions = field(default_factory=AnalyzeOptions)
    label: str = DEFAULT_LABEL
    max_inline_comments: int = 20
    conclusion: str = "action_required"
    """Check conclusion when findings need review (warning or above)."""
    errors: tuple[str, ...] = ()
    """Problems found in the file; non-empty means the defaults are in use."""
    source: str = "defaults"
    # review lifecycle (bot/review.py, bot/summary.py); the config branch parses them from the file
    summary_comment: bool = False
    """Keep one sticky summary comment on the PR besides the check run."""
    comment_budget: int = 20
    """At most this many new inline comments per push; the rest go to the review body and the summary."""
    group_threshold: int = 5
    """More findings than this of one rule in one file share one inline comment listing their lines."""


def _strings(value: Any, where: str, errors: list[str]) -> tuple[str, ...]:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    errors.append(f"`{where}` must be a list of strings")
    return ()


def _families(value: Any, errors: list[str]) -> frozenset[str] | None:
    if not isinstance(value, dict):
        errors.append("`[families]` must be a table of `<family> = true|false`")
        return None
    on = set(_FAMILY_NAMES)
    for name, flag in value.items():
        if name not in _FAMILY_NAMES:
            errors.append(f"`families.{name}`: unknown family (known: {', '.join(_FAMILY_NAMES)})")
        elif not isinstance(flag, bool):
            errors.append(f"`families.{name}` must be true or false")
        elif not flag:
            on.discard(name)
    return frozenset(on)


def _section(data: dict[str, Any], name: str, keys: tuple[str, ...], errors: list[str]) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        errors.append(f"`{name}` must be a table")
        return {}
    errors.extend(f"`{name}.{k}`: unknown key (known: {', '.join(keys)})" for k in value if k not in keys)
    return value


def _build(data: dict[str, Any], errors: list[str]) -> RepoConfig:
    known = ("families", "paths", "label", "review", "check", "checks")
    errors.extend(f"`{k}`: unknown key (known: {', '.join(known)})" for k in data if k not in known)
    families = _families(data["families"], errors) if "families" in data else None
    paths = _section(data, "paths", ("include", "exclude"), errors)
    label = _section(data, "label", ("name",), errors)
    review = _section(data, "review", ("max_inline_comments",), errors)
    check = _section(data, "check", ("conclusion",), errors)
    extra = _section(data, "checks", ("lock_methods", "toctou_checks", "toctou_uses"), errors)
    options = AnalyzeOptions(
        families=families,
        include=_strings(paths.get("include", []), "paths.include", errors),
        exclude=_strings(paths.get("exclude", []), "paths.exclude", errors),
        lock_methods=_strings(extra.get("lock_methods", []), "checks.lock_methods", errors),
        toctou_checks=_strings(extra.get("toctou_checks", []), "checks.toctou_checks", errors),
        toctou_uses=_strings(extra.get("toctou_uses", []), "checks.toctou_uses", errors),
    )
    name = label.get("name", DEFAULT_LABEL)
    if not isinstance(name, str) or not name.strip() or len(name) > 50:
        errors.append("`label.name` must be a non-empty string of at most 50 characters")
    budget = review.get("max_inline_comments", 20)
    if not isinstance(budget, int) or isinstance(budget, bool) or not 0 <= budget <= 50:
        errors.append("`review.max_inline_comments` must be an integer from 0 to 50")
    conclusion = check.get("conclusion", "action_required")
    if conclusion not in CONCLUSIONS:
        errors.append(f"`check.conclusion` must be one of {', '.join(CONCLUSIONS)}")
    return RepoConfig(options=options, label=name, max_inline_comments=budget, conclusion=conclusion,
                      source=PATH)


def parse(text: bytes | None) -> RepoConfig:
    """The config in `text` (None: the file is absent), or the defaults with the errors found."""
    if text is None:
        return RepoConfig()
    errors: list[str] = []
    try:
        data = tomllib.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        return RepoConfig(errors=(f"`{PATH}` is not valid TOML: {e}",))
    config = _build(data, errors)
    return RepoConfig(errors=tuple(errors)) if errors else config
