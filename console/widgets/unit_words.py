"""Words for emergency units in the interface language: kinds, duties, freshness, the map legend."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def kind_word(kind: str) -> str:
    words = {
        "inspector": QCoreApplication.translate("Units", "Inspector"),
        "grid_member": QCoreApplication.translate("Units", "Grid member"),
        "monitoring_van": QCoreApplication.translate("Units", "Monitoring van"),
        "sprinkler": QCoreApplication.translate("Units", "Sprinkler truck"),
        "enforcement": QCoreApplication.translate("Units", "Law-enforcement car"),
        "drone": QCoreApplication.translate("Units", "Drone"),
        "instrument": QCoreApplication.translate("Units", "Portable instrument"),
    }
    return words.get(kind, kind)


def status_word(status: str) -> str:
    words = {
        "available": QCoreApplication.translate("Units", "Available"),
        "en_route": QCoreApplication.translate("Units", "En route"),
        "on_scene": QCoreApplication.translate("Units", "On scene"),
        "off_duty": QCoreApplication.translate("Units", "Off duty"),
    }
    return words.get(status, status)


def look_word(look: str) -> str:
    """How fresh a unit's position is: '' when live."""
    words = {
        "stale": QCoreApplication.translate("Units", "stale"),
        "lost": QCoreApplication.translate("Units", "lost"),
        "never": QCoreApplication.translate("Units", "no position yet"),
    }
    return words.get(look, "")


def distance_text(metres: float) -> str:
    if metres < 1000:
        return QCoreApplication.translate("Units", "{0} m").format(int(round(metres, -1)))
    return QCoreApplication.translate("Units", "{0} km").format(f"{metres / 1000:.1f}")


def duration_text(seconds: float) -> str:
    """A span as the board shows it: "4 min 10 s", "1 h 05 min"."""
    seconds = round(seconds)
    if seconds < 60:
        return QCoreApplication.translate("Units", "{0} s").format(seconds)
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return QCoreApplication.translate("Units", "{0} min {1} s").format(minutes, f"{secs:02d}")
    hours, minutes = divmod(minutes, 60)
    return QCoreApplication.translate("Units", "{0} h {1} min").format(hours, f"{minutes:02d}")


def unit_map_labels() -> dict[str, str]:
    """The units' legend on the map (keys as in map_page.DEFAULT_LABELS)."""
    return {
        "units": QCoreApplication.translate("Units", "Units"),
        "unit_vehicle": QCoreApplication.translate("Units", "Vehicle"),
        "unit_person": QCoreApplication.translate("Units", "Person"),
        "unit_drone": QCoreApplication.translate("Units", "Drone"),
        "unit_instrument": QCoreApplication.translate("Units", "Instrument"),
        "unit_en_route": QCoreApplication.translate("Units", "En route"),
        "unit_on_scene": QCoreApplication.translate("Units", "On scene"),
        "unit_stale": QCoreApplication.translate("Units", "No fix for 5 min"),
        "unit_lost": QCoreApplication.translate("Units", "Lost (30 min): last place"),
        "unit_sos": QCoreApplication.translate("Units", "SOS"),
    }
