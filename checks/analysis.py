"""Per-file work behind `analyze()`: read, parse once, query once, run families, build findings."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import replace

from checks.context import FileContext, Hit
from checks.coverage import Coverage
from checks.edition import crate_edition
from checks.families import FAMILIES
from checks.findings import Finding, Severity, fingerprint
from checks.options import AnalyzeOptions
from checks.parse import combined_query, parse
from checks.rules import Rule, all_rules
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
    for path in paths:
        source = files.get(path)
        if source is None:
            continue
        reason = skip_reason(source, opts)
        if reason is not None:
            cov.files_skipped[path] = reason
            continue
        edition = opts.edition if opts.edition is not None else crate_edition(path, files)
        out.extend(analyze_file(path, source, edition, opts, cov))
    return out


def _wanted(source: bytes, opts: AnalyzeOptions) -> frozenset[str]:
    """Families that are on and whose trigger tokens occur in the file (cheap byte scan)."""
    wanted = []
    for fam in FAMILIES:
        if not opts.family_on(fam.FAMILY):
            continue
        trigger: re.Pattern[bytes] | None = fam.trigger(opts)
        if trigger is None or trigger.search(source):
            wanted.append(fam.FAMILY)
    return frozenset(wanted)


def analyze_file(path: str, source: bytes, edition: int, opts: AnalyzeOptions,
                 cov: Coverage) -> list[Finding]:
    tree = parse(source)
    cov.files_analyzed.append(path)
    cov.bytes_analyzed += len(source)
    cov.lines_analyzed += source.count(b"\n") + (0 if source.endswith(b"\n") or not source else 1)
    if tree.root_node.has_error:
        cov.files_with_parse_errors.append(path)
    wanted = _wanted(source, opts)
    if not wanted:
        return []
    matches = combined_query().run(tree, wanted)
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
    rules = all_rules()
    hits = sorted(hits, key=lambda h: (h.node.start_byte, h.rule))
    seen: Counter[tuple[str, str, bytes]] = Counter()
    out = []
    for hit in hits:
        rule = rules[hit.rule]
        if not rule_is_on(rule, opts):
            continue
        item = item_path(hit.node)
        construct = hit.construct if hit.construct is not None else source[hit.node.start_byte:hit.node.end_byte]
        key = (hit.rule, item, construct)
        occurrence = seen[key]
        seen[key] += 1
        end = hit.end_node or hit.node
        severity = opts.severity.get(hit.rule, hit.severity or rule.severity)
        out.append(Finding(
            rule=hit.rule,
            family=rule.family,
            severity=Severity(severity),
            confidence=hit.confidence or rule.confidence,
            path=path,
            line=hit.node.start_point.row + 1,
            end_line=end.end_point.row + 1,
            column=hit.node.start_point.column + 1,
            end_column=end.end_point.column + 1,
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
    rules = all_rules()
    out = []
    for f in head:
        if not rule_is_on(rules[f.rule], opts):
            continue
        if f.rule in opts.severity and f.severity != opts.severity[f.rule]:
            f = replace(f, severity=Severity(opts.severity[f.rule]))
        out.append(f)
    return out
