"""Inline `// blindspot: allow(<rule>) reason: <text>` comments: the findings they hide, and the
`blindspot/` findings about the comments themselves.

An author cannot silence the bot alone: a suppression that is new in the PR is itself a finding a
maintainer approves, while one already on the base branch is honoured (issue 7 §2).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tree_sitter import Node

from checks.context import line_at
from checks.findings import Confidence, Finding, Severity, fingerprint, normalize_construct
from checks.options import AnalyzeOptions
from checks.parse import parse
from checks.rules import Rule
from checks.syntax import COMMENT_TYPES, item_path

FAMILY = "blindspot"
NEW = "blindspot/new-suppression"
NO_REASON = "blindspot/suppression-without-reason"
UNKNOWN = "blindspot/unknown-rule-in-suppression"

RULES: tuple[Rule, ...] = (
    Rule(
        id=NEW,
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
        summary="suppression comment added in this change hides findings",
        what=(
            "A `// blindspot: allow(<rule>[, <rule>...]) reason: <text>` comment that is not on the "
            "base branch and hides at least one finding. `<rule>` is a rule id (`lock/double-lock`) "
            "or a family (`lock`: all its rules). The comment covers findings that start on its own "
            "line (a trailing comment) or, for a comment on its own line, on the first line below "
            "its run of comments that is not blank or an attribute. The finding is reported at the "
            "comment and names each hidden finding's rule and id. A suppression already on the base "
            "branch is honoured silently, as long as it hides the same findings it hid there."
        ),
        why=(
            "A suppression is a claim that flagged code is safe. If the author of a change could "
            "make that claim alone, the comment would silence the very review Blindspot asks for. "
            "A maintainer reads the hidden code and the reason, then approves this finding by its "
            "id; the approval is bound to the comment, the reason and the hidden findings, so "
            "editing the suppressed code later needs a new approval."
        ),
        example=(
            "let v = unsafe { *ptr }; // blindspot: allow(unsafe) reason: ptr is checked by the caller"
        ),
        fix=(
            "// Either fix the finding (here: write the argument where the reviewer expects it)\n"
            "// SAFETY: `ptr` comes from `Box::into_raw` in `new` and is freed only in `drop`.\n"
            "let v = unsafe { *ptr };\n"
            "// or keep the suppression and have a maintainer run `/blindspot approve <id>`."
        ),
        limits=(
            "Audit mode (`blindspot scan --all`, and the rule fixtures) has no base branch, so every "
            "suppression that hides a finding is reported there. A suppression that hides nothing "
            "is not reported; if code under it changes so that it hides a finding, it is new again."
        ),
        see_also="Semgrep `// nosemgrep`, CodeQL `// codeql[...]`, GitHub delegated alert dismissal.",
    ),
    Rule(
        id=NO_REASON,
        severity=Severity.ERROR,
        confidence=Confidence.HIGH,
        summary="suppression comment without a `reason:`",
        what=(
            "A `// blindspot: allow(...)` comment with no non-empty `reason: <text>` after the "
            "closing parenthesis. It hides nothing: the findings it names stay reported. Reported "
            "when the comment is new in the change (every one in audit mode)."
        ),
        why=(
            "The reason is the argument a reviewer checks and the record the next reader finds. A "
            "bare allow would let a finding be waved through with no trace of why it was judged "
            "safe, so Blindspot refuses it rather than guess."
        ),
        example="// blindspot: allow(lock/double-lock)\nlet b = self.items.lock().unwrap();",
        fix=(
            "// blindspot: allow(lock/double-lock) reason: `a` is dropped in `reset` before this runs\n"
            "let b = self.items.lock().unwrap();"
        ),
    ),
    Rule(
        id=UNKNOWN,
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
        summary="suppression comment naming an unknown rule or family",
        what=(
            "A `// blindspot: allow(...)` comment naming something that is neither a rule id nor a "
            "family, naming nothing, missing its closing parenthesis, or naming a `blindspot/` rule "
            "(these cannot be suppressed). The unknown names hide nothing; valid names in the same "
            "comment still apply. Reported when the comment is new in the change."
        ),
        why=(
            "A typo (`unsafe/undocumented-blok`) silently suppresses nothing, yet reads like a "
            "reviewed exception; the day the finding appears it is reported with no hint why the "
            "comment did not work, or the comment is trusted and nobody looks."
        ),
        example="// blindspot: allow(unsafe/undocumented-blok) reason: ptr checked above\nlet v = unsafe { *ptr };",
        fix="// blindspot: allow(unsafe/undocumented-block) reason: ptr checked above\nlet v = unsafe { *ptr };",
    ),
)

_TRIGGER = re.compile(rb"blindspot:\s*allow\(")
_DIRECTIVE = re.compile(r"^(?://[/!]?|/\*[*!]?)\s*blindspot:\s*allow\(([^)\n]*)(\)?)(.*)", re.S)
_REASON = re.compile(r"^\s*reason\s*:\s*(.*)$", re.S)
_ATTRIBUTES = frozenset({"attribute_item", "inner_attribute_item"})
_WS = re.compile(r"\s+")


@dataclass
class Suppression:
    """One allow-comment in one version of one file."""

    path: str
    line: int
    """1-based line of the comment; findings starting on lines `line..last_line` are covered."""
    last_line: int
    column: int
    end_line: int
    end_column: int
    entries: tuple[str, ...]
    rules: frozenset[str]
    """Rule ids it covers (families expanded); unknown entries contribute nothing."""
    unknown: tuple[str, ...]
    closed: bool
    reason: str
    item: str
    target_text: bytes
    hidden: list[Finding] = field(default_factory=list)
    named: list[Finding] = field(default_factory=list)
    """Findings its rules cover, hidden or not (a reasonless one names but hides nothing)."""

    @property
    def valid(self) -> bool:
        return self.closed and bool(self.reason)

    def covers(self, f: Finding) -> bool:
        return f.path == self.path and self.line <= f.line <= self.last_line and f.rule in self.rules

    def identity(self) -> bytes:
        """What approval binds to: names, reason, suppressed line and the hidden findings."""
        parts = [",".join(sorted(self.entries)), self.reason, normalize_construct(self.target_text).decode(),
                 *sorted(f.fingerprint for f in self.hidden)]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest().encode()


def apply(base_files: Mapping[str, bytes], head_files: Mapping[str, bytes], paths: Iterable[str],
          base: list[Finding], head: list[Finding], opts: AnalyzeOptions) -> tuple[list[Finding], list[Finding]]:
    """Drop suppressed findings on both sides, and add to head the `blindspot/` findings of the
    suppressions that are new in head (their identity is not among base's)."""
    paths = list(paths)
    base_sups, base = _hide(find_all(base_files, paths, opts), base)
    head_sups, head = _hide(find_all(head_files, paths, opts), head)
    old = Counter(s.identity() for s in base_sups)
    meta: list[Finding] = []
    for path_sups in _by_path(head_sups).values():
        seen: Counter[bytes] = Counter()
        for sup in path_sups:
            ident = sup.identity()
            occurrence = seen[ident]
            seen[ident] += 1
            if old[ident] > 0:
                old[ident] -= 1
                continue
            meta.extend(_findings_for(sup, ident, occurrence, opts))
    if not meta:
        return base, head
    return base, sorted(head + meta, key=lambda f: (f.path, f.line, f.column))


def find_all(files: Mapping[str, bytes], paths: Iterable[str], opts: AnalyzeOptions) -> list[Suppression]:
    """Suppressions in the files the analysis reads (cheap: a byte scan before any parse)."""
    from checks.analysis import skip_reason

    out: list[Suppression] = []
    for path in paths:
        source = files.get(path)
        if source is not None and _TRIGGER.search(source) and skip_reason(source, opts) is None:
            out.extend(find(path, source))
    return out


def find(path: str, source: bytes) -> list[Suppression]:
    """Every allow-comment in `source`: the directive must open a `//` or `/* */` comment."""
    tree = parse(source)
    out = []
    seen: set[int] = set()
    for m in _TRIGGER.finditer(source):
        comment = _comment_at(tree.root_node.descendant_for_byte_range(m.start(), m.end()))
        if comment is None or comment.start_byte in seen:
            continue
        seen.add(comment.start_byte)
        sup = _parse_comment(path, source, comment)
        if sup is not None:
            out.append(sup)
    return out


def _comment_at(node: Node | None) -> Node | None:
    """The comment node holding `node` (doc comments nest a `doc_comment` child), if any."""
    for _ in range(3):
        if node is None or node.type in COMMENT_TYPES:
            return node
        node = node.parent
    return None


def _parse_comment(path: str, source: bytes, comment: Node) -> Suppression | None:
    text = source[comment.start_byte:comment.end_byte].decode("utf-8", "replace")
    m = _DIRECTIVE.match(text)
    if m is None:
        return None  # prose that mentions the syntax mid-comment is not a directive
    entries = tuple(e.strip() for e in m.group(1).split(",") if e.strip())
    rules, unknown = resolve(entries)
    rest = m.group(3).removesuffix("*/") if comment.type == "block_comment" else m.group(3)
    reason_m = _REASON.match(rest)
    reason = _WS.sub(" ", reason_m.group(1)).strip() if reason_m else ""
    row = comment.start_point.row
    target = None if _is_trailing(source, comment) else _target(comment)
    return Suppression(
        path=path, line=row + 1, last_line=(target.start_point.row if target else row) + 1,
        column=comment.start_point.column + 1, end_line=comment.end_point.row + 1,
        end_column=comment.end_point.column + 1, entries=entries, rules=rules, unknown=unknown,
        closed=bool(m.group(2)), reason=reason, item=item_path(target or comment),
        target_text=line_at(source, target.start_point.row if target else row),
    )


def resolve(entries: Iterable[str]) -> tuple[frozenset[str], tuple[str, ...]]:
    """Rule ids named by `entries` (a family names all its rules) and the entries that name none."""
    from checks.families import FAMILIES

    by_family = {fam.FAMILY: frozenset(r.id for r in fam.RULES) for fam in FAMILIES}
    known = frozenset().union(*by_family.values())
    rules: set[str] = set()
    unknown = []
    for entry in entries:
        if entry in known:
            rules.add(entry)
        elif entry in by_family:
            rules |= by_family[entry]
        else:
            unknown.append(entry)
    return frozenset(rules), tuple(unknown)


def _is_trailing(source: bytes, comment: Node) -> bool:
    """Code before the comment on its line: it covers that line only."""
    before = line_at(source, comment.start_point.row)[: comment.start_point.column]
    return bool(before.strip())


def _target(comment: Node) -> Node | None:
    """The first sibling after the run of comments and attributes that holds `comment`."""
    sib = comment.next_sibling
    while sib is not None and (sib.type in COMMENT_TYPES or sib.type in _ATTRIBUTES):
        sib = sib.next_sibling
    return sib


def _hide(sups: list[Suppression], findings: list[Finding]) -> tuple[list[Suppression], list[Finding]]:
    """Findings no valid suppression covers; each suppression records what it names and hides."""
    if not sups:
        return sups, findings
    by_path = _by_path(sups)
    kept = []
    for f in findings:
        hiders = [s for s in by_path.get(f.path, []) if s.covers(f)]
        for s in hiders:
            s.named.append(f)
            if s.valid:
                s.hidden.append(f)
        if not any(s.valid for s in hiders):
            kept.append(f)
    return sups, kept


def _by_path(sups: list[Suppression]) -> dict[str, list[Suppression]]:
    out: dict[str, list[Suppression]] = {}
    for s in sups:
        out.setdefault(s.path, []).append(s)
    return out


def _findings_for(sup: Suppression, ident: bytes, occurrence: int, opts: AnalyzeOptions) -> list[Finding]:
    messages = []
    if sup.hidden:
        messages.append((NEW, _new_message(sup)))
    if sup.closed and not sup.reason:
        messages.append((NO_REASON, _no_reason_message(sup)))
    if sup.unknown or not sup.entries or not sup.closed:
        messages.append((UNKNOWN, _unknown_message(sup)))
    return [_finding(sup, rule, msg, ident, occurrence, opts) for rule, msg in messages
            if rule not in opts.disabled_rules]


def _finding(sup: Suppression, rule_id: str, message: str, ident: bytes, occurrence: int,
             opts: AnalyzeOptions) -> Finding:
    rule = next(r for r in RULES if r.id == rule_id)
    return Finding(
        rule=rule_id, family=FAMILY, severity=Severity(opts.severity.get(rule_id, rule.severity)),
        confidence=rule.confidence, path=sup.path, line=sup.line, end_line=sup.end_line,
        column=sup.column, end_column=sup.end_column, message=message,
        fingerprint=fingerprint(rule_id, sup.item, ident, occurrence), item=sup.item,
    )


def _listing(findings: list[Finding]) -> str:
    return ", ".join(f"{f.rule} {f.short_id}" for f in findings)


def _new_message(sup: Suppression) -> str:
    n = len(sup.hidden)
    return (
        f"This new `blindspot: allow(...)` comment hides {n} finding{'s' if n != 1 else ''} "
        f"({_listing(sup.hidden)}). An author cannot silence a review alone: a maintainer should "
        "read the hidden code and the comment's reason, then approve this finding; or fix the "
        "code and drop the comment."
    )


def _no_reason_message(sup: Suppression) -> str:
    named = f" ({_listing(sup.named)} stays reported)" if sup.named else ""
    return (
        f"This `blindspot: allow(...)` comment gives no `reason:`, so it hides nothing{named}. "
        "A suppression is a claim that the code is safe, and without the argument no reviewer "
        "can check it. Add `reason: <why the flagged code is safe>` after the closing parenthesis."
    )


def _unknown_message(sup: Suppression) -> str:
    if not sup.closed:
        problem = "is missing its closing parenthesis"
    elif not sup.entries:
        problem = "names no rule"
    else:
        problem = "names " + ", ".join(_code(e) for e in sup.unknown) + ", which is not a rule id or family"
        if any(e.startswith(f"{FAMILY}/") or e == FAMILY for e in sup.unknown):
            problem += " that can be suppressed (`blindspot/` rules cannot be)"
    return (
        f"This `blindspot: allow(...)` comment {problem}, so it hides nothing for that name. A typo "
        "here reads like a reviewed exception while the finding stays reported or appears later "
        "unexplained. Name a rule id such as `lock/double-lock` or a family (`unsafe`, `ffi`, "
        "`toctou`, `lock`); the README lists them."
    )


def _code(text: str, limit: int = 60) -> str:
    """Author-written text as an inline code span, so it cannot mention people or add links."""
    text = text.replace("`", "'")
    return "`" + (text if len(text) <= limit else text[: limit - 1] + "…") + "`"
