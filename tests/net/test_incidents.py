"""The incident closed loop on a real hub over loopback: roles, the five steps, conflicts, retries,
escalation, restart, rule findings, assessment and bad input."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from dataclasses import dataclass

import aiohttp
import msgspec
import pytest

from console.core import protocol
from console.core.incidents import ROLE_ACTIONS, Action, IncidentState, Level, Role, Severity
from console.core.models import StationKind
from console.core.reasons import Why, render
from console.hub import auth
from tests.net.hubkit import TOKEN, Console, Logger, login, running_hub, station, upload

pytestmark = pytest.mark.asyncio
T0 = 1_763_700_000.0
PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)
JPEG = b"\xff\xd8\xff\xe0" + bytes(300)
GRID = "110119001-01"
# Two stations in one grid cell of 百泉街道 and a water station without a grid cell in 延庆镇.
STATIONS = [
    msgspec.structs.replace(station(1), grid=GRID),
    msgspec.structs.replace(station(2), grid=GRID),
    msgspec.structs.replace(station(3, StationKind.WATER), township="110119100"),
]


class Clock:
    """The hub's incident clock, moved by the test."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class Finding:
    """A rule finding as the rule engine reports it."""

    kind: str
    station: str
    rule: str
    category: str = "air"
    severity: Severity = Severity.MEDIUM
    ts: float = T0
    title: str = "PM2.5 over the limit"
    reason: str = "PM2.5 120 µg/m³ for 3 hours"
    values: dict | None = None
    why: Why | None = None

    def __post_init__(self) -> None:
        self.values = self.values if self.values is not None else {"a34004": 120.0}


async def user_console(hub, user: str) -> Console:
    """A console logged in as one of the test users, past its welcome and snapshot."""
    console = await Console.connect(hub, await login(hub, user))
    welcome = await console.next()
    assert isinstance(welcome, protocol.Welcome) and welcome.role == Role(user).value
    assert isinstance(await console.next(), protocol.Snapshot)
    return console


async def report(console: Console, **args: object) -> protocol.Ack:
    args = {"title": "Open burning behind the market", "category": "air", "station": "T-001", **args}
    return await console.command("report", **args)


async def rest(hub, path: str, token: str = TOKEN, method: str = "GET", **kwargs: object):
    """(status, body) of a REST call; body is JSON when the answer is JSON, else bytes."""
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.request(method, f"http://127.0.0.1:{hub.http_port}{path}", **kwargs) as resp:
            if resp.content_type == "application/json":
                return resp.status, await resp.json()
            return resp.status, await resp.read()


async def get(hub, path: str, token: str = TOKEN):
    """The JSON (or bytes) of a GET that must succeed."""
    status, body = await rest(hub, path, token)
    assert status == 200, body
    return body


class Driver:
    """An admin console that brings incidents into the state a test needs."""

    STEPS = {
        IncidentState.DISPATCHED: ("dispatch", {"assignee": "网格员 110119001-01"}),
        IncidentState.HANDLING: ("handle", {"comment": "on site"}),
        IncidentState.FEEDBACK: ("feedback", {"comment": "put out, area cleaned"}),
    }
    ORDER = [IncidentState.DISPATCHED, IncidentState.HANDLING, IncidentState.FEEDBACK]

    def __init__(self, console: Console) -> None:
        self.console = console

    async def incident_in(self, state: IncidentState) -> tuple[str, int]:
        ack = await report(self.console)
        assert ack.ok, ack.error
        target, version = ack.target, ack.version
        for step in self.ORDER[: self.ORDER.index(state) + 1] if state in self.ORDER else []:
            action, args = self.STEPS[step]
            ack = await self.console.command(action, target, version, **args)
            assert ack.ok, ack.error
            version = ack.version
        return target, version


