"""`blindspot demo`: the whole App offline, in a few seconds.

Starts the GitHub stand-in (bot/sandbox/) holding a sample Rust repository and a PR that adds an
undocumented `unsafe` block, an FFI declaration, a check-then-open race and a double lock;
starts the real server on a temporary SQLite file; delivers a signed `pull_request.opened`;
waits for the job; prints what the App posted; then a maintainer comments
`/blindspot approve all -- reviewed` and it prints the green check and the label gone.
Entry point for bot/cli.py: `run_demo(args)`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bot import logging as blog
from bot.config import Settings
from bot.serve import Running, running

OWNER, REPO, INSTALLATION = "octo", "widgets", 1
SECRET = "blindspot-demo-secret"
MAINTAINER = "maria"
APPROVE = "/blindspot approve all -- reviewed"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "sample-pr"

CARGO = b'[package]\nname = "widgets"\nversion = "0.1.0"\nedition = "2021"\n'
BASE_LIB = b"""//! Widgets: a tiny buffer library.

pub mod buffer;

pub fn checksum(data: &[u8]) -> u32 {
    data.iter().map(|&b| u32::from(b)).sum()
}
"""
BASE_BUFFER = b"""pub struct Buffer {
    data: Vec<u8>,
}

impl Buffer {
    pub fn new(len: usize) -> Self {
        Buffer { data: vec![0; len] }
    }

    pub fn get(&self, i: usize) -> Option<u8> {
        self.data.get(i).copied()
    }
}
"""
HEAD_BUFFER = b"""use std::fs::File;
use std::path::Path;
use std::sync::Mutex;

pub struct Buffer {
    data: Vec<u8>,
}

extern "C" {
    fn memchr(s: *const u8, c: i32, n: usize) -> *const u8;
}

impl Buffer {
    pub fn new(len: usize) -> Self {
        Buffer { data: vec![0; len] }
    }

    pub fn get(&self, i: usize) -> Option<u8> {
        self.data.get(i).copied()
    }

    pub fn get_fast(&self, i: usize) -> u8 {
        unsafe { *self.data.get_unchecked(i) }
    }

    pub fn find(&self, c: u8) -> bool {
        // SAFETY: the pointer and length come from the same live Vec.
        let p = unsafe { memchr(self.data.as_ptr(), i32::from(c), self.data.len()) };
        !p.is_null()
    }
}

pub fn save(path: &Path, data: &[u8]) -> std::io::Result<()> {
    if !path.exists() {
        let mut f = File::create(path)?;
        std::io::Write::write_all(&mut f, data)?;
    }
    Ok(())
}

pub fn bump(counter: &Mutex<u32>) {
    let mut a = counter.lock().unwrap();
    let b = counter.lock().unwrap();
    *a += *b;
}
"""


def sample() -> tuple[dict[str, bytes], dict[str, bytes]]:
    """(base files, head files) of the sample PR: examples/sample-pr/{base,head} when present."""
    base_dir, head_dir = EXAMPLES / "base", EXAMPLES / "head"
    if base_dir.is_dir() and head_dir.is_dir():
        return _read_tree(base_dir), _read_tree(head_dir)
    base = {"Cargo.toml": CARGO, "src/lib.rs": BASE_LIB, "src/buffer.rs": BASE_BUFFER}
    return base, {**base, "src/buffer.rs": HEAD_BUFFER}


def _read_tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def key_pair() -> tuple[str, str]:
    """A fresh RSA key pair (private PEM, public PEM) for the demo App."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def demo_settings(github_url: str, private_key: str, db_path: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "app_id": "1", "private_key": private_key, "webhook_secret": SECRET.encode(),
        "database_url": f"sqlite:///{db_path}", "github_url": github_url, "host": "127.0.0.1", "port": 0,
        "analysis_processes": 0, "poll_seconds": 0.05, "coalesce_seconds": 0.2, "retry_base_seconds": 0.2,
        "lease_seconds": 10.0,
        **overrides}
    return Settings(**values)


async def deliver(url: str, event: str, payload: dict[str, Any], delivery_id: str | None = None,
                  secret: str = SECRET) -> tuple[int, dict[str, Any]]:
    """POST one signed delivery built by the stand-in's helper; (status, JSON answer)."""
    from bot.sandbox.webhooks import build_delivery

    body, headers = build_delivery(event, payload, secret, delivery_id)
    async with aiohttp.ClientSession() as http, http.post(url + "/webhooks", data=body, headers=headers) as resp:
        return resp.status, await resp.json()


