"""``main.py report``: from a running hub over REST and from a hub's data directory; bad input exits 2."""

from __future__ import annotations

import asyncio
import zipfile

import pytest
from openpyxl import load_workbook

from console.entry import main as entry_main
from console.hub.storage import Storage
from tests.net.hubkit import PW, TOKEN, running_hub
from tests.net.test_report import HOURLY, _store_days


def _run(capsys, *argv: object) -> tuple[int, str, str]:
    code = entry_main(["report", *map(str, argv)])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def data_dir(tmp_path):
    """A hub's data directory with three stored days of two hourly air stations (2015-12-01 ..03)."""
    folder = tmp_path / "hub"
    storage = Storage(f"sqlite:///{folder / 'hub.db'}")
    storage.upsert_stations([(s, PW) for s in HOURLY])
    _store_days(storage, 3)
    storage.close()
    return folder


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["yearly", "--period", "2015"], "unknown report kind 'yearly'"),
        (["monthly", "--period", "2015-13"], "bad monthly period '2015-13'"),
        (["episode", "--period", "2015-12-03/2015-12-01"], "ends before it starts"),
        (["monthly", "--period", "2015-12"], "give either --hub URL"),
    ],
)
def test_bad_kind_period_or_source_exit_2_with_a_message(capsys, tmp_path, argv, message):
    code, _out, err = _run(capsys, *argv, "--out", tmp_path / "r.pdf")
    assert code == 2
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "r.pdf").exists()


def test_a_folder_without_a_hub_database_exits_2(capsys, tmp_path):
    code, _out, err = _run(
        capsys, "monthly", "--period", "2015-12", "--data-dir", tmp_path, "--out", tmp_path / "r.pdf"
    )
    assert code == 2 and "holds no hub database" in err


def test_a_hub_that_is_not_there_exits_2(capsys, tmp_path, unused_tcp_port):
    hub = f"http://127.0.0.1:{unused_tcp_port}"
    argv = ["daily", "--period", "2015-12-01", "--hub", hub, "--token", "t", "--out", tmp_path / "r.pdf"]
    code, _out, err = _run(capsys, *argv)
    assert code == 2 and f"the hub at {hub} did not give the report" in err


def test_from_a_data_directory_without_a_server(capsys, data_dir, tmp_path):
    """(The PDF from a data directory: tests/qt/test_report_pdf.py, where Qt's application is set up.)"""
    out = tmp_path / "w.xlsx"
    code, printed, err = _run(capsys, "weekly", "--period", "2015-W49", "--data-dir", data_dir, "--out", out)
    assert code == 0, err
    assert "周报" in printed and "workbook" in printed
    book = load_workbook(out)
    days = book["days"]
    assert [days.cell(row=r, column=1).value for r in range(3, 10)] == [f"2015-{d}" for d in
            ("11-30", "12-01", "12-02", "12-03", "12-04", "12-05", "12-06")]  # fmt: skip
    assert [days.cell(row=r, column=5).value for r in (4, 5, 6)] == [40.0, 40.0, 40.0]  # 30 and 50 averaged


@pytest.mark.asyncio
async def test_from_a_running_hub_over_rest(capsys, tmp_path):
    async with running_hub(tmp_path, HOURLY) as hub:
        _store_days(hub.storage, 3)
        url = f"http://127.0.0.1:{hub.http_port}"
        argv = ["report", "monthly", "--period", "2015-12", "--hub", url, "--token", TOKEN, "--format", "csv",
                "--out", str(tmp_path / "month.csv")]  # fmt: skip
        code = await asyncio.to_thread(entry_main, argv)
        assert code == 0, capsys.readouterr().err
        with zipfile.ZipFile(tmp_path / "month.zip") as archive:
            days = archive.read("days.csv").decode("utf-8-sig").splitlines()
        assert len(days) == 1 + 31
        assert days[1].startswith("2015-12-01,") and days[1].endswith(",40.0")  # PM2.5 of the city
        argv[argv.index(TOKEN)] = "wrong"
        code = await asyncio.to_thread(entry_main, argv)
        assert code == 2 and "missing or wrong token" in capsys.readouterr().err
