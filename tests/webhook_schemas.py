"""Validates webhook payloads against the schemas in ../shared/github (octokit draft-07, GitHub OpenAPI 3.1)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator, Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7, DRAFT202012

GITHUB = Path(__file__).resolve().parents[1].parent / "shared" / "github"
SCHEMAS = GITHUB / "webhooks" / "schemas"
OPENAPI_WEBHOOKS = GITHUB / "openapi" / "webhooks.trimmed.json"
OPENAPI_URI = "urn:github:webhooks"


@cache
def octokit_registry() -> Registry:
    """Every draft-07 schema file, keyed by its `$id` (relative `$ref`s resolve against those ids)."""
    registry: Registry = Registry()
    for path in sorted(SCHEMAS.rglob("*.schema.json")):
        contents = json.loads(path.read_text())
        registry = registry.with_resource(contents["$id"], Resource.from_contents(contents, DRAFT7))
    return registry


@cache
def openapi_registry() -> tuple[dict[str, Any], Registry]:
    doc = json.loads(OPENAPI_WEBHOOKS.read_text())
    return doc, Registry().with_resource(OPENAPI_URI, Resource.from_contents(doc, DRAFT202012))


def _messages(errors: Any) -> list[str]:
    return sorted(f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in errors)


def octokit_errors(event: str, action: str | None, payload: dict[str, Any]) -> list[str]:
    """Errors against octokit/webhooks' schema `<event>$<action>` (`ping$event` for ping)."""
    schema_id = f"{event}${action or 'event'}"
    validator = Draft7Validator({"$ref": schema_id}, registry=octokit_registry())
    return _messages(validator.iter_errors(payload))


def openapi_errors(event: str, action: str | None, payload: dict[str, Any]) -> list[str]:
    """Errors against the payload schema GitHub's own OpenAPI description gives the webhook."""
    doc, registry = openapi_registry()
    key = event.replace("_", "-") + (f"-{action.replace('_', '-')}" if action else "")
    ref = doc["webhooks"][key]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    validator = Draft202012Validator({"$ref": OPENAPI_URI + ref}, registry=registry)
    return _messages(validator.iter_errors(payload))


def validate_payload(event: str, action: str | None, payload: dict[str, Any]) -> None:
    """Raise AssertionError listing every schema error of a payload, against both schema sets."""
    errors = [f"octokit: {e}" for e in octokit_errors(event, action, payload)]
    errors += [f"openapi: {e}" for e in openapi_errors(event, action, payload)]
    assert not errors, f"{event}.{action} payload breaks GitHub's webhook schemas:\n" + "\n".join(errors)
