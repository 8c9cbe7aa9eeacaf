"""Builds the map page in a child process: ``python -m console.widgets.map_build JOB.json``.

folium, jinja2 and shapely stay out of the console's own process (about 25 MB), and the GUI thread never
waits for a page build.
"""

from __future__ import annotations

import sys
from pathlib import Path

import msgspec

from console.core.models import Station


class BuildJob(msgspec.Struct):
    """Everything one page build needs; written by MapView, read here."""

    page: str
    boundary: dict
    stations: list[Station]
    options: dict


def main(argv: list[str]) -> int:
    from console.widgets.map_page import PageOptions, build_page

    job = msgspec.json.decode(Path(argv[0]).read_bytes(), type=BuildJob)
    options = dict(job.options)
    options["center"] = tuple(options["center"]) if options.get("center") else None
    options["label_kinds"] = tuple(options.get("label_kinds", ()))
    build_page(Path(job.page), job.boundary, job.stations, PageOptions(**options))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