ACTION_SETUP = {
    Action.DISPATCH: (IncidentState.DISCOVERED, {"assignee": "网格员 110119001-01"}),
    Action.HANDLE: (IncidentState.DISPATCHED, {"comment": "on site"}),
    Action.FEEDBACK: (IncidentState.HANDLING, {"comment": "done"}),
    Action.ASSESS: (IncidentState.FEEDBACK, {"result": "pass", "comment": "checked"}),
    Action.DISMISS: (IncidentState.DISCOVERED, {"comment": "false alarm"}),
    Action.COMMENT: (IncidentState.DISPATCHED, {"comment": "called the grid member"}),
    Action.ACKNOWLEDGE: (IncidentState.DISCOVERED, {}),
}


async def test_every_role_and_action_is_enforced_by_the_hub(tmp_path, db_url) -> None:
    # the admin's driver sets up some sixty incidents in a row: more than the reports a user may burst
    async with running_hub(tmp_path, db=db_url, stations=STATIONS, report_burst=1000) as hub:
        driver = Driver(await user_console(hub, "admin"))
        consoles = {role: await user_console(hub, role.value) for role in Role}
        for role, console in consoles.items():
            for action in Action:
                allowed = action in ROLE_ACTIONS[role]
                if action == Action.REPORT:
                    ack = await report(console)
                else:
                    state, args = ACTION_SETUP[action]
                    target, version = await driver.incident_in(state)
                    ack = await console.command(action.value, target, version, **args)
                    status, body = await rest(hub, f"/api/incidents/{target}")
                    expected_version = version + 1 if allowed else version
                    assert status == 200 and body["incident"]["version"] == expected_version
                assert ack.ok == allowed, (role, action, ack.error)
                if not allowed:
                    assert ack.error.startswith("forbidden:"), ack.error
        shared = await Console.connect(hub)
        assert (await shared.next()).role == "duty"
        await shared.next()
        assert not (await shared.command("assess", "INC-x", 1, result="pass")).ok
        for console in [*consoles.values(), driver.console, shared]:
            await console.close()


async def test_one_acknowledgement_reaches_every_console_and_a_second_changes_nothing(
    tmp_path, db_url
) -> None:
    async with running_hub(tmp_path, db=db_url, stations=STATIONS) as hub:
        duty = await user_console(hub, "duty")
        leader = await user_console(hub, "leader")
        watcher = await user_console(hub, "coordinator")
        ack = await duty.command("report", title="Chemical smell at the school", category="odour",
                                 lon=115.972, lat=40.451, severity=4)  # fmt: skip
        incident, version = ack.target, ack.version
        first = await duty.command("acknowledge", incident, None)
        assert first.ok and first.version == version + 1
        event = await watcher.until(
            lambda m: isinstance(m, protocol.IncidentEvent) and m.incident.version == version + 1
        )
        assert event.incident.acknowledged == "duty" and event.audit.action == "acknowledge"
        second = await leader.command("acknowledge", incident, version)  # an old version: no conflict
        assert second.ok and second.version == version + 1  # someone was quicker: nothing changes
        status, body = await rest(hub, f"/api/incidents/{incident}")
        assert status == 200 and body["incident"]["version"] == version + 1
        assert [e["action"] for e in body["audit"]].count("acknowledge") == 1
        for console in (duty, leader, watcher):
            await console.close()


