"""The forecast commands on a real hub database, official forecasts imported from file, and
GET /api/forecast on a running hub."""

from __future__ import annotations

import asyncio
import json
import math
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import aiohttp
import pytest

from console.hub.forecast import official, schedule, service
from console.hub.forecast.cli import main
from console.hub.storage import Storage
from tests.net.hubkit import PW, TOKEN, running_hub, station

DAY0 = 1420041600.0  # 2015-01-01 00:00 at UTC+8
DAYS = 90
PM25 = "a34004"
STATIONS = [station(n, interval_s=3600) for n in (1, 2)]
GOOD_CSV = """issued,valid_date,area,aqi_low,aqi_high,level,primary_pollutant,source
2015-03-30T16:00+08:00,2015-03-31,北京,150,200,4,PM2.5,北京市环境保护监测中心
2015-03-30T16:00+08:00,2015-04-01,北京,50,80,2,,北京市环境保护监测中心
"""


def _pm25(day: int, n: int) -> float:
    return 60 + 45 * math.sin(2 * math.pi * day / 7) + 10 * n  # a weekly cycle the model can learn


def store_history(storage: Storage, days: int = DAYS) -> None:
    uploads = []
    for n, st in enumerate(STATIONS):
        for hour in range(24 * days):
            value = _pm25(hour // 24, n) + (hour % 24 - 12) * 0.5
            uploads.append((st.id, DAY0 + hour * 3600, {PM25: (value, "N")}))
    storage.write([], uploads)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    storage = Storage(f"sqlite:///{tmp_path / 'hub.db'}")
    storage.upsert_stations([(s, PW) for s in STATIONS])
    store_history(storage)
    storage.close()
    return tmp_path


def test_train_then_verify_prints_a_table_and_one_json_line(data_dir, capsys):
    assert main(["train", "--data-dir", str(data_dir), "--until", "2015-03-10"]) == 0
    assert "model version 1 trained on the days up to 2015-03-10" in capsys.readouterr().out
    assert main(["verify", "--data-dir", str(data_dir), "--from", "2015-03-11", "--to", "2015-03-31"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[1].split()[:3] == ["lead", "method", "rmse"]
    figures = json.loads(out[-1])
    assert set(figures) == {"1", "2", "3"}
    for lead in figures.values():
        assert set(lead) == {"model", "persistence", "climatology", "days", "heavy_days"}
        assert lead["days"] >= 18
        assert set(lead["model"]) == {"rmse", "mae", "level_accuracy", "pod", "far"}
    # a weekly cycle: the model knows it, persistence does not
    assert figures["1"]["model"]["rmse"] < 0.5 * figures["1"]["persistence"]["rmse"]
    manifest = json.loads((data_dir / "forecast" / "manifest.json").read_text())
    assert manifest["figures"]["leads"] == figures and manifest["figures"]["held_back"] is True


def test_verifying_the_days_a_model_learnt_from_says_so(data_dir, capsys):
    assert main(["train", "--data-dir", str(data_dir)]) == 0
    assert main(["verify", "--data-dir", str(data_dir), "--from", "2015-03-01", "--to", "2015-03-20"]) == 0
    assert "not held back" in capsys.readouterr().out


def test_the_commands_errors_are_clear(tmp_path, data_dir, capsys):
    with pytest.raises(SystemExit, match="holds no hub database"):
        main(["train", "--data-dir", str(tmp_path / "nowhere")])
    assert main(["verify", "--data-dir", str(data_dir), "--from", "2015-03-01", "--to", "2015-03-20"]) == 2
    assert "run `python -m console.hub forecast train`" in capsys.readouterr().err
    assert main(["train", "--data-dir", str(data_dir)]) == 0
    assert main(["verify", "--data-dir", str(data_dir), "--from", "2015-03-20", "--to", "2015-03-01"]) == 2
    assert "before --from" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["verify", "--data-dir", str(data_dir), "--from", "March", "--to", "2015-03-01"])
    assert "is not a day like" in capsys.readouterr().err
    run = subprocess.run(
        [sys.executable, "-m", "console.hub", "forecast", "train", "--data-dir", str(tmp_path / "no")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert run.returncode == 1 and "holds no hub database" in run.stderr


def test_an_empty_history_cannot_be_trained(tmp_path, capsys):
    Storage(f"sqlite:///{tmp_path / 'hub.db'}").close()
    assert main(["train", "--data-dir", str(tmp_path)]) == 2
    assert "holds no PM2.5" in capsys.readouterr().err


def test_import_takes_the_good_lines_and_refuses_the_bad_ones_by_line_number(data_dir, capsys):
    path = data_dir / "official.csv"
    path.write_text(
        GOOD_CSV
        + "2015-03-30T16:00,2015-03-31,北京,150,200,4,PM2.5,x\n"  # line 4: no UTC offset
        + "2015-03-30T16:00+08:00,2015-03-31,北京,250,200,5,PM2.5,x\n"  # line 5: range backwards
        + "2015-03-30T16:00+08:00,2015-03-31,北京,150,200,2,PM2.5,x\n"  # line 6: level not in the range
        + "2015-03-30T16:00+08:00,2015-03-31,北京,150,200,4,dust,x\n"  # line 7: unknown pollutant
        + "2015-03-30T16:00+08:00,2015-03-31,北京,150\n",  # line 8: too few fields
        encoding="utf-8",
    )
    assert main(["import", "--data-dir", str(data_dir), str(path)]) == 1
    out, err = capsys.readouterr()
    assert "2 forecasts (2 new), 5 lines refused" in out
    lines = err.strip().splitlines()
    assert [line.split(":")[1] for line in lines] == ["4", "5", "6", "7", "8"]
    assert "no UTC offset" in lines[0] and "0-500" in lines[1] and "does not match" in lines[2]
    assert "dust" in lines[3] and "8 fields" not in lines[4] and "4 fields, expected 8" in lines[4]
    assert main(["import", "--data-dir", str(data_dir), str(path)]) == 1
    assert "(0 new)" in capsys.readouterr().out  # the same forecasts again: stored once
    storage = Storage(f"sqlite:///{data_dir / 'hub.db'}")
    found = official.latest(storage.engine)
    storage.close()
    assert [(f["valid_date"], f["aqi_low"], f["aqi_high"], f["level"]) for f in found] == [
        ("2015-03-31", 150, 200, 4), ("2015-04-01", 50, 80, 2),
    ]  # fmt: skip


def test_import_refuses_a_wrong_header_and_numbers_json_items(data_dir, capsys):
    wrong = data_dir / "wrong.csv"
    wrong.write_text("date,aqi\n2015-03-31,150\n", encoding="utf-8")
    items = data_dir / "official.json"
    good = dict(zip(official.HEADER, GOOD_CSV.splitlines()[1].split(","), strict=True))
    items.write_text(json.dumps({"forecasts": [good, {**good, "valid_date": "31/03/2015"}, 7]}), "utf-8")
    assert main(["import", "--data-dir", str(data_dir), str(wrong), str(items)]) == 1
    out, err = capsys.readouterr()
    assert "the first line must be issued,valid_date" in err
    assert "1 forecasts (1 new), 2 lines refused" in out
    assert "official.json:2: valid_date '31/03/2015' is not a day" in err
    assert "official.json:3: not an object" in err


async def _get(hub, query: str = "", token: str = TOKEN) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http:
        url = f"http://127.0.0.1:{hub.http_port}/api/forecast{query}"
        async with http.get(url, headers={"Authorization": f"Bearer {token}"}) as resp:
            return resp.status, await resp.json()


@pytest.mark.asyncio
async def test_the_endpoint_gives_the_latest_forecast_with_its_skill_and_the_official_ones(tmp_path):
    directory = tmp_path / "forecast"
    async with running_hub(tmp_path, STATIONS, forecast_dir=directory) as hub:
        status, body = await _get(hub)
        assert status == 200 and body["local"] is None and "forecast train" in body["local_error"]
        store_history(hub.storage)
        service.train(hub.storage, directory, date(2015, 3, 10))
        status, body = await _get(hub)
        assert status == 200 and body["local_error"] is None
        local = body["local"]
        assert local["issued_for_day"] == "2015-03-31" and local["model"]["verified"] is None
        assert [e["valid_date"] for e in local["city"]] == ["2015-04-01", "2015-04-02", "2015-04-03"]
        assert all(e["skill"] is None for e in local["city"])  # not verified yet: no skill to show
        assert set(local["stations"]) == {s.id for s in STATIONS}
        service.verify(hub.storage, directory, date(2015, 3, 11), date(2015, 3, 31))
        official.store(hub.storage.engine, official.parse_file(_csv(tmp_path))[0])
        status, body = await _get(hub, "?day=2015-03-20")
        local = body["local"]
        assert local["issued_for_day"] == "2015-03-20" and local["model"]["verified"]["held_back"] is True
        for entry in local["city"]:
            skill = entry["skill"]
            assert skill["model"]["rmse"] > 0 and skill["persistence"]["rmse"] > 0 and skill["days"] > 0
            assert 1 <= entry["level"] <= 6 and entry["pm25"] > 0
        assert [f["valid_date"] for f in body["official"]] == ["2015-03-31", "2015-04-01"]
        assert (await _get(hub, "?day=soon"))[0] == 400
        assert (await _get(hub, token="wrong"))[0] == 401


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "official.csv"
    path.write_text(GOOD_CSV, encoding="utf-8")
    return path


def test_retraining_is_due_after_a_new_day_and_keeps_the_verified_figures(data_dir):
    storage = Storage(f"sqlite:///{data_dir / 'hub.db'}")
    directory = data_dir / "forecast"
    assert not schedule.due(storage, directory, 8, time.time() + schedule.MIN_AGE_S)  # first: by command
    service.train(storage, directory, date(2015, 3, 10))
    service.verify(storage, directory, date(2015, 3, 11), date(2015, 3, 31))
    later = time.time() + schedule.MIN_AGE_S
    assert not schedule.due(storage, directory, 8)  # trained a moment ago
    assert schedule.due(storage, directory, 8, later)
    manifest = schedule.retrain(storage, directory, 8, later)
    assert manifest["version"] == 2 and manifest["trained_until"] == "2015-03-31"
    assert manifest["figures"]["model_version"] == 1  # the figures say which version they measured
    assert not schedule.due(storage, directory, 8, later + schedule.MIN_AGE_S)  # no new day since
    storage.close()


@pytest.mark.asyncio
async def test_the_running_hub_retrains_in_the_background(tmp_path, monkeypatch):
    directory = tmp_path / "forecast"
    monkeypatch.setattr(schedule, "CHECK_S", 0.05)
    monkeypatch.setattr(schedule, "MIN_AGE_S", 0.0)
    async with running_hub(tmp_path, STATIONS, forecast_dir=directory) as hub:
        store_history(hub.storage)
        await asyncio.to_thread(service.train, hub.storage, directory, date(2015, 3, 10))
        deadline = time.monotonic() + 60
        while json.loads((directory / "manifest.json").read_text())["version"] < 2:
            assert time.monotonic() < deadline, "no re-training within 60 s"
            await asyncio.sleep(0.1)
        status, body = await _get(hub)
        assert status == 200 and body["local"]["model"]["trained_until"] == "2015-03-31"


WARNING_CSV = """issued,valid_date,area,aqi_low,aqi_high,level,primary_pollutant,source
2015-03-31T16:00+08:00,2015-04-01,北京,180,230,5,PM2.5,bureau
2015-03-31T16:00+08:00,2015-04-02,北京,280,320,6,PM2.5,bureau
2015-03-31T16:00+08:00,2015-04-03,北京,300,350,6,PM2.5,bureau
2015-03-31T16:00+08:00,2015-04-04,北京,200,260,5,PM2.5,bureau
"""
APRIL_1 = 1427817600.0 + 1800  # 2015-04-01 00:30 at UTC+8


async def _post(hub, ident: int, body: dict, token: str) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http:
        url = f"http://127.0.0.1:{hub.http_port}/api/warnings/{ident}"
        async with http.post(url, json=body, headers={"Authorization": f"Bearer {token}"}) as resp:
            return resp.status, await resp.json()


@pytest.mark.asyncio
async def test_a_forecast_over_the_threshold_proposes_a_warning_a_leader_issues_and_time_ends(tmp_path):
    from console.hub.forecast import rest, warning
    from tests.net.hubkit import login

    path = tmp_path / "official.csv"
    path.write_text(WARNING_CSV, encoding="utf-8")
    async with running_hub(tmp_path, STATIONS, forecast_dir=tmp_path / "forecast") as hub:
        official.store(hub.storage.engine, official.parse_file(path)[0])
        proposal = rest.check_warnings(hub.storage, hub.config.forecast_dir, 8, APRIL_1)
        assert proposal is not None and proposal["level"] == "red" and proposal["state"] == "proposed"
        assert (proposal["start"], proposal["end"]) == ("2015-04-01", "2015-04-04")
        assert rest.check_warnings(hub.storage, hub.config.forecast_dir, 8, APRIL_1) is None  # once
        ident = proposal["id"]
        duty, leader = await login(hub, "duty"), await login(hub, "leader")
        status, body = await _post(hub, ident, {"action": "issue"}, duty)
        assert status == 403 and "leaders" in body["error"]
        status, body = await _post(hub, ident, {"action": "issue", "comment": "measures from 00:00"}, leader)
        assert status == 200 and body["state"] == "issued"
        assert (await _post(hub, ident, {"action": "reject"}, leader))[0] == 409
        assert (await _post(hub, 999, {"action": "end"}, leader))[0] == 404
        assert (await _post(hub, ident, {"verb": "end"}, leader))[0] == 400
        status, found = await _get(hub)
        assert [(w["id"], w["state"]) for w in found["warnings"]] == [(ident, "issued")]
        assert warning.expire(hub.storage.engine, date(2015, 4, 5)) == 1  # its last day has passed
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{hub.http_port}/api/warnings"
            async with http.get(url, headers={"Authorization": f"Bearer {TOKEN}"}) as resp:
                listed = await resp.json()
        trail = [(e["action"], e["actor"], e["to_state"]) for e in listed[0]["audit"]]
        assert trail == [("propose", "system", "proposed"), ("issue", "leader", "issued"),
                         ("expire", "system", "ended")]  # fmt: skip
        assert listed[0]["audit"][1]["comment"] == "measures from 00:00"


@pytest.mark.asyncio
async def test_files_dropped_into_the_inbox_are_imported_by_the_running_hub(tmp_path, monkeypatch):
    import os

    monkeypatch.setattr(schedule, "INBOX_S", 0.05)
    inbox = tmp_path / "forecast" / official.INBOX
    async with running_hub(tmp_path, STATIONS, forecast_dir=tmp_path / "forecast") as hub:
        assert inbox.is_dir()
        (inbox / "bureau.csv").write_text(GOOD_CSV + "2015-03-30,x\n", encoding="utf-8")
        (inbox / "wrong.csv").write_text("date,aqi\n", encoding="utf-8")
        (inbox / "writing.csv").write_text(GOOD_CSV, encoding="utf-8")  # just written: waits
        for name in ("bureau.csv", "wrong.csv"):
            os.utime(inbox / name, (time.time() - 60, time.time() - 60))
        deadline = time.monotonic() + 30
        while not (inbox / "done" / "bureau.csv").exists() or not (inbox / "refused" / "wrong.csv").exists():
            assert time.monotonic() < deadline, sorted(p.name for p in inbox.rglob("*"))
            await asyncio.sleep(0.05)
        refused = (inbox / "done" / "bureau.csv.refused.txt").read_text(encoding="utf-8")
        assert refused.startswith("bureau.csv:4: 2 fields, expected 8")
        assert "the first line must be" in (inbox / "refused" / "wrong.csv.refused.txt").read_text("utf-8")
        assert (inbox / "writing.csv").exists()
        status, body = await _get(hub)
        assert status == 200
        assert [f["valid_date"] for f in body["official"]] == ["2015-03-31", "2015-04-01"]
