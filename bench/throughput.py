"""Throughput of the full analysis against the tree-sitter parse alone, paired in one process.

Usage: python bench/throughput.py [--reps N] [--limit-mb MB] [--json] [--no-install] [--verify-ranges]

Each file is parsed alone ("parse") and analysed with every family and every rule on, exactly
as `blindspot scan --all` does ("analysis": `checks.analyze` on that file, its crate edition
read from the crate's Cargo.toml). The two modes alternate per file, and which one goes first
flips every repetition, so machine drift and cache warmth hit both alike (research/perf.md §2a).
Files are read from disk outside the timed region, one at a time, so peak RSS is the analyser's.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import sys
import time
from collections import ChainMap
from dataclasses import dataclass, field
from importlib.metadata import version

import corpus

from checks import AnalyzeOptions, all_rules, analyze
from checks.parse import parse


@dataclass
class Pass:
    """One repetition: total seconds per mode and each file's analysis seconds."""

    parse_s: float = 0.0
    analysis_s: float = 0.0
    per_file: list[float] = field(default_factory=list)
    per_file_parse: list[float] = field(default_factory=list)
    findings: int = 0


def all_on() -> AnalyzeOptions:
    """Every family and every rule, off-by-default ones included."""
    return AnalyzeOptions(enabled_rules=frozenset(all_rules()))


def one_pass(files: list[corpus.SourceFile], tomls: dict[str, bytes], opts: AnalyzeOptions,
             parse_first: bool) -> Pass:
    out = Pass()
    clock = time.perf_counter
    for f in files:
        src = f.read()
        view = ChainMap({f.path: src}, tomls)
        for mode in ("parse", "analysis") if parse_first else ("analysis", "parse"):
            if mode == "parse":
                t0 = clock()
                parse(src)
                dt = clock() - t0
                out.parse_s += dt
                out.per_file_parse.append(dt)
            else:
                t0 = clock()
                report = analyze({}, view, [f.path], opts)
                dt = clock() - t0
                out.analysis_s += dt
                out.per_file.append(dt)
                out.findings += len(report.findings)
    return out


def verify_ranges(files: list[corpus.SourceFile], tomls: dict[str, bytes], opts: AnalyzeOptions) -> int:
    """Files whose findings differ between the item-restricted and the whole-tree query."""
    from checks.analysis import analyze_file, family_triggers, file_edition
    from checks.coverage import Coverage

    triggers = family_triggers(opts)
    differing = 0
    for f in files:
        src = f.read()
        edition = file_edition(f.path, ChainMap({f.path: src}, tomls))
        runs = [analyze_file(f.path, src, edition, opts, Coverage(), triggers, mode)
                for mode in (True, False)]
        if runs[0] != runs[1]:
            differing += 1
            print(f"ranges change the findings of {f.path}", file=sys.stderr)
    return differing


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summarize(files: list[corpus.SourceFile], passes: list[Pass]) -> dict[str, object]:
    mb = sum(f.size for f in files) / 1e6
    parse_s = statistics.median(p.parse_s for p in passes)
    analysis_s = statistics.median(p.analysis_s for p in passes)
    # each file's median over the repetitions, then percentiles over files
    per_file = [statistics.median(ts) for ts in zip(*(p.per_file for p in passes), strict=True)]
    per_file_parse = [statistics.median(ts) for ts in zip(*(p.per_file_parse for p in passes), strict=True)]
    return {
        "files": len(files),
        "crates": len(corpus.crate_versions(files)),
        "mb": round(mb, 2),
        "reps": len(passes),
        "parse_s": round(parse_s, 3),
        "analysis_s": round(analysis_s, 3),
        "parse_mb_per_s": round(mb / parse_s, 2),
        "analysis_mb_per_s": round(mb / analysis_s, 2),
        "ratio_analysis_over_parse": round(statistics.median(
            p.analysis_s / p.parse_s for p in passes), 3),
        "ratio_per_rep": [round(p.analysis_s / p.parse_s, 3) for p in passes],
        "analysis_p50_ms": round(1000 * percentile(per_file, 0.50), 3),
        "analysis_p99_ms": round(1000 * percentile(per_file, 0.99), 3),
        "analysis_max_ms": round(1000 * max(per_file), 3),
        "parse_p50_ms": round(1000 * percentile(per_file_parse, 0.50), 3),
        "parse_p99_ms": round(1000 * percentile(per_file_parse, 0.99), 3),
        "findings": passes[-1].findings,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "python": platform.python_version(),
        "tree_sitter": version("tree-sitter"),
        "tree_sitter_rust": version("tree-sitter-rust"),
    }


def print_text(res: dict[str, object]) -> None:
    print(f"corpus        {res['files']} files, {res['crates']} crates, {res['mb']} MB, {res['reps']} reps")
    print(f"parse         {res['parse_mb_per_s']} MB/s ({res['parse_s']} s median)")
    print(f"analysis      {res['analysis_mb_per_s']} MB/s ({res['analysis_s']} s median)")
    print(f"ratio         {res['ratio_analysis_over_parse']}x analysis/parse (per rep: {res['ratio_per_rep']})")
    print(f"per file      p50 {res['analysis_p50_ms']} ms, p99 {res['analysis_p99_ms']} ms,"
          f" max {res['analysis_max_ms']} ms (analysis); parse alone p50 {res['parse_p50_ms']} ms,"
          f" p99 {res['parse_p99_ms']} ms")
    print(f"peak RSS      {res['peak_rss_mb']} MB")
    print(f"findings      {res['findings']}")
    print(f"versions      Python {res['python']}, tree-sitter {res['tree_sitter']},"
          f" tree-sitter-rust {res['tree_sitter_rust']}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--reps", type=int, default=3, help="repetitions (default 3)")
    ap.add_argument("--limit-mb", type=float, default=None, help="use a fixed subset of this size")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--no-install", action="store_true", help="do not apt-get install missing packages")
    ap.add_argument("--verify-ranges", action="store_true",
                    help="instead of timing, check that restricting the query to item units changes no finding")
    args = ap.parse_args(argv)
    if not args.no_install:
        corpus.ensure_installed()
    opts = all_on()
    files, skipped = corpus.analysable(corpus.corpus_files(args.limit_mb), opts.max_file_bytes)
    for f in skipped:
        print(f"skipped {f.path}: {f.size:,} bytes > max_file_bytes (analysis skips it too)", file=sys.stderr)
    tomls = corpus.manifests(files)
    if args.verify_ranges:
        differing = verify_ranges(files, tomls, opts)
        print(f"{len(files)} files, {differing} with different findings under the range restriction")
        return 1 if differing else 0
    passes = []
    for rep in range(args.reps):
        passes.append(one_pass(files, tomls, opts, parse_first=rep % 2 == 0))
        p = passes[-1]
        print(f"rep {rep}: parse {p.parse_s:.2f} s, analysis {p.analysis_s:.2f} s", file=sys.stderr)
    res = summarize(files, passes)
    if args.json:
        print(json.dumps(res, sort_keys=True))
    else:
        print_text(res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
