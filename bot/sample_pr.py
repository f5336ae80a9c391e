"""The sample pull request in `examples/sample-pr/`, committed to a throw-away git repository.

`blindspot demo` scans it; tests and the App demo can build the same repository with
`build_sample_repo`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SAMPLE_PR = Path(__file__).resolve().parent.parent / "examples" / "sample-pr"
BRANCH = "sample-pr"
_IDENTITY = ("-c", "user.name=Blindspot demo", "-c", "user.email=demo@blindspot.invalid",
             "-c", "commit.gpgsign=false")


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", *_IDENTITY, *args], cwd=repo, check=True, capture_output=True, env=env)


def _replace_tree(repo: Path, source: Path) -> None:
    for child in repo.iterdir():
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    shutil.copytree(source, repo, dirs_exist_ok=True)


def build_sample_repo(dest: Path, sample: Path = SAMPLE_PR) -> Path:
    """`dest` becomes a repository: `base/` committed on `main`, `head/` on branch `sample-pr`
    (checked out)."""
    dest.mkdir(parents=True, exist_ok=True)
    _git(dest, "init", "-q", "-b", "main")
    _replace_tree(dest, sample / "base")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-q", "-m", "tinykv: cache and snapshot loading")
    _git(dest, "checkout", "-q", "-b", BRANCH)
    _replace_tree(dest, sample / "head")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-q", "-m", "Add get_or_insert, first snapshots, checksums and key_str")
    return dest


def run_sample_pr(fmt: str = "text") -> int:
    """Scan the sample PR and print what a developer would see; 0 when the demo ran."""
    from bot.cli import use_color
    from bot.formats import FORMATS
    from bot.scan import ScanRequest, run_scan

    if not (SAMPLE_PR / "head").is_dir():
        print(f"blindspot: error: the sample PR is missing: {SAMPLE_PR}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="blindspot-demo-") as tmp:
        repo = build_sample_repo(Path(tmp) / "tinykv")
        if fmt == "text":
            print(f"Reviewing the sample PR (examples/sample-pr: main..{BRANCH}) as `blindspot scan` would.\n")
        result = run_scan(ScanRequest(repo=repo, base="main", head=BRANCH))
        sys.stdout.write(FORMATS[fmt](result, use_color(sys.stdout)))
    return 0
