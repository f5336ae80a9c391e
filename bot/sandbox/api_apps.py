"""GitHub App endpoints: installation access tokens and a repository's installation (App JWT required)."""

from __future__ import annotations

from bot.sandbox import render
from bot.sandbox.routing import ApiError, Ctx, Reply, operation, repo_of


@operation("apps/create-installation-access-token")
async def create_installation_access_token(ctx: Ctx) -> Reply:
    installation_id = ctx.int_param("installation_id")
    if installation_id not in ctx.world.installations:
        raise ApiError(404, "Not Found")
    token = ctx.standin.auth.issue(installation_id)
    repos = [r for r in ctx.world.repos.values() if r.installation_id == installation_id]
    body = {
        "token": token.token,
        "expires_at": token.expires_at_iso,
        "permissions": render.installation(ctx.world, installation_id, ctx.standin.app_id)["permissions"],
        "repository_selection": "all",
        "repositories": [render.repository(ctx.world, r) for r in repos],
    }
    return Reply(201, body)


@operation("apps/get-repo-installation")
async def get_repo_installation(ctx: Ctx) -> Reply:
    repo = repo_of(ctx)
    return Reply(200, render.installation(ctx.world, repo.installation_id, ctx.standin.app_id))
