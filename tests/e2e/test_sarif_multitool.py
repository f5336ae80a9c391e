"""`--format sarif` checked by Microsoft's SARIF Multitool with the SARIF and GitHub rule sets.

The multitool is installed from npm into a cache directory once (it then works offline); the
test skips only when npm itself is absent.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.sample_pr import build_sample_repo
from tests.e2e.conftest import blindspot

MULTITOOL_VERSION = "5.7.0"
PLATFORM = {"linux": "linux", "darwin": "darwin", "win32": "win32"}.get(sys.platform, "linux")


def cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "blindspot" / f"sarif-multitool-{MULTITOOL_VERSION}"


def multitool() -> Path:
    """The native multitool binary, installed into the cache on first use."""
    cache = cache_dir()
    binary = cache / "node_modules" / "@microsoft" / f"sarif-multitool-{PLATFORM}" / "Sarif.Multitool"
    if not binary.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed: cannot install @microsoft/sarif-multitool")
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(cache),
                        f"@microsoft/sarif-multitool@{MULTITOOL_VERSION}"], check=True, capture_output=True,
                       timeout=600)
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)  # npm may skip the package's chmod script
    return binary


def validate(tool: Path, sarif: Path, tmp: Path) -> list[dict[str, object]]:
    """The multitool's findings on `sarif` (its own output is SARIF too)."""
    report = tmp / "validation.sarif"
    subprocess.run([str(tool), "validate", "--rule-kind", "Gh;Sarif", "--log", "ForceOverwrite",
                    "-o", str(report), str(sarif)], check=True, capture_output=True, timeout=300)
    runs = json.loads(report.read_text(encoding="utf-8-sig"))["runs"]
    return [r for run in runs for r in run.get("results", [])]


def test_sarif_output_passes_the_multitool_with_no_errors_or_warnings(tmp_path: Path) -> None:
    tool = multitool()
    repo = build_sample_repo(tmp_path / "sample")
    run = blindspot("scan", "--format", "sarif", "--base", "main", cwd=repo)
    assert run.code == 1, run.err
    assert json.loads(run.out)["runs"][0]["results"], "the sample PR must produce results to validate"
    sarif = tmp_path / "blindspot.sarif"
    sarif.write_text(run.out, encoding="utf-8")
    problems = validate(tool, sarif, tmp_path)
    messages = [f"{p.get('ruleId')} {p.get('level', 'warning')}: {p.get('message')}" for p in problems]
    assert not [p for p in problems if p.get("level", "warning") in ("error", "warning")], messages
