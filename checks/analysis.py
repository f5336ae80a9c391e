"""Per-file work behind `analyze()`: read, parse once, query once, run families, build findings."""

from __future__ import annotations

import importlib
import posixpath
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

from tree_sitter import Node

from checks.context import FileContext, Hit
from checks.coverage import Coverage
from checks.edition import crate_edition, manifest_paths_for
from checks.families import FAMILIES
from checks.findings import Finding, Severity, fingerprint
from checks.options import AnalyzeOptions
from checks.parse import WHOLE_FILE, combined_query, family_scope, parse
from checks.rules import Rule, rule_table
from checks.syntax import item_path


def skip_reason(source: bytes, opts: AnalyzeOptions) -> str | None:
    if b"\0" in source[:8192]:
        return "binary"
    if len(source) > opts.max_file_bytes:
        return f"too large ({len(source):,} bytes > {opts.max_file_bytes:,})"
    try:
        source.decode("utf-8")
    except UnicodeDecodeError:
        return "not UTF-8"
    return None


def analyze_side(files: Mapping[str, bytes], paths: Iterable[str], opts: AnalyzeOptions,
                 cov: Coverage) -> list[Finding]:
    out: list[Finding] = []
    triggers: list[Trigger] | None = None
    for path in paths:
        source = files.get(path)
        if source is None:
            continue
        reason = skip_reason(source, opts)
        if reason is not None:
            cov.files_skipped[path] = reason
            continue
        edition = opts.edition if opts.edition is not None else file_edition(path, files)
        triggers = family_triggers(opts) if triggers is None else triggers
        out.extend(analyze_file(path, source, edition, opts, cov, triggers))
    return out


def file_edition(path: str, files: Mapping[str, bytes]) -> int:
    """`crate_edition(path, files)`, parsing each chain of manifests once per process.

    The edition depends only on the `Cargo.toml` files on the path's parent chain, so files of
    one crate share one cached answer instead of one TOML parse each (bench/README.md).
    """
    found = tuple((key, files[key]) for key in _manifest_keys(posixpath.dirname(path)) if key in files)
    return _edition_from(found)


@lru_cache(maxsize=1024)
def _manifest_keys(directory: str) -> tuple[str, ...]:
    """`manifest_paths_for` of any file in `directory` (it depends on the directory only)."""
    return tuple(manifest_paths_for(posixpath.join(directory, "lib.rs")))


@lru_cache(maxsize=512)
def _edition_from(found: tuple[tuple[str, bytes], ...]) -> int:
    if not found:
        return crate_edition("lib.rs", {})
    deepest = posixpath.dirname(found[0][0])
    return crate_edition(posixpath.join(deepest, "lib.rs"), dict(found))


HitFilter = Callable[[Node, int], bool]
Trigger = tuple[str, "re.Pattern[bytes] | None", str, tuple[bytes, ...] | None, HitFilter | None]
"""(family, trigger regex or None for always, scope, literals one of which every match holds,
the family's `trigger_hit(root, offset)` or None)."""


_last_options: list[tuple[AnalyzeOptions, list[Trigger], frozenset[str]]] = []


def family_triggers(opts: AnalyzeOptions) -> list[Trigger]:
    """Trigger and scope of each family with a rule on, computed once per options object.

    A family none of whose rules is on cannot produce a finding, so it is not run at all. The
    last answer is kept with its (frozen) options object, which it keeps alive, so a CLI run
    or benchmark calling `analyze()` once per file does not rebuild the list each time.
    """
    return _per_options(opts)[1]


def rules_on(opts: AnalyzeOptions) -> frozenset[str]:
    """Ids of the rules `rule_is_on` for `opts`, kept like `family_triggers`."""
    return _per_options(opts)[2]


def _per_options(opts: AnalyzeOptions) -> tuple[AnalyzeOptions, list[Trigger], frozenset[str]]:
    if not _last_options or _last_options[0][0] is not opts:
        on = frozenset(rid for rid, rule in rule_table().items() if rule_is_on(rule, opts))
        _last_options[:] = [(opts, _family_triggers(opts), on)]
    return _last_options[0]


