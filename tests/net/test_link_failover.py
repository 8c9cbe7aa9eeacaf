"""A console given several hubs fails over by itself: a hub stopped or killed, a hub down from the start,
every hub down; the session shows the new hub's state and applies no reading twice."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path

import pytest

from console.core import hj212
from console.core.link import Backoff, HubLink, LinkState, LinkStatus
from console.core.session import ConsoleSession
from console.core.transport import Transport, TransportError
from console.hub.site import Site, write_site
from console.login import Login
from console.settings import Settings, parse_settings
from tests.net.applied import AppliedReadings
from tests.net.hubkit import PW, STATIONS, TOKEN, Logger, running_hub, station, upload
from tests.net.test_durability import TOKEN as PROCESS_TOKEN
from tests.net.test_durability import HubProcess

T0 = float(int(time.time()) // 60 * 60 - 3600)  # recent: the console's cache keeps a week raw
ANSWER = hj212.FLAG_V2017 | hj212.FLAG_ANSWER  # the hub answers each upload once it is stored
ONLY_B = station(7)  # a station hub B knows and hub A does not: the wall shows B's network after failover
FAST = {"base": 0.05, "cap": 0.2}
REPORT = {"title": "扬尘", "lon": 115.97, "lat": 40.45, "category": "air"}  # an incident reported by hand
NEVER = {"base": 120.0, "cap": 120.0}  # a backoff no test waits out: a try it delays never comes in time


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def url(port: int) -> str:
    return f"http://127.0.0.1:{port}"


async def until(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


class Console:
    """A console session on a list of hubs, counting the readings it applies and the link states."""

    def __init__(self, cache: Path, hubs: list[str], token: str = TOKEN, backoff: dict = FAST) -> None:
        self.session = ConsoleSession(cache)
        self.applied = AppliedReadings(self.session)
        self.statuses: list[LinkStatus] = []
        self.session.link_changed.subscribe(self.statuses.append)
        self.session.connect(hubs, token, backoff=Backoff(**backoff))

    @property
    def link(self) -> HubLink:
        assert self.session.link is not None
        return self.session.link

    def live_on(self, port: int) -> bool:
        status = self.link.status
        return status.state == LinkState.LIVE and status.hub == url(port)

    async def close(self) -> None:
        await self.session.close()


async def send(hub, minutes: range, value: float) -> None:
    """T-001's readings for these minutes, each answered (stored) by the hub before the next."""
    logger = await Logger.connect(hub)
    for minute in minutes:
        frame = upload(STATIONS[0], T0 + 60 * minute, {"a34004": value, "a34002": 60.0}, flag=ANSWER)
        await logger.send(frame)
        await logger.answer()
    await logger.close()


@pytest.mark.asyncio
async def test_a_stopped_hub_fails_over_to_the_next_showing_its_state(tmp_path) -> None:
    async with running_hub(tmp_path / "b", [*STATIONS, ONLY_B]) as b:
        await send(b, range(5, 8), 77.0)  # B's own news, which the console has not seen
        async with running_hub(tmp_path / "a") as a:
            console = Console(tmp_path / "cache.db", [url(a.http_port), url(b.http_port)])
            try:
                await until(lambda: console.live_on(a.http_port))
                assert console.link.status.detail == f"snapshot · hub 1 of 2: {url(a.http_port)}"
                await send(a, range(3), 35.0)
                await until(lambda: console.session.reached(a.events.epoch, a.events.seq))
                assert console.session.store.value("T-001", "a34004").value == 35.0
                assert ONLY_B.id not in console.session.store.stations
            except BaseException:
                await console.close()
                raise
        try:
            await until(lambda: console.live_on(b.http_port))
            assert console.link.status.detail == f"snapshot · hub 2 of 2: {url(b.http_port)}"
            await console.session.caught_up(b.events.epoch, b.events.seq)
            store = console.session.store
            assert store.epoch == b.events.epoch  # another epoch: B's snapshot, not a resume
            assert ONLY_B.id in store.stations  # the network as B knows it
            latest = store.value("T-001", "a34004")
            assert latest is not None and (latest.value, latest.ts) == (77.0, T0 + 420)
            assert console.session.api is not None and console.session.api.base == url(b.http_port)
            assert console.applied.snapshots == 2
            await send(b, range(8, 10), 78.0)  # live on B
            await console.session.caught_up(b.events.epoch, b.events.seq)
            assert store.value("T-001", "a34004").value == 78.0
            assert console.applied.duplicates() == 0
            for minute in (*range(3), *range(5, 10)):
                assert ("T-001", "a34004", T0 + 60 * minute) in console.applied.counts
            states = [s.state for s in console.statuses]
            live_on_a = max(i for i, s in enumerate(console.statuses) if s.hub == url(a.http_port)
                            and s.state == LinkState.LIVE)  # fmt: skip
            lost = console.statuses[live_on_a + 1]
            assert lost.state == LinkState.RECONNECTING and lost.next_retry_s == 0  # no backoff: B at once
            assert lost.detail.startswith(f"hub 1 of 2 ({url(a.http_port)}): ")
            assert lost.hub == url(b.http_port)  # tried next
            assert LinkState.LIVE in states[live_on_a + 1 :]
        finally:
            await console.close()


