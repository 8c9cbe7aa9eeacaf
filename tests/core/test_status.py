"""Station link state at hub start-up: stored latest readings count, and silence is not judged before the
hub has listened long enough."""

from __future__ import annotations

from console.core.models import Reading, StationKind, StationStatus
from console.hub.status import StatusMonitor
from tests.net.hubkit import station

NOW = 1_795_300_000.0


def states(monitor: StatusMonitor) -> dict[str, StationStatus]:
    return {e.station: e.status for e in monitor.entries()}


def test_a_restarted_hub_knows_which_stations_reported_just_before_it() -> None:
    stations = [station(n, StationKind.AIR, interval_s=60) for n in (1, 2, 3, 4)]
    monitor = StatusMonitor(stations)
    monitor.resume_from(
        [
            Reading("T-001", "a34004", NOW - 90, 30.0),  # within three intervals: online
            Reading("T-002", "a34004", NOW - 3600, 30.0),  # an hour ago: the hub has not listened yet
            Reading("T-003", "a34004", NOW + 86_400, 30.0),  # from an accelerated run: not trusted
        ],
        now=NOW,
    )
    assert states(monitor) == {
        "T-001": StationStatus.ONLINE,
        "T-002": StationStatus.AWAITING,
        "T-003": StationStatus.AWAITING,
        "T-004": StationStatus.AWAITING,
    }
    monitor.observe([Reading("T-003", "a34004", NOW + 5, 31.0)])  # live data after the restart
    assert "T-003" in {e.station for e in monitor.check(NOW + 5)}
    assert states(monitor)["T-003"] == StationStatus.ONLINE
    # T-001's stored data is overdue, but the hub has not listened three intervals since it started.
    monitor.observe([Reading("T-003", "a34004", NOW + 160, 31.0)])
    monitor.check(NOW + 160)
    assert states(monitor)["T-001"] == StationStatus.AWAITING
    assert states(monitor)["T-002"] == StationStatus.AWAITING
    # Three intervals of the network's time later, those not heard from since the restart are offline;
    # the stored reading says for how long.
    monitor.observe([Reading("T-003", "a34004", NOW + 185, 31.0)])
    monitor.check(NOW + 185)
    status = {e.station: e for e in monitor.entries()}
    assert status["T-002"].status == StationStatus.OFFLINE and status["T-002"].reason == "no data for 3785 s"
    assert status["T-004"].status == StationStatus.OFFLINE and status["T-004"].reason == "no data yet"
    assert status["T-001"].status == StationStatus.OFFLINE and status["T-001"].reason == "no data for 275 s"
    assert status["T-003"].status == StationStatus.ONLINE


def test_a_station_awaits_its_first_report_for_three_of_its_own_intervals() -> None:
    fast, slow = station(1, interval_s=60), station(2, interval_s=300)
    monitor = StatusMonitor([fast, slow, station(3, interval_s=60)])
    assert set(states(monitor).values()) == {StationStatus.AWAITING}
    for minute in range(0, 7):
        monitor.observe([Reading("T-003", "a34004", NOW + 60 * minute, 30.0)])
        monitor.check()
        expected = StationStatus.AWAITING if minute < 3 else StationStatus.OFFLINE
        assert states(monitor)["T-001"] == expected, minute
    assert states(monitor)["T-002"] == StationStatus.AWAITING  # 6 min < three 5-minute intervals
    monitor.observe([Reading("T-002", "a34004", NOW + 400, 30.0)])
    monitor.check()
    assert states(monitor)["T-002"] == StationStatus.ONLINE


def test_a_silent_network_ends_the_wait() -> None:
    monitor = StatusMonitor([station(1), station(2)], silence_s=-1.0)  # any wall time is silence
    monitor.resume_from([Reading("T-001", "a34004", NOW - 30, 30.0)], now=NOW)
    status = {e.station: e for e in monitor.entries()}
    assert status["T-001"].status == StationStatus.OFFLINE  # no arrival at all since the start
    assert status["T-001"].reason == "hub receives no data from the network"
    assert status["T-002"].status == StationStatus.OFFLINE and status["T-002"].reason == "no data yet"
