"""Checks every stand-in request and response against GitHub's OpenAPI description (openapi-core).

The description shipped in `data/rest-api.json` is GitHub's own, cut down (see `data/recut.py` and
`../shared/github/README.md`). A few constructs in it trip openapi-core; they are handled here, in a
copy loaded into memory, never by editing the file:

- `discriminator` next to inline `oneOf` branches (checks/create) or a mapping onto an array schema
  (repos/get-content): OpenAPI 3.0 makes the discriminator a hint, the `oneOf` decides, so it is dropped.
- `nullable: true` next to an `enum` that does not list null: null is added to the enum, which is
  what `nullable` means in 3.0.
- `x-multi-segment` path parameters (`{path}` may contain `/`): the operation is looked up by its
  template and the path parameters come from the router, not from re-matching the URL.
- the media types GitHub only describes in prose (the diff/patch/raw variants of pulls/get and
  repos/get-content): their bodies are not validated, the status code still is.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.validation.request.exceptions import SecurityValidationError
from werkzeug.datastructures import Headers, ImmutableMultiDict

HOST_URL = "https://api.github.com"
JSON_TYPES = ("application/json", "application/vnd.github.object")


def load_description() -> dict[str, Any]:
    """The shipped description as parsed JSON (a fresh copy)."""
    text = resources.files("bot.sandbox").joinpath("data/rest-api.json").read_text(encoding="utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


def adapt(node: Any) -> Any:
    """Return a copy of a description node with the loader fixes above applied."""
    if isinstance(node, list):
        return [adapt(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: adapt(value) for key, value in node.items() if key != "discriminator"}
    enum = out.get("enum")
    if out.get("nullable") is True and isinstance(enum, list) and None not in enum:
        out["enum"] = [*enum, None]
    return out


@cache
def operations() -> dict[str, tuple[str, str]]:
    """operationId -> (HTTP method, path template)."""
    found: dict[str, tuple[str, str]] = {}
    for path, item in load_description()["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and "operationId" in op:
                found[op["operationId"]] = (method.upper(), path)
    return found


@cache
def documented_statuses() -> dict[str, set[int]]:
    """operationId -> the response status codes the description lists."""
    out: dict[str, set[int]] = {}
    for item in load_description()["paths"].values():
        for op in item.values():
            if isinstance(op, dict) and "operationId" in op:
                out[op["operationId"]] = {int(code) for code in op["responses"] if code.isdigit()}
    return out


@cache
def openapi() -> OpenAPI:
    """The adapted description as an openapi-core application object (built once per process)."""
    return OpenAPI.from_dict(adapt(load_description()))


@dataclass
class CheckedRequest:
    """A request as openapi-core's Request protocol wants it."""

    method: str
    path_pattern: str
    parameters: RequestParameters
    body: bytes | None
    content_type: str
    host_url: str = HOST_URL

    @property
    def path(self) -> str:
        return self.path_pattern

    @property
    def full_url_pattern(self) -> str:
        return self.host_url + self.path_pattern


@dataclass
class CheckedResponse:
    """A response as openapi-core's Response protocol wants it."""

    status_code: int
    data: bytes
    content_type: str
    headers: Headers = field(default_factory=Headers)


def _describe(prefix: str, operation_id: str, error: BaseException) -> str:
    """One line naming the operation and every schema error under an openapi-core exception."""
    details: list[str] = []
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop()
        inner = list(getattr(current, "schema_errors", ()) or ())
        inner += [e for e in (current.__cause__, current.__context__) if e is not None]
        if not inner:
            path = "/".join(str(p) for p in getattr(current, "absolute_path", ()))
            details.append(f"{path}: {getattr(current, 'message', current)}" if path else str(current))
        pending.extend(inner)
    return f"{prefix} {operation_id}: {type(error).__name__}: " + "; ".join(dict.fromkeys(details))


def check_request(
    operation_id: str,
    path_params: dict[str, str],
    query: dict[str, list[str]],
    headers: dict[str, str],
    body: bytes | None,
    content_type: str,
) -> list[str]:
    """Contract violations of one request (empty when it matches the operation)."""
    method, template = operations()[operation_id]
    params = RequestParameters(
        path=path_params,
        query=ImmutableMultiDict([(k, v) for k, values in query.items() for v in values]),
        header=Headers(headers),
    )
    request = CheckedRequest(method.lower(), template, params, body or None, content_type.lower())
    errors = []
    for error in openapi().iter_request_errors(request):
        if isinstance(error, SecurityValidationError):
            continue  # the description declares no security; auth is checked by the stand-in itself
        errors.append(_describe("request", operation_id, error))
    return errors


def check_response(
    operation_id: str, path_params: dict[str, str], status: int, body: bytes, content_type: str, headers: Headers
) -> list[str]:
    """Contract violations of one response the stand-in is about to send."""
    if status not in documented_statuses()[operation_id]:
        return _check_undocumented(operation_id, status, body)
    if body and not content_type.startswith(JSON_TYPES):
        return []  # a media type GitHub describes only in prose (diff, patch, raw)
    method, template = operations()[operation_id]
    request = CheckedRequest(method.lower(), template, RequestParameters(path=path_params), None, "")
    response = CheckedResponse(status, body, content_type, headers)
    return [_describe("response", operation_id, e) for e in openapi().iter_response_errors(request, response)]


def _check_undocumented(operation_id: str, status: int, body: bytes) -> list[str]:
    """GitHub answers any call with 401/403/5xx errors the description omits: require its error shape."""
    if status < 400:
        return [f"response {operation_id}: status {status} is not in the description"]
    try:
        parsed = json.loads(body) if body else {}
    except ValueError:
        return [f"response {operation_id}: error body is not JSON"]
    if not isinstance(parsed, dict) or not isinstance(parsed.get("message"), str):
        return [f"response {operation_id}: error body lacks a string `message`"]
    return []


def example(name: str) -> dict[str, Any]:
    """A copy of a component example's value (used as a template for realistic responses)."""
    value: dict[str, Any] = copy.deepcopy(load_example_values()[name])
    return value


@cache
def load_example_values() -> dict[str, Any]:
    """Component example name -> example value."""
    return {name: ex["value"] for name, ex in load_description()["components"]["examples"].items()}