def _family_triggers(opts: AnalyzeOptions) -> list[Trigger]:
    out: list[Trigger] = []
    for fam in FAMILIES:
        if any(rule_is_on(rule, opts) for rule in fam.RULES):
            pattern = fam.trigger(opts)
            gate = prefilter_gate(pattern) if pattern is not None else None
            out.append((fam.FAMILY, pattern, family_scope(fam), gate, getattr(fam, "trigger_hit", None)))
    return out


def _wanted(source: bytes, root: Node, triggers: list[Trigger]) -> dict[str, list[int] | None]:
    """Families whose trigger occurs in the file -> trigger match offsets (None: whole file).

    A family with a `trigger_hit(root, offset)` function keeps only the matches it accepts (a
    match in a comment, or a word that is not a call, can start no finding of that family).
    """
    wanted: dict[str, list[int] | None] = {}
    for name, pattern, scope, gate, accept in triggers:
        if pattern is None:
            wanted[name] = WHOLE_FILE
            continue
        if accept is None:
            offsets = trigger_offsets(source, pattern, gate, first_only=scope == "file")
        elif scope == "file" and gate is None:  # lazily: stop at the first accepted match
            offsets = _accepted(root, (m.start() for m in pattern.finditer(source)), accept, first_only=True)
        else:
            offsets = _accepted(root, trigger_offsets(source, pattern, gate), accept, scope == "file")
        if offsets:
            wanted[name] = WHOLE_FILE if scope == "file" else offsets
    return wanted


def _accepted(root: Node, offsets: Iterable[int], accept: HitFilter, first_only: bool) -> list[int]:
    out = []
    for at in offsets:
        if accept(root, at):
            out.append(at)
            if first_only:
                break
    return out


def trigger_offsets(source: bytes, pattern: re.Pattern[bytes], gate: tuple[bytes, ...] | None,
                    first_only: bool = False) -> list[int]:
    """Sorted start offsets of `pattern`'s matches (a superset of `finditer`'s: overlaps kept).

    With a gate, every match starts at one of its literals, so the regex is tried only there.
    """
    if gate is None and first_only:
        found = pattern.search(source)
        return [found.start()] if found else []
    if gate is None:
        return [m.start() for m in pattern.finditer(source)]
    out: list[int] = []
    for lit in gate:
        at = source.find(lit)
        while at >= 0:
            if pattern.match(source, at):
                if first_only:
                    return [at]
                out.append(at)
            at = source.find(lit, at + 1)
    return sorted(set(out)) if len(gate) > 1 else out


def prefilter_gate(pattern: re.Pattern[bytes]) -> tuple[bytes, ...] | None:
    """The literals to find a trigger's matches by (`required_literals`), or None to let `re` scan.

    A regex that opens with a plain literal (`\\.\\s*lock`, `\\(`) is already scanned by `re`'s
    own literal-prefix search in C; gating it on that literal instead loops in Python over every
    occurrence (every `.` of a file): 2-3x slower on the bench corpus (bench/README.md).
    """
    if _opens_with_literal(pattern):
        return None
    return required_literals(pattern)


@lru_cache(maxsize=256)
def _opens_with_literal(pattern: re.Pattern[bytes]) -> bool:
    try:
        parsed = list(importlib.import_module("re._parser").parse(pattern.pattern, pattern.flags))
    except (ImportError, AttributeError, re.error):
        return False
    return bool(parsed) and str(parsed[0][0]) == "LITERAL" and not pattern.flags & re.IGNORECASE


@lru_cache(maxsize=256)
def required_literals(pattern: re.Pattern[bytes]) -> tuple[bytes, ...] | None:
    """Literals such that every match of `pattern` starts with one of them, when its leading
    run shows them (zero-width `\\b`/`^` skipped, alternations expanded). None: no such gate.

    Python's `re` scans fast only from a literal prefix: `\\bunsafe\\b` costs ~10x a search for
    `unsafe` (bench/README.md). Finding these literals with `bytes.find` (memchr speed) and
    trying the regex only there gives the same matches at a fraction of the cost.
    """
    if pattern.flags & re.IGNORECASE:
        return None
    try:
        parsed = importlib.import_module("re._parser").parse(pattern.pattern, pattern.flags)
    except (ImportError, AttributeError, re.error):
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    found = _leading_literals(list(parsed))
    return tuple(found) if found and len(found) <= 16 else None


