"""`blindspot serve` end to end: signed webhook -> server -> job -> exactly the expected posts."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

import checks
from bot.demo import sample
from bot.markers import find_markers
from tests.bot.harness import OWNER, REPO, SECRET, app, markers_of, open_pr, ops, send_pr_event, wait_idle

ROOT = Path(__file__).resolve().parents[2]


async def test_opened_pr_gets_one_check_run_one_review_and_the_label(standin, tmp_path):
    base, head = sample()
    number = open_pr(standin, base, head)
    expected = checks.analyze(base, head, [p for p in head if head[p] != base.get(p)]).findings
    assert any(f.rule == "unsafe/undocumented-block" for f in expected)
    async with app(standin, tmp_path) as srv:
        status, _ = await send_pr_event(srv, standin, number)
        await wait_idle(srv)
    assert status == 202
    [run] = standin.check_runs(OWNER, REPO)
    head_sha = standin.world.pull(OWNER, REPO, number).head_sha if hasattr(standin, "world") else run["head_sha"]
    assert (run["name"], run["status"], run["conclusion"], run["head_sha"]) == (
        "blindspot", "completed", "action_required", head_sha)
    for f in expected:
        assert f.short_id in run["output"]["summary"]
    [review] = standin.reviews(OWNER, REPO, number)
    assert review["state"] == "COMMENTED" and review["commit_id"] == head_sha
    comments = standin.review_comments(OWNER, REPO, number)
    got = {(c["path"], c["line"], m.fingerprint) for c in comments for m in find_markers(c["body"])}
    assert got == {(f.path, f.line, f.fingerprint) for f in expected}
    for c in comments:
        f = next(f for f in expected if f.fingerprint in c["body"])
        assert f.rule in c["body"] and f.message in c["body"]
        assert f"<!-- blindspot:review fp={f.fingerprint} -->" in c["body"]
    assert standin.issue_labels(OWNER, REPO, number) == ["blindspot: needs review"]
    label = standin.repo_labels(OWNER, REPO)["blindspot: needs review"]
    assert label["color"] == "d93f0b" and label["description"]
    assert len(ops(standin, "checks/create")) == 1 and len(ops(standin, "pulls/create-review")) == 1


def _env(standin, db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLINDSPOT_")}
    env.update({"BLINDSPOT_APP_ID": "1", "BLINDSPOT_PRIVATE_KEY": standin.private_key_pem,
                "BLINDSPOT_WEBHOOK_SECRET": SECRET, "BLINDSPOT_DATABASE_URL": f"sqlite:///{db}",
                "BLINDSPOT_GITHUB_URL": standin.url, "PORT": "0", "BLINDSPOT_HOST": "127.0.0.1",
                "BLINDSPOT_LEASE_SECONDS": "1", "BLINDSPOT_POLL_SECONDS": "0.05", "BLINDSPOT_LOG_FORMAT": "json",
                "BLINDSPOT_RETRY_BASE_SECONDS": "0.1", "PYTHONPATH": str(ROOT)})
    return env


def _start(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`python -m bot.serve` as a user would run it; returns (process, base URL from its log)."""
    proc = subprocess.Popen([sys.executable, "-m", "bot.serve"], env=env, stderr=log.open("wb"), cwd=ROOT)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for line in log.read_text().splitlines():
            if '"serving"' in line:
                port = line.split('"port": ')[1].split(",")[0]
                return proc, f"http://127.0.0.1:{port}"
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("server did not start:\n" + log.read_text())


def _review_pending(db: Path) -> bool:
    try:
        with sqlite3.connect(db) as conn:
            row = conn.execute("SELECT review_pending_sha FROM pull_requests").fetchone()
    except sqlite3.Error:
        return False
    return bool(row and row[0])


async def _wait_for(predicate, timeout: float = 15.0) -> None:
    import asyncio

    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_server_killed_while_posting_the_review_posts_exactly_one_after_restart(standin, tmp_path):
    """SIGKILL the real `serve` process mid-job; the restarted one takes the job after the lease."""
    from bot.demo import deliver
    from bot.sandbox.webhooks import pull_request_payload

    base, head = sample()
    number = open_pr(standin, base, head)
    db, env = tmp_path / "app.db", _env(standin, tmp_path / "app.db")
    standin.delay_next("pulls/create-review", 1.5)
    proc, url = _start(env, tmp_path / "first.log")
    try:
        payload = pull_request_payload(standin, OWNER, REPO, number, action="opened", installation_id=1)
        status, _ = await deliver(url, "pull_request", payload)
        assert status == 202
        await _wait_for(lambda: _review_pending(db))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        proc.kill()
    await _wait_for(lambda: not any(c.operation_id is None for c in standin.calls), 1)
    proc2, url2 = _start(env, tmp_path / "second.log")
    try:
        await _wait_for(lambda: bool(standin.check_runs(OWNER, REPO))
                        and standin.check_runs(OWNER, REPO)[0]["status"] == "completed")
        async with aiohttp.ClientSession() as http, http.get(url2 + "/readyz") as r:
            assert r.status == 200
    finally:
        proc2.send_signal(signal.SIGTERM)
        proc2.wait(10)
    assert len(standin.reviews(OWNER, REPO, number)) == 1, standin.reviews(OWNER, REPO, number)
    expected = checks.analyze(base, head, [p for p in head if head[p] != base.get(p)]).findings
    assert markers_of(standin.review_comments(OWNER, REPO, number)) == {f.fingerprint for f in expected}
    assert len(standin.check_runs(OWNER, REPO)) == 1
    logs = (tmp_path / "first.log").read_text() + (tmp_path / "second.log").read_text()
    tokens = [c.response_json["token"] for c in standin.calls
              if c.operation_id == "apps/create-installation-access-token" and c.status == 201]
    assert tokens and '"delivery_id"' in logs and '"pr": 1' in logs
    for secret in [*tokens, SECRET, "PRIVATE KEY", standin.private_key_pem.splitlines()[1]]:
        assert secret not in logs