async def test_full_loop_with_photo_return_and_pass(tmp_path, db_url) -> None:
    async with running_hub(tmp_path, db=db_url, stations=STATIONS) as hub:
        watcher = await user_console(hub, "leader")
        duty = await user_console(hub, "duty")
        coordinator = await user_console(hub, "coordinator")
        leader = await user_console(hub, "leader")
        inspector = await user_console(hub, "inspector")
        ack = await inspector.command(
            "report", title="Dust from a building site", category="air", lon=115.972, lat=40.451,
            severity=3, reason="No cover on the sand heaps",
        )  # fmt: skip
        assert ack.ok and ack.version == 1
        incident = ack.target
        token = await login(hub, "duty")
        ack = await coordinator.command("dispatch", incident, 1, assignee="网格员 110119001-01")
        assert ack.ok and ack.version == 2
        status, photo = await rest(
            hub, f"/api/incidents/{incident}/attachments", token, "POST", data=PNG,
            headers={"Content-Type": "image/png"},
        )  # fmt: skip
        assert status == 201 and photo["content_type"] == "image/png"
        form = aiohttp.FormData()
        form.add_field("file", JPEG, filename="site.jpg", content_type="image/jpeg")
        status, photo2 = await rest(hub, f"/api/incidents/{incident}/attachments", token, "POST", data=form)
        assert status == 201 and photo2["content_type"] == "image/jpeg"
        steps = [
            (duty, "handle", {"comment": "covered the heaps", "attachments": [photo["id"]]}),
            (duty, "feedback", {"comment": "all covered", "attachments": [photo2["id"]]}),
            (leader, "assess", {"result": "return", "comment": "the north heap is still open"}),
            (duty, "handle", {"comment": "north heap covered"}),
            (duty, "feedback", {"comment": "all heaps covered now"}),
            (leader, "assess", {"result": "pass", "comment": "verified on the camera"}),
        ]
        version = 2
        for console, action, args in steps:
            ack = await console.command(action, incident, version, **args)
            assert ack.ok, (action, ack.error)
            assert ack.version == version + 1
            version = ack.version
        status, body = await rest(hub, f"/api/incidents/{incident}")
        assert status == 200
        final = body["incident"]
        assert final["state"] == "closed" and final["returns"] == 1 and final["source"] == "inspector"
        assert final["township"] == "110119001" and final["responsible"] == "网格员 110119001-01"
        trail = body["audit"]
        assert [e["action"] for e in trail] == [
            "report", "dispatch", "handle", "feedback", "assess", "handle", "feedback", "assess",
        ]  # fmt: skip
        assert [e["version"] for e in trail] == list(range(1, 9))
        actors = ["inspector", "coordinator", "duty", "duty", "leader", "duty", "duty", "leader"]
        assert [e["actor"] for e in trail] == actors
        assert trail[2]["attachments"] == [photo["id"]] and trail[4]["to_state"] == "handling"
        status, data = await rest(hub, f"/api/attachments/{photo['id']}", token)
        assert status == 200 and data == PNG
        await watcher.until(
            lambda m: isinstance(m, protocol.IncidentEvent) and m.incident.state == IncidentState.CLOSED
        )
        events = watcher.events()
        assert [e.seq for e in events] == list(range(events[0].seq, events[0].seq + len(events)))
        assert [e.incident.version for e in events] == list(range(1, 9))
        assert [e.audit.action for e in events] == [e["action"] for e in trail]
        status, current = await rest(hub, "/api/incidents?state=closed")
        assert [i["id"] for i in current] == [incident]
        late = await Console.connect(hub)
        await late.next()
        snapshot = await late.next()
        assert [i.id for i in snapshot.incidents] == [incident]
        for console in (watcher, duty, coordinator, leader, inspector, late):
            await console.close()


async def test_concurrent_commands_with_one_version_one_wins(tmp_path, db_url) -> None:
    async with running_hub(tmp_path, db=db_url, stations=STATIONS) as hub:
        first = await user_console(hub, "duty")
        second = await user_console(hub, "coordinator")
        ack = await report(first)
        version = ack.version
        for _ in range(5):
            acks = await asyncio.gather(
                first.command("dispatch", ack.target, version, assignee="A"),
                second.command("dispatch", ack.target, version, assignee="B"),
            )
            assert sorted(a.ok for a in acks) == [False, True]
            loser, winner = sorted(acks, key=lambda a: a.ok)
            assert loser.error.startswith("conflict:"), loser.error
            version = winner.version
        body = await get(hub, f"/api/incidents/{ack.target}")
        assert body["incident"]["version"] == 6 and len(body["audit"]) == 6
        await first.close()
        await second.close()


