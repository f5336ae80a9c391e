"""`--format text`: findings for a person at a terminal, grouped by file, with the code underlined.

Colour only when asked (the CLI passes `color=True` for a TTY without `NO_COLOR`, no-color.org).
"""

from __future__ import annotations

import textwrap
from collections import Counter
from itertools import groupby

from bot.formats.source import char_column, end_byte_column, line_bytes
from bot.scan import ScanResult
from checks import Coverage, Finding

SEVERITY_STYLE = {"error": "1;31", "warning": "1;33", "note": "1;36"}
WIDTH = 100


class Paint:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, style: str) -> str:
        return f"\x1b[{style}m{text}\x1b[0m" if self.color else text


def render(result: ScanResult, color: bool = False) -> str:
    paint = Paint(color)
    findings = sorted(result.report.findings, key=lambda f: (f.path, f.line, f.column))
    out: list[str] = []
    for path, group in groupby(findings, key=lambda f: f.path):
        out.append(paint(path, "1;4"))
        for f in group:
            out.extend(finding_block(result, f, paint))
        out.append("")
    out.extend(coverage_notes(result.report.coverage, paint))
    out.append(summary(result, paint))
    return "\n".join(out) + "\n"


def finding_block(result: ScanResult, f: Finding, paint: Paint) -> list[str]:
    sev = f.severity.value
    line = line_bytes(result, f.path, f.line)
    col = char_column(line, f.column) if line is not None else f.column
    head = (f"{paint(f'{f.path}:{f.line}:{col}', '1')}: {paint(sev, SEVERITY_STYLE[sev])} "
            f"{f.rule} {paint(f'[{f.short_id}]', '2')} ({f.confidence.value} confidence)")
    body = textwrap.wrap(f.message, WIDTH - 4, initial_indent="    ", subsequent_indent="    ")
    return [head, *body, *code_excerpt(f, line, paint)]


def code_excerpt(f: Finding, line: bytes | None, paint: Paint) -> list[str]:
    """The flagged line with `^~~~` under the span (tabs kept so the marker lines up)."""
    if line is None:
        return []
    text = line.decode("utf-8", "replace")
    start = char_column(line, f.column) - 1
    end = max(char_column(line, end_byte_column(f, line)) - 1, start + 1)
    pad = "".join("\t" if c == "\t" else " " for c in text[:start])
    marker = "^" + "~" * (end - start - 1)
    more = f" (through line {f.end_line})" if f.end_line > f.line else ""
    gutter = f"{f.line:>6} | "
    return [paint(gutter, "2") + text, paint(" " * 7 + "| ", "2") + pad
            + paint(marker, SEVERITY_STYLE[f.severity.value]) + more]


def coverage_notes(cov: Coverage, paint: Paint) -> list[str]:
    notes = [f"{paint('note', '1;36')}: not analysed {path}: {reason}"
             for path, reason in sorted(cov.files_skipped.items())]
    notes += [f"{paint('note', '1;36')}: {path} has syntax errors; findings there may be incomplete"
              for path in sorted(cov.files_with_parse_errors)]
    return notes


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary(result: ScanResult, paint: Paint) -> str:
    findings = result.report.findings
    cov = result.report.coverage
    counts = Counter(f.severity.value for f in findings)
    scope = "all files" if result.base_label is None else f"changes {result.base_label}..{result.head_label}"
    if findings:
        by_sev = ", ".join(_plural(counts[s], s) for s in ("error", "warning", "note") if counts[s])
        files = len({f.path for f in findings})
        head = f"{_plural(len(findings), 'finding')} ({by_sev}) in {_plural(files, 'file')}"
    else:
        head = "no findings"
    tail = (f"{_plural(len(cov.files_analyzed), 'Rust file')} analysed ({cov.lines_analyzed:,} lines), "
            f"{len(cov.files_skipped)} skipped, {len(cov.files_with_parse_errors)} with syntax errors")
    return f"{paint(head, '1')} · {scope} · {tail}"