@pytest.mark.asyncio
async def test_a_hub_of_the_same_epoch_resumes_the_console_with_what_it_missed(tmp_path) -> None:
    """Hubs of one cluster share the epoch and the sequence of events. Here hub B takes hub A's event log,
    standing in for the cluster's shared stream: what B ingests is in the sequence but reaches only B's
    consoles, so a console on A misses it until A stops and it resumes on B."""
    async with running_hub(tmp_path / "b") as b:
        async with running_hub(tmp_path / "a") as a:
            b.events = a.events  # one cluster: one epoch, one sequence
            console = Console(tmp_path / "cache.db", [url(a.http_port), url(b.http_port)])
            try:
                await until(lambda: console.live_on(a.http_port))
                await send(a, range(3), 35.0)
                await until(lambda: console.session.reached(a.events.epoch, a.events.seq))
                left_at = console.link.position
                await send(b, range(3, 6), 50.0)  # B's news, which A does not send on
                assert left_at is not None and a.events.seq > left_at[1]
                assert console.link.position == left_at
            except BaseException:
                await console.close()
                raise
        try:
            await until(lambda: console.live_on(b.http_port))
            await console.session.caught_up(b.events.epoch, b.events.seq)
            assert console.link.status.detail == f"resumed · hub 2 of 2: {url(b.http_port)}"
            assert console.applied.snapshots == 1  # A's at the start; B resumed the console
            assert console.applied.duplicates() == 0
            for minute in range(6):
                assert ("T-001", "a34004", T0 + 60 * minute) in console.applied.counts
            latest = console.session.store.value("T-001", "a34004")
            assert latest is not None and (latest.value, latest.ts) == (50.0, T0 + 300)
        finally:
            await console.close()


@pytest.mark.asyncio
async def test_a_killed_hub_process_fails_over_and_commands_go_to_the_next(tmp_path) -> None:
    site = tmp_path / "a" / "site"
    write_site(Site(stations=tuple((s, PW) for s in STATIONS)), site)
    a = await HubProcess(tmp_path / "a").start()
    try:
        async with running_hub(tmp_path / "b", token=PROCESS_TOKEN) as b:
            console = Console(tmp_path / "cache.db", [url(a.http_port), url(b.http_port)], PROCESS_TOKEN)
            try:
                await until(lambda: console.live_on(a.http_port), timeout=30)
                await send(a, range(2), 41.0)
                await until(lambda: console.session.store.value("T-001", "a34004") is not None)
                await a.kill()
                await until(lambda: console.live_on(b.http_port))
                assert console.session.store.epoch == b.events.epoch
                assert console.link.position is not None and console.link.position[0] == b.events.epoch
                # a command given now goes to the hub the console is on, and its echo comes back from there
                commands = console.session.commands
                assert commands is not None
                commands.issue("report", "", REPORT)
                await until(lambda: bool(console.session.book.incidents) and commands.pending() == [])
                assert commands.problems() == []
                assert console.applied.duplicates() == 0
            finally:
                await console.close()
    finally:
        if a.proc is not None and a.proc.returncode is None:
            await a.kill()