async def test_a_retried_command_id_is_applied_once(tmp_path, db_url) -> None:
    async with running_hub(tmp_path, db=db_url, stations=STATIONS) as hub:
        duty = await user_console(hub, "duty")
        ident = str(uuid.uuid4())
        first = await duty.command("report", ident=ident, title="Smoke", station="T-002", category="air")
        again = await duty.command("report", ident=ident, title="Smoke", station="T-002", category="air")
        assert first == again and first.ok
        other = await user_console(hub, "coordinator")
        same_id = str(uuid.uuid4())
        dispatched = await other.command("dispatch", first.target, 1, ident=same_id, assignee="A")
        retried = await other.command("dispatch", first.target, 1, ident=same_id, assignee="A")
        assert dispatched == retried and dispatched.version == 2
        listed = await get(hub, "/api/incidents")
        assert len(listed) == 1 and listed[0]["version"] == 2
        await duty.close()
        await other.close()


async def test_overdue_incidents_escalate_level_by_level(tmp_path, db_url) -> None:
    clock = Clock()
    async with running_hub(tmp_path, db=db_url, stations=STATIONS, clock=clock, escalate_s=0.02) as hub:
        watcher = await user_console(hub, "leader")
        duty = await user_console(hub, "duty")
        ack = await report(duty, station="T-001", severity=2)
        ack = await duty.command(
            "dispatch", ack.target, 1, assignee="网格员 110119001-01", deadline=T0 + 3600
        )
        incident = hub.incidents.incidents[ack.target]
        assert incident.level == Level.GRID and incident.responsible == "网格员 110119001-01"

        def escalated_to(level: Level):
            return lambda m: isinstance(m, protocol.IncidentEvent) and m.incident.level == level

        clock.now = T0 + 3601
        event = await watcher.until(escalated_to(Level.TOWNSHIP))
        assert event.incident.responsible == "百泉街道负责人" and event.incident.escalations == 1
        assert event.audit.action == "escalate" and event.audit.actor == "system"
        assert event.audit.details["notified"] == "百泉街道负责人" and "百泉街道负责人" in event.audit.comment
        assert event.incident.deadline == clock.now + 12 * 3600  # half of 24 h for a medium air incident
        clock.now += 12 * 3600 + 1
        event = await watcher.until(escalated_to(Level.DISTRICT))
        assert event.incident.responsible == "延庆区负责人" and event.incident.escalations == 2
        overdue = await get(hub, "/api/incidents?overdue=1")
        assert overdue == []
        clock.now += 12 * 3600 + 1
        event = await watcher.until(escalated_to(Level.CITY))
        assert event.incident.responsible == "北京市负责人"
        water = await report(duty, station="T-003", category="water")
        assert hub.incidents.incidents[water.target].level == Level.TOWNSHIP
        assert hub.incidents.incidents[water.target].responsible == "延庆镇负责人"
        await watcher.close()
        await duty.close()


