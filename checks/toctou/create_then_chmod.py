"""`toctou/create-then-chmod`: a file or directory created with the default mode, then chmod-ed by path."""

from __future__ import annotations

from checks.context import Hit
from checks.findings import Confidence, Severity
from checks.rules import Rule
from checks.toctou import calls
from checks.toctou.calls import Call
from checks.toctou.function import FnFacts, bumped, pair_hit, short, shown_path

RULE = Rule(
    id="toctou/create-then-chmod",
    severity=Severity.WARNING,
    confidence=Confidence.HIGH,
    summary="file or directory created with the default mode, then chmod-ed or chown-ed by path",
    what=(
        "A file, directory or FIFO created by path with the umask-derived default mode (`File::create`, "
        "`fs::write`, `create_dir[_all]`, `DirBuilder` or `OpenOptions` without `.mode(..)`, "
        "`mkfifo`/`mknod`, or `fs::copy`, which gives the copy the source's mode) and then, in the "
        "same function, `fs::set_permissions`, `chmod` or `chown` "
        "on the same path; also a `symlink` created at a path that is then chmod-ed or chown-ed by that "
        "path (the change follows the new link to its target)."
    ),
    why=(
        "Until the chmod runs, the new file has the default permissions (often world-readable): another "
        "user can open it in that window and keep the descriptor after the permissions tighten, reading "
        "what is written later. The chmod also resolves the path again, so a symlink swapped in "
        "between redirects it to another file. Several 2026 uutils coreutils CVEs (`install`, `mkdir -m`, "
        "`mkfifo -m`) were this permission window."
    ),
    example=(
        "let f = File::create(&key_path)?;\n"
        "fs::set_permissions(&key_path, Permissions::from_mode(0o600))?;"
    ),
    fix=(
        "let f = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&key_path)?;\n"
        "// or, with a handle already open: f.set_permissions(Permissions::from_mode(0o600))?;"
    ),
    limits=(
        "Only within one function (plus one level of same-file helpers). A chmod that widens the mode "
        "(e.g. making a script executable) has no secrecy window but still re-resolves the path."
    ),
    see_also="CWE-367, CWE-276; `std::os::unix::fs::OpenOptionsExt::mode`; `DirBuilderExt::mode`.",
)

_CHMODS = frozenset({calls.CHMOD, calls.CHOWN})
_MODE_SOURCE = {calls.COPY: "the source file's mode"}


def check(facts: FnFacts) -> list[Hit]:
    hits = []
    for chmod in facts.calls:
        if chmod.role != calls.USE or chmod.op not in _CHMODS:
            continue
        create = _creator(facts, chmod)
        if create is not None:
            hits.append(_hit(facts, create, chmod))
            facts.claimed.add(chmod.node.start_byte)
    return hits


def _creator(facts: FnFacts, chmod: Call) -> Call | None:
    found = None
    for create in facts.calls:
        if create.node.end_byte > chmod.node.start_byte:
            break
        if create.role == calls.USE and (create.default_mode or _is_symlink_create(create)) \
                and facts.same_path(create.path, chmod.path):
            found = create
    return found


def _is_symlink_create(call: Call) -> bool:
    return call.op == calls.LINK and call.label.endswith("symlink")


def _hit(facts: FnFacts, create: Call, chmod: Call) -> Hit:
    risk = facts.risk(chmod.path, mode=chmod.mode)
    path = shown_path(chmod.path)
    if _is_symlink_create(create):
        return pair_hit(RULE.id, create, chmod, _link_message(create, chmod, path, risk),
                        bumped(RULE.severity, risk), RULE.confidence)
    what = "ownership" if chmod.op == calls.CHOWN else "permissions"
    message = (
        f"`{short(create.node)}` creates `{path}` with {_MODE_SOURCE.get(create.op, 'the default mode')}, and "
        f"`{short(chmod.node)}` sets its "
        f"{what} only afterwards, by path. In that window another user can open the file and keep the "
        f"descriptor, or swap the path for a symlink so the change lands on another file. Fix: create it "
        f"with the final mode (`OpenOptionsExt::mode`, `DirBuilderExt::mode`) or change it through the "
        f"open handle (`File::set_permissions`, `fchown`)." + (f" {risk}" if risk else "")
    )
    return pair_hit(RULE.id, create, chmod, message, bumped(RULE.severity, risk), RULE.confidence)


def _link_message(create: Call, chmod: Call, path: str, risk: str) -> str:
    return (
        f"`{short(create.node)}` makes `{path}` a symlink, and `{short(chmod.node)}` then changes it by path, "
        f"which follows the new link: the mode or owner of the link's target changes instead, possibly a file "
        f"outside the tree (uutils `cp -r` issue #12191, CWE-59). Fix: skip the change for links, or use "
        f"`lchown` / `fchmodat(.., AT_SYMLINK_NOFOLLOW)`." + (f" {risk}" if risk else "")
    )
