"""Maintainer approvals of findings: bound to fingerprints and the head SHA, kept as an audit trail.

An approval names the fingerprints a maintainer accepted at one head commit. Fingerprints hold
no line numbers, so an approved finding stays approved across pushes and rebases while its code
is unchanged; a finding that is new (or whose code changed) needs a new approval
(research/peers.md §10.2). Every approval is listed in the check run summary.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from bot.store import Store, approvals, findings
from checks.findings import short_id

if TYPE_CHECKING:
    from bot.context import JobContext, Outcome
    from checks import Finding


@dataclass(frozen=True)
class Approval:
    login: str
    head_sha: str
    fingerprints: tuple[str, ...]
    reason: str = ""
    at: float = 0.0

    def audit_line(self) -> str:
        """`- @alice approved BS-1, BS-2 at abc1234 (2026-01-01 10:00 UTC): reason`"""
        when = datetime.fromtimestamp(self.at, UTC).strftime("%Y-%m-%d %H:%M UTC")
        ids = ", ".join(f"`{short_id(fp)}`" for fp in self.fingerprints)
        reason = f": {self.reason}" if self.reason else " (no reason given)"
        return f"- @{self.login} approved {ids} at `{self.head_sha[:7]}` ({when}){reason}"


def approved(records: list[Approval]) -> set[str]:
    return {fp for a in records for fp in a.fingerprints}


def resolve(ids: tuple[str, ...], current: list[Finding], done: set[str]) -> tuple[list[Finding], list[str]]:
    """(findings the ids name, ids naming nothing at head); `all` means every finding still awaiting approval."""
    if any(i.lower() == "all" for i in ids):
        return [f for f in current if f.severity.rank >= 1 and f.fingerprint not in done], []
    by_id = {f.short_id.lower(): f for f in current}
    wanted = [i for i in ids if i.lower() != "all"]
    matched = [by_id[i.lower()] for i in wanted if i.lower() in by_id]
    return list({f.fingerprint: f for f in matched}.values()), [i for i in wanted if i.lower() not in by_id]


async def record(store: Store, pr_key: str, approval: Approval) -> None:
    async with store.write() as conn:
        conn.execute(approvals.insert().values(
            pr_key=pr_key, login=approval.login, head_sha=approval.head_sha,
            fingerprints=json.dumps(list(approval.fingerprints)), reason=approval.reason,
            at=approval.at or time.time()))


async def load(store: Store, pr_key: str) -> list[Approval]:
    """Every approval of the PR, oldest first."""
    async with store.engine.connect() as conn:
        rows = (await conn.execute(sa.select(approvals).where(approvals.c.pr_key == pr_key)
                                   .order_by(approvals.c.id))).mappings().all()
    return [Approval(login=r["login"], head_sha=r["head_sha"], fingerprints=tuple(json.loads(r["fingerprints"])),
                     reason=r["reason"], at=float(r["at"])) for r in rows]


async def rule_of(store: Store, pr_key: str, sid: str) -> str | None:
    """The rule of the finding posted on this PR whose short id is `sid` (BS-xxxxxxx), if any."""
    prefix = sid.removeprefix("BS-").removeprefix("bs-").lower()
    if len(prefix) != 7 or not prefix.isalnum():
        return None
    async with store.engine.connect() as conn:
        row = (await conn.execute(sa.select(findings.c.rule).where(
            (findings.c.pr_key == pr_key) & findings.c.fingerprint.startswith(prefix)))).first()
    return None if row is None else str(row[0])


def audit(records: list[Approval]) -> list[str]:
    """The summary's audit section: every approval, oldest first."""
    if not records:
        return []
    return ["", "**Approvals**", "", *[a.audit_line() for a in records]]


async def attach(ctx: JobContext, outcome: Outcome) -> None:
    """Publisher (runs first): give the outcome the PR's approvals, for the label and the check."""
    outcome.approvals = await load(ctx.store, ctx.pr.key)
