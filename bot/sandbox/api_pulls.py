"""Pull request endpoints: the PR itself (JSON or diff), its file list, and requested reviewers."""

from __future__ import annotations

from bot.sandbox import render
from bot.sandbox.diff import unified_patch
from bot.sandbox.routing import ApiError, Ctx, Reply, operation, paginate, repo_of
from bot.sandbox.state import PullRequest, Repo

MAX_LISTED_FILES = 3000  # GitHub lists at most 3000 files of a pull request


def pull_of(ctx: Ctx) -> tuple[Repo, PullRequest]:
    repo = repo_of(ctx)
    pr = repo.pulls.get(ctx.int_param("pull_number"))
    if pr is None:
        raise ApiError(404, "Not Found")
    return repo, pr


@operation("pulls/get")
async def get(ctx: Ctx) -> Reply:
    repo, pr = pull_of(ctx)
    if "application/vnd.github.diff" in ctx.accept or "application/vnd.github.v3.diff" in ctx.accept:
        diff = _diff_text(ctx, repo, pr).encode()
        return Reply(200, raw=diff, content_type="application/vnd.github.diff; charset=utf-8")
    return Reply(200, render.pull_request(ctx.world, repo, pr))


def _diff_text(ctx: Ctx, repo: Repo, pr: PullRequest) -> str:
    """The PR as `git diff` output (what the diff media type returns)."""
    _, base = ctx.world.tree_at(repo, pr.base_sha)
    _, head = ctx.world.tree_at(repo, pr.head_sha)
    parts = []
    for entry in pr.files:
        old = entry.previous_filename or entry.filename
        a = "/dev/null" if entry.status == "added" else f"a/{old}"
        b = "/dev/null" if entry.status == "removed" else f"b/{entry.filename}"
        patch = unified_patch(base.get(old, b""), head.get(entry.filename, b""))
        body = f"--- {a}\n+++ {b}\n{patch}\n" if patch else "Binary files differ\n"
        parts.append(f"diff --git a/{old} b/{entry.filename}\n{body}")
    return "".join(parts)


@operation("pulls/list-files")
async def list_files(ctx: Ctx) -> Reply:
    repo, pr = pull_of(ctx)
    return paginate(ctx, [render.diff_entry(repo, pr, f) for f in pr.files], cap=MAX_LISTED_FILES)


@operation("pulls/request-reviewers")
async def request_reviewers(ctx: Ctx) -> Reply:
    repo, pr = pull_of(ctx)
    logins = (ctx.body or {}).get("reviewers") or []
    for login in logins:
        if login not in repo.collaborators and login.lower() != repo.owner.lower():
            raise ApiError(422, "Reviews may only be requested from collaborators. One or more of the users or "
                                f"teams you specified is not a collaborator of the {repo.full_name} repository.")
        if login == pr.author:
            raise ApiError(422, "Review cannot be requested from pull request author.")
    for login in logins:
        if login not in pr.requested_reviewers:
            pr.requested_reviewers.append(login)
    return Reply(201, _simple(ctx, repo, pr))


@operation("pulls/list-requested-reviewers")
async def list_requested_reviewers(ctx: Ctx) -> Reply:
    _, pr = pull_of(ctx)
    return Reply(200, {"users": [render.user(ctx.world, u) for u in pr.requested_reviewers], "teams": []})


def _simple(ctx: Ctx, repo: Repo, pr: PullRequest) -> dict[str, object]:
    """pull-request-simple: the full object minus the fields only pulls/get has."""
    full = render.pull_request(ctx.world, repo, pr)
    for key in ("merged", "mergeable", "rebaseable", "mergeable_state", "merged_by", "comments", "review_comments",
                "commits", "additions", "deletions", "changed_files", "maintainer_can_modify"):
        full.pop(key, None)
    return full
