"""What the hub's REST API feeds the view-models: its requests handed to each, and the region (townships,
boundary, bureau) spread to every one that names townships."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from console.core.session import ConsoleSession
    from console.desks import Desks
    from console.viewmodels.incidents import IncidentViewModel
    from console.viewmodels.units import UnitViewModel
    from console.viewmodels.wall import WallViewModel


def wire_api(
    session: ConsoleSession, incidents: IncidentViewModel, units: UnitViewModel, desks: Desks
) -> None:
    """Once the session is connected: commands through its outbox, fetches through its REST client."""
    api = session.api
    assert api is not None, "after ConsoleSession.connect()"
    incidents.commands = session.commands
    incidents.fetch_trail, incidents.upload = api.incident, api.upload_attachment
    incidents.fetch_assessment, incidents.fetch_assessment_csv = api.assessment, api.assessment_csv
    incidents.fetch_attachment, incidents.fetch_roster = api.attachment, api.roster
    units.commands, units.fetch_track = session.commands, api.track
    reports = desks.reports
    reports.fetch_report, reports.fetch_trail = api.report_figures, api.incident
    reports.fetch_attachment = api.attachment
    desks.briefing.fetch_report, desks.briefing.fetch_forecast = api.report, api.forecast


async def fetch_region(api: Any, session: ConsoleSession) -> dict[str, Any]:
    """The hub's region (townships, boundary), kept in the cache for the next offline start."""
    from console.core.region import fetch_region as fetch

    region = await fetch(api)
    session.local.remember_region(region)
    return region


def spread_region(
    region: dict[str, Any], wall: WallViewModel, incidents: IncidentViewModel, desks: Desks | None
) -> None:
    """The region's township names to everyone that shows them (the desks once they are built)."""
    from console.core.region import township_names

    names = township_names(region)
    wall.set_township_names(names)
    incidents.set_township_names(names)
    if desks is not None:
        desks.set_region(region, names)