async def test_incidents_and_acks_survive_a_restart(tmp_path, db_url) -> None:
    ident = str(uuid.uuid4())
    async with running_hub(tmp_path, db=db_url, stations=STATIONS) as hub:
        duty = await user_console(hub, "duty")
        first = await report(duty)
        dispatched = await duty.command("dispatch", first.target, 1, ident=ident, assignee="A")
        second = await report(duty, title="Second")
        status, photo = await rest(
            hub, f"/api/incidents/{second.target}/attachments", TOKEN, "POST", data=PNG,
            headers={"Content-Type": "image/png"},
        )  # fmt: skip
        assert status == 201
        hub.incidents.on_findings([Finding("open", "T-002", "exceedance")])
        before = sorted((i.id, i.version, i.state) for i in hub.incidents.incidents.values())
        leader_token = await login(hub, "leader")
        await duty.close()
    async with running_hub(tmp_path, db=db_url, stations=STATIONS) as hub:
        assert sorted((i.id, i.version, i.state) for i in hub.incidents.incidents.values()) == before
        duty = await user_console(hub, "duty")
        leader = await Console.connect(hub, leader_token)  # a login outlives the hub run
        assert (await leader.next()).role == "leader"
        await leader.close()
        hub.incidents.on_findings([Finding("open", "T-002", "exceedance", severity=Severity.HIGH)])
        from_rules = [i for i in hub.incidents.incidents.values() if i.rule == "exceedance"]
        assert len(from_rules) == 1 and from_rules[0].severity == Severity.HIGH  # the same episode, updated
        assert await duty.command("dispatch", first.target, 1, ident=ident, assignee="A") == dispatched
        ack = await duty.command("handle", first.target, 2, comment="on it")
        assert ack.ok and ack.version == 3
        third = await report(duty, title="Third")
        assert third.target not in (first.target, second.target)
        ack = await duty.command("dispatch", second.target, 1, assignee="B")
        ack = await duty.command("handle", second.target, 2, comment="photo", attachments=[photo["id"]])
        assert ack.ok, ack.error
        body = await get(hub, f"/api/incidents/{first.target}")
        assert [e["action"] for e in body["audit"]] == ["report", "dispatch", "handle"]
        data = await get(hub, f"/api/attachments/{photo['id']}")
        assert data == PNG
        await duty.close()


async def test_one_incident_per_rule_episode(tmp_path, db_url) -> None:
    async with running_hub(tmp_path, db=db_url, stations=STATIONS) as hub:
        watcher = await user_console(hub, "leader")
        service = hub.incidents
        service.on_findings([Finding("open", "T-001", "pm25-hourly")])
        service.on_findings([Finding("update", "T-001", "pm25-hourly", severity=Severity.HIGH)])
        service.on_findings([Finding("update", "T-001", "pm25-hourly", severity=Severity.HIGH)])  # no change
        service.on_findings([Finding("open", "T-002", "pm25-hourly")])
        service.on_findings([Finding("clear", "T-001", "pm25-hourly", reason="back under the limit")])
        service.on_findings([Finding("open", "T-001", "pm25-hourly")])  # back before anyone closed it
        listed = await get(hub, "/api/incidents")
        assert sorted(i["station"] for i in listed) == ["T-001", "T-002"]
        mine = next(i for i in listed if i["station"] == "T-001")
        assert mine["source"] == "rule" and mine["severity"] == 2 and not mine["clear_suggested"]
        assert mine["responsible"] == "网格员 110119001-01"
        body = await get(hub, f"/api/incidents/{mine['id']}")
        assert [e["action"] for e in body["audit"]] == ["raise", "update", "clear", "update"]
        assert body["audit"][2]["comment"] == "back under the limit"
        admin = await user_console(hub, "admin")
        ack = await admin.command("dismiss", mine["id"], mine["version"], comment="cleared by itself")
        assert ack.ok
        service.on_findings([Finding("open", "T-001", "pm25-hourly")])
        listed = await get(hub, "/api/incidents?state=open")
        assert len(listed) == 2 and mine["id"] not in [i["id"] for i in listed]
        await watcher.until(lambda m: isinstance(m, protocol.IncidentEvent) and m.incident.id not in (
            mine["id"], next(i["id"] for i in listed if i["station"] == "T-002")))  # fmt: skip
        kinds = [e.audit.action for e in watcher.events()]
        assert kinds == ["raise", "update", "raise", "clear", "update", "dismiss", "raise"]
        await watcher.close()
        await admin.close()


