"""Running the real App server against the stand-in: settings, sample PRs, signed deliveries."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from bot.demo import SECRET, deliver, demo_settings, wait_idle
from bot.sandbox.webhooks import pull_request_payload
from bot.serve import Running, running

OWNER, REPO = "octo", "widgets"
CARGO = b'[package]\nname = "widgets"\nversion = "0.1.0"\nedition = "2021"\n'
BASE_RS = b"pub fn get(v: &[u8], i: usize) -> Option<u8> {\n    v.get(i).copied()\n}\n"
UNSAFE_RS = BASE_RS + b"\npub fn get_fast(v: &[u8], i: usize) -> u8 {\n    unsafe { *v.get_unchecked(i) }\n}\n"

__all__ = ["SECRET", "deliver", "wait_idle"]


def settings(standin: Any, tmp_path: Any, **overrides: Any) -> Any:
    fast = {"lease_seconds": 2.0, "retry_base_seconds": 0.1, "coalesce_seconds": 0.3, "poll_seconds": 0.05,
            "max_rate_wait_seconds": 5.0, "http_timeout_seconds": 5.0, **overrides}
    return demo_settings(standin.url, standin.private_key_pem, f"{tmp_path}/app.db", **fast)


@contextlib.asynccontextmanager
async def app(standin: Any, tmp_path: Any, **overrides: Any) -> AsyncIterator[Running]:
    async with running(settings(standin, tmp_path, **overrides)) as srv:
        yield srv


def open_pr(standin: Any, base: dict[str, bytes], head: dict[str, bytes], draft: bool = False) -> int:
    standin.commit(OWNER, REPO, "main", base, message="base")
    standin.commit(OWNER, REPO, "feature", head, message="head")
    return int(standin.open_pull_request(OWNER, REPO, base="main", head="feature", draft=draft)["number"])


async def send_pr_event(srv: Running, standin: Any, number: int, action: str = "opened",
                        delivery_id: str | None = None, **extra: Any) -> tuple[int, dict[str, Any]]:
    shaped = action if action in ("opened", "synchronize", "reopened", "ready_for_review") else "synchronize"
    payload = {**pull_request_payload(standin, OWNER, REPO, number, action=shaped, installation_id=1), **extra}
    payload["action"] = action  # closed/edited: same shape, GitHub's example set has no template for them
    if action == "closed":
        payload["pull_request"] = {**payload["pull_request"], "state": "closed"}
    return await deliver(srv.url, "pull_request", payload, delivery_id)


def ops(standin: Any, operation_id: str, ok_only: bool = False) -> list[Any]:
    return [c for c in standin.calls if c.operation_id == operation_id and (not ok_only or c.status < 300)]


def markers_of(comments: list[dict[str, Any]]) -> set[str]:
    from bot.markers import find_markers

    return {m.fingerprint for c in comments for m in find_markers(c.get("body")) if m.fingerprint}
