"""The `blindspot` check run on the PR's head commit: started when a job starts, always completed.

Every PR gets a terminal conclusion, including PRs without Rust and jobs that failed, because a
required check that never reports blocks merging forever (research/peers.md §8).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from gidgethub import routing, sansio

from bot.approvals import approved, audit
from bot.context import JobContext, Outcome
from bot.intake import Intake, pull_ref
from bot.markers import marker
from bot.repo_config import RepoConfig
from checks import Finding

NAME = "blindspot"
MARKER_KIND = "checkrun"
ANNOTATIONS_PER_CALL = 50
MAX_TEXT = 60_000
_LEVEL = {"error": "failure", "warning": "warning", "note": "notice"}
COULD_NOT_FINISH = "Blindspot could not finish"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def decide_conclusion(outcome: Outcome, config: RepoConfig, draft: bool) -> str:
    """success when nothing needs review; otherwise the repo's policy (neutral for drafts)."""
    if outcome.error is not None:
        return "neutral"
    if outcome.skipped is not None:  # repo config: a draft left for later
        return "neutral"
    if not outcome.awaiting_approval:
        return "success"
    return "neutral" if draft else config.conclusion


def annotations_for(findings: list[Finding]) -> list[dict[str, Any]]:
    return [{"path": f.path, "start_line": f.line, "end_line": max(f.end_line, f.line),
             "annotation_level": _LEVEL[f.severity.value], "title": f"{f.rule} ({f.short_id})",
             "message": f.message} for f in findings]


def _title(outcome: Outcome) -> str:
    if outcome.error is not None:
        return COULD_NOT_FINISH
    if outcome.skipped is not None:
        return outcome.skipped
    n, total = len(outcome.needs_review), len(outcome.findings)
    if total == 0:
        return "No new risky Rust code" if outcome.fetched.changed_paths else "No Rust changes"
    waiting = len(outcome.awaiting_approval)
    if n and not waiting:
        return f"All {n} finding(s) that need review are approved, {total - n} note(s)"
    if waiting < n:
        return f"{waiting} finding(s) need review ({n - waiting} approved), {total - n} note(s)"
    return f"{n} finding(s) need review, {total - n} note(s)"


def summary(outcome: Outcome, config: RepoConfig, draft: bool) -> str:
    lines = [f"### {_title(outcome)}", ""]
    if outcome.error is not None:
        lines += [f"{COULD_NOT_FINISH}: {outcome.error}", "",
                  "Re-run the check from the Checks tab to try again.", ""]
    if draft and outcome.needs_review:
        lines += ["This PR is a draft: findings are reported, merging is not blocked.", ""]
    if outcome.findings:
        done = approved(outcome.approvals)
        lines += ["| id | rule | severity | where | approved |", "| --- | --- | --- | --- | --- |"]
        lines += [f"| {f.short_id} | `{f.rule}` | {f.severity.value} | `{f.path}:{f.line}` | "
                  f"{'yes' if f.fingerprint in done else ''} |" for f in outcome.findings]
        lines.append("")
    if outcome.awaiting_approval and not draft:
        lines += [f"A maintainer accepts these after reading the code with `/blindspot approve all -- <reason>` "
                  f"(or `/blindspot approve <id>...`; needs {config.approve_permission} permission).", ""]
    lines += _coverage(outcome)
    lines += audit(outcome.approvals)
    if config.errors:
        lines += ["", f"**`{config.source if config.source != 'defaults' else '.github/blindspot.toml'}` has errors; "
                  "the defaults were used:**", *[f"- {e}" for e in config.errors]]
    lines += ["", marker(MARKER_KIND)]
    return "\n".join(lines)[:MAX_TEXT]


def _coverage(outcome: Outcome) -> list[str]:
    fetched = outcome.fetched
    cov = outcome.report.coverage if outcome.report else None
    parsed = len(cov.files_analyzed) if cov else 0
    lines = [f"**Coverage:** analysed {parsed} changed Rust file(s); the PR changes {fetched.total_files} file(s)."]
    skipped = {**fetched.skipped, **(cov.files_skipped if cov else {})}
    lines += [f"- skipped `{p}`: {why}" for p, why in sorted(skipped.items())]
    if cov and cov.files_with_parse_errors:
        lines.append("- parsed with syntax errors (results may be partial): "
                     + ", ".join(f"`{p}`" for p in cov.files_with_parse_errors))
    if fetched.truncated:
        lines.append("- GitHub lists at most 3000 files of a PR; files beyond that were not read.")
    return lines


async def start(ctx: JobContext) -> None:
    """Create the in-progress check run, unless this head already has one (a re-run reuses it)."""
    if ctx.state.check_run_id is not None and ctx.state.check_run_sha == ctx.pr.head_sha:
        return
    run = await ctx.gh.post("/repos/{owner}/{repo}/check-runs", ctx.pr.url_vars, data={
        "name": NAME, "head_sha": ctx.pr.head_sha, "status": "in_progress", "started_at": _now(),
        "external_id": ctx.pr.key})
    ctx.state.check_run_id, ctx.state.check_run_sha = int(run["id"]), ctx.pr.head_sha
    await ctx.store.save_pull_state(ctx.state)
    ctx.log.info("check run started", check_run_id=ctx.state.check_run_id)


async def complete(ctx: JobContext, outcome: Outcome) -> None:
    conclusion = decide_conclusion(outcome, ctx.config, ctx.pr.draft)
    notes = annotations_for(outcome.findings)
    output = {"title": _title(outcome), "summary": summary(outcome, ctx.config, ctx.pr.draft)}
    url = "/repos/{owner}/{repo}/check-runs/{check_run_id}"
    url_vars = {**ctx.pr.url_vars, "check_run_id": ctx.state.check_run_id}
    for i in range(ANNOTATIONS_PER_CALL, len(notes), ANNOTATIONS_PER_CALL):
        await ctx.gh.patch(url, url_vars, data={"output": {**output, "annotations": notes[i:i + ANNOTATIONS_PER_CALL]}})
    await ctx.gh.patch(url, url_vars, data={
        "status": "completed", "conclusion": conclusion, "completed_at": _now(),
        "output": {**output, "annotations": notes[:ANNOTATIONS_PER_CALL]}})
    ctx.log.info("check run completed", conclusion=conclusion, findings=len(outcome.findings),
                 at=round(time.time(), 3))


router = routing.Router()


@router.register("check_run", action="rerequested")
async def on_check_run_rerequested(event: sansio.Event, intake: Intake) -> None:
    """The Re-run button on our check: analyse the PR again (nothing already posted is repeated)."""
    run = event.data["check_run"]
    if run.get("name") != NAME:
        return
    await _rerun(event, intake, run.get("pull_requests") or [])


@router.register("check_suite", action="rerequested")
async def on_check_suite_rerequested(event: sansio.Event, intake: Intake) -> None:
    await _rerun(event, intake, event.data["check_suite"].get("pull_requests") or [])


async def _rerun(event: sansio.Event, intake: Intake, prs: list[dict[str, Any]]) -> None:
    """Re-run for each PR of the same repository (fork PRs are not listed by GitHub)."""
    data = event.data
    for pr in prs:
        if pr["base"]["repo"]["id"] != data["repository"]["id"]:
            continue
        await intake.analyze(pull_ref(data["repository"], pr, int(data["installation"]["id"])), rerun=True)