async def test_assessment_per_township_and_person(tmp_path, db_url) -> None:
    clock = Clock()
    hour = 3600.0
    async with running_hub(tmp_path, db=db_url, stations=STATIONS, clock=clock) as hub:
        duty = await user_console(hub, "duty")
        leader = await user_console(hub, "leader")

        async def run(console: Console, target: str, action: str, at: float, **args: object) -> None:
            clock.now = at
            version = hub.incidents.incidents[target].version
            ack = await console.command(action, target, version, **args)
            assert ack.ok, ack.error

        on_time = (await report(duty, station="T-001")).target
        await run(duty, on_time, "dispatch", T0, assignee="li", deadline=T0 + 2 * hour)
        await run(duty, on_time, "handle", T0 + 0.5 * hour, comment="there")
        await run(duty, on_time, "feedback", T0 + 1 * hour, comment="done")
        await run(leader, on_time, "assess", T0 + 1.5 * hour, result="pass")
        late = (await report(duty, station="T-002")).target
        await run(duty, late, "dispatch", T0, assignee="wang", deadline=T0 + 2 * hour)
        await run(duty, late, "handle", T0 + hour, comment="there")
        await run(duty, late, "feedback", T0 + 1.5 * hour, comment="done")
        await run(leader, late, "assess", T0 + 1.6 * hour, result="return", comment="not clean")
        await run(duty, late, "feedback", T0 + 3 * hour, comment="clean now")
        await run(leader, late, "assess", T0 + 3.5 * hour, result="pass")
        water = (await report(duty, station="T-003", category="water")).target
        await run(duty, water, "dispatch", T0, assignee="li", deadline=T0 + 5 * hour)
        await run(duty, water, "handle", T0 + hour, comment="there")
        await run(duty, water, "feedback", T0 + 4 * hour, comment="done")
        await run(leader, water, "assess", T0 + 4.5 * hour, result="pass")
        dismissed = (await report(duty, station="T-003")).target
        await run(duty, dismissed, "dismiss", T0 + hour, comment="duplicate")
        still_open = (await report(duty, station="T-001")).target
        await run(duty, still_open, "dispatch", T0, assignee="li")
        span = f"from={T0 - hour}&to={T0 + 10 * hour}"
        status, by_town = await rest(hub, f"/api/assessment?by=township&{span}")
        assert status == 200
        assert by_town["rows"] == [
            {"key": "110119001", "name": "百泉街道", "handled": 2, "on_time": 1, "on_time_rate": 0.5,
             "mean_handling_h": 2.0, "returns": 1, "escalations": 0},
            {"key": "110119100", "name": "延庆镇", "handled": 1, "on_time": 1, "on_time_rate": 1.0,
             "mean_handling_h": 4.0, "returns": 0, "escalations": 0},
        ]  # fmt: skip
        status, by_person = await rest(hub, f"/api/assessment?by=person&{span}")
        assert [(r["key"], r["handled"], r["on_time"], r["mean_handling_h"]) for r in by_person["rows"]] == [
            ("li", 2, 2, 2.5),
            ("wang", 1, 0, 3.0),
        ]
        status, text = await rest(hub, f"/api/assessment?by=person&format=csv&{span}")
        rows = list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))
        assert [(r["key"], r["on_time_rate"], r["returns"]) for r in rows] == [
            ("li", "1.0", "0"),
            ("wang", "0.0", "1"),
        ]
        status, none = await rest(hub, f"/api/assessment?from={T0 + 20 * hour}&to={T0 + 30 * hour}")
        assert none["rows"] == []
        clock.now += 31 * 86400  # a month later the closed incidents leave memory; the database answers
        hub.incidents.forget_old()
        assert on_time not in hub.incidents.incidents and still_open in hub.incidents.incidents
        assert (await get(hub, f"/api/assessment?by=township&{span}")) == by_town
        assert (await get(hub, f"/api/incidents/{on_time}"))["incident"]["state"] == "closed"
        await duty.close()
        await leader.close()


