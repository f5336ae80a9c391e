"""`--format json`: exactly one JSON object, the CLI contract in DESIGN.md "Command line"."""

from __future__ import annotations

import json as _json

from bot import __version__
from bot.scan import ScanResult


def document(result: ScanResult) -> dict[str, object]:
    return {
        "tool": "blindspot",
        "version": __version__,
        "findings": [f.to_json() for f in result.report.findings],
        "coverage": result.report.coverage.to_json(),
    }


def render(result: ScanResult, color: bool = False) -> str:
    return _json.dumps(document(result), indent=2, ensure_ascii=False) + "\n"
