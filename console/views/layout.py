"""Which views go on which screen: a TOML layout file, sensible defaults for 1, 2 and 3+ screens.

A layout file looks like::

    # screens are taken in the order the system lists them (left to right on most walls)
    [[screen]]
    views = ["situation"]
    [[screen]]
    views = ["map"]
    [[screen]]
    views = ["action"]
    stretch = [1]          # optional, one number per view

Screens beyond those listed get no window; views of listed screens that do not exist move to the last
screen that does, so nothing disappears when a monitor is unplugged.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

VIEWS = ("situation", "map", "action")


class LayoutError(ValueError):
    """A layout file that cannot be used; the message says where and why."""


@dataclass
class ScreenPlan:
    """The views one screen shows, left to right, with their relative widths."""

    views: list[str]
    stretch: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.stretch:
            self.stretch = [2 if v == "map" else 1 for v in self.views]


def default_layout(screens: int) -> list[ScreenPlan]:
    """One screen: everything side by side; two: map | numbers and actions; three or more: one each."""
    if screens <= 1:
        return [ScreenPlan(["situation", "map", "action"], [1, 2, 1])]
    if screens == 2:
        return [ScreenPlan(["map"]), ScreenPlan(["situation", "action"])]
    return [ScreenPlan(["situation"]), ScreenPlan(["map"]), ScreenPlan(["action"])]


def load_layout(path: Path) -> list[ScreenPlan]:
    """Read a TOML layout file; raises LayoutError with a clear message when it is wrong."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LayoutError(f"cannot read layout file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise LayoutError(f"layout file {path} is not valid TOML: {exc}") from None
    screens = data.get("screen")
    if not isinstance(screens, list) or not screens:
        raise LayoutError(f"layout file {path} has no [[screen]] tables")
    return [_screen(path, n, entry) for n, entry in enumerate(screens, 1)]


def _screen(path: Path, n: int, entry: object) -> ScreenPlan:
    fields = entry if isinstance(entry, dict) else {}
    views = fields.get("views")
    if not isinstance(views, list) or not views or not all(isinstance(v, str) for v in views):
        raise LayoutError(f"{path}: screen {n} needs views = [...] naming some of {', '.join(VIEWS)}")
    unknown = [v for v in views if v not in VIEWS]
    if unknown:
        raise LayoutError(
            f"{path}: screen {n} names unknown view(s) {', '.join(unknown)}; use {', '.join(VIEWS)}"
        )
    stretch = fields.get("stretch", [])
    if stretch and (len(stretch) != len(views) or not all(isinstance(s, int) and s > 0 for s in stretch)):
        raise LayoutError(f"{path}: screen {n} stretch must have one positive integer per view")
    return ScreenPlan(list(views), list(stretch))


def fit_to_screens(plan: list[ScreenPlan], screens: int) -> list[ScreenPlan]:
    """Fold a plan onto the screens that exist: extra screens' views join the last one; no view is lost."""
    if screens <= 0:
        return []
    if len(plan) <= screens:
        return plan
    kept = [ScreenPlan(list(p.views), list(p.stretch)) for p in plan[:screens]]
    for extra in plan[screens:]:
        kept[-1].views += extra.views
        kept[-1].stretch += extra.stretch
    seen: set[str] = set()
    for screen in kept:  # a view can only be in one place
        pairs = []
        for v, s in zip(screen.views, screen.stretch, strict=True):
            if v not in seen:
                seen.add(v)
                pairs.append((v, s))
        screen.views, screen.stretch = [v for v, _ in pairs], [s for _, s in pairs]
    return [s for s in kept if s.views]


def crowding(plan: list[ScreenPlan], screens: int) -> int:
    """The most views any one screen shows side by side once the plan is folded onto ``screens``."""
    return max((len(p.views) for p in fit_to_screens(plan, max(1, screens))), default=1)
