"""Reviews and review comments: create (the whole review is refused when one anchor is outside the diff), list, edit."""

from __future__ import annotations

from typing import Any

from bot.sandbox import render
from bot.sandbox.api_pulls import pull_of
from bot.sandbox.diff import FileDiff, diff_trees, hunk_excerpt, locate
from bot.sandbox.routing import ApiError, Ctx, Reply, not_found, operation, paginate, public, repo_of
from bot.sandbox.state import PullRequest, Repo, now_iso

OUTSIDE_DIFF = "Pull request review thread line must be part of the diff"
NOT_NULLABLE = ("position", "original_position", "line", "original_line", "side")
STATES = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED", None: "PENDING"}


def bot_login() -> str:
    return f"{render.APP_SLUG}[bot]"


def unprocessable(*errors: str) -> ApiError:
    return ApiError(422, "Unprocessable Entity", list(errors))


@operation("pulls/create-review")
async def create_review(ctx: Ctx) -> Reply:
    repo, pr = pull_of(ctx)
    body = ctx.body or {}
    commit_id = body.get("commit_id") or pr.head_sha
    files = _files_at(ctx, repo, pr, commit_id)
    if body.get("event") in ("REQUEST_CHANGES", "COMMENT") and not body.get("body") and not body.get("comments"):
        raise unprocessable(f"Review Can not {body['event'].lower().replace('_', ' ')} without a body")
    anchors = [_anchor(files, c) for c in body.get("comments") or []]  # raises before anything is stored
    review = _review(ctx, repo, pr, body, commit_id)
    pr.reviews.append(review)
    for comment, (entry, position, header) in zip(body.get("comments") or [], anchors, strict=True):
        _store_comment(ctx, repo, pr, review["id"], comment, entry, (position, header), commit_id)
    return Reply(200, public(review))


def _files_at(ctx: Ctx, repo: Repo, pr: PullRequest, commit_id: str) -> dict[str, FileDiff]:
    """The PR's files as of `commit_id` (the head or an earlier commit of the PR)."""
    if commit_id == pr.head_sha:
        return {f.filename: f for f in pr.files}
    if commit_id not in repo.commits:
        raise unprocessable(f"No commit found for SHA: {commit_id}")
    _, base = ctx.world.tree_at(repo, pr.base_sha)
    return {f.filename: f for f in diff_trees(base, repo.commits[commit_id].tree)}


def _anchor(files: dict[str, FileDiff], comment: dict[str, Any]) -> tuple[FileDiff, int, int]:
    """(file, position, hunk header) of one review comment; 422 when it is not on the diff."""
    entry = files.get(comment["path"])
    if entry is None or not entry.patch:
        raise unprocessable("Path could not be resolved")
    if "line" not in comment and "position" not in comment:
        raise unprocessable("Either position or line is required for a review comment (create-review takes no "
                            "subject_type; post a file-level comment with pulls/create-review-comment)")
    if "line" not in comment:
        lines = entry.patch.split("\n")
        if not 1 <= comment["position"] < len(lines) or lines[comment["position"]].startswith("@@"):
            raise unprocessable("Position is invalid")
        return entry, comment["position"], max(i for i in range(comment["position"]) if lines[i].startswith("@@"))
    side = comment.get("side", "RIGHT")
    if side not in ("LEFT", "RIGHT") or comment.get("start_side", side) not in ("LEFT", "RIGHT"):
        raise unprocessable("side must be LEFT or RIGHT")
    found = locate(entry.patch, comment["line"], side)
    if found is None:
        raise unprocessable(OUTSIDE_DIFF)
    if "start_line" in comment:
        start = locate(entry.patch, comment["start_line"], comment.get("start_side", side))
        if start is None:
            raise unprocessable("Pull request review thread start line must be part of the diff")
        if start[1] != found[1] or start[0] >= found[0]:
            raise unprocessable("start_line must precede line in the same hunk")
    return entry, found[0], found[1]


def _review(ctx: Ctx, repo: Repo, pr: PullRequest, body: dict[str, Any], commit_id: str) -> dict[str, Any]:
    review_id = ctx.world.next_id()
    html = f"{render.WEB}/{repo.full_name}/pull/{pr.number}#pullrequestreview-{review_id}"
    api = f"{render.API}/repos/{repo.full_name}/pulls/{pr.number}"
    state = STATES[body.get("event")]
    return {
        "id": review_id, "node_id": f"PRR_{review_id}", "user": render.user(ctx.world, bot_login(), "Bot"),
        "body": body.get("body") or "", "state": state, "html_url": html, "pull_request_url": api,
        "_links": {"html": {"href": html}, "pull_request": {"href": api}},
        "submitted_at": None if state == "PENDING" else now_iso(), "commit_id": commit_id,
        "author_association": "NONE",
    }


