"""`--format github`: GitHub Actions workflow commands, so findings show as annotations on the run.

Escaping follows the runner's rules (actions/toolkit `command.ts`): `%`, CR and LF in the message;
the same plus `:` and `,` in property values.
"""

from __future__ import annotations

from bot.scan import ScanResult
from checks import Finding

LEVELS = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, props: dict[str, object], message: str) -> str:
    joined = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items())
    return f"::{level} {joined}::{escape_data(message)}"


def annotation(f: Finding) -> str:
    props: dict[str, object] = {"file": f.path, "line": f.line, "endLine": f.end_line}
    if f.end_line == f.line:
        props.update(col=f.column, endColumn=f.end_column)
    props["title"] = f"{f.rule} [{f.short_id}]"
    return command(LEVELS[f.severity.value], props, f.message)


def render(result: ScanResult, color: bool = False) -> str:
    lines = [annotation(f) for f in result.report.findings]
    for path, reason in sorted(result.report.coverage.files_skipped.items()):
        lines.append(command("notice", {"file": path, "title": "blindspot skipped this file"},
                             f"Not analysed: {reason}."))
    return "".join(line + "\n" for line in lines)
