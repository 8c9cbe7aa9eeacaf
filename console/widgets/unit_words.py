"""Words for emergency units in the interface language: kinds, duties, freshness, the map legend."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def _t(text: str) -> str:
    return QCoreApplication.translate("Units", text)


def kind_word(kind: str) -> str:
    words = {
        "inspector": _t("Inspector"),
        "grid_member": _t("Grid member"),
        "monitoring_van": _t("Monitoring van"),
        "sprinkler": _t("Sprinkler truck"),
        "enforcement": _t("Law-enforcement car"),
        "drone": _t("Drone"),
        "instrument": _t("Portable instrument"),
    }
    return words.get(kind, kind)


def status_word(status: str) -> str:
    words = {
        "available": _t("Available"),
        "en_route": _t("En route"),
        "on_scene": _t("On scene"),
        "off_duty": _t("Off duty"),
    }
    return words.get(status, status)


def look_word(look: str) -> str:
    """How fresh a unit's position is: '' when live."""
    words = {"stale": _t("stale"), "lost": _t("lost"), "never": _t("no position yet")}
    return words.get(look, "")


def distance_text(metres: float) -> str:
    if metres < 1000:
        return _t("{0} m").format(int(round(metres, -1)))
    return _t("{0} km").format(f"{metres / 1000:.1f}")


def duration_text(seconds: float) -> str:
    """A span as the board shows it: "4 min 10 s", "1 h 05 min"."""
    seconds = round(seconds)
    if seconds < 60:
        return _t("{0} s").format(seconds)
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return _t("{0} min {1} s").format(minutes, f"{secs:02d}")
    hours, minutes = divmod(minutes, 60)
    return _t("{0} h {1} min").format(hours, f"{minutes:02d}")


def unit_map_labels() -> dict[str, str]:
    """The units' legend on the map (keys as in map_page.DEFAULT_LABELS)."""
    return {
        "units": _t("Units"),
        "unit_vehicle": _t("Vehicle"),
        "unit_person": _t("Person"),
        "unit_drone": _t("Drone"),
        "unit_instrument": _t("Instrument"),
        "unit_en_route": _t("En route"),
        "unit_on_scene": _t("On scene"),
        "unit_stale": _t("No fix for 5 min"),
        "unit_lost": _t("Lost (30 min): last place"),
        "unit_sos": _t("SOS"),
    }
