"""`toctou/symlink-check-then-open`: "not a symlink" is checked, then the path is opened following links."""

from __future__ import annotations

from tree_sitter import Node

from checks.context import Hit
from checks.findings import Confidence, Severity
from checks.rules import Rule
from checks.syntax import node_text
from checks.toctou import calls, guards
from checks.toctou.calls import Call
from checks.toctou.function import FnFacts, bumped, pair_hit, short, shown_path

RULE = Rule(
    id="toctou/symlink-check-then-open",
    severity=Severity.WARNING,
    confidence=Confidence.HIGH,
    summary="path checked for being a symlink, then opened or chmod-ed without `O_NOFOLLOW`",
    what=(
        "A symlink test (`symlink_metadata(..).file_type().is_symlink()`, `Path::is_symlink`, `lstat`) "
        "that decides whether a later operation on the same path runs (the operation sits in the "
        "branch, or after an early exit), where that operation follows symlinks: `File::open`, "
        "`File::create`, `fs::read`/`read_to_string`/`write`/`copy`, an `OpenOptions` open without "
        "`custom_flags(O_NOFOLLOW)` or `create_new(true)`, `set_permissions` or `chown`."
    ),
    why=(
        "The symlink test only describes the path at the moment of the test. A local attacker who can "
        "write to the directory swaps in a symlink right after it, and the open or chmod then follows "
        "the link to a file of their choosing, which is exactly what the test was meant to prevent "
        "(CWE-367, CWE-59; the symlink-following CVEs in uutils coreutils 2026)."
    ),
    example=(
        "let meta = fs::symlink_metadata(&path)?;\n"
        "if meta.file_type().is_symlink() {\n"
        "    return Err(refuse(&path));\n"
        "}\n"
        "let mut f = File::open(&path)?;"
    ),
    fix=(
        "let f = OpenOptions::new()\n"
        "    .read(true)\n"
        "    .custom_flags(libc::O_NOFOLLOW)\n"
        "    .open(&path)?; // fails with ELOOP on a symlink\n"
        "let meta = f.metadata()?; // check the opened file, not the path"
    ),
    limits="Only within one function; `openat`-style and cap-std opens are never flagged.",
    see_also="CWE-59, CWE-367; `std::os::unix::fs::OpenOptionsExt::custom_flags`; CVE-2022-21658.",
)

_FOLLOWING = frozenset({calls.OPEN, calls.CREATE, calls.CHMOD, calls.CHOWN, calls.COPY})


def check(facts: FnFacts) -> list[Hit]:
    hits = []
    for use in facts.calls:
        if use.role != calls.USE or use.op not in _FOLLOWING or not use.follows_symlinks:
            continue
        found = _symlink_guard(facts, use)
        if found is not None:
            hits.append(_hit(facts, found, use))
            facts.claimed.add(use.node.start_byte)
    return hits


def _symlink_guard(facts: FnFacts, use: Call) -> Call | None:
    for chk in facts.calls:
        if chk.role != calls.CHECK or not chk.symlink_aware or chk.node.end_byte > use.node.start_byte:
            continue
        if not any(facts.same_path(chk.path, p) for p in (use.path, use.source)):
            continue
        rel = guards.relation(chk.node, use.node, facts.scope)
        if rel is not None and rel[0] != guards.LATER and _tests_symlink(chk, rel[1]):
            return chk
    return None


def _tests_symlink(chk: Call, guard: Node | None) -> bool:
    return "is_symlink" in node_text(chk.node) or (guard is not None and "is_symlink" in node_text(guard))


def _hit(facts: FnFacts, chk: Call, use: Call) -> Hit:
    risk = facts.risk(use.path, use.source)
    path = shown_path(chk.path)
    message = (
        f"`{short(chk.node)}` rules out a symlink at `{path}`, but `{short(use.node)}` resolves the path "
        f"again and follows links. An attacker can swap in a symlink between the two, and the call then "
        f"reaches a file of their choosing (CWE-59/CWE-367). Fix: open once with "
        f"`custom_flags(libc::O_NOFOLLOW)` and check the handle's `metadata()` instead of the path."
        + (f" {risk}" if risk else "")
    )
    return pair_hit(RULE.id, chk, use, message, bumped(RULE.severity, risk), RULE.confidence)
