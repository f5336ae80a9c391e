"""Re-cut the stand-in's OpenAPI description: the shared trimmed document plus operations taken from @octokit/openapi.

Reproduce with:

    cd /tmp && npm pack @octokit/openapi@23.0.2 && tar xzf octokit-openapi-23.0.2.tgz
    python bot/sandbox/data/recut.py \
        --trimmed ../shared/github/openapi/rest-api.trimmed.json \
        --upstream /tmp/package/generated/api.github.com.json \
        --out bot/sandbox/data/rest-api.json

Operations already in the trimmed document are kept exactly as they are there (including the upstream
bits restored for checks/create and issues/add-labels). Each added operation is copied without the
`x-octokit` key the republished copy adds, with every component it references (transitively) that the
trimmed document lacks. The additions are recorded in `info.x-source.additions`.
"""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path
from typing import Any

ADDED_OPERATIONS = (
    "issues/list-labels-on-issue",
    "issues/create-label",
    "issues/get-label",
    "issues/get-comment",
    "pulls/request-reviewers",
    "pulls/list-requested-reviewers",
    "reactions/create-for-pull-request-review-comment",
    "pulls/create-review-comment",
    "teams/get-membership-for-user-in-org",
)
PACKAGE = "npm package @octokit/openapi 23.0.2, file generated/api.github.com.json"
UPSTREAM_COMMIT = "0000036e42b5e7121c2b1ac244cb7bba1d2f3914"
# The republished copy replaces pulls/request-reviewers with an older hand-written operation (octokit/openapi
# scripts/overrides/pulls-request-reviewers.json) that drops upstream's `anyOf`; these are upstream's values at
# UPSTREAM_COMMIT (github/rest-api-description, descriptions/api.github.com/api.github.com.json).
REQUEST_REVIEWERS_UPSTREAM = {
    "description": (
        "Requests reviews for a pull request from a given set of users and/or teams.\nThis endpoint triggers "
        "[notifications](https://docs.github.com/github/managing-subscriptions-and-notifications-on-github/"
        "about-notifications). Creating content too quickly using this endpoint may result in secondary rate "
        "limiting. For more information, see \"[Rate limits for the API](https://docs.github.com/rest/using-the-"
        "rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits)\" and \"[Best practices for using the "
        "REST API](https://docs.github.com/rest/guides/best-practices-for-using-the-rest-api).\""
    ),
    "externalDocs": {
        "description": "API method documentation",
        "url": "https://docs.github.com/rest/pulls/review-requests#request-reviewers-for-a-pull-request",
    },
    "anyOf": [{"required": ["reviewers"]}, {"required": ["team_reviewers"]}],
}
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def find_operation(doc: dict[str, Any], operation_id: str) -> tuple[str, str, dict[str, Any]]:
    """Return (path, method, operation) for an operationId, or raise KeyError."""
    for path, item in doc["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return path, method, op
    raise KeyError(operation_id)


def refs_in(node: Any) -> set[str]:
    """Every local `$ref` target found anywhere inside a JSON node."""
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/"):
            found.add(ref)
        for value in node.values():
            found |= refs_in(value)
    elif isinstance(node, list):
        for value in node:
            found |= refs_in(value)
    return found


def copy_components(out: dict[str, Any], upstream: dict[str, Any], start: set[str]) -> list[str]:
    """Copy every referenced component missing from `out` (transitively); return the refs added."""
    added: list[str] = []
    pending = sorted(start)
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, kind, name = ref.split("/", 3)
        section = out["components"].setdefault(kind, {})
        if name not in section:
            section[name] = copy.deepcopy(upstream["components"][kind][name])
            added.append(ref)
        pending.extend(sorted(refs_in(section[name]) - seen))
    return sorted(added)


def restore_request_reviewers(op: dict[str, Any]) -> None:
    """Put back upstream's text and its `anyOf` (reviewers or team_reviewers required) on pulls/request-reviewers."""
    op["description"] = REQUEST_REVIEWERS_UPSTREAM["description"]
    op["externalDocs"] = copy.deepcopy(REQUEST_REVIEWERS_UPSTREAM["externalDocs"])
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    schema["anyOf"] = copy.deepcopy(REQUEST_REVIEWERS_UPSTREAM["anyOf"])


def recut(trimmed: dict[str, Any], upstream: dict[str, Any]) -> dict[str, Any]:
    """The trimmed document extended with ADDED_OPERATIONS and their components."""
    out = copy.deepcopy(trimmed)
    operations_listed = out["info"].setdefault("x-trimmed-operations", [])
    new_refs: set[str] = set()
    added_ops: list[str] = []
    for operation_id in ADDED_OPERATIONS:
        if operation_id in operations_listed:
            continue
        path, method, op = find_operation(upstream, operation_id)
        op = {k: v for k, v in copy.deepcopy(op).items() if k != "x-octokit"}
        if operation_id == "pulls/request-reviewers":
            restore_request_reviewers(op)
        out["paths"].setdefault(path, {})[method] = op
        operations_listed.append(operation_id)
        added_ops.append(operation_id)
        new_refs |= refs_in(op)
    components = copy_components(out, upstream, new_refs)
    out["info"]["x-source"]["additions"] = {
        "copy_used": PACKAGE,
        "operations": added_ops,
        "components": components,
        "edits": [
            "x-octokit removed from each added operation; otherwise copied as published",
            "pulls/request-reviewers: the republished copy replaces this operation with an older hand-written one "
            f"(no anyOf, old text); description, externalDocs and the body's anyOf restored from upstream commit "
            f"{UPSTREAM_COMMIT}",
        ],
        "script": "bot/sandbox/data/recut.py",
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trimmed", type=Path, required=True)
    parser.add_argument("--upstream", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    doc = recut(json.loads(args.trimmed.read_text()), json.loads(args.upstream.read_text()))
    args.out.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
