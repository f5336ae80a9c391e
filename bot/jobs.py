"""The durable job queue: one row per job, keyed by PR (`owner/repo#number`).

Guarantees the worker relies on (DESIGN.md "Data flow" step 2): jobs of one PR never run at
the same time; a queued job of a PR absorbs later events for it (a burst of pushes is analysed
once, at the newest head); a job whose lease ran out (its process died) is taken again.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from bot.store import Store, jobs

QUEUED, RUNNING, DONE, FAILED, DROPPED = "queued", "running", "done", "failed", "dropped"


@dataclass(frozen=True)
class Job:
    id: int
    pr_key: str
    kind: str
    payload: dict[str, Any]
    attempts: int
    delivery_id: str
    coalesced: int = 0
    """Later events folded into this job while it was queued."""


def pr_key(owner: str, repo: str, number: int) -> str:
    return f"{owner}/{repo}#{number}"


def enqueue(conn: Connection, key: str, kind: str, payload: dict[str, Any], *,
                  delivery_id: str = "", delay: float = 0.0, coalesce: bool = True) -> tuple[int, bool]:
    """Queue a job, or give the PR's queued job this (newer) payload; returns (job id, coalesced).

    One UPDATE in the common case keeps the webhook answer fast (bench/WEBHOOK.md).
    `coalesce=False` (slash commands: each one runs) always inserts.
    """
    now = time.time()
    folded = None if not coalesce else (conn.execute(jobs.update().where(
        (jobs.c.pr_key == key) & (jobs.c.status == QUEUED) & (jobs.c.kind == kind)).values(
        payload=json.dumps(payload), delivery_id=delivery_id, coalesced=jobs.c.coalesced + 1, updated_at=now,
    ).returning(jobs.c.id))).first()
    if folded is not None:
        return int(folded.id), True
    result = conn.execute(jobs.insert().values(
        pr_key=key, kind=kind, payload=json.dumps(payload), status=QUEUED, attempts=0, not_before=now + delay,
        delivery_id=delivery_id, created_at=now, updated_at=now))
    key_row = result.inserted_primary_key
    assert key_row is not None
    return int(key_row[0]), False


def drop_queued(conn: Connection, key: str) -> int:
    """Drop a PR's pending work (it was closed); a running job finishes on its own."""
    done = conn.execute(jobs.update().where((jobs.c.pr_key == key) & (jobs.c.status == QUEUED)).values(
        status=DROPPED, updated_at=time.time()))
    return int(done.rowcount)


class Queue:
    """Claims, renews and finishes jobs for one worker process."""

    def __init__(self, store: Store, lease_seconds: float) -> None:
        self.store = store
        self.lease = lease_seconds
        self.owner = uuid.uuid4().hex[:12]

    @staticmethod
    def _claimable(now: float) -> Any:
        """Queued and due, or running under a lease that ran out (its process died)."""
        return ((jobs.c.status == QUEUED) & (jobs.c.not_before <= now)) | (
            (jobs.c.status == RUNNING) & (jobs.c.lease_until < now))

    async def claim(self) -> Job | None:
        """Take the oldest runnable job whose PR has no live running job; None when there is none."""
        now = time.time()
        running = jobs.alias("running")
        busy = sa.select(running.c.id).where(
            (running.c.pr_key == jobs.c.pr_key) & (running.c.status == RUNNING) & (running.c.lease_until >= now)
            & (running.c.id != jobs.c.id))
        ready = self._claimable(now)
        async with self.store.write() as conn:
            query = sa.select(jobs).where(ready & ~sa.exists(busy)).order_by(jobs.c.id).limit(1)
            row = (conn.execute(query)).first()
            if row is None:
                return None
            conn.execute(jobs.update().where(jobs.c.id == row.id).values(
                status=RUNNING, lease_until=now + self.lease, owner=self.owner, attempts=row.attempts + 1,
                updated_at=now))
        return Job(id=row.id, pr_key=row.pr_key, kind=row.kind, payload=json.loads(row.payload),
                   attempts=row.attempts + 1, delivery_id=row.delivery_id, coalesced=row.coalesced)

    async def next_due(self) -> float | None:
        """When the earliest queued job becomes due (read-only; the claim decides)."""
        async with self.store.engine.connect() as conn:
            query = sa.select(sa.func.min(jobs.c.not_before)).where(jobs.c.status == QUEUED)
            due = (await conn.execute(query)).scalar()
        return None if due is None else float(due)

    async def renew(self, job: Job) -> None:
        async with self.store.write() as conn:
            conn.execute(jobs.update().where((jobs.c.id == job.id) & (jobs.c.owner == self.owner)).values(
                lease_until=time.time() + self.lease))

    async def finish(self, job: Job, status: str = DONE, error: str = "") -> None:
        async with self.store.write() as conn:
            conn.execute(jobs.update().where(jobs.c.id == job.id).values(
                status=status, last_error=error[:2000], lease_until=0, updated_at=time.time()))

    async def retry_later(self, job: Job, delay: float, error: str) -> bool:
        """Put a failed job back with a delay; False when a newer queued job of the PR supersedes it."""
        async with self.store.write() as conn:
            newer = (conn.execute(sa.select(jobs.c.id).where(
                (jobs.c.pr_key == job.pr_key) & (jobs.c.status == QUEUED) & (jobs.c.id != job.id)
                & (jobs.c.kind == job.kind)))).first()  # a queued command never supersedes an analysis
            status = DROPPED if newer is not None else QUEUED
            conn.execute(jobs.update().where(jobs.c.id == job.id).values(
                status=status, not_before=time.time() + delay, lease_until=0, last_error=error[:2000],
                updated_at=time.time()))
        return newer is None

    async def counts(self) -> dict[str, int]:
        async with self.store.engine.connect() as conn:
            rows = (await conn.execute(sa.select(jobs.c.status, sa.func.count()).group_by(jobs.c.status))).all()
        return {str(row[0]): int(row[1]) for row in rows}
