"""`toctou/check-then-use`: a path is checked, then created, changed or removed by path."""

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
    id="toctou/check-then-use",
    severity=Severity.WARNING,
    confidence=Confidence.HIGH,
    summary="path checked (`exists`, `metadata`, …) then created, changed or removed by path",
    what=(
        "A check on a path (`Path::exists`, `try_exists`, `is_file`, `is_dir`, `is_symlink`, "
        "`metadata`, `symlink_metadata`, `fs::metadata`, `DirEntry::file_type`, or a same-file helper "
        "that only checks) followed in the same function by an operation on the same path: "
        "`File::create`, `fs::write`, an `OpenOptions` open that creates, truncates or appends, "
        "`create_dir[_all]`, `set_permissions`, `chown`, `remove_*`, `rename`, `copy`, `hard_link`, "
        "`symlink`, their `tokio::fs` / `async_std::fs` mirrors, and a same-file recursive delete (a function that "
        "lists its path parameter with `read_dir` and removes entries by path). High confidence when the use sits "
        "in the branch the check decides (inside the `if`/`match` arm, or after an early "
        "`return`/`continue`/`break`/`bail!`/`?`); a low-confidence note when a create, chmod, chown, "
        "copy or rename is merely later and the check's answer is tested somewhere. Checks before "
        "`remove_*` and `create_dir_all` are notes: those races usually only make the call fail; a type test "
        "(`is_dir`, `is_symlink`, `file_type`) choosing `remove_file` or `remove_dir` is not reported. A type "
        "test deciding a hand-written recursive delete is a warning (CVE-2022-21658, RUSTSEC-2023-0018)."
    ),
    why=(
        "The file system can change between the check and the use: another local process can plant "
        "a file, delete one, or swap the path for a symlink. The use then acts on something the check "
        "never saw, e.g. truncating `/etc/passwd` through a symlink in `/tmp` (CWE-367; twelve of the "
        "2026 uutils coreutils CVEs had this shape). The std docs for `Path::try_exists` warn about it."
    ),
    example=(
        "if !dest.exists() {\n"
        "    fs::create_dir(&dest)?;\n"
        "}"
    ),
    fix=(
        "match fs::create_dir(&dest) {\n"
        "    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}\n"
        "    other => other?,\n"
        "}"
    ),
    limits=(
        "Looks inside one function, plus one level of same-file helper functions; a check in one "
        "function and a use in its caller are missed. Paths match by name and by pure expression "
        "text, so a path rebuilt differently (`dir.join(a)` vs `dir.join(b)` with `a == b`) is missed. "
        "Test code (`#[test]`, `#[cfg(test)]`, `tests/`, `benches/`, `examples/`, `build.rs`) is skipped. "
        "A check followed only by a read, or by an open that neither creates, truncates nor appends, is "
        "not reported. A path reassigned between the two calls (a `while p.exists()` loop picking a free "
        "name) is not followed, so that shape is missed."
    ),
    see_also="CWE-367; CodeQL `cpp/toctou-race-condition`; `std::fs::OpenOptions::create_new`; CVE-2022-21658.",
)

