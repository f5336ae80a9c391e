"""`--format sarif`: a SARIF 2.1.0 log for GitHub code scanning and other SARIF viewers.

Rule metadata comes from the Rule records (the single source of rule docs), locations are
relative to `%SRCROOT%`, and our fingerprint goes in `partialFingerprints` so code scanning
keeps an alert's identity across line shifts the same way the App does.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from bot import DOCS_URL, __version__
from bot.formats.source import end_byte_column, line_bytes, utf16_column
from bot.scan import ScanResult
from checks import Finding, Rule, all_rules
from checks.docs import render_rule

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "blindspot/v1"
PRECISION = {"high": "high", "medium": "medium", "low": "low"}


def rule_descriptor(rule: Rule) -> dict[str, object]:
    help_text = f"{rule.what}\n\nWhy it matters: {rule.why}\n\nUse instead:\n{rule.fix}"
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.name.split("-")),
        "shortDescription": {"text": rule.summary[0].upper() + rule.summary[1:] + "."},
        "fullDescription": {"text": rule.what},
        "help": {"text": help_text, "markdown": render_rule(rule)},
        "helpUri": DOCS_URL + rule.doc_path,
        "defaultConfiguration": {"level": rule.severity.value},
        "properties": {"tags": [rule.family], "precision": PRECISION[rule.confidence.value]},
    }


def region(result: ScanResult, f: Finding) -> dict[str, int]:
    reg = {"startLine": f.line, "endLine": f.end_line}
    line = line_bytes(result, f.path, f.line)
    if line is not None:
        reg["startColumn"] = utf16_column(line, f.column)
        if f.end_line == f.line:
            reg["endColumn"] = max(utf16_column(line, end_byte_column(f, line)), reg["startColumn"] + 1)
        else:
            end_line = line_bytes(result, f.path, f.end_line)
            if end_line is not None:
                reg["endColumn"] = utf16_column(end_line, f.end_column)
    return reg


def result_object(result: ScanResult, f: Finding, rule_index: dict[str, int]) -> dict[str, object]:
    return {
        "ruleId": f.rule,
        "ruleIndex": rule_index[f.rule],
        "level": f.severity.value,
        "message": {"text": f.message},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": quote(f.path.encode("utf-8", "surrogateescape")), "uriBaseId": "%SRCROOT%"},
                "region": region(result, f),
            },
        }],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": {"shortId": f.short_id, "confidence": f.confidence.value},
    }


def document(result: ScanResult) -> dict[str, object]:
    rules = list(all_rules().values())
    index = {r.id: i for i, r in enumerate(rules)}
    driver = {
        "name": "blindspot",
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": DOCS_URL,
        "rules": [rule_descriptor(r) for r in rules],
    }
    run = {
        "tool": {"driver": driver},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": result.root.as_uri() + "/"}},
        "results": [result_object(result, f, index) for f in result.report.findings],
        "columnKind": "utf16CodeUnits",
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(result: ScanResult, color: bool = False) -> str:
    return json.dumps(document(result), indent=2, ensure_ascii=False) + "\n"
