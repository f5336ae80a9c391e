"""`blindspot demo` run as a user runs it: a subprocess that prints what the App posted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import checks
from bot.demo import sample

ROOT = Path(__file__).resolve().parents[2]


def test_demo_prints_the_check_the_review_comments_the_label_and_a_maintainers_approval():
    proc = subprocess.run([sys.executable, "-m", "bot.demo"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "HTTP 202" in out and "Check run `blindspot`: completed / action_required" in out
    base, head = sample()
    for f in checks.analyze(base, head, [p for p in head if head[p] != base.get(p)]).findings:
        assert f"Inline comment {f.path}:{f.line}: " in out and f.rule in out and f.short_id in out
    assert "Labels on PR #1: blindspot: needs review" in out
    assert "0 GitHub API contract violations" in out
    approved = out.split("commented `/blindspot approve all -- reviewed`: HTTP 202", 1)[1]
    assert "Check run `blindspot`: completed / success — All " in approved
    assert "    - @maria approved `BS-" in approved and ": reviewed" in approved
    assert "Labels on PR #1: (none)" in approved
