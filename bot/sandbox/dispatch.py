"""The request pipeline of the stand-in: route, authenticate, validate, inject faults, handle, validate, record."""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web
from werkzeug.datastructures import Headers

from bot.sandbox import contract
from bot.sandbox.auth import credential
from bot.sandbox.routing import DOCS, HANDLERS, ApiError, Ctx, Reply
from bot.sandbox.state import NotFound

if TYPE_CHECKING:
    from bot.sandbox.server import GitHubStandIn

APP_JWT_OPERATIONS = {"apps/create-installation-access-token", "apps/get-repo-installation"}


@dataclass
class Fault:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None


def route_pattern(template: str) -> str:
    """An aiohttp route for a description path: ids are digits, `{path}` and `{ref}` span segments."""
    for name in ("path", "ref"):
        template = template.replace("{" + name + "}", "{" + name + ":.+}")
    for name in ("installation_id", "pull_number", "issue_number", "comment_id", "check_run_id"):
        template = template.replace("{" + name + "}", "{" + name + r":\d+}")
    return template


class Dispatcher:
    """Turns HTTP requests into handler calls for one stand-in."""

    def __init__(self, standin: GitHubStandIn) -> None:
        self.standin = standin
        self.faults: dict[str, list[Fault]] = {}
        self.delays: dict[str, list[float]] = {}
        self.used: dict[str, int] = {}
        self.reset_at = int(time.time()) + 3600

    def application(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        for operation_id in HANDLERS:
            method, template = contract.operations()[operation_id]
            app.router.add_route(method, route_pattern(template), self._endpoint(operation_id))
        app.router.add_post("/graphql", self._graphql)
        app.router.add_get("/_codeload/{owner}/{repo}/legacy.tar.gz/{sha}", self._codeload)
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        return app

    def _endpoint(self, operation_id: str) -> Any:
        async def endpoint(request: web.Request) -> web.Response:
            return await self.handle(operation_id, request)

        return endpoint

    async def _codeload(self, request: web.Request) -> web.Response:
        """The download a tarball redirect points at (codeload.github.com's part; not a REST operation)."""
        from bot.sandbox.api_repos import tarball

        target = self.standin.archives.pop(request.query.get("token", ""), None)
        if target is None or target[1] != request.match_info["sha"]:
            return web.Response(status=404, text="Not Found")
        owner, name = target[0].split("/")
        repo = self.standin.world.repo(owner, name)
        body = tarball(owner, name, target[1], repo.commits[target[1]].tree)
        return web.Response(body=body, content_type="application/x-gzip")

    async def _graphql(self, request: web.Request) -> web.Response:
        """POST /graphql: installation token required; queries checked against GitHub's GraphQL schema."""
        from bot.sandbox.graphql_api import answer

        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        installation, who, reply = self._authenticate("graphql", request)
        fault = self._pop(self.faults, graphql_fault_key(body), None) if reply is None else None
        if fault is not None:  # fail_next("graphql:<root field>"), e.g. graphql:resolveReviewThread
            reply = self._fault_reply(fault)
        if reply is None:
            data, violations = answer(self.standin, installation or 0, body)
            self.standin.violations.extend(violations)
            reply = Reply(400 if violations and "errors" not in data else 200, data)
        return await self._finish(None, request, body, reply, who, operation_id="graphql")

    async def _unknown(self, request: web.Request) -> web.Response:
        self.standin.violations.append(f"no operation in the description for {request.method} {request.path}")
        return await self._finish(None, request, None, Reply(404, ApiError(404, "Not Found").body()), "anonymous")

    async def handle(self, operation_id: str, request: web.Request) -> web.Response:
        """Delay, parse, authenticate, check the request, apply the rate limit or a fault, handle, finish."""
        await asyncio.sleep(self.standin.latency + self._pop(self.delays, operation_id, 0.0))
        raw = await request.read()
        body, reply, who, installation = None, None, "anonymous", None
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            reply = Reply(400, {"message": "Problems parsing JSON", "documentation_url": DOCS})
        if reply is None:
            installation, who, reply = self._authenticate(operation_id, request)
        if reply is None:
            reply = self._check_request(operation_id, request, raw)
        if reply is None and self.used.get(who, 0) >= self.standin.rate_limit:
            reply = Reply(403, {"message": f"API rate limit exceeded for {who}.", "documentation_url": DOCS})
        if reply is None:
            fault = self._pop(self.faults, operation_id, None)
            reply = self._fault_reply(fault) if fault else await self._run(operation_id, request, body, installation)
        return await self._finish(operation_id, request, body, reply, who)

    def _authenticate(self, operation_id: str, request: web.Request) -> tuple[int | None, str, Reply | None]:
        """(installation id, rate-limit bucket, None) or an error reply for a missing or bad credential."""
        cred = credential(request.headers.get("Authorization"))
        if cred is None:
            return None, "anonymous", _unauthorized("Requires authentication")
        auth = self.standin.auth
        if operation_id in APP_JWT_OPERATIONS:
            reason = auth.verify_app_jwt(cred[1])
            return None, "app", (_unauthorized(reason) if reason else None)
        installation = auth.installation_for(cred[1])
        if installation is None:
            return None, "anonymous", _unauthorized("Bad credentials")
        return installation, f"installation:{installation}", None

    def _check_request(self, operation_id: str, request: web.Request, raw: bytes) -> Reply | None:
        errors = contract.check_request(
            operation_id, dict(request.match_info), _query(request), dict(request.headers), raw,
            request.headers.get("Content-Type", ""),
        )
        if not errors:
            return None
        self.standin.violations.extend(errors)
        return Reply(400, {"message": "Contract violation: " + "; ".join(errors), "documentation_url": DOCS})

    async def _run(self, operation_id: str, request: web.Request, body: Any, installation: int | None) -> Reply:
        url = str(request.url.with_query(None))
        ctx = Ctx(self.standin, dict(request.match_info), _query(request), body, installation, url,
                  request.headers.get("Accept", ""))
        try:
            return await HANDLERS[operation_id](ctx)
        except ApiError as error:
            return Reply(error.status, error.body())
        except NotFound:
            return Reply(404, ApiError(404, "Not Found").body())

    def _fault_reply(self, fault: Fault) -> Reply:
        body = fault.body or {"message": "Server Error" if fault.status >= 500 else "Error"}
        return Reply(fault.status, {"documentation_url": DOCS, **body}, dict(fault.headers))

    async def _finish(
        self, checked: str | None, request: web.Request, body: Any, reply: Reply, who: str,
        operation_id: str | None = None,
    ) -> web.Response:
        """Check the response against the description (when `checked` names an operation), record it, send it."""
        operation_id = operation_id or checked
        data = reply.raw if reply.raw is not None else (b"" if reply.body is None else json.dumps(reply.body).encode())
        headers = {**self._rate_headers(who), **reply.headers}
        if checked is not None:
            errors = contract.check_response(
                checked, dict(request.match_info), reply.status, data, reply.content_type, Headers(headers)
            )
            if errors:
                self.standin.violations.extend(errors)
                reply = Reply(500, {"message": "Stand-in contract violation: " + "; ".join(errors)})
                data = json.dumps(reply.body).encode()
        self._record(operation_id, request, body, reply, data)
        content_type = reply.content_type if data else None
        response = web.Response(status=reply.status, body=data or None, headers=headers)
        if content_type:
            response.headers["Content-Type"] = content_type
        return response

    def _rate_headers(self, who: str) -> dict[str, str]:
        limit = self.standin.rate_limit
        used = self.used[who] = min(limit, self.used.get(who, 0) + 1)
        return {
            "x-ratelimit-limit": str(limit), "x-ratelimit-remaining": str(limit - used),
            "x-ratelimit-reset": str(self.reset_at), "x-ratelimit-used": str(used), "x-ratelimit-resource": "core",
            "x-github-media-type": "github.v3; format=json",
            "x-github-request-id": f"STANDIN:{len(self.standin.calls)}",
        }

    def _record(self, operation_id: str | None, request: web.Request, body: Any, reply: Reply, data: bytes) -> None:
        from bot.sandbox.server import Call

        response_json = None
        if data and reply.content_type.startswith("application/json"):
            response_json = json.loads(data)
        query = {k: v[-1] for k, v in _query(request).items()}
        self.standin.record(Call(request.method, request.path, operation_id, reply.status, body, response_json, query))

    @staticmethod
    def _pop(table: dict[str, list[Any]], key: str, default: Any) -> Any:
        queue = table.get(key)
        return queue.pop(0) if queue else default


def graphql_fault_key(body: Any) -> str:
    """`graphql:<first root field>` of a GraphQL request (the name `fail_next` takes for GraphQL faults)."""
    query = body.get("query") if isinstance(body, dict) else None
    found = re.search(r"\{\s*(\w+)", query) if isinstance(query, str) else None
    return f"graphql:{found.group(1) if found else ''}"


def _unauthorized(message: str) -> Reply:
    return Reply(401, {"message": message, "documentation_url": DOCS, "status": "401"})


def _query(request: web.Request) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in request.query.items():
        out.setdefault(key, []).append(value)
    return out