async def wait_idle(srv: Running, timeout: float = 10.0) -> None:
    """Until no job is queued or running (raises TimeoutError after `timeout`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = await srv.worker.queue.counts()
        if not counts.get("queued") and not counts.get("running"):
            return
        await asyncio.sleep(0.02)
    raise TimeoutError(f"jobs still pending after {timeout}s")


@dataclass
class Demo:
    standin: Any
    server: Running
    number: int


@contextlib.asynccontextmanager
async def demo_world(db_dir: str) -> AsyncIterator[Demo]:
    from bot.sandbox.server import GitHubStandIn

    private, public = key_pair()
    standin = GitHubStandIn(app_id=1, public_key_pem=public)
    standin.add_installation(INSTALLATION, OWNER)
    standin.add_repo(OWNER, REPO, INSTALLATION)
    standin.add_collaborator(OWNER, REPO, MAINTAINER, "maintain")
    base, head = sample()
    standin.commit(OWNER, REPO, "main", base, message="Initial widgets")
    standin.commit(OWNER, REPO, "feature", head, message="Fast paths, FFI and saving")
    pr = standin.open_pull_request(OWNER, REPO, base="main", head="feature", title="Faster buffer access")
    url = await standin.start()
    try:
        async with running(demo_settings(url, private, f"{db_dir}/demo.db")) as srv:
            yield Demo(standin=standin, server=srv, number=int(pr["number"]))
    finally:
        await standin.stop()


def report(standin: Any, number: int) -> str:
    lines = []
    for run in standin.check_runs(OWNER, REPO):
        out = run.get("output") or {}
        lines += [f"Check run `{run['name']}`: {run['status']} / {run.get('conclusion')} — {out.get('title')}",
                  "", *["    " + s for s in (out.get("summary") or "").splitlines()], ""]
    for review in standin.reviews(OWNER, REPO, number):
        lines += [f"Review ({review['state']}):", *["    " + s for s in (review.get("body") or "").splitlines()], ""]
    for c in standin.review_comments(OWNER, REPO, number):
        first = (c.get("body") or "").splitlines()[0]
        lines.append(f"Inline comment {c['path']}:{c.get('line')}: {first}")
    lines += ["", f"Labels on PR #{number}: {', '.join(standin.issue_labels(OWNER, REPO, number)) or '(none)'}"]
    return "\n".join(lines)


async def _demo() -> int:
    from bot.sandbox.webhooks import pull_request_payload

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="blindspot-demo-") as tmp:
        async with demo_world(tmp) as world:
            payload = pull_request_payload(world.standin, OWNER, REPO, world.number, action="opened",
                                           installation_id=INSTALLATION)
            status, _ = await deliver(world.server.url, "pull_request", payload)
            print(f"Delivered signed pull_request.opened for {OWNER}/{REPO}#{world.number}: HTTP {status}\n")
            await wait_idle(world.server)
            print(report(world.standin, world.number))
            await _approve(world)
            calls, violations = len(world.standin.calls), list(world.standin.violations)
    print(f"\n{calls} GitHub calls, {len(violations)} GitHub API contract violations, "
          f"{time.monotonic() - started:.1f} s.")
    for v in violations:
        print(f"  violation: {v}")
    return 1 if violations else 0


async def _approve(world: Demo) -> None:
    """A maintainer approves every finding: the check turns green and the label goes."""
    from bot.sandbox.webhooks import issue_comment_payload

    comment = world.standin.add_comment(OWNER, REPO, world.number, MAINTAINER, APPROVE)
    payload = issue_comment_payload(world.standin, OWNER, REPO, world.number, comment, installation_id=INSTALLATION)
    status, _ = await deliver(world.server.url, "issue_comment", payload)
    print(f"\n@{MAINTAINER} (maintain permission) commented `{APPROVE}`: HTTP {status}\n")
    await wait_idle(world.server)
    run = world.standin.check_runs(OWNER, REPO)[-1]
    out = run.get("output") or {}
    audit = [line for line in (out.get("summary") or "").splitlines() if line.startswith(f"- @{MAINTAINER} approved")]
    labels = world.standin.issue_labels(OWNER, REPO, world.number)
    print(f"Check run `{run['name']}`: {run['status']} / {run.get('conclusion')} — {out.get('title')}",
          *["    " + line for line in audit], f"Labels on PR #{world.number}: {', '.join(labels) or '(none)'}",
          sep="\n")


def run_demo(args: argparse.Namespace | None = None) -> int:
    blog.configure("warning", "console")
    return asyncio.run(_demo())


if __name__ == "__main__":
    import sys

    sys.exit(run_demo())
