"""Importing archived history: real PRSA rows and the long CSV format into a real SQLite data dir, then a
hub started on it serving that history without the simulated city."""

from __future__ import annotations

import asyncio
import csv
import json
import math
import os
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp
import pytest
import sqlalchemy as sa

from console.hub.__main__ import main as hub_main
from console.hub.importers import loader
from console.hub.storage import Storage
from tests.conftest import shared_file

ROOT = Path(__file__).resolve().parents[2]
BEIJING = timezone(timedelta(hours=8))
PRSA_DIR = "data/PRSA_Data_20130301-20170228"
SLICE = ("Aotizhongxin", "Dongsi")
HOURS = 24 * 7  # 2013-03-01 .. 2013-03-07, Beijing time
CO, PM25, PM10, PRES, WD, RH = "a21005", "a34004", "a34002", "a01006", "a01008", "a01002"
PLAIN = {"PM2.5": PM25, "PM10": PM10, "SO2": "a21026", "NO2": "a21004", "O3": "a05024", "TEMP": "a01001"}
PLAIN |= {"WSPM": "a01007"}
TOKEN = "import-token"


@pytest.fixture(scope="module")
def prsa_slice(tmp_path_factory) -> Path:
    """The first week of two stations' real PRSA files, copied as PRSA files of their own."""
    folder = tmp_path_factory.mktemp("prsa")
    for name in SLICE:
        source = next(shared_file(PRSA_DIR).glob(f"PRSA_Data_{name}_*.csv"))
        with source.open(encoding="utf-8") as handle:
            head = [next(handle) for _ in range(HOURS + 1)]
        (folder / f"PRSA_Data_{name}_week.csv").write_text("".join(head), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def coords() -> Path:
    return shared_file("data/station_coordinates.json")


def run_import(capsys, *argv: object) -> tuple[int, str]:
    """``python -m console.hub import ...`` in this process: its exit status and what it printed on stderr."""
    with pytest.raises(SystemExit) as ended:
        hub_main(["import", *map(str, argv)])
    return ended.value.code, capsys.readouterr().err


def import_slice(capsys, folder: Path, coords: Path, data_dir: Path) -> tuple[int, str]:
    return run_import(capsys, "prsa", folder, "--coords", coords, "--data-dir", data_dir)


def expected_readings(folder: Path) -> tuple[dict, list[tuple[str, int]]]:
    """(station, factor, ts) -> value computed here from the CSVs, and the rows that are not numbers."""
    expected, broken = {}, []
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8") as handle:
            for line, row in enumerate(csv.DictReader(handle), start=2):
                ts = datetime(*(int(row[k]) for k in ("year", "month", "day", "hour")), tzinfo=BEIJING)
                cells = {k: v for k, v in row.items() if k in (*PLAIN, "CO", "PRES", "DEWP") and v != "NA"}
                try:
                    numbers = {k: float(v) for k, v in cells.items()}
                except ValueError:
                    broken.append((path.name, line))
                    continue
                station = row["station"]
                for column, code in PLAIN.items():
                    if column in numbers:
                        expected[(station, code, ts.timestamp())] = numbers[column]
                if "CO" in numbers:  # the CSV gives µg/m³, HJ 212 and the wall mg/m³
                    expected[(station, CO, ts.timestamp())] = numbers["CO"] / 1000
                if "PRES" in numbers:  # hPa -> kPa
                    expected[(station, PRES, ts.timestamp())] = numbers["PRES"] / 10
                if row["wd"] != "NA":
                    expected[(station, WD, ts.timestamp())] = COMPASS_DEGREES[row["wd"]]
                if "TEMP" in numbers and "DEWP" in numbers:
                    expected[(station, RH, ts.timestamp())] = humidity(numbers["TEMP"], numbers["DEWP"])
    return expected, broken


COMPASS_DEGREES = {"N": 0, "NNE": 22.5, "NE": 45, "ENE": 67.5, "E": 90, "ESE": 112.5, "SE": 135}
COMPASS_DEGREES |= {"SSE": 157.5, "S": 180, "SSW": 202.5, "SW": 225, "WSW": 247.5, "W": 270}
COMPASS_DEGREES |= {"WNW": 292.5, "NW": 315, "NNW": 337.5}


def humidity(t: float, td: float) -> float:
    """Relative humidity from the saturation vapour pressures at dew point and at air temperature."""

    def saturation(c: float) -> float:
        return 6.1094 * math.exp(17.625 * c / (c + 243.04))

    return min(100.0, round(100 * saturation(td) / saturation(t), 1))


def stored_readings(storage: Storage) -> dict:
    readings = storage.readings_between(0, 2e9, limit=10**7)
    return {(r.station, r.factor, r.ts): r.value for r in readings}


def counts(data_dir: Path) -> tuple[int, ...]:
    """Uploads, roll-up rows, the values they count and their sum, and stations: what an import adds."""
    engine = sa.create_engine(f"sqlite:///{data_dir / 'hub.db'}")
    with engine.connect() as conn:
        found = conn.exec_driver_sql(
            "SELECT (SELECT count(*) FROM frames), count(*), sum(count), round(sum(total), 6),"
            " (SELECT count(*) FROM stations) FROM hourly_rollup"
        ).one()
    engine.dispose()
    return tuple(found)


def test_prsa_values_units_and_stations(capsys, tmp_path, prsa_slice, coords):
    status, err = import_slice(capsys, prsa_slice, coords, tmp_path)
    assert status == 0, err
    expected, broken = expected_readings(prsa_slice)
    storage = Storage(f"sqlite:///{tmp_path / 'hub.db'}")
    try:
        stored = stored_readings(storage)
        stations = {s.id: (s, pw) for s, pw in storage.load_stations()}
    finally:
        storage.close()
    assert f"readings: {len(stored):,} ({counts(tmp_path)[0]:,} new moments" in err
    derived = {key: value for key, value in stored.items() if key[1] in ("AQI_H", "AQI_D")}
    measured = {key: value for key, value in stored.items() if key not in derived}
    assert measured.keys() == expected.keys()
    assert measured == {key: pytest.approx(value, abs=1e-9) for key, value in expected.items()}
    # Derived as the hub derives live data. 2013-03-05 12:00 at Aotizhongxin, by hand from its CSV row:
    # PM2.5 142 µg/m³, graded on the 24-hour table: 150 + 50 / 35 * (142 - 115) = 188.57, rounded up 189;
    # PM10 184 -> 117, NO2 136 -> 68, SO2 104 -> 35, CO 2.299 mg/m³ -> 23, O3 15 -> 5.
    noon = datetime(2013, 3, 5, 12, tzinfo=BEIJING).timestamp()
    assert derived[("Aotizhongxin", "AQI_H", noon)] == 189
    assert derived[("Aotizhongxin", "AQI_D", noon - 12 * 3600)] == 199  # see the hub test below
    for name, line in broken:  # the source's own broken rows are named, not imported
        assert f"{name}:{line}: bad number" in err
    places = json.loads(coords.read_text(encoding="utf-8"))["prsa_stations"]
    assert set(stations) == set(SLICE)
    for name, (station, _) in stations.items():
        assert (station.name, station.lon, station.lat) == (
            places[name]["zh"],
            places[name]["lon"],
            places[name]["lat"],
        )
        assert station.kind == "air" and station.interval_s == 3600 and len(station.mn) == 24
        assert {PM25, CO, WD, RH} <= set(station.factors)


def test_station_mn_is_stable_across_databases(capsys, tmp_path, prsa_slice, coords):
    mns = []
    for data_dir in (tmp_path / "a", tmp_path / "b"):
        import_slice(capsys, prsa_slice, coords, data_dir)
        storage = Storage(f"sqlite:///{data_dir / 'hub.db'}")
        mns.append({s.id: s.mn for s, _ in storage.load_stations()})
        storage.close()
    assert mns[0] == mns[1] and len(set(mns[0].values())) == len(SLICE)


def test_second_import_adds_nothing(capsys, tmp_path, prsa_slice, coords):
    import_slice(capsys, prsa_slice, coords, tmp_path)
    before = counts(tmp_path)
    storage = Storage(f"sqlite:///{tmp_path / 'hub.db'}")
    day = datetime(2013, 3, 5, tzinfo=BEIJING).timestamp()
    hourly = storage.history("Aotizhongxin", PM25, day, day + 86400, "1h")
    storage.close()
    status, err = import_slice(capsys, prsa_slice, coords, tmp_path)
    assert status == 0 and "(0 new" in err
    assert counts(tmp_path) == before
    assert before[0] > 0 and before[2] > before[0]  # uploads stored, several values each
    storage = Storage(f"sqlite:///{tmp_path / 'hub.db'}")
    assert storage.history("Aotizhongxin", PM25, day, day + 86400, "1h") == hourly
    storage.close()


PRSA_HEADER = '"No","year","month","day","hour","PM2.5","PM10","SO2","NO2","CO","O3","TEMP","PRES","DEWP",'
PRSA_HEADER += '"RAIN","wd","WSPM","station"\n'


def prsa_row(no: int, day: int, hour: int, pm25: str = "40", station: str = "Dongsi") -> str:
    return f'{no},2013,3,{day},{hour},{pm25},60,8,30,900,50,3.5,1015.2,-10.1,0,"NE",2.1,"{station}"\n'


def test_broken_rows_are_reported_with_file_and_line_and_skipped(capsys, tmp_path, coords):
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / "PRSA_Data_Dongsi_broken.csv"
    rows = [prsa_row(1, 1, 0), prsa_row(2, 1, 1, pm25="4o"), prsa_row(3, 31, 2).replace(",3,31,", ",2,31,")]
    rows += [prsa_row(4, 1, 3).replace(',"NE"', ""), prsa_row(5, 1, 4), prsa_row(6, 1, 5, station="Atlantis")]
    path.write_text(PRSA_HEADER + "".join(rows), encoding="utf-8")
    status, err = run_import(capsys, "prsa", folder, "--coords", coords, "--data-dir", tmp_path / "db")
    assert status == 0, err
    assert f"{path}:3: bad number '4o' in PM2.5" in err
    assert f"{path}:4: bad date 2013-2-31 hour 2" in err
    assert f"{path}:5: expected 18 columns, found 17" in err
    assert f"{path}:7: unknown station 'Atlantis'" in err
    assert "skipped rows: 4" in err
    storage = Storage(f"sqlite:///{tmp_path / 'db' / 'hub.db'}")
    hours = sorted({ts for (_, factor, ts) in stored_readings(storage) if factor == PM25})
    storage.close()
    assert hours == [datetime(2013, 3, 1, h, tzinfo=BEIJING).timestamp() for h in (0, 4)]


def test_a_wrong_header_refuses_the_file_whole(capsys, tmp_path, coords):
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / "PRSA_Data_Dongsi_renamed.csv"
    path.write_text(PRSA_HEADER.replace('"PM2.5"', '"PM25"') + prsa_row(1, 1, 0), encoding="utf-8")
    status, err = run_import(capsys, "prsa", folder, "--coords", coords, "--data-dir", tmp_path / "db")
    assert status == 1
    assert f"refused file: {path}: not a PRSA file" in err
    assert counts(tmp_path / "db") == (0, 0, None, None, 0)


def test_a_file_failing_half_way_leaves_nothing_of_its_station(capsys, tmp_path, coords, monkeypatch):
    monkeypatch.setattr(loader, "BATCH", 10)  # several batches are written before the failure
    folder = tmp_path / "in"
    folder.mkdir()
    good = "".join(prsa_row(n, 1 + n // 24, n % 24) for n in range(400))  # past the first read
    (folder / "PRSA_Data_Dongsi_cut.csv").write_bytes((PRSA_HEADER + good).encode() + b"\xff\xfe garbage\n")
    other = folder / "PRSA_Data_Tiantan_ok.csv"
    other.write_text(PRSA_HEADER + prsa_row(1, 1, 0, station="Tiantan"), encoding="utf-8")
    status, err = run_import(capsys, "prsa", folder, "--coords", coords, "--data-dir", tmp_path / "db")
    assert status == 1 and "PRSA_Data_Dongsi_cut.csv" in err and "refused file" in err
    storage = Storage(f"sqlite:///{tmp_path / 'db' / 'hub.db'}")
    try:
        assert [s.id for s, _ in storage.load_stations()] == ["Tiantan"]
        assert {station for station, _, _ in stored_readings(storage)} == {"Tiantan"}
        assert [r.station for r in storage.latest()] == ["Tiantan"] * len(storage.latest())
    finally:
        storage.close()


def test_long_csv_round_trip(capsys, tmp_path, prsa_slice, coords):
    """The PRSA week written out in the long format and imported into another data dir: the same history."""
    import_slice(capsys, prsa_slice, coords, tmp_path / "a")
    storage = Storage(f"sqlite:///{tmp_path / 'a' / 'hub.db'}")
    readings = storage.readings_between(0, 2e9, limit=10**7)
    registered = storage.load_stations()
    storage.close()
    with (tmp_path / "stations.csv").open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["id", "name", "kind", "lon", "lat", "interval_s"])
        out.writerows([s.id, s.name, s.kind, s.lon, s.lat, s.interval_s] for s, _ in registered)
    with (tmp_path / "long.csv").open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["station", "time", "factor", "value", "flag"])
        for r in readings:
            stamp = datetime.fromtimestamp(r.ts, BEIJING).isoformat()
            out.writerow([r.station, stamp, r.factor, repr(r.value), "" if r.flag == "N" else r.flag])
    long_args = ["csv", tmp_path / "long.csv", "--stations", tmp_path / "stations.csv"]
    status, err = run_import(capsys, *long_args, "--data-dir", tmp_path / "b")
    assert status == 0, err
    assert "skipped rows: 0" in err
    assert counts(tmp_path / "b") == counts(tmp_path / "a")
    storage = Storage(f"sqlite:///{tmp_path / 'b' / 'hub.db'}")
    try:
        assert storage.readings_between(0, 2e9, limit=10**7) == readings
        places = {s.id: (s.name, s.lon, s.lat, s.interval_s, s.factors) for s, _ in storage.load_stations()}
        assert places == {s.id: (s.name, s.lon, s.lat, s.interval_s, s.factors) for s, _ in registered}
    finally:
        storage.close()
    status, err = run_import(capsys, *long_args, "--data-dir", tmp_path / "b")
    assert "(0 new" in err and counts(tmp_path / "b") == counts(tmp_path / "a")


def test_long_csv_bad_rows_and_header(capsys, tmp_path):
    path = tmp_path / "bureau.csv"
    rows = [
        "station,time,factor,value,flag",
        "S1,2024-01-01T08:00:00+08:00,a34004,35,N",
        "S1,2024-01-01 09:00,a34004,36,N",
        "S1,2024-01-01T09:00:00Z,a99999,36,N",
        "S1,2024-01-01T10:00:00Z,a34004,lots,N",
        "S1,2024-01-01T11:00:00Z,a34004,12,X",
        "S2,2024-01-01T11:00:00Z,a34004,12,",
        "S1,2024-01-01T12:00:00Z,a34004,12",
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    stations = tmp_path / "stations.csv"
    stations.write_text(
        "id,name,kind,lon,lat,interval_s\nS1,East gate,air,116.4,39.9,3600\n", encoding="utf-8"
    )
    status, err = run_import(capsys, "csv", path, "--stations", stations, "--data-dir", tmp_path / "db")
    assert status == 0, err
    for line, reason in [
        (3, "time '2024-01-01 09:00' has no zone"), (4, "unknown factor code 'a99999'"),
        (5, "bad number 'lots'"), (6, "bad flag 'X'"), (7, "unknown station 'S2'"),
        (8, "expected 5 columns, found 4"),
    ]:  # fmt: skip
        assert f"{path}:{line}: {reason}" in err
    storage = Storage(f"sqlite:///{tmp_path / 'db' / 'hub.db'}")
    assert stored_readings(storage) == {("S1", PM25, 1704067200.0): 35.0}
    storage.close()
    path.write_text("site,time,factor,value,flag\n", encoding="utf-8")
    status, err = run_import(capsys, "csv", path, "--data-dir", tmp_path / "db2")
    assert status == 1 and "expected station,time,factor,value,flag" in err


@pytest.mark.asyncio
async def test_hub_serves_imported_history_without_the_simulator(capsys, tmp_path, prsa_slice, coords):
    import_slice(capsys, prsa_slice, coords, tmp_path)
    args = ["-m", "console.hub", "--http-port", "0", "--hj212-port", "0", "--token", TOKEN]
    args += ["--data-dir", str(tmp_path), "--log-level", "WARNING"]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *args, stdout=asyncio.subprocess.PIPE, env=os.environ | {"PYTHONPATH": str(ROOT)}
    )
    try:
        line = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode()
        assert line.startswith("READY"), line
        port = int(line.split()[1].removeprefix("http="))
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as http:
            await check_served_history(http, f"http://127.0.0.1:{port}")
    finally:
        proc.terminate()
        await proc.wait()


async def check_served_history(http: aiohttp.ClientSession, base: str) -> None:
    async with http.get(f"{base}/api/stations") as resp:
        assert {s["id"] for s in await resp.json()} == set(SLICE)
    day = datetime(2013, 3, 5, tzinfo=BEIJING).timestamp()

    async def points(factor: str, resolution: str) -> list:
        query = {"station": "Aotizhongxin", "factor": factor, "start": day, "end": day + 86400}
        async with http.get(f"{base}/api/history", params=query | {"resolution": resolution}) as resp:
            assert resp.status == 200, await resp.text()
            return (await resp.json())["points"]

    raw, hourly = await points(PM25, "raw"), await points(PM25, "1h")
    assert len(raw) == len(hourly) == 24 and all(p[2] == "N" for p in hourly)
    assert [p[1] for p in hourly] == [p[1] for p in raw]  # one value an hour: the hourly mean is that value
    # 2013-03-05 at Aotizhongxin, by hand from the CSV's 24 hours: PM2.5 3573 / 24 = 148.875 µg/m³, in
    # HJ 633's 115-150 band: IAQI = 150 + (200 - 150) / (150 - 115) * (148.875 - 115) = 198.39, rounded
    # up 199. The others are lower: PM10 183.8 -> 117, NO2 132.8 -> 127, SO2 93.9 -> 72, CO 2.36 mg/m³
    # -> 59, O3 at most 84 µg/m³ in any hour -> under 53. So the daily AQI is 199, valid (flag N).
    assert sum(p[1] for p in raw) == 3573
    (aqi_day,) = await points("AQI_D", "1d")
    assert aqi_day[:3] == [day, 199.0, "N"]
    aqi_hours = await points("AQI_H", "1h")
    assert len(aqi_hours) == 24 and aqi_hours[12][:3] == [day + 12 * 3600, 189.0, "N"]
    (pm25_day,) = await points(PM25, "1d")
    assert pm25_day[1] == pytest.approx(148.875) and pm25_day[2] == "N"
