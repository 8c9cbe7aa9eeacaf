"""The unit registry of a site directory (units.csv): loading, errors by file, line and field, writing."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.core.units import UnitInfo, UnitKind, UnitSource
from console.hub.site import Site, SiteError, load_site, write_site
from tests.sitekit import write_small_site

UNITS = """id,name,kind,team,source,device
VAN-1,监测车1,monitoring_van,监测站,jt808,013800000001
INSP-7,巡查员 张三,inspector,一中队,osmand,zhang-phone
UAV-1,无人机1,drone,,,
"""


def test_units_load_with_their_source_and_device(tmp_path: Path) -> None:
    directory = write_small_site(tmp_path)
    (directory / "units.csv").write_text(UNITS, encoding="utf-8")
    site = load_site(directory)
    van, inspector, drone = site.units
    assert (van.id, van.kind, van.source, van.device, van.team) == (
        "VAN-1", UnitKind.MONITORING_VAN, UnitSource.JT808, "013800000001", "监测站"
    )  # fmt: skip
    assert inspector.name == "巡查员 张三" and inspector.source == UnitSource.OSMAND
    assert drone.source == UnitSource.SIM and drone.device == ""  # source defaults to the simulator
    assert site.missing == ()


def test_a_site_without_units_says_nothing_of_them(tmp_path: Path) -> None:
    site = load_site(write_small_site(tmp_path))
    assert site.units == () and not any("units" in item for item in site.missing)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("VAN-2,车,bus,,jt808,1380", "units.csv:5: kind: must be one of"),
        ("VAN-2,车,sprinkler,,radio,1", "units.csv:5: source: must be one of jt808, osmand, sim"),
        ("VAN-2,车,sprinkler,,jt808,", "units.csv:5: device: is required for jt808 units"),
        ("VAN-2,车,sprinkler,,jt808,13800A", "units.csv:5: device: must be the terminal's phone number"),
        ("VAN-1,车,sprinkler,,sim,", "units.csv:5: id: 'VAN-1' appears twice"),
        (
            "VAN-2,车,sprinkler,,jt808,13800000001",
            "units.csv:5: device: '13800000001' of jt808 appears twice",
        ),
        (",车,sprinkler,,sim,", "units.csv:5: id: is required"),
        ("VAN 2,车,sprinkler,,sim,", "units.csv:5: id: must be at most 64 characters without"),
    ],
)
def test_a_bad_unit_row_names_its_line_and_field(tmp_path: Path, row: str, expected: str) -> None:
    directory = write_small_site(tmp_path)
    (directory / "units.csv").write_text(UNITS + row + "\n", encoding="utf-8")
    with pytest.raises(SiteError) as caught:
        load_site(directory)
    assert expected in str(caught.value)


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    directory = write_small_site(tmp_path)
    (directory / "units.csv").write_text("id,name\nA,B\n", encoding="utf-8")
    with pytest.raises(SiteError, match=r"units\.csv:1: kind: column missing"):
        load_site(directory)


def test_units_are_written_and_read_back(tmp_path: Path) -> None:
    units = (
        UnitInfo(id="S-1", name="洒水车1", kind=UnitKind.SPRINKLER, team="环卫", source=UnitSource.JT808,
                 device="13900000001"),
        UnitInfo(id="G-1", name="网格员1", kind=UnitKind.GRID_MEMBER, source=UnitSource.OSMAND, device="g1"),
    )  # fmt: skip
    write_site(Site(units=units), tmp_path / "site")
    assert load_site(tmp_path / "site").units == units
