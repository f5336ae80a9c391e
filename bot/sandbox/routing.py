"""What stand-in handlers share: the call context, replies, GitHub-style errors, pagination and the handler table."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from bot.sandbox.state import Repo, World

if TYPE_CHECKING:
    from bot.sandbox.server import GitHubStandIn

DOCS = "https://docs.github.com/rest"


class ApiError(Exception):
    """An error answer in GitHub's shape: {"message", "documentation_url", "errors"?, "status"}."""

    def __init__(self, status: int, message: str, errors: list[Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message, "documentation_url": DOCS, "status": str(self.status)}
        if self.errors is not None:
            out["errors"] = self.errors
        return out


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


@dataclass
class Ctx:
    """One API call as a handler sees it."""

    standin: GitHubStandIn
    params: dict[str, str]
    query: dict[str, list[str]]
    body: Any
    installation_id: int | None
    url: str  # the request URL without its query, as the client used it
    accept: str = ""

    @property
    def world(self) -> World:
        return self.standin.world

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def int_param(self, name: str) -> int:
        try:
            return int(self.params[name])
        except ValueError:
            raise not_found() from None


@dataclass
class Reply:
    """A handler's answer: status, a JSON body (or raw bytes with a content type) and extra headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    content_type: str = "application/json; charset=utf-8"


Handler = Callable[[Ctx], Awaitable[Reply]]
HANDLERS: dict[str, Handler] = {}


def operation(operation_id: str) -> Callable[[Handler], Handler]:
    """Register a handler for a GitHub operationId (the description gives its method and path)."""

    def register(handler: Handler) -> Handler:
        HANDLERS[operation_id] = handler
        return handler

    return register


def public(item: dict[str, Any]) -> dict[str, Any]:
    """A stored object without the stand-in's private `__` keys (GitHub's own `_links` stays)."""
    return {k: v for k, v in item.items() if not k.startswith("__")}


def paginate(ctx: Ctx, items: list[Any], cap: int | None = None) -> Reply:
    """A page of `items` per `per_page` (max 100, default 30) and `page`, with GitHub's Link header."""
    if cap is not None:
        items = items[:cap]
    per_page = max(1, min(100, _int(ctx.arg("per_page"), 30)))
    page = max(1, _int(ctx.arg("page"), 1))
    last = max(1, -(-len(items) // per_page))
    chunk = items[(page - 1) * per_page : page * per_page]
    links = []
    for rel, target in (("prev", page - 1), ("next", page + 1), ("last", last), ("first", 1)):
        if (rel in ("prev", "first") and page > 1) or (rel in ("next", "last") and page < last):
            query = {**{k: v[-1] for k, v in ctx.query.items()}, "per_page": str(per_page), "page": str(target)}
            links.append(f'<{ctx.url}?{urlencode(query)}>; rel="{rel}"')
    return Reply(200, chunk, {"Link": ", ".join(links)} if links else {})


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def repo_of(ctx: Ctx) -> Repo:
    """The repository named by the path, if the caller's installation can see it (404 otherwise, like GitHub)."""
    repo = ctx.world.repo(ctx.params["owner"], ctx.params["repo"])
    if ctx.installation_id is not None and repo.installation_id != ctx.installation_id:
        raise not_found()
    return repo
