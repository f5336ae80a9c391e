"""Issue endpoints on pull requests: labels (auto-created like GitHub), issue comments and reactions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.sandbox import render
from bot.sandbox.routing import ApiError, Ctx, Reply, not_found, operation, paginate, public, repo_of
from bot.sandbox.state import PullRequest, Repo, now_iso

if TYPE_CHECKING:
    from bot.sandbox.server import GitHubStandIn


def issue_of(ctx: Ctx) -> tuple[Repo, PullRequest]:
    """The pull request behind an issue number (the stand-in's issues are its pull requests)."""
    repo = repo_of(ctx)
    pr = repo.pulls.get(ctx.int_param("issue_number"))
    if pr is None:
        raise not_found()
    return repo, pr


def _label_names(body: Any) -> list[str]:
    """Names from any of add-labels' four body shapes."""
    items = body.get("labels", []) if isinstance(body, dict) else body
    return [item["name"] if isinstance(item, dict) else item for item in items or []]


def ensure_label(repo: Repo, name: str) -> dict[str, Any]:
    if name not in repo.labels:
        repo.labels[name] = render.label(repo, name)
    return repo.labels[name]


@operation("issues/add-labels")
async def add_labels(ctx: Ctx) -> Reply:
    repo, pr = issue_of(ctx)
    for name in _label_names(ctx.body):
        ensure_label(repo, name)
        if name not in pr.labels:
            pr.labels.append(name)
    return Reply(200, [repo.labels[n] for n in pr.labels])


@operation("issues/remove-label")
async def remove_label(ctx: Ctx) -> Reply:
    repo, pr = issue_of(ctx)
    name = ctx.params["name"]
    if name not in pr.labels:
        raise ApiError(404, "Label does not exist")
    pr.labels.remove(name)
    return Reply(200, [repo.labels[n] for n in pr.labels])


@operation("issues/list-labels-on-issue")
async def list_labels_on_issue(ctx: Ctx) -> Reply:
    repo, pr = issue_of(ctx)
    return paginate(ctx, [repo.labels[n] for n in pr.labels])


@operation("issues/create-label")
async def create_label(ctx: Ctx) -> Reply:
    repo = repo_of(ctx)
    name = ctx.body["name"]
    if name in repo.labels:
        raise ApiError(422, "Validation Failed", [{"resource": "Label", "code": "already_exists", "field": "name"}])
    color = ctx.body.get("color", "ededed").lstrip("#")
    repo.labels[name] = render.label(repo, name, color, ctx.body.get("description"))
    return Reply(201, repo.labels[name])


@operation("issues/get-label")
async def get_label(ctx: Ctx) -> Reply:
    label = repo_of(ctx).labels.get(ctx.params["name"])
    if label is None:
        raise not_found()
    return Reply(200, label)


def store_comment(standin: GitHubStandIn, repo: Repo, number: int, login: str, body: str) -> dict[str, Any]:
    """Record an issue comment on a pull request; return the stored object (with private `_` keys)."""
    world = standin.world
    if number not in repo.pulls:
        raise ValueError(f"{repo.full_name} has no pull request #{number}")
    comment_id = world.next_id()
    is_bot = login.endswith("[bot]")
    comment: dict[str, Any] = {
        "id": comment_id, "node_id": f"IC_{comment_id}",
        "url": f"{render.API}/repos/{repo.full_name}/issues/comments/{comment_id}",
        "html_url": f"{render.WEB}/{repo.full_name}/pull/{number}#issuecomment-{comment_id}",
        "body": body, "user": render.user(world, login, "Bot" if is_bot else "User"),
        "created_at": now_iso(), "updated_at": now_iso(),
        "issue_url": f"{render.API}/repos/{repo.full_name}/issues/{number}",
        "author_association": "NONE" if is_bot else render.association(repo, login),
        "performed_via_github_app": None, "__issue": number, "__reactions": [],
    }
    repo.issue_comments[comment_id] = comment
    return comment


@operation("issues/create-comment")
async def create_comment(ctx: Ctx) -> Reply:
    repo, pr = issue_of(ctx)
    from bot.sandbox.api_reviews import bot_login

    return Reply(201, public(store_comment(ctx.standin, repo, pr.number, bot_login(), ctx.body["body"])))


@operation("issues/list-comments")
async def list_comments(ctx: Ctx) -> Reply:
    repo, pr = issue_of(ctx)
    return paginate(ctx, [public(c) for c in repo.issue_comments.values() if c["__issue"] == pr.number])


def _comment(ctx: Ctx) -> dict[str, Any]:
    comment = repo_of(ctx).issue_comments.get(ctx.int_param("comment_id"))
    if comment is None:
        raise not_found()
    return comment


@operation("issues/get-comment")
async def get_comment(ctx: Ctx) -> Reply:
    return Reply(200, public(_comment(ctx)))


@operation("issues/update-comment")
async def update_comment(ctx: Ctx) -> Reply:
    comment = _comment(ctx)
    comment.update(body=ctx.body["body"], updated_at=now_iso())
    return Reply(200, public(comment))


@operation("reactions/create-for-issue-comment")
async def react_to_issue_comment(ctx: Ctx) -> Reply:
    return add_reaction(ctx, _comment(ctx))


def add_reaction(ctx: Ctx, comment: dict[str, Any]) -> Reply:
    """201 with a new reaction, or 200 with the existing one when the bot already reacted so."""
    from bot.sandbox.api_reviews import bot_login

    reactions = comment.setdefault("__reactions", [])
    content = ctx.body["content"]
    for reaction in reactions:
        if reaction["content"] == content and reaction["user"]["login"] == bot_login():
            return Reply(200, reaction)
    reaction_id = ctx.world.next_id()
    reaction = {"id": reaction_id, "node_id": f"REA_{reaction_id}", "user": render.user(ctx.world, bot_login(), "Bot"),
                "content": content, "created_at": now_iso()}
    reactions.append(reaction)
    return Reply(201, reaction)
