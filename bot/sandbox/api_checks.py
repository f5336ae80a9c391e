"""Check runs: create, update (annotations accumulate, 50 per request at most) and get."""

from __future__ import annotations

from typing import Any

from bot.sandbox import render
from bot.sandbox.routing import ApiError, Ctx, Reply, not_found, operation, public, repo_of
from bot.sandbox.state import Repo, now_iso

MAX_ANNOTATIONS = 50


@operation("checks/create")
async def create(ctx: Ctx) -> Reply:
    repo = repo_of(ctx)
    body = ctx.body
    if not any(body["head_sha"] == c.sha for c in repo.commits.values()):
        raise ApiError(422, "No commit found for SHA: " + body["head_sha"])
    run_id = ctx.world.next_id()
    api = f"{render.API}/repos/{repo.full_name}/check-runs/{run_id}"
    run: dict[str, Any] = {
        "id": run_id, "node_id": f"CR_{run_id}", "head_sha": body["head_sha"], "external_id": "",
        "url": api, "html_url": f"{render.WEB}/{repo.full_name}/runs/{run_id}", "details_url": None,
        "status": "queued", "conclusion": None, "started_at": now_iso(), "completed_at": None,
        "output": {"title": None, "summary": None, "text": None, "annotations_count": 0,
                   "annotations_url": api + "/annotations"},
        "name": body["name"], "check_suite": {"id": run_id + 1}, "app": render.app(ctx.world, ctx.standin.app_id),
        "pull_requests": _pull_requests(repo, body["head_sha"]), "__annotations": [],
    }
    _apply(run, body)
    repo.check_runs[run_id] = run
    return Reply(201, public(run))


@operation("checks/update")
async def update(ctx: Ctx) -> Reply:
    run = _run(ctx)
    _apply(run, ctx.body or {})
    return Reply(200, public(run))


@operation("checks/get")
async def get(ctx: Ctx) -> Reply:
    return Reply(200, public(_run(ctx)))


def _run(ctx: Ctx) -> dict[str, Any]:
    run = repo_of(ctx).check_runs.get(ctx.int_param("check_run_id"))
    if run is None:
        raise not_found()
    return run


def _apply(run: dict[str, Any], body: dict[str, Any]) -> None:
    """Apply the fields of a create or update request the way GitHub does (checked before anything changes)."""
    conclusion = body.get("conclusion", run["conclusion"])
    status = "completed" if body.get("conclusion") is not None else body.get("status", run["status"])
    if status == "completed" and conclusion is None:
        raise ApiError(422, "Invalid request.\n\nNo conclusion given for a completed check run.")
    output = body.get("output") or {}
    annotations = output.get("annotations") or []
    if len(annotations) > MAX_ANNOTATIONS:
        raise ApiError(422, f"Only {MAX_ANNOTATIONS} annotations are allowed per request")
    for key in ("name", "details_url", "external_id", "started_at", "completed_at"):
        if key in body:
            run[key] = body[key]
    run.update(status=status, conclusion=conclusion)
    if status == "completed":
        run["completed_at"] = run["completed_at"] or now_iso()
    for key in ("title", "summary", "text"):
        if key in output:
            run["output"][key] = output[key]
    run["__annotations"].extend(annotations)
    run["output"]["annotations_count"] = len(run["__annotations"])


def _pull_requests(repo: Repo, sha: str) -> list[dict[str, Any]]:
    """pull-request-minimal entries for the open PRs whose head is `sha`."""
    out = []
    for pr in repo.pulls.values():
        if pr.head_sha == sha and pr.state == "open":
            mini_repo = {"id": repo.id, "url": f"{render.API}/repos/{repo.full_name}", "name": repo.name}
            ref = {"ref": pr.head, "sha": pr.head_sha, "repo": mini_repo}
            base = {"ref": pr.base, "sha": pr.base_sha, "repo": mini_repo}
            out.append({"id": repo.id * 10000 + pr.number, "number": pr.number,
                        "url": f"{render.API}/repos/{repo.full_name}/pulls/{pr.number}", "head": ref, "base": base})
    return out
