"""Real temporary git repositories and the `blindspot` command run as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

GIT_ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
GIT_ENV.pop("NO_COLOR", None)


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads(self.out)
        return doc


def blindspot(*args: str, cwd: Path) -> Run:
    proc = subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=cwd, capture_output=True,
                          text=True, env=GIT_ENV, timeout=120, check=False)
    return Run(proc.returncode, proc.stdout, proc.stderr)


class GitRepo:
    """A scratch repository on branch `main` with helpers to write files and commit."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str) -> str:
        proc = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com",
                               "-c", "commit.gpgsign=false", *args], cwd=self.root, check=True,
                              capture_output=True, env=GIT_ENV)
        return proc.stdout.decode()

    def write(self, path: str, content: str | bytes) -> None:
        full = self.root / path
        full.parent.mkdir(parents=True, exist_ok=True)
        full.write_bytes(content.encode() if isinstance(content, str) else content)

    def remove(self, path: str) -> None:
        (self.root / path).unlink()

    def commit(self, message: str = "change") -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def scan(self, *args: str) -> Run:
        return blindspot("scan", *args, cwd=self.root)


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """A crate (edition 2021) whose base commit on `main` has one undocumented unsafe block."""
    r = GitRepo(tmp_path / "crate")
    r.write("Cargo.toml", '[package]\nname = "c"\nversion = "0.1.0"\nedition = "2021"\n')
    r.write("src/lib.rs", OLD_LIB)
    r.commit("base")
    r.git("checkout", "-q", "-b", "feature")
    return r


OLD_LIB = """\
pub mod util;

pub fn old(p: *const u8) -> u8 {
    unsafe { *p }
}
"""