@pytest.mark.asyncio
async def test_queued_commands_are_sent_to_the_hub_failed_over_to(tmp_path) -> None:
    b_port = closed_port()
    async with running_hub(tmp_path / "a") as a:
        console = Console(tmp_path / "cache.db", [url(a.http_port), url(b_port)])
        await until(lambda: console.live_on(a.http_port))
    try:
        await until(lambda: "no hub answers" in console.link.status.detail)  # A gone, B not up yet
        commands = console.session.commands
        assert commands is not None
        commands.issue("report", "", REPORT)
        assert [p.command.action for p in commands.pending()] == ["report"]  # offline: queued
        async with running_hub(tmp_path / "b", http_port=b_port) as b:
            await until(lambda: console.live_on(b.http_port), timeout=30)
            await until(lambda: bool(console.session.book.incidents) and commands.pending() == [])
            assert commands.problems() == []  # B took it
    finally:
        await console.close()


@pytest.mark.asyncio
async def test_a_hub_down_from_the_start_costs_no_backoff(tmp_path) -> None:
    down = closed_port()
    async with running_hub(tmp_path) as b:
        console = Console(tmp_path / "cache.db", [url(down), url(b.http_port)], backoff=NEVER)
        try:
            await until(lambda: console.live_on(b.http_port))  # long before a backoff of a minute or more
            assert console.session.store.epoch == b.events.epoch
            tried = [(s.state, s.hub) for s in console.statuses]
            assert tried[0] == (LinkState.CONNECTING, url(down))
            assert (LinkState.CONNECTING, url(b.http_port)) in tried
        finally:
            await console.close()


@pytest.mark.asyncio
async def test_every_hub_down_says_reconnecting_naming_each(tmp_path) -> None:
    first, second = closed_port(), closed_port()
    console = Console(tmp_path / "cache.db", [url(first), url(second)], backoff=NEVER)
    try:
        await until(lambda: console.link.status.state == LinkState.RECONNECTING
                    and console.link.status.next_retry_s > 0)  # fmt: skip
        status = console.link.status
        assert status.detail.startswith("no hub answers: ")
        assert f"hub 1 of 2 ({url(first)}): cannot reach the hub" in status.detail
        assert f"hub 2 of 2 ({url(second)}): cannot reach the hub" in status.detail
        assert (status.hub, status.hub_number, status.hub_count) == (url(first), 1, 2)  # tried next
        assert status.next_retry_s >= NEVER["base"] / 2  # a full round failed: now the backoff
    finally:
        await console.close()


@pytest.mark.asyncio
async def test_a_single_hub_keeps_its_status_and_backoff(tmp_path) -> None:
    down = closed_port()
    statuses: list[LinkStatus] = []
    link = HubLink(url(down), TOKEN, lambda m: None, statuses.append, backoff=Backoff(**NEVER))
    link.start()
    try:
        await until(lambda: link.status.state == LinkState.RECONNECTING)
        assert statuses[0].detail == f"{url(down)}/ws" and statuses[0].hub_count == 1
        assert link.status.detail.startswith("cannot reach the hub") and link.status.next_retry_s >= 60
    finally:
        await link.stop()


