"""What a webhook handler may do inside the request: enqueue PR work, drop it, record installations.

Handed to the feature routers by bot/server.py in place of a GitHub client, so intake code
cannot call GitHub by accident (STYLE.md §5). Everything happens in the delivery's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from bot import jobs
from bot.context import PullRef
from bot.store import Store

ANALYZE = "analyze"


@dataclass
class Intake:
    conn: Connection
    store: Store
    delivery_id: str
    coalesce_seconds: float
    log: Any
    enqueued: list[int] = field(default_factory=list)
    new_jobs: int = 0
    """Jobs inserted (not folded into a queued one): the worker must look at the queue again."""

    async def analyze(self, pr: PullRef, *, rerun: bool = False, wait_for_burst: bool = False) -> None:
        """Queue an analysis of `pr` (folded into the PR's queued job if there is one)."""
        delay = self.coalesce_seconds if wait_for_burst else 0.0
        job_id, coalesced = jobs.enqueue(self.conn, pr.key, ANALYZE, {"pr": pr.to_json(), "rerun": rerun},
                                               delivery_id=self.delivery_id, delay=delay)
        self.enqueued.append(job_id)
        self.new_jobs += 0 if coalesced else 1
        self.log.info("job enqueued", job_id=job_id, coalesced=coalesced, head_sha=pr.head_sha)

    async def command(self, pr: PullRef, kind: str, payload: dict[str, Any]) -> None:
        """Queue slash commands or a label guard (issue 7, bot/commands.py): never folded, each runs once."""
        job_id, _ = jobs.enqueue(self.conn, pr.key, kind, {"pr": pr.to_json(), **payload},
                                 delivery_id=self.delivery_id, coalesce=False)
        self.enqueued.append(job_id)
        self.new_jobs += 1
        self.log.info("job enqueued", job_id=job_id, kind=kind)

    async def drop(self, key: str) -> None:
        dropped = jobs.drop_queued(self.conn, key)
        self.log.info("pending work dropped", pr_key=key, jobs=dropped)

    async def record_installation(self, installation_id: int, account: str, repos: list[str] | None,
                                  active: bool) -> None:
        self.store.record_installation(self.conn, installation_id, account, repos, active)
        self.log.info("installation recorded", installation_id=installation_id, active=active)


def pull_ref(repository: dict[str, Any], pr: dict[str, Any], installation_id: int) -> PullRef:
    """A PullRef from a webhook's repository and pull_request objects."""
    return PullRef(owner=repository["owner"]["login"], repo=repository["name"], number=int(pr["number"]),
                   installation_id=installation_id, head_sha=pr["head"]["sha"], base_sha=pr["base"]["sha"],
                   base_ref=pr["base"]["ref"], draft=bool(pr.get("draft", False)))
