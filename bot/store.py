"""Embedded state: deliveries seen, the job table, and per-PR publishing state, in SQLite (WAL).

SQLAlchemy Core (async, over aiosqlite) keeps the SQL portable: the same table definitions and
statements run on PostgreSQL when one node is no longer enough (DESIGN.md "Scale"). Writes in
one process are serialised by a lock, because SQLite allows one writer and a deferred
transaction that upgrades to a write fails at once instead of waiting.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
import sqlalchemy.exc
from sqlalchemy import Connection, Engine, event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SCHEMA_VERSION = 1
meta = sa.MetaData()

schema_version = sa.Table("schema_version", meta, sa.Column("version", sa.Integer, nullable=False))

deliveries = sa.Table(
    "deliveries", meta,
    sa.Column("delivery_id", sa.String(64), primary_key=True),
    sa.Column("event", sa.String(64), nullable=False),
    sa.Column("action", sa.String(64), nullable=False, server_default=""),
    sa.Column("received_at", sa.Float, nullable=False),
)

jobs = sa.Table(
    "jobs", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("pr_key", sa.String(300), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("coalesced", sa.Integer, nullable=False, server_default="0"),
    sa.Column("not_before", sa.Float, nullable=False),
    sa.Column("lease_until", sa.Float, nullable=False, server_default="0"),
    sa.Column("owner", sa.String(64), nullable=False, server_default=""),
    sa.Column("delivery_id", sa.String(64), nullable=False, server_default=""),
    sa.Column("last_error", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Index("ix_jobs_status_pr", "status", "pr_key"),
)

pull_requests = sa.Table(
    "pull_requests", meta,
    sa.Column("pr_key", sa.String(300), primary_key=True),
    sa.Column("installation_id", sa.BigInteger, nullable=False),
    sa.Column("analyzed_sha", sa.String(64), nullable=False, server_default=""),
    sa.Column("check_run_id", sa.BigInteger),
    sa.Column("check_run_sha", sa.String(64), nullable=False, server_default=""),
    sa.Column("review_pending_sha", sa.String(64), nullable=False, server_default=""),
    sa.Column("label_applied", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("updated_at", sa.Float, nullable=False),
)

findings = sa.Table(
    "findings", meta,
    sa.Column("pr_key", sa.String(300), primary_key=True),
    sa.Column("fingerprint", sa.String(64), primary_key=True),
    sa.Column("rule", sa.String(100), nullable=False),
    sa.Column("head_sha", sa.String(64), nullable=False),
    sa.Column("review_id", sa.BigInteger),
    sa.Column("comment_id", sa.BigInteger),
)

installations = sa.Table(
    "installations", meta,
    sa.Column("installation_id", sa.BigInteger, primary_key=True),
    sa.Column("account", sa.String(200), nullable=False, server_default=""),
    sa.Column("repositories", sa.Text, nullable=False, server_default="[]"),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("updated_at", sa.Float, nullable=False),
)

# -- review lifecycle (bot/threads.py, bot/summary.py) ---------------------------------------------------

resolved_findings = sa.Table(
    "resolved_findings", meta,
    sa.Column("pr_key", sa.String(300), primary_key=True),
    sa.Column("fingerprint", sa.String(64), primary_key=True),
    sa.Column("fixed_sha", sa.String(64), nullable=False),
)
"""Commented findings that disappeared and whose thread was resolved (or that had no thread)."""

summary_comments = sa.Table(
    "summary_comments", meta,
    sa.Column("pr_key", sa.String(300), primary_key=True),
    sa.Column("comment_id", sa.BigInteger, nullable=False),
    sa.Column("node_id", sa.String(100), nullable=False),
    sa.Column("verdict", sa.String(32), nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
)
"""The one sticky summary comment of a PR (when `summary_comment` is on)."""


# -- approvals (issue 7, slash commands: bot/approvals.py) --------------------------------------
approvals = sa.Table(
    "approvals", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("pr_key", sa.String(300), nullable=False, index=True),
    sa.Column("login", sa.String(100), nullable=False),
    sa.Column("head_sha", sa.String(64), nullable=False),
    sa.Column("fingerprints", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("at", sa.Float, nullable=False),
)


class Redelivery(Exception):
    """A delivery id already recorded: acknowledge it and do nothing."""


@dataclass
class PullState:
    """What was published for one PR, so a re-run posts nothing twice."""

    pr_key: str
    installation_id: int
    analyzed_sha: str = ""
    check_run_id: int | None = None
    check_run_sha: str = ""
    review_pending_sha: str = ""
    label_applied: bool = False
    commented: dict[str, int | None] = field(default_factory=dict)
    """fingerprint -> review comment id (None: in a review body or id not yet known)."""


def engine_url(url: str) -> str:
    return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")


class Store:
    """The small interface over the database that the server and the worker use."""

    def __init__(self, url: str) -> None:
        self.engine: AsyncEngine = create_async_engine(engine_url(url))
        event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sync_engine: Engine = sa.create_engine(url)
        event.listen(self.sync_engine, "connect", _sqlite_pragmas)
        self.write_lock = asyncio.Lock()

    async def open(self) -> None:
        """Create or migrate the schema."""
        async with self.engine.begin() as conn:
            await conn.run_sync(meta.create_all)
            current = (await conn.execute(sa.select(schema_version.c.version))).scalar()
            if current is None:
                await conn.execute(schema_version.insert().values(version=SCHEMA_VERSION))
            elif current > SCHEMA_VERSION:
                raise RuntimeError(f"database schema {current} is newer than this Blindspot ({SCHEMA_VERSION})")

    async def checkpoint(self) -> None:
        """Copy the WAL into the database without blocking writers (its fsync would stall a commit)."""
        async with self.engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    async def close(self) -> None:
        await self.engine.dispose()
        self.sync_engine.dispose()

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
            return True
        except Exception:
            return False

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Connection]:
        """A write transaction: synchronous SQLite in the event loop thread, one writer at a time.

        A few hundred microseconds of blocking beats the thread hand-offs of the async driver,
        and keeps webhook answers fast while jobs write (bench/WEBHOOK.md). Reads stay async.
        The asyncio lock serialises writers of this process (SQLite has one writer anyway).
        """
        async with self.write_lock:
            with self.sync_engine.begin() as conn:
                yield conn

    intake = write
    """The webhook's transaction (bot/server.py): the same write path."""

    def record_delivery(self, conn: Connection, delivery_id: str, event_name: str, action: str) -> None:
        """Record a delivery; raises Redelivery when its id was seen before (the transaction must end)."""
        try:
            conn.execute(deliveries.insert().values(
                delivery_id=delivery_id, event=event_name, action=action, received_at=time.time()))
        except sa.exc.IntegrityError:
            raise Redelivery(delivery_id) from None

    def record_installation(self, conn: Connection, installation_id: int, account: str,
                            repos: list[str] | None, active: bool) -> None:
        row = {"account": account, "active": active, "updated_at": time.time()}
        if repos is not None:
            row["repositories"] = json.dumps(sorted(repos))
        done = conn.execute(installations.update().where(
            installations.c.installation_id == installation_id).values(**row))
        if done.rowcount == 0:
            conn.execute(installations.insert().values(installation_id=installation_id, **row))

    def installation(self, conn: Connection, installation_id: int) -> dict[str, Any] | None:
        row = conn.execute(sa.select(installations).where(
            installations.c.installation_id == installation_id)).mappings().first()
        return None if row is None else {**row, "repositories": json.loads(row["repositories"])}

    async def pull_state(self, pr_key: str, installation_id: int) -> PullState:
        async with self.engine.connect() as conn:
            query = sa.select(pull_requests).where(pull_requests.c.pr_key == pr_key)
            row = (await conn.execute(query)).mappings().first()
            fps = (await conn.execute(sa.select(findings.c.fingerprint, findings.c.comment_id).where(
                findings.c.pr_key == pr_key))).all()
        state = PullState(pr_key=pr_key, installation_id=installation_id)
        if row is not None:
            state = PullState(pr_key=pr_key, installation_id=row["installation_id"], analyzed_sha=row["analyzed_sha"],
                              check_run_id=row["check_run_id"], check_run_sha=row["check_run_sha"],
                              review_pending_sha=row["review_pending_sha"], label_applied=row["label_applied"])
        state.commented = {str(row[0]): (None if row[1] is None else int(row[1])) for row in fps}
        return state

    async def save_pull_state(self, state: PullState) -> None:
        values = {"installation_id": state.installation_id, "analyzed_sha": state.analyzed_sha,
                  "check_run_id": state.check_run_id, "check_run_sha": state.check_run_sha,
                  "review_pending_sha": state.review_pending_sha, "label_applied": state.label_applied,
                  "updated_at": time.time()}
        async with self.write() as conn:
            mine = pull_requests.c.pr_key == state.pr_key
            done = conn.execute(pull_requests.update().where(mine).values(**values))
            if done.rowcount == 0:
                conn.execute(pull_requests.insert().values(pr_key=state.pr_key, **values))

    async def save_commented(self, pr_key: str, head_sha: str, review_id: int | None,
                             commented: dict[str, tuple[str, int | None]]) -> None:
        """Record findings now posted: fingerprint -> (rule, comment id)."""
        async with self.write() as conn:
            for fp, (rule, comment_id) in commented.items():
                key = (findings.c.pr_key == pr_key) & (findings.c.fingerprint == fp)
                done = conn.execute(
                    findings.update().where(key).values(comment_id=comment_id, review_id=review_id))
                if done.rowcount == 0:
                    conn.execute(findings.insert().values(pr_key=pr_key, fingerprint=fp, rule=rule,
                                                                head_sha=head_sha, review_id=review_id,
                                                                comment_id=comment_id))

    # -- review lifecycle (bot/threads.py, bot/summary.py) -----------------------------------------------

    async def resolved(self, pr_key: str) -> set[str]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(sa.select(resolved_findings.c.fingerprint).where(
                resolved_findings.c.pr_key == pr_key))).all()
        return {str(r[0]) for r in rows}

    async def save_resolved(self, pr_key: str, fingerprints: set[str], fixed_sha: str) -> None:
        async with self.write() as conn:
            for fp in fingerprints:
                key = (resolved_findings.c.pr_key == pr_key) & (resolved_findings.c.fingerprint == fp)
                if conn.execute(resolved_findings.update().where(key).values(fixed_sha=fixed_sha)).rowcount == 0:
                    conn.execute(resolved_findings.insert().values(pr_key=pr_key, fingerprint=fp, fixed_sha=fixed_sha))

    async def forget_resolved(self, pr_key: str, fingerprints: set[str]) -> None:
        """These findings are back: their threads are open again."""
        async with self.write() as conn:
            conn.execute(resolved_findings.delete().where(
                (resolved_findings.c.pr_key == pr_key) & resolved_findings.c.fingerprint.in_(fingerprints)))

    async def summary_comment(self, pr_key: str) -> dict[str, Any] | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(sa.select(summary_comments).where(
                summary_comments.c.pr_key == pr_key))).mappings().first()
        return None if row is None else dict(row)

    async def save_summary_comment(self, pr_key: str, comment_id: int, node_id: str, verdict: str,
                                   digest: str) -> None:
        values = {"comment_id": comment_id, "node_id": node_id, "verdict": verdict, "digest": digest}
        async with self.write() as conn:
            mine = summary_comments.c.pr_key == pr_key
            if conn.execute(summary_comments.update().where(mine).values(**values)).rowcount == 0:
                conn.execute(summary_comments.insert().values(pr_key=pr_key, **values))

def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA wal_autocheckpoint=0")  # checkpoints run in `checkpoint()`, off the commit path
    cur.close()