@pytest.mark.asyncio
async def test_every_hub_is_checked_before_any_connection(tmp_path) -> None:
    session = ConsoleSession(tmp_path / "cache.db")
    try:
        with pytest.raises(
            TransportError, match=r"hub 2 of 2 \(ws://192\.0\.2\.1:8765\): refusing plain ws://"
        ):
            session.connect(["http://127.0.0.1:1", "ws://192.0.2.1:8765"], TOKEN)
        assert session.link is None  # nothing was dialled, not even the good first hub
        with pytest.raises(TransportError, match=r"hub 2 of 2 \(ws://127\.0\.0\.1:1/ws\) is hub 1 again"):
            HubLink(["http://127.0.0.1:1", "ws://127.0.0.1:1/ws"], TOKEN, lambda m: None)
        with pytest.raises(TransportError, match="hub 2 of 3: the address is empty"):
            HubLink(["http://127.0.0.1:1", " ", "http://127.0.0.1:2"], TOKEN, lambda m: None)
        with pytest.raises(TransportError, match="no hub address given"):
            HubLink([], TOKEN, lambda m: None)
        link = HubLink(["http://127.0.0.1:1", "wss://hub.example:8765"], TOKEN, lambda m: None,
                       transport=Transport())  # fmt: skip
        assert link.urls == ["http://127.0.0.1:1/ws", "wss://hub.example:8765/ws"]
    finally:
        await session.close()


def test_the_command_line_takes_a_list_of_hubs(capsys) -> None:
    settings = parse_settings(["--hub", "wss://a.example:8765, wss://b.example:8765/ws", "--token", "t"])
    assert settings.hub_url == "wss://a.example:8765" and settings.hub_fallbacks == (
        "wss://b.example:8765/ws",
    )
    assert settings.hubs() == ["wss://a.example:8765", "wss://b.example:8765/ws"]
    assert not settings.banner_title()
    single = parse_settings(["--hub", "wss://a.example:8765", "--token", "t"])
    assert single.hubs() == ["wss://a.example:8765"] and single.hub_fallbacks == ()
    assert parse_settings([]).hubs() == []  # the embedded hub, started later
    plain = parse_settings(
        ["--hub", "wss://a.example:8765,ws://b.example:8765", "--token", "t", "--insecure"]
    )
    assert plain.banner_title().startswith("INSECURE")  # one plain hub is enough to say so


@pytest.mark.parametrize(
    ("hubs", "said"),
    [
        ("wss://a.example:1,,wss://b.example:1", "hub 2 of 3: the address is empty"),
        ("wss://a.example:1,", "hub 2 of 2: the address is empty"),
        ("wss://a.example:1,wss://A.example:1/ws", "hub 2 of 2 (wss://A.example:1/ws) is hub 1 again"),
        ("http://127.0.0.1:1,ws://127.0.0.1:1", "hub 2 of 2 (ws://127.0.0.1:1) is hub 1 again"),
        (
            "wss://a.example:1,ws://192.0.2.1:1",
            "hub 2 of 2 (ws://192.0.2.1:1): refusing plain ws:// to 192.0.2.1",
        ),
        ("wss://a.example:1,ftp://b.example", "hub 2 of 2 (ftp://b.example): hub address"),
    ],
)
def test_a_bad_list_of_hubs_is_a_clear_error(capsys, hubs: str, said: str) -> None:
    with pytest.raises(SystemExit) as exit_:
        parse_settings(["--hub", hubs, "--token", "t"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"--hub {hubs}: {said}" in err and "Traceback" not in err


@pytest.mark.asyncio
async def test_login_passes_over_a_hub_that_does_not_answer_not_one_that_refuses(tmp_path) -> None:
    down = closed_port()
    async with running_hub(tmp_path) as hub:
        duty = {"user": "duty", "password": "pw-duty"}
        settings = Settings(hub_url=url(down), hub_fallbacks=(url(hub.http_port),), **duty)
        failed: list[str] = []
        login = Login(settings, failed.append)
        await login.login()
        assert login.account is not None and login.account.role == "duty" and failed == []
        assert settings.token == login.account.token
        # a hub that answers "no" ends it: the next one (here down, which would say so) is not asked
        wrong = Settings(hub_url=url(hub.http_port), hub_fallbacks=(url(down),), user="duty", password="x")
        refused = Login(wrong, failed.append)
        await refused.login()
        assert refused.account is None and len(failed) == 1
        assert "HTTP 401" in failed[0] and "cannot" not in failed[0]