async def test_bad_input_gets_clear_errors(tmp_path, db_url) -> None:
    async with running_hub(tmp_path, db=db_url, stations=STATIONS) as hub:
        duty = await user_console(hub, "duty")
        ack = await report(duty)
        target = ack.target
        refusals = [
            (await duty.command("explode", target, 1), "invalid: unknown action"),
            (await duty.command("dispatch", target, 1), "invalid: dispatch needs an assignee"),
            (await duty.command("dispatch", target, None, assignee="A"), "invalid: expected_version"),
            (await duty.command("dispatch", "INC-nope", 1, assignee="A"), "invalid: no such incident"),
            (await duty.command("dispatch", target, 1, assignee="A", deadline="soon"), "invalid: deadline"),
            (await duty.command("handle", target, 1, comment="x"), "illegal: cannot handle"),
            (await duty.command("report", category="air", station="T-001"), "invalid: title is required"),
            (await duty.command("report", title="x", station="NOPE"), "invalid: unknown station"),
            (await duty.command("report", title="x"), "invalid: report needs a station or a position"),
            (await duty.command("report", title="x", station="T-001", severity=9), "invalid: severity"),
            (await duty.command("report", title="x", station="T-001", category="fire"), "invalid: category"),
            (await duty.command("comment", target, 1, comment=""), "invalid: comment needs a comment"),
            (
                await duty.command("comment", target, 1, comment="x", attachments=["ATT-0"]),
                "invalid: attachm",
            ),
            (await duty.command("dispatch", target, 1, ident=""), "invalid: a command needs an id"),
        ]
        for ack, expected in refusals:
            assert not ack.ok and ack.error.startswith(expected), (ack.error, expected)
        await duty.ws.send_str('{"type": "command", "id": 5}')
        error = await duty.until(lambda m: isinstance(m, protocol.Error))
        assert error.code == "bad_message"
        await duty.ws.send_str("{not json")
        assert (await duty.until(lambda m: isinstance(m, protocol.Error))).code == "bad_message"
        path = f"/api/incidents/{target}/attachments"
        big = PNG + bytes(10 * 2**20)
        assert (await rest(hub, path, method="POST", data=big, headers={"Content-Type": "image/png"}))[
            0
        ] == 413
        status, body = await rest(
            hub, path, method="POST", data=b"%PDF-1.7", headers={"Content-Type": "image/png"}
        )
        assert status == 415 and "JPEG and PNG" in body["error"]
        assert (await rest(hub, "/api/incidents/INC-nope/attachments", method="POST", data=PNG))[0] == 404
        assert (await rest(hub, path, "wrong", method="POST", data=PNG))[0] == 401
        assert (await rest(hub, "/api/incidents", "wrong"))[0] == 401
        assert (await rest(hub, "/api/incidents?state=lost"))[0] == 400
        assert (await rest(hub, "/api/assessment?by=weather"))[0] == 400
        assert (await rest(hub, "/api/assessment?from=yesterday"))[0] == 400
        assert (await rest(hub, "/api/attachments/ATT-nope"))[0] == 404
        assert (await rest(hub, "/api/login", method="POST", data=b"{bad"))[0] == 400
        assert (await rest(hub, "/api/login", method="POST", json={"user": "duty", "password": "x"}))[
            0
        ] == 401
        assert (await rest(hub, "/api/login", method="POST", json={"user": "nobody", "password": "x"}))[
            0
        ] == 401
        intruder = await Console.connect(hub, token="stolen")
        assert (await intruder.next()).code == "unauthorized"
        await intruder.close()
        ack = await duty.command("dispatch", target, 1, assignee="A")
        assert ack.ok and ack.version == 2  # nothing above changed it
        status, health = await rest(hub, "/healthz")
        assert health["status"] == "ok"
        await duty.close()


