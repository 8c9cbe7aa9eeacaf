"""The briefing's forecast page reads the hub's /api/forecast: official forecasts with their source and
AQI range, the local model's days with their verified skill, the warnings issued."""

from __future__ import annotations

import os

import pytest

from console.core.incidents import Role
from console.hub.forecast import official, warning
from tests.net.hubkit import running_hub
from tests.net.test_report import HOURLY, _store_days
from tests.qt.test_briefing import Briefing
from tests.qt.waiting import until

pytestmark = pytest.mark.asyncio(loop_factories=["qasync"])
OFFICIAL = """issued,valid_date,area,aqi_low,aqi_high,level,primary_pollutant,source
2015-12-03T16:00+08:00,2015-12-04,北京,220,280,5,PM2.5,市监测中心
2015-12-03T16:00+08:00,2015-12-05,北京,310,360,6,PM2.5,市监测中心
"""


async def test_the_forecast_page_shows_the_hubs_forecasts_and_warnings(tmp_path) -> None:
    async with running_hub(tmp_path, HOURLY) as hub:
        _store_days(hub.storage, 3)
        path = tmp_path / "official.csv"
        path.write_text(OFFICIAL, encoding="utf-8")
        official.store(hub.storage.engine, official.parse_file(path)[0])
        days = {"2015-12-04": (280.0, "x"), "2015-12-05": (360.0, "x"), "2015-12-06": (320.0, "x"),
                "2015-12-07": (250.0, "x")}  # fmt: skip
        proposal = warning.record_proposal(hub.storage.engine, days)
        assert proposal is not None
        warning.command(hub.storage.engine, proposal["id"], "issue", "leader", Role.LEADER)
        briefing = Briefing(hub)
        briefing.vm.fetch_forecast = briefing.api.forecast
        try:
            await briefing.start()
            briefing.vm.go_to(briefing.vm.presenter.pages.index("forecast"))
            texts = briefing.texts()
            assert "AQI 220–280 · 市监测中心" in texts and "Heavily polluted" in texts
            assert "Red" in texts and "12-04 – 12-07" in texts and "No warning imported." not in texts
            assert "No forecast imported." not in texts
            # the local model's days, as /api/forecast gives them: the skill beside each
            local = {"city": [{"lead": n, "valid_date": f"2015-12-0{6 + n}", "pm25": 80.0, "aqi": 106,
                               "level": 3, "skill": {"model": {"rmse": 41.6, "level_accuracy": acc},
                                                     "persistence": {"rmse": 63.5}}}
                              for n, acc in ((1, 0.453), (2, 0.283))]}  # fmt: skip

            async def with_local() -> dict:
                return {**await briefing.api.forecast(), "local": local}

            briefing.vm.fetch_forecast = with_local
            briefing.vm.refresh()
            await until(lambda: "Model · 45 % right" in briefing.texts(), 30, "the local days")
            assert "Model · 28 % right" in briefing.texts()
            if os.environ.get("BRIEFING_PNG"):
                for n, screen in enumerate(briefing.view.screens[:2]):
                    screen.grab().save(os.environ["BRIEFING_PNG"].replace(".png", f"-{n}.png"))
        finally:
            await briefing.close()
