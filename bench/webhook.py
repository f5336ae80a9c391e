"""Webhook benchmarks: (a) ack latency under a fixed delivery rate, (b) webhook -> review on a 20-file PR.

(a) starts `python -m bot.serve` as its own process (SQLite in a temp dir, worker on) against the
GitHub stand-in in this process, then POSTs signed `pull_request.synchronize` deliveries for 10 PRs
at a fixed rate and reports p50/p99 of the time to the 202.
(b) runs the server in-process against the stand-in with `latency` added to every GitHub call and
reports the time from the POST to the review being stored by the stand-in, and the number of calls.

    .venv/bin/python bench/webhook.py [--rate 200] [--seconds 30] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import logging as blog  # noqa: E402
from bot.demo import SECRET, deliver, demo_settings, key_pair, wait_idle  # noqa: E402
from bot.sandbox.server import GitHubStandIn  # noqa: E402
from bot.sandbox.webhooks import build_delivery, pull_request_payload  # noqa: E402
from bot.serve import running  # noqa: E402

OWNER, REPO = "octo", "widgets"
CARGO = b'[package]\nname = "widgets"\nversion = "0.1.0"\nedition = "2021"\n'


def _rs(i: int, risky: bool) -> bytes:
    body = "".join(f"    let x{j} = v.len() + {j};\n" for j in range(30))
    extra = f"\npub fn fast_{i}(v: &[u8]) -> u8 {{\n    unsafe {{ *v.get_unchecked({i}) }}\n}}\n" if risky else ""
    return f"pub fn f_{i}(v: &[u8]) -> usize {{\n{body}    x0\n}}\n{extra}".encode()


async def _standin(prs: int, files: int) -> tuple[GitHubStandIn, str]:
    private, public = key_pair()
    standin = GitHubStandIn(app_id=1, public_key_pem=public)
    standin.add_installation(1, OWNER)
    standin.add_repo(OWNER, REPO, 1)
    base = {"Cargo.toml": CARGO, **{f"src/m{i}.rs": _rs(i, False) for i in range(files)}}
    head = {"Cargo.toml": CARGO, **{f"src/m{i}.rs": _rs(i, True) for i in range(files)}}
    standin.commit(OWNER, REPO, "main", base)
    for n in range(prs):
        standin.commit(OWNER, REPO, f"feature{n}", head)
        standin.open_pull_request(OWNER, REPO, base="main", head=f"feature{n}")
    await standin.start()
    return standin, private


def _child(args: list[str], tmp: str, name: str,
           env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """Start a child process and wait for the `"port": N` its log announces."""
    log = Path(tmp) / f"{name}.log"
    proc = subprocess.Popen([sys.executable, *args], env={**os.environ, **(env or {}), "PYTHONPATH": str(ROOT)},
                            stderr=log.open("wb"), stdout=subprocess.DEVNULL, cwd=ROOT)
    for _ in range(600):
        for line in log.read_text().splitlines():
            if '"port": ' in line:
                return proc, "http://127.0.0.1:" + line.split('"port": ')[1].split(",")[0].split("}")[0]
        time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"{name} did not start:\n" + log.read_text())


async def _standin_child(tmp: str) -> None:
    """Child process: the stand-in with 10 PRs; writes the key and payloads, serves until killed."""
    standin, private = await _standin(prs=10, files=2)
    payloads = [pull_request_payload(standin, OWNER, REPO, n + 1, action="synchronize", installation_id=1)
                for n in range(10)]
    Path(tmp, "standin.json").write_text(json.dumps({"private": private, "payloads": payloads}))
    print(json.dumps({"port": int(standin.url.rsplit(":", 1)[1])}), file=sys.stderr, flush=True)
    await asyncio.Event().wait()


async def ack_latency(rate: float, seconds: float) -> dict[str, Any]:
    """Load generator, stand-in and server each in their own process (2 cores: they still share them)."""
    with tempfile.TemporaryDirectory() as tmp:
        gh, gh_url = _child([__file__, "--standin-child", tmp], tmp, "standin")
        data = json.loads(Path(tmp, "standin.json").read_text())
        env = {"BLINDSPOT_APP_ID": "1", "BLINDSPOT_PRIVATE_KEY": data["private"], "BLINDSPOT_WEBHOOK_SECRET": SECRET,
               "BLINDSPOT_DATABASE_URL": f"sqlite:///{tmp}/bench.db", "BLINDSPOT_GITHUB_URL": gh_url, "PORT": "0",
               "BLINDSPOT_HOST": "127.0.0.1", "BLINDSPOT_LOG_LEVEL": "info"}
        server, url = _child(["-m", "bot.serve"], tmp, "serve", env)
        try:
            latencies, statuses = await _fire(url, data["payloads"], rate, seconds)
            served = Path(tmp, "serve.log").read_text()
            jobs = served.count('"check run completed"')
            inside = sorted(float(line.split('"ms": ')[1].split(",")[0].split("}")[0])
                            for line in served.splitlines() if '"webhook answered"' in line)
        finally:
            for proc in (server, gh):
                proc.terminate()
                proc.wait(10)
    ms = sorted(x * 1000 for x in latencies)
    return {"deliveries": len(ms), "p50_ms": statistics.median(ms), "p99_ms": ms[int(len(ms) * 0.99) - 1],
            "max_ms": ms[-1], "non_202": len(statistics_ok(statuses)), "analyses": jobs,
            "handler_p50_ms": statistics.median(inside), "handler_p99_ms": inside[int(len(inside) * 0.99) - 1]}


def statistics_ok(statuses: list[int]) -> list[int]:
    return [s for s in statuses if s != 202]


async def _fire(url: str, payloads: list[dict[str, Any]], rate: float, seconds: float) -> tuple[list[float], list[int]]:
    latencies: list[float] = []
    statuses: list[int] = []
    sent: list[tuple[float, float]] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as http:
        async def one(i: int) -> None:
            body, headers = build_delivery("pull_request", payloads[i % len(payloads)], SECRET)
            t = time.perf_counter()
            async with http.post(url + "/webhooks", data=body, headers=headers) as resp:
                await resp.read()
                statuses.append(resp.status)
            latencies.append(time.perf_counter() - t)
            sent.append((t - start, latencies[-1]))

        start = time.perf_counter()
        tasks = []
        for i in range(int(rate * seconds)):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
    if os.environ.get("BENCH_SPIKES"):
        for at, lat in sorted(sent, key=lambda x: -x[1])[:15]:
            print(f"  spike: sent at {at:6.2f} s, {lat * 1000:6.1f} ms")
    return latencies, statuses


async def review_time(latency: float, files: int = 20) -> list[dict[str, Any]]:
    """Two PRs in a row: the first pays for the installation token and the label creation (cold)."""
    standin, private = await _standin(prs=2, files=files)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        async with running(demo_settings(standin.url, private, f"{tmp}/b.db", analysis_processes=1)) as srv:
            standin.latency = latency
            for number, name in ((1, "cold"), (2, "warm")):
                out.append({"run": name, **await _one_review(srv, standin, number)})
    await standin.stop()
    return out


async def _one_review(srv: Any, standin: GitHubStandIn, number: int) -> dict[str, Any]:
    before = len(standin.calls)
    payload = pull_request_payload(standin, OWNER, REPO, number, action="opened", installation_id=1)
    t = time.perf_counter()
    await deliver(srv.url, "pull_request", payload)
    while not standin.reviews(OWNER, REPO, number):
        await asyncio.sleep(0.002)
    to_review = time.perf_counter() - t
    await wait_idle(srv)
    return {"to_review_s": to_review, "to_done_s": time.perf_counter() - t, "github_calls": len(standin.calls) - before}


def main() -> None:
    blog.configure("warning", "console")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate", type=float, default=200)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--only", choices=("ack", "review"))
    ap.add_argument("--standin-child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.standin_child:
        asyncio.run(_standin_child(args.standin_child))
        return
    if args.only != "ack":
        for r in asyncio.run(review_time(args.latency)):
            print(f"(b) 20-file PR ({r['run']}), +{args.latency * 1000:.0f} ms per GitHub call: webhook -> review "
                  f"{r['to_review_s'] * 1000:.0f} ms (check run completed {r['to_done_s'] * 1000:.0f} ms); "
                  f"{r['github_calls']} GitHub calls (target files + 8 = 28)")
    if args.only != "review":
        a = asyncio.run(ack_latency(args.rate, args.seconds))
        print(f"(a) {a['deliveries']} deliveries at {args.rate:.0f}/s: ack p50 {a['p50_ms']:.1f} ms, "
              f"p99 {a['p99_ms']:.1f} ms, max {a['max_ms']:.1f} ms, non-202 answers {a['non_202']}; "
              f"{a['analyses']} analyses ran meanwhile (bursts coalesced); inside the handler: "
              f"p50 {a['handler_p50_ms']:.1f} ms, p99 {a['handler_p99_ms']:.1f} ms")


if __name__ == "__main__":
    main()
