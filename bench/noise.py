"""How noisy each rule is on real crates, and random samples of its findings for people to judge.

Usage:
  python bench/noise.py [--limit-mb MB] [--json] [--no-install]
      every rule (off-by-default ones included): findings and findings per 10,000 lines
  python bench/noise.py --sample RULE N [--seed S] [--context C]
      N random findings of RULE, each as path:line with C lines of code above and below

The corpus is bench/corpus.py's (Debian crate sources); the analysis is `checks.analyze` over
every file with an empty base, as `blindspot scan --all` does. Like clippy's lintcheck, the
point is to read what a rule says about code nobody wrote for it.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter

import corpus

from checks import AnalyzeOptions, Finding, Report, all_rules, analyze


def run_corpus(limit_mb: float | None) -> tuple[Report, dict[str, bytes]]:
    opts = AnalyzeOptions(enabled_rules=frozenset(all_rules()))
    files, _ = corpus.analysable(corpus.corpus_files(limit_mb), opts.max_file_bytes)
    contents = corpus.manifests(files)
    for f in files:
        contents[f.path] = f.read()
    return analyze({}, contents, [f.path for f in files], opts), contents


def rule_table(report: Report) -> list[dict[str, object]]:
    lines = max(report.coverage.lines_analyzed, 1)
    counts = Counter(f.rule for f in report.findings)
    return [{
        "rule": rule.id,
        "default_on": rule.default_on,
        "findings": counts[rule.id],
        "per_10k_lines": round(counts[rule.id] * 10_000 / lines, 2),
    } for rule in all_rules().values()]


def print_table(report: Report, rows: list[dict[str, object]]) -> None:
    cov = report.coverage
    print(f"corpus: {len(cov.files_analyzed)} files, {cov.lines_analyzed:,} lines, {cov.bytes_analyzed / 1e6:.1f} MB,"
          f" {len(cov.files_with_parse_errors)} with parse errors")
    width = max([len("rule")] + [len(str(r["rule"])) for r in rows])
    print(f"{'rule':<{width}}  {'on':>3}  {'findings':>8}  {'per 10k lines':>13}")
    for r in rows:
        on = "yes" if r["default_on"] else "off"
        print(f"{r['rule']!s:<{width}}  {on:>3}  {r['findings']:>8}  {r['per_10k_lines']:>13}")


def context(source: bytes, line: int, around: int) -> str:
    lines = source.decode("utf-8", "replace").split("\n")
    first = max(1, line - around)
    last = min(len(lines), line + around)
    return "\n".join(f"{'>' if n == line else ' '} {n:6} | {lines[n - 1]}" for n in range(first, last + 1))


def sample(findings: list[Finding], rule: str, n: int, seed: int) -> list[Finding]:
    mine = [f for f in findings if f.rule == rule]
    picked = random.Random(seed).sample(mine, min(n, len(mine)))
    return sorted(picked, key=lambda f: (f.path, f.line))


def print_sample(report: Report, contents: dict[str, bytes], args: argparse.Namespace) -> int:
    rule, n = args.sample[0], int(args.sample[1])
    if rule not in all_rules():
        print(f"unknown rule {rule!r}; rules: {', '.join(all_rules())}", file=sys.stderr)
        return 2
    picked = sample(report.findings, rule, n, args.seed)
    total = sum(f.rule == rule for f in report.findings)
    print(f"{len(picked)} of {total} findings of {rule} (seed {args.seed})\n")
    for f in picked:
        print(f"{f.path}:{f.line}  [{f.item or '<file>'}]")
        print(context(contents[f.path], f.line, args.context))
        print()
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--limit-mb", type=float, default=None, help="use a fixed subset of this size")
    ap.add_argument("--json", action="store_true", help="print the rule table as JSON")
    ap.add_argument("--no-install", action="store_true", help="do not apt-get install missing packages")
    ap.add_argument("--sample", nargs=2, metavar=("RULE", "N"), help="print N random findings of RULE")
    ap.add_argument("--seed", type=int, default=0, help="random seed of --sample (default 0)")
    ap.add_argument("--context", type=int, default=3, help="lines shown above and below (default 3)")
    args = ap.parse_args(argv)
    if not args.no_install:
        corpus.ensure_installed()
    report, contents = run_corpus(args.limit_mb)
    if args.sample:
        return print_sample(report, contents, args)
    rows = rule_table(report)
    if args.json:
        print(json.dumps({"coverage": report.coverage.to_json(), "rules": rows}, sort_keys=True))
    else:
        print_table(report, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
