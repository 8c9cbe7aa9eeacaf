"""The one entry point: children by name when frozen, ``-m`` from source, and the package's file list."""

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from console import entry

ROOT = Path(__file__).resolve().parents[1]


def test_from_source_children_run_as_modules() -> None:
    assert entry.child_command("console.hub", ["--simulate"]) == [
        sys.executable,
        "-m",
        "console.hub",
        "--simulate",
    ]


def test_frozen_children_run_as_the_program_itself_with_their_name(monkeypatch) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert entry.child_command("console.hub", ["--simulate"]) == [sys.executable, "hub", "--simulate"]
    assert entry.child_command("console.sim.simulator")[1:] == ["simulator"]
    assert entry.child_command("console.widgets.map_build", ["job.json"])[1:] == ["map-build", "job.json"]


def test_a_module_the_console_does_not_start_is_refused() -> None:
    with pytest.raises(ValueError, match=r"console\.app"):
        entry.child_command("console.app")


@pytest.mark.parametrize(
    ("name", "says"), [("hub", "--hj212-port"), ("sim", "--site"), ("simulator", "--hj212")]
)
def test_main_py_runs_each_child_by_its_name(name, says) -> None:
    """What the frozen program does with ``ecoconsole hub ...``: here through main.py, the same code."""
    done = subprocess.run(
        [sys.executable, "main.py", name, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert says in done.stdout


def test_map_build_child_writes_the_page(tmp_path) -> None:
    """The map page builder run by name builds a page from a job file, as the map view asks it to."""
    import msgspec

    from console.widgets.map_build import BuildJob

    page = tmp_path / "map.html"
    boundary = {
        "type": "Polygon",
        "coordinates": [[[115.9, 40.4], [116.1, 40.4], [116.1, 40.6], [115.9, 40.4]]],
    }
    job = tmp_path / "job.json"
    job.write_bytes(msgspec.json.encode(BuildJob(page=str(page), boundary=boundary, stations=[], options={})))
    done = subprocess.run(
        [sys.executable, "main.py", "map-build", str(job)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "leaflet" in page.read_text(encoding="utf-8").lower()


def test_the_wheel_lists_every_package_of_the_source_tree() -> None:
    """pyproject.toml lists the packages (resources/ is mapped into the package): a new one must be added."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "console").rglob("__init__.py")}
    assert listed == found | {"console.resources"}
