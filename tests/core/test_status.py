"""Station link state at hub start-up: stored latest readings count, judged against the wall clock."""

from __future__ import annotations

from console.core.models import Reading, StationKind, StationStatus
from console.hub.status import StatusMonitor
from tests.net.hubkit import station

NOW = 1_795_300_000.0


def test_a_restarted_hub_knows_which_stations_reported_just_before_it() -> None:
    stations = [station(n, StationKind.AIR, interval_s=60) for n in (1, 2, 3, 4)]
    monitor = StatusMonitor(stations)
    monitor.resume_from(
        [
            Reading("T-001", "a34004", NOW - 90, 30.0),  # within three intervals: online
            Reading("T-002", "a34004", NOW - 3600, 30.0),  # an hour ago: offline, and it says how long
            Reading("T-003", "a34004", NOW + 86_400, 30.0),  # from an accelerated run: not trusted
        ],
        now=NOW,
    )
    status = {e.station: e for e in monitor.entries()}
    assert status["T-001"].status == StationStatus.ONLINE
    assert status["T-002"].status == StationStatus.OFFLINE and "3600 s" in status["T-002"].reason
    assert status["T-003"].status == StationStatus.OFFLINE and status["T-003"].reason == "no data yet"
    assert status["T-004"].reason == "no data yet"
    monitor.observe([Reading("T-003", "a34004", NOW + 5, 31.0)])  # live data after the restart
    assert "T-003" in {e.station for e in monitor.check(NOW + 5)}
    assert {e.station: e.status for e in monitor.entries()}["T-003"] == StationStatus.ONLINE
