"""`unsafe/removed-safety-comment`: a SAFETY comment deleted from an unsafe block that still exists.

A deletion leaves no new code behind, so it is found by comparing versions (DESIGN.md "Findings":
a finding caused by a deletion counts as new): a head `undocumented-block` whose code and item match
a base `documented-block` becomes this rule, with its own fingerprint.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from checks.findings import Confidence, Finding, Severity, fingerprint
from checks.rules import Rule
from checks.unsafe.blocks import DOCUMENTED_BLOCK, UNDOCUMENTED_BLOCK

REMOVED_SAFETY_COMMENT = Rule(
    id="unsafe/removed-safety-comment",
    severity=Severity.WARNING,
    confidence=Confidence.HIGH,
    summary="SAFETY comment removed from an unsafe block that is still there",
    what=(
        "An `unsafe` block that had a `// SAFETY:` comment in the base version and has none in the "
        "head version, while its code (comments and whitespace ignored) and its enclosing item are "
        "unchanged. Reported instead of `unsafe/undocumented-block` for that block."
    ),
    why=(
        "Deleting the argument for an unsafe block is easy to miss in review because the diff shows "
        "only removed lines, yet the block's soundness now rests on nothing written. Often the comment "
        "went because the invariant it described no longer holds, which is exactly when the block "
        "needs a second look."
    ),
    limits=(
        "Needs both versions (a PR or `scan --base`); a whole-file scan cannot see a deletion. A block "
        "whose code changed in the same edit is reported as `unsafe/undocumented-block`."
    ),
    example=(
        "fn head_version(v: &[u8]) -> u8 {\n"
        "    assert!(!v.is_empty());\n"
        "    unsafe { *v.get_unchecked(0) } // the base version had a SAFETY comment above\n"
        "}"
    ),
    fix=(
        "fn head_version(v: &[u8]) -> u8 {\n"
        "    assert!(!v.is_empty());\n"
        "    // SAFETY: the assert above guarantees index 0 is in bounds.\n"
        "    unsafe { *v.get_unchecked(0) }\n"
        "}"
    ),
    see_also="Clippy `undocumented_unsafe_blocks`.",
)

_MESSAGE = (
    "This `unsafe` block lost its `// SAFETY:` comment in this change while its code stayed the same. "
    "If the invariant the comment described no longer holds, the block may now be unsound; restore "
    "or update the comment so a reviewer can check the argument."
)


def relate(base: list[Finding], head: list[Finding]) -> list[Finding]:
    """Rewrite head blocks that were documented in base and are new and undocumented in head."""
    if not base:
        return list(head)  # nothing was documented before (a new file, `scan --all`)
    documented_before = Counter(_key(f) for f in base if f.rule == DOCUMENTED_BLOCK.id)
    documented_before.subtract(_key(f) for f in head if f.rule == DOCUMENTED_BLOCK.id)
    known = Counter(f.fingerprint for f in base)
    seen: Counter[tuple[str, str]] = Counter()
    out = []
    for f in head:
        key = _key(f)
        if f.rule == UNDOCUMENTED_BLOCK.id and documented_before[key] > 0 and known[f.fingerprint] == 0:
            documented_before[key] -= 1
            f = _as_removed(f, key, seen[key])
            seen[key] += 1
        out.append(f)
    return out


def _key(f: Finding) -> tuple[str, str]:
    return f.item, f.extra.get("block", "")


def _as_removed(f: Finding, key: tuple[str, str], occurrence: int) -> Finding:
    rule = REMOVED_SAFETY_COMMENT
    return replace(f, rule=rule.id, message=_MESSAGE,
                   fingerprint=fingerprint(rule.id, key[0], key[1].encode(), occurrence))