def _store_comment(
    ctx: Ctx, repo: Repo, pr: PullRequest, review_id: int, comment: dict[str, Any], entry: FileDiff,
    anchor: tuple[int, int] | None, commit_id: str, in_reply_to: int | None = None,
) -> dict[str, Any]:
    """Store a review comment; `anchor` is (position, hunk header index), None for a file-level comment."""
    comment_id = ctx.world.next_id()
    api = f"{render.API}/repos/{repo.full_name}/pulls/comments/{comment_id}"
    html = f"{render.WEB}/{repo.full_name}/pull/{pr.number}#discussion_r{comment_id}"
    pr_api = f"{render.API}/repos/{repo.full_name}/pulls/{pr.number}"
    side = comment.get("side", "RIGHT") if anchor else None
    position = anchor[0] if anchor else None
    stored: dict[str, Any] = {
        "url": api, "pull_request_review_id": review_id, "id": comment_id, "node_id": f"PRRC_{comment_id}",
        "diff_hunk": hunk_excerpt(entry.patch or "", *anchor) if anchor else "", "path": entry.filename,
        "position": position, "original_position": position, "commit_id": commit_id, "original_commit_id": commit_id,
        "user": render.user(ctx.world, bot_login(), "Bot"), "body": comment["body"],
        "created_at": now_iso(), "updated_at": now_iso(), "html_url": html, "pull_request_url": pr_api,
        "author_association": "NONE", "_links": {"self": {"href": api}, "html": {"href": html},
                                                 "pull_request": {"href": pr_api}},
        "start_line": comment.get("start_line"), "original_start_line": comment.get("start_line"),
        "start_side": comment.get("start_side", side) if "start_line" in comment else None,
        "line": comment.get("line"), "original_line": comment.get("line"), "side": side,
        "subject_type": "line" if anchor else "file", "__pull": pr.number,
    }
    for key in NOT_NULLABLE:  # the description does not allow null here: GitHub leaves them out instead
        if stored[key] is None:
            del stored[key]
    if in_reply_to is not None:
        stored["in_reply_to_id"] = in_reply_to
    repo.review_comments[comment_id] = stored
    return stored


@operation("pulls/create-review-comment")
async def create_review_comment(ctx: Ctx) -> Reply:
    """One review comment outside a review: on lines (like create-review) or, with subject_type=file, on a file.

    This operation answers 422 as "Validation Failed" with error objects (create-review uses plain strings).
    """
    try:
        return await _create_review_comment(ctx)
    except ApiError as error:
        if error.status != 422:
            raise
        raise ApiError(422, "Validation Failed", [_error_object(str(e)) for e in error.errors or []]) from None


def _error_object(message: str) -> dict[str, str]:
    field = "line" if "line" in message.lower() else "path" if "path" in message.lower() else "base"
    return {"resource": "PullRequestReviewComment", "code": "custom",
            "field": f"pull_request_review_thread.{field}", "message": message}


async def _create_review_comment(ctx: Ctx) -> Reply:
    repo, pr = pull_of(ctx)
    body = ctx.body
    if "in_reply_to" in body:
        return _reply(ctx, repo, pr, _comment_by_id(repo, body["in_reply_to"]), body["body"])
    files = _files_at(ctx, repo, pr, body["commit_id"])
    if body.get("subject_type") == "file":
        entry = files.get(body["path"])
        if entry is None:
            raise unprocessable("Path could not be resolved")
        anchor = None
    else:
        entry, position, header = _anchor(files, body)
        anchor = (position, header)
    review = _review(ctx, repo, pr, {"event": "COMMENT"}, body["commit_id"])
    pr.reviews.append(review)
    return Reply(201, public(_store_comment(ctx, repo, pr, review["id"], body, entry, anchor, body["commit_id"])))


@operation("pulls/list-reviews")
async def list_reviews(ctx: Ctx) -> Reply:
    _, pr = pull_of(ctx)
    return paginate(ctx, [public(r) for r in pr.reviews])


@operation("pulls/list-review-comments")
async def list_review_comments(ctx: Ctx) -> Reply:
    repo, pr = pull_of(ctx)
    comments = [public(c) for c in repo.review_comments.values() if c["__pull"] == pr.number]
    return paginate(ctx, comments)


def _comment(ctx: Ctx) -> tuple[Repo, dict[str, Any]]:
    repo = repo_of(ctx)
    return repo, _comment_by_id(repo, ctx.int_param("comment_id"))


@operation("pulls/update-review-comment")
async def update_review_comment(ctx: Ctx) -> Reply:
    _, comment = _comment(ctx)
    comment.update(body=ctx.body["body"], updated_at=now_iso())
    return Reply(200, public(comment))


@operation("pulls/delete-review-comment")
async def delete_review_comment(ctx: Ctx) -> Reply:
    repo, comment = _comment(ctx)
    del repo.review_comments[comment["id"]]
    return Reply(204)


@operation("pulls/create-reply-for-review-comment")
async def create_reply(ctx: Ctx) -> Reply:
    repo, pr = pull_of(ctx)
    _, parent = _comment(ctx)
    return _reply(ctx, repo, pr, parent, ctx.body["body"])


def _comment_by_id(repo: Repo, comment_id: int) -> dict[str, Any]:
    comment = repo.review_comments.get(comment_id)
    if comment is None:
        raise not_found()
    return comment


def _reply(ctx: Ctx, repo: Repo, pr: PullRequest, parent: dict[str, Any], text: str) -> Reply:
    """A reply in the thread of a top-level review comment (GitHub refuses replies to replies)."""
    if parent["__pull"] != pr.number:
        raise not_found()
    if "in_reply_to_id" in parent:
        raise unprocessable("Replies to replies are not supported")
    review = _review(ctx, repo, pr, {"event": "COMMENT"}, parent["commit_id"])
    pr.reviews.append(review)
    anchor = {"body": text, "line": parent.get("line"), "side": parent.get("side")}
    if parent["start_line"] is not None:
        anchor.update(start_line=parent["start_line"], start_side=parent["start_side"])
    entry = FileDiff(parent["path"], "modified", "")
    position = (parent["position"], 0) if "position" in parent else None
    stored = _store_comment(ctx, repo, pr, review["id"], anchor, entry, position, parent["commit_id"], parent["id"])
    stored.update(diff_hunk=parent["diff_hunk"], subject_type=parent["subject_type"])
    return Reply(201, public(stored))


@operation("reactions/create-for-pull-request-review-comment")
async def react_to_review_comment(ctx: Ctx) -> Reply:
    _, comment = _comment(ctx)
    from bot.sandbox.api_issues import add_reaction

    return add_reaction(ctx, comment)