_ATTACK = {
    calls.CREATE: "swap in a symlink, so the write creates or truncates a file the attacker chose",
    calls.CREATE_DIR: "create the directory or a symlink there first, so later writes land in a place it controls",
    calls.CREATE_DIR_ALL: "plant a symlink to a directory it controls, which `create_dir_all` then accepts",
    calls.CHMOD: "swap the path for a symlink, so the permission change lands on another file",
    calls.CHOWN: "swap the path for a symlink, so the ownership change lands on another file",
    calls.LCHOWN: "replace the path with another file, whose ownership then changes",
    calls.REMOVE: "remove or replace the path, so the call fails or deletes something else",
    calls.REMOVE_TREE: "swap the directory for a symlink, so the recursive delete walks into the link's target "
                       "and deletes files outside the tree (CVE-2022-21658, RUSTSEC-2023-0018)",
    calls.RENAME: "plant a file or symlink at the destination, which the rename then replaces",
    calls.COPY: "plant a symlink at the destination, so the copy overwrites a file the attacker chose",
    calls.LINK: "plant a file at the link path, so the call fails or a stale entry is kept",
    calls.MKFIFO: "plant a file at the path first",
}
_FIX = {
    calls.CREATE: "drop the check and open with `OpenOptions::new().write(true).create_new(true)` "
                  "(handle `ErrorKind::AlreadyExists`), or add `custom_flags(libc::O_NOFOLLOW)`",
    calls.CREATE_DIR: "call `fs::create_dir` without the check and treat `ErrorKind::AlreadyExists` as the "
                      "answer the check gave",
    calls.CREATE_DIR_ALL: "call `create_dir_all` without the check (it accepts an existing directory) and, "
                          "in a shared place, verify the result with `symlink_metadata`",
    calls.CHMOD: "open the path once with `O_NOFOLLOW` and change the mode through the handle "
                 "(`File::set_permissions`, `fchmod`)",
    calls.CHOWN: "open the path once with `O_NOFOLLOW` and call `fchown` on the descriptor",
    calls.LCHOWN: "open the path once with `O_NOFOLLOW` and call `fchown` on the descriptor",
    calls.REMOVE: "call the remove without the check and treat `ErrorKind::NotFound` as success",
    calls.REMOVE_TREE: "delete with `std::fs::remove_dir_all` (descriptor-based since Rust 1.58.1) or walk "
                       "with `openat`/`unlinkat` and `O_NOFOLLOW` (cap-std, the `remove_dir_all` crate >= 0.8)",
}
_FIX_DEFAULT = "act without the check and handle the error, or use fd-relative calls (`renameat`, cap-std)"
_RACY = frozenset(_ATTACK)
_QUIET_OPS = frozenset({calls.REMOVE, calls.CREATE_DIR_ALL})
# Unguarded (merely later) pairs are worth a note only where losing the race writes somewhere.
_LATER_OPS = frozenset({calls.CREATE, calls.CHMOD, calls.CHOWN, calls.COPY, calls.RENAME})
_RANK = {guards.BRANCH: 2, guards.EXIT: 2, guards.LATER: 1}


def check(facts: FnFacts) -> list[Hit]:
    hits = []
    for use in facts.calls:
        if use.role != calls.USE or use.op not in _RACY or use.node.start_byte in facts.claimed:
            continue
        best = _best_check(facts, use)
        if best is not None and best[1] == guards.LATER and use.op not in _LATER_OPS:
            continue
        if best is not None and _type_dispatch(use, best[2]):
            continue
        if best is not None:
            hits.append(_hit(facts, best[0], use, best[1]))
    return hits


_PLAIN_REMOVES = ("remove_file", "remove_dir", "unlink")
_TYPE_TESTS = ("is_dir", "is_symlink", "file_type")


def _type_dispatch(use: Call, guard: Node | None) -> bool:
    """A file-or-directory test choosing `remove_file` vs `remove_dir`: losing that race only
    makes the call fail (`EISDIR`/`ENOTDIR`); neither follows a link, so it is not reported."""
    if not use.label.endswith(_PLAIN_REMOVES) or guard is None:
        return False
    text = node_text(guard)
    return any(t in text for t in _TYPE_TESTS)


def _best_check(facts: FnFacts, use: Call) -> tuple[Call, str, Node | None] | None:
    best: tuple[Call, str, Node | None] | None = None
    for chk in facts.calls:
        if chk.role != calls.CHECK or chk.node.end_byte > use.node.start_byte:
            continue
        if facts.same_path(chk.path, use.path) is None:
            continue
        rel = guards.relation(chk.node, use.node, facts.scope)
        if rel is not None and (best is None or _RANK[rel[0]] >= _RANK[best[1]]):
            best = (chk, rel[0], rel[1])
    return best


def _hit(facts: FnFacts, chk: Call, use: Call, rel: str) -> Hit:
    guarded = rel != guards.LATER
    if not guarded:
        severity, confidence = Severity.NOTE, Confidence.LOW
    elif use.op in _QUIET_OPS:
        severity, confidence = Severity.NOTE, Confidence.MEDIUM
    else:
        severity, confidence = Severity.WARNING, Confidence.HIGH
    risk = facts.risk(use.path, mode=use.mode)
    where = "in the branch that check decides" if guarded else "later in the same function"
    path = shown_path(chk.path)
    message = (
        f"`{short(chk.node)}` checks `{path}`, then `{short(use.node)}` acts on the same path {where}. "
        f"In between, another local process can {_ATTACK[use.op]} (TOCTOU, CWE-367). "
        f"Fix: {_FIX.get(use.op, _FIX_DEFAULT)}." + (f" {risk}" if risk else "")
    )
    return pair_hit(RULE.id, chk, use, message, bumped(severity, risk), confidence)
