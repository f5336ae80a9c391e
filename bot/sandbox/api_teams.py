"""Team endpoints: a user's membership in an organization's team."""

from __future__ import annotations

from bot.sandbox.routing import Ctx, Reply, not_found, operation


@operation("teams/get-membership-for-user-in-org")
async def get_membership_for_user_in_org(ctx: Ctx) -> Reply:
    """200 with `state` (active or pending) for a member, 404 otherwise; only the installation's own org is visible."""
    org, slug, login = ctx.params["org"], ctx.params["team_slug"], ctx.params["username"]
    account = ctx.world.installations.get(ctx.installation_id or -1, "")
    if account.lower() != org.lower():
        raise not_found()
    team = ctx.world.teams.get(f"{org}/{slug}".lower())
    if team is None or login.lower() not in team:
        raise not_found()
    state, role = team[login.lower()]
    url = f"{ctx.standin.url}/teams/{ctx.world.user_id(f'{org}/{slug}'.lower())}/memberships/{login}"
    return Reply(200, {"url": url, "role": role, "state": state})