def _leading_literals(seq: list[tuple[Any, Any]]) -> list[bytes] | None:
    lit = bytearray()
    for op, av in seq:
        name = str(op)
        if name == "AT" and not lit:
            continue  # zero-width (\\b, ^): the literal after it is still required
        if name == "LITERAL":
            lit.append(av)
            continue
        inner: list[bytes] | None = None
        if name == "BRANCH":
            alternatives = [_leading_literals(list(alt)) for alt in av[1]]
            if all(alternatives):
                inner = [x for a in alternatives if a for x in a]
        elif name == "SUBPATTERN" and not av[1] & re.IGNORECASE:
            inner = _leading_literals(list(av[3]))
        if inner:
            return [bytes(lit) + x for x in inner]
        break
    return [bytes(lit)] if lit else None


def analyze_file(path: str, source: bytes, edition: int, opts: AnalyzeOptions, cov: Coverage,
                 triggers: list[Trigger] | None = None, restrict: bool = True) -> list[Finding]:
    """Findings of one file; `restrict=False` queries the whole tree (the tests' reference)."""
    tree = parse(source)
    cov.files_analyzed.append(path)
    cov.bytes_analyzed += len(source)
    cov.lines_analyzed += source.count(b"\n") + (0 if source.endswith(b"\n") or not source else 1)
    if tree.root_node.has_error:
        cov.files_with_parse_errors.append(path)
    wanted = _wanted(source, tree.root_node, family_triggers(opts) if triggers is None else triggers)
    if not wanted:
        return []
    matches = combined_query().run(tree, wanted, restrict)
    hits: list[Hit] = []
    for fam in FAMILIES:
        if fam.FAMILY not in wanted:
            continue
        ctx = FileContext(path=path, source=source, tree=tree, edition=edition,
                          matches=matches[fam.FAMILY], options=opts)
        hits.extend(fam.check(ctx))
        cov.macro_tokens.update(ctx.notes)
    return hits_to_findings(path, source, hits, opts)


def rule_is_on(rule: Rule, opts: AnalyzeOptions) -> bool:
    if rule.id in opts.disabled_rules or not opts.family_on(rule.family):
        return False
    return rule.default_on or rule.id in opts.enabled_rules


def hits_to_findings(path: str, source: bytes, hits: list[Hit], opts: AnalyzeOptions) -> list[Finding]:
    rules = rule_table()
    on = rules_on(opts)
    hits = sorted(hits, key=lambda h: (h.node.start_byte, h.rule))
    seen: Counter[tuple[str, str, bytes]] = Counter()
    paths: dict[int, str | None] = {}
    out = []
    for hit in hits:
        if hit.rule not in on:
            continue
        rule = rules[hit.rule]
        item = item_path(hit.node, paths)
        construct = hit.construct if hit.construct is not None else source[hit.node.start_byte:hit.node.end_byte]
        key = (hit.rule, item, construct)
        occurrence = seen[key]
        seen[key] += 1
        start, end = hit.node.start_point, (hit.end_node or hit.node).end_point
        severity = opts.severity.get(hit.rule, hit.severity or rule.severity)
        out.append(Finding(
            rule=hit.rule,
            family=rule.family,
            severity=Severity(severity),
            confidence=hit.confidence or rule.confidence,
            path=path,
            line=start.row + 1,
            end_line=end.row + 1,
            column=start.column + 1,
            end_column=end.column + 1,
            message=hit.message,
            fingerprint=fingerprint(hit.rule, item, construct, occurrence),
            item=item,
            extra=dict(hit.extra),
        ))
    return out


def relate_sides(base: list[Finding], head: list[Finding], opts: AnalyzeOptions) -> list[Finding]:
    """Let families that compare versions (a removed SAFETY comment) rewrite head findings.

    Rules a family produces here pass the same on/off and severity settings as any other.
    """
    for fam in FAMILIES:
        relate = getattr(fam, "relate", None)
        if relate is not None:
            head = relate(base, head)
    rules = rule_table()
    out = []
    for f in head:
        if not rule_is_on(rules[f.rule], opts):
            continue
        if f.rule in opts.severity and f.severity != opts.severity[f.rule]:
            f = replace(f, severity=Severity(opts.severity[f.rule]))
        out.append(f)
    return out
