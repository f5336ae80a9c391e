"""`toctou/remove-then-create`: a path is removed, then created again without `create_new(true)`."""

from __future__ import annotations

from checks.context import Hit
from checks.findings import Confidence, Severity
from checks.rules import Rule
from checks.toctou import calls
from checks.toctou.calls import Call
from checks.toctou.function import FnFacts, bumped, pair_hit, short, shown_path

RULE = Rule(
    id="toctou/remove-then-create",
    severity=Severity.WARNING,
    confidence=Confidence.HIGH,
    summary="path removed, then re-created by a create that follows a planted symlink",
    what=(
        "`remove_file`, `remove_dir`, `remove_dir_all` or `unlink` on a path, followed in the same "
        "function by a create of the same path that does not fail on an existing entry: `File::create`, "
        "`fs::write`, `fs::copy` to it, or an `OpenOptions` open with `create`/`truncate`/`append` and "
        "neither `create_new(true)` nor `O_NOFOLLOW`/`O_EXCL` in `custom_flags`."
    ),
    why=(
        "Removing the old file does not reserve the name. Between the two calls another local user can "
        "plant a symlink there, and the create follows it: the program truncates or writes a file the "
        "attacker chose, with the program's privileges (CWE-367; uutils coreutils 2026 CVEs)."
    ),
    example=(
        "let _ = fs::remove_file(&sock_path);\n"
        "let f = File::create(&sock_path)?;"
    ),
    fix=(
        "let _ = fs::remove_file(&sock_path);\n"
        "let f = OpenOptions::new().write(true).create_new(true).open(&sock_path)?;"
    ),
    limits="Only within one function (plus one level of same-file helpers).",
    see_also="CWE-367, CWE-59; `std::fs::OpenOptions::create_new`.",
)

_CREATES = frozenset({calls.CREATE, calls.COPY})
_RECREATES = _CREATES | {calls.EXCLUSIVE, calls.CREATE_DIR, calls.CREATE_DIR_ALL, calls.LINK}


def _recreates(call: Call) -> bool:
    """Puts something at the path again (an `O_NOFOLLOW` create is an `OPEN` that creates)."""
    return call.role == calls.USE and (call.op in _RECREATES or (call.op == calls.OPEN and call.default_mode))


def check(facts: FnFacts) -> list[Hit]:
    hits = []
    for create in facts.calls:
        if not _recreates(create) or create.node.start_byte in facts.claimed:
            continue
        remove = _remover(facts, create)
        if remove is None:
            continue
        # A remove followed by a re-create is a replace: the re-create decides whether it races,
        # so the remove is not reported again as a check-then-use (the `create_new` fix stays quiet).
        facts.claimed.add(remove.node.start_byte)
        if create.op in _CREATES:
            hits.append(_hit(facts, remove, create))
            facts.claimed.add(create.node.start_byte)
    return hits


def _remover(facts: FnFacts, create: Call) -> Call | None:
    found = None
    for remove in facts.calls:
        if remove.node.end_byte > create.node.start_byte:
            break
        if remove.role == calls.USE and remove.op == calls.REMOVE and facts.same_path(remove.path, create.path):
            found = remove
    return found


def _hit(facts: FnFacts, remove: Call, create: Call) -> Hit:
    risk = facts.risk(create.path)
    path = shown_path(create.path)
    message = (
        f"`{short(remove.node)}` removes `{path}` and `{short(create.node)}` creates it again, following "
        f"whatever is there by then. Another local user can plant a symlink in between, and the create "
        f"then writes through it to a file of their choosing (CWE-367). Fix: create with "
        f"`OpenOptions::new().write(true).create_new(true)` so a planted entry makes the call fail."
        + (f" {risk}" if risk else "")
    )
    return pair_hit(RULE.id, remove, create, message, bumped(RULE.severity, risk), RULE.confidence)
