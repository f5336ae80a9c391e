"""Installation events: remember which accounts and repositories the App is installed on."""

from __future__ import annotations

from gidgethub import routing, sansio

from bot.intake import Intake

router = routing.Router()


@router.register("installation")
async def on_installation(event: sansio.Event, intake: Intake) -> None:
    data = event.data
    inst = data["installation"]
    repos = [r["full_name"] for r in data.get("repositories") or []] if "repositories" in data else None
    active = data["action"] not in ("deleted", "suspend")
    await intake.record_installation(int(inst["id"]), inst["account"]["login"], repos, active)


@router.register("installation_repositories")
async def on_installation_repositories(event: sansio.Event, intake: Intake) -> None:
    data = event.data
    inst = data["installation"]
    known = intake.store.installation(intake.conn, int(inst["id"]))
    repos = set(known["repositories"] if known else [])
    repos |= {r["full_name"] for r in data.get("repositories_added") or []}
    repos -= {r["full_name"] for r in data.get("repositories_removed") or []}
    await intake.record_installation(int(inst["id"]), inst["account"]["login"], sorted(repos), True)