async def test_a_stuck_logger_raises_one_incident_through_the_rules(tmp_path, db_url) -> None:
    air = {"a34004": 35.0, "a34002": 60.0, "a21026": 5.0, "a21004": 20.0, "a21005": 0.5, "a05024": 80.0}
    async with running_hub(tmp_path, db=db_url, stations=STATIONS) as hub:
        watcher = await user_console(hub, "leader")
        logger = await Logger.connect(hub)
        for minute in range(80):  # the same values every minute: a frozen logger, far past the threshold
            await logger.send(upload(STATIONS[0], T0 + 60 * minute, air))
        await watcher.until(
            lambda m: isinstance(m, protocol.Readings) and any(r.ts == T0 + 60 * 79 for r in m.items)
        )
        raised = [m for m in watcher.events() if isinstance(m, protocol.IncidentEvent)]
        assert [(e.audit.action, e.incident.rule, e.incident.station) for e in raised] == [
            ("raise", "stuck", "T-001")
        ]
        incident = raised[0].incident
        assert incident.source == "rule" and incident.category == "device" and incident.grid == GRID
        # why it was raised travels as template and arguments, so each console says it in its own language
        why = incident.why
        assert why is not None and why.key == "stuck" and render(why) == incident.reason
        assert why.args["factor"] in air and raised[0].audit.details["why"]["key"] == "stuck"
        assert list(hub.incidents.incidents) == [incident.id]
        await logger.close()
        await watcher.close()
    async with running_hub(
        tmp_path, db=db_url, stations=STATIONS
    ) as hub:  # restarted: the rules take the episode up
        assert hub.rules.open_episodes() == [("T-001", "stuck")]
        hub.incidents.on_findings(hub.rules.tick(T0 + 60 * 79 + 2 * 3600))  # no data for two hours
        cleared = hub.incidents.incidents[incident.id]
        assert cleared.clear_suggested and cleared.state == IncidentState.DISCOVERED


async def test_users_file_login_and_the_shared_token_role(tmp_path, db_url) -> None:
    path = tmp_path / "users.toml"
    hashed = auth.hash_password("s3cret", n=2**4)
    path.write_text(
        f'[[users]]\nname = "zhang"\ndisplay = "张伟"\nrole = "coordinator"\npassword = "{hashed}"\n',
        encoding="utf-8",
    )
    users = auth.load_users(path)
    async with running_hub(
        tmp_path, db=db_url, stations=STATIONS, users=users, token_role="inspector"
    ) as hub:
        status, body = await rest(
            hub, "/api/login", method="POST", json={"user": "zhang", "password": "s3cret"}
        )
        assert status == 200 and (body["role"], body["display"]) == ("coordinator", "张伟")
        person = await Console.connect(hub, body["token"])
        assert (await person.next()).role == "coordinator"
        await person.next()
        shared = await Console.connect(hub)
        assert (await shared.next()).role == "inspector"
        await shared.next()
        reported = await report(shared)
        assert reported.ok
        refused = await shared.command("dispatch", reported.target, 1, assignee="A")
        assert refused.error.startswith("forbidden:")
        dispatched = await person.command("dispatch", reported.target, 1, assignee="A")
        assert dispatched.ok
        trail = (await get(hub, f"/api/incidents/{reported.target}"))["audit"]
        assert [(e["actor"], e["role"]) for e in trail] == [
            ("console", "inspector"),
            ("zhang", "coordinator"),
        ]
        await person.close()
        await shared.close()
    (tmp_path / "bad.toml").write_text('[[users]]\nname = "x"\nrole = "boss"\npassword = "plain"\n')
    with pytest.raises(ValueError, match=r"bad\.toml"):
        auth.load_users(tmp_path / "bad.toml")


async def test_a_resuming_console_gets_the_incident_events_it_missed(tmp_path, db_url) -> None:
    async with running_hub(tmp_path, db=db_url, stations=STATIONS) as hub:
        duty = await user_console(hub, "duty")
        first = await report(duty)  # its event comes before its ack
        position = protocol.Resume(hub.events.epoch, duty.events()[-1].seq)
        await duty.close()
        other = await user_console(hub, "coordinator")
        await other.command("dispatch", first.target, 1, assignee="A")
        await report(other, title="Second")
        back = await Console.connect(hub, await login(hub, "duty"), resume=position)
        assert (await back.next()).resumed
        missed = [await back.next(), await back.next()]
        assert [(m.seq, m.incident.version, m.audit.action) for m in missed] == [
            (position.seq + 1, 2, "dispatch"),
            (position.seq + 2, 1, "report"),
        ]
        await back.close()
        await other.close()
