"""The stand-in's GraphQL endpoint: review threads, resolving them, minimizing comments; checked against the schema.

Every query is validated against GitHub's public schema (`data/schema.graphql`, from `@octokit/graphql-schema`);
an invalid one is a contract violation. Execution covers what review bookkeeping needs: `repository.pullRequest`
with `reviewThreads` and their `comments`, `node(id:)`, and the mutations `resolveReviewThread`,
`unresolveReviewThread`, `minimizeComment` and `unminimizeComment`. Other fields resolve to null.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError, GraphQLObjectType, GraphQLSchema, build_schema, execute, parse, validate

from bot.sandbox.state import PullRequest, Repo

if TYPE_CHECKING:
    from bot.sandbox.server import GitHubStandIn


@cache
def schema() -> GraphQLSchema:
    """GitHub's schema with the stand-in's resolvers attached (built once per process; about a second)."""
    text = resources.files("bot.sandbox").joinpath("data/schema.graphql").read_text(encoding="utf-8")
    built = build_schema(text, assume_valid_sdl=True)
    built._validation_errors = []  # GitHub's published schema trips two of graphql-core's own schema checks
    _attach(built)
    return built


def _field(built: GraphQLSchema, type_name: str, field: str, resolver: Any) -> None:
    owner = built.type_map[type_name]
    assert isinstance(owner, GraphQLObjectType)
    owner.fields[field].resolve = resolver


def _attach(built: GraphQLSchema) -> None:
    _field(built, "Query", "repository", _repository)
    _field(built, "Query", "node", _node)
    _field(built, "Repository", "pullRequest", _pull_request)
    _field(built, "PullRequest", "reviewThreads", _review_threads)
    _field(built, "PullRequestReviewThread", "comments", _thread_comments)
    _field(built, "Mutation", "resolveReviewThread", _resolve(True))
    _field(built, "Mutation", "unresolveReviewThread", _resolve(False))
    _field(built, "Mutation", "minimizeComment", _minimize(True))
    _field(built, "Mutation", "unminimizeComment", _minimize(False))


def answer(standin: GitHubStandIn, installation_id: int, body: Any) -> tuple[dict[str, Any], list[str]]:
    """(response JSON, contract violations) for one POST /graphql."""
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return {"message": "A query attribute must be specified and must be a string."}, ["graphql: no query"]
    try:
        document = parse(body["query"])
    except GraphQLError as error:
        return {"errors": [error.formatted]}, [f"graphql: {error.message}"]
    errors = validate(schema(), document)
    if errors:
        return {"errors": [e.formatted for e in errors]}, [f"graphql: {e.message}" for e in errors]
    context = {"standin": standin, "installation_id": installation_id}
    result = execute(schema(), document, context_value=context, variable_values=body.get("variables"))
    assert not hasattr(result, "__await__")  # every resolver is synchronous
    out: dict[str, Any] = {"data": result.data}
    if result.errors:
        out["errors"] = [e.formatted for e in result.errors]
    return out, []


# -- objects ------------------------------------------------------------------------------------------


def _visible_repo(info: Any, owner: str, name: str) -> Repo | None:
    standin = info.context["standin"]
    repo: Repo | None = standin.world.repos.get(f"{owner}/{name}".lower())
    return repo if repo is not None and repo.installation_id == info.context["installation_id"] else None


def _repository(_root: Any, info: Any, owner: str, name: str, **_: Any) -> dict[str, Any] | None:
    repo = _visible_repo(info, owner, name)
    if repo is None:
        raise GraphQLError(f"Could not resolve to a Repository with the name '{owner}/{name}'.")
    return {"__typename": "Repository", "id": f"R_{repo.id}", "name": repo.name, "nameWithOwner": repo.full_name,
            "databaseId": repo.id, "__repo": repo}


def _pull_request(source: dict[str, Any], _info: Any, number: int) -> dict[str, Any]:
    repo: Repo = source["__repo"]
    pr = repo.pulls.get(number)
    if pr is None:
        raise GraphQLError(f"Could not resolve to a PullRequest with the number of {number}.")
    return {"__typename": "PullRequest", "id": f"PR_{repo.id}_{pr.number}", "number": pr.number,
            "title": pr.title, "headRefOid": pr.head_sha, "baseRefOid": pr.base_sha, "headRefName": pr.head,
            "baseRefName": pr.base, "isDraft": pr.draft, "__repo": repo, "__pr": pr}


def _threads(repo: Repo, pr: PullRequest) -> list[dict[str, Any]]:
    comments = [c for c in repo.review_comments.values() if c["__pull"] == pr.number]
    return [_thread(repo, c, comments) for c in comments if "in_reply_to_id" not in c]


def _thread(repo: Repo, top: dict[str, Any], comments: list[dict[str, Any]]) -> dict[str, Any]:
    replies = [c for c in comments if c.get("in_reply_to_id") == top["id"]]
    resolved = bool(top.get("__resolved"))
    return {
        "__typename": "PullRequestReviewThread", "id": f"PRRT_{top['id']}", "isResolved": resolved,
        "isCollapsed": resolved, "isOutdated": False, "path": top["path"], "line": top.get("line"),
        "originalLine": top.get("original_line"), "startLine": top.get("start_line"),
        "originalStartLine": top.get("original_start_line"), "diffSide": top.get("side") or "RIGHT",
        "startDiffSide": top.get("start_side"), "subjectType": top["subject_type"].upper(),
        "viewerCanReply": True, "viewerCanResolve": not resolved, "viewerCanUnresolve": resolved,
        "__comments": [top, *replies], "__repo": repo,
    }


def _comment(repo: Repo, comment: dict[str, Any]) -> dict[str, Any]:
    kind = "PullRequestReviewComment" if "pull_request_review_id" in comment else "IssueComment"
    login = comment["user"]["login"]
    author = {"__typename": "Bot" if login.endswith("[bot]") else "User", "login": login.removesuffix("[bot]")}
    reason = comment.get("__minimized")
    return {"__typename": kind, "id": comment["node_id"], "databaseId": comment["id"], "body": comment["body"],
            "author": author, "url": comment["html_url"], "createdAt": comment["created_at"],
            "path": comment.get("path"), "isMinimized": reason is not None,
            "minimizedReason": reason.lower() if reason else None, "viewerCanMinimize": True}


def _connection(items: list[dict[str, Any]], first: int | None, after: str | None) -> dict[str, Any]:
    """A cursor connection; cursors are list offsets."""
    start = int(after) + 1 if after else 0
    chunk = items[start : start + (first if first is not None else 100)]
    end = start + len(chunk) - 1
    return {"nodes": chunk, "totalCount": len(items),
            "edges": [{"cursor": str(start + i), "node": node} for i, node in enumerate(chunk)],
            "pageInfo": {"hasNextPage": end + 1 < len(items), "hasPreviousPage": start > 0,
                         "startCursor": str(start) if chunk else None, "endCursor": str(end) if chunk else None}}


def _review_threads(source: dict[str, Any], _info: Any, first: int | None = None, after: str | None = None,
                    **_: Any) -> dict[str, Any]:
    return _connection(_threads(source["__repo"], source["__pr"]), first, after)


def _thread_comments(source: dict[str, Any], _info: Any, first: int | None = None, after: str | None = None,
                     **_: Any) -> dict[str, Any]:
    repo = source["__repo"]
    return _connection([_comment(repo, c) for c in source["__comments"]], first, after)


# -- lookups and mutations ----------------------------------------------------------------------------


def _find(info: Any, node_id: str) -> tuple[Repo, dict[str, Any]]:
    """(repo, stored comment) for a thread id (its first comment) or a comment node id."""
    standin = info.context["standin"]
    for repo in standin.world.repos.values():
        if repo.installation_id != info.context["installation_id"]:
            continue
        for table in (repo.review_comments, repo.issue_comments):
            for comment in table.values():
                if node_id in (comment["node_id"], f"PRRT_{comment['id']}"):
                    return repo, comment
    raise GraphQLError(f"Could not resolve to a node with the global id of '{node_id}'")


def _node(_root: Any, info: Any, id: str) -> dict[str, Any]:
    repo, comment = _find(info, id)
    if id.startswith("PRRT_"):
        comments = [c for c in repo.review_comments.values() if c["__pull"] == comment["__pull"]]
        return _thread(repo, comment, comments)
    return _comment(repo, comment)


def _resolve(resolved: bool) -> Any:
    def mutate(_root: Any, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        repo, top = _find(info, input["threadId"])
        if not input["threadId"].startswith("PRRT_") or "in_reply_to_id" in top:
            raise GraphQLError(f"Could not resolve to a PullRequestReviewThread with the id '{input['threadId']}'")
        top["__resolved"] = resolved
        comments = [c for c in repo.review_comments.values() if c["__pull"] == top["__pull"]]
        return {"clientMutationId": input.get("clientMutationId"), "thread": _thread(repo, top, comments)}

    return mutate


def _minimize(minimized: bool) -> Any:
    def mutate(_root: Any, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        repo, comment = _find(info, input["subjectId"])
        if minimized:
            comment["__minimized"] = input["classifier"]
        else:
            comment.pop("__minimized", None)
        key = "minimizedComment" if minimized else "unminimizedComment"
        return {"clientMutationId": input.get("clientMutationId"), key: _comment(repo, comment)}

    return mutate
