"""The one list of features: the routers that turn webhooks into work, and the publishers a job runs.

Add a feature here and nowhere else (bedevere's `__main__` line). `app.yml` subscribes to
exactly the events these routers take (tests/bot/test_manifest.py checks it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from gidgethub import routing

from bot import approvals, checkrun, commands, installations, labels, pulls, repo_config, review, summary, threads
from bot.context import JobContext, Outcome

router = routing.Router(pulls.router, checkrun.router, installations.router,
                        commands.router)  # commands and label guard: issue 7

PUBLISHERS: tuple[Callable[[JobContext, Outcome], Awaitable[None]], ...] = (
    approvals.attach,  # first: the label and the check read the approvals (issue 7)
    review.publish, threads.publish, labels.publish, summary.publish, repo_config.publish)
"""Run in order after the analysis; bot/checkrun.py completes the check run after them."""


def handled_events() -> dict[str, set[str] | None]:
    """event -> actions routed (None: every action), from the routers themselves."""
    out: dict[str, set[str] | None] = {event: None for event in router._shallow_routes}
    for event, details in router._deep_routes.items():
        if event not in out:
            out[event] = {str(a) for a in details.get("action", {})}
    return out
