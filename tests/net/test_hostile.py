"""Hostile input at the hub's consoles side over real loopback sockets: shared snapshots, report and upload
quotas, login throttling and hashing, bad numbers on REST and error frames before hello."""

from __future__ import annotations

import asyncio
import os
import stat
from urllib.parse import quote

import aiohttp
import msgspec
import pytest

from console.core import protocol
from console.core.demo_passwords import DEMO_PASSWORDS_FILE, read_demo_passwords
from console.core.models import StationKind
from console.hub import auth
from console.hub.__main__ import build_config, load_users, parse_args
from console.hub.quota import DailyBytes, FailureThrottle, TokenBuckets
from console.hub.site import Site
from tests.net.hubkit import TOKEN, Console, running_hub, station
from tests.net.test_incidents import PNG, report, rest, user_console

GRID = "110119001-01"
STATIONS = [
    msgspec.structs.replace(station(1), grid=GRID),
    msgspec.structs.replace(station(2), grid=GRID),
    msgspec.structs.replace(station(3, StationKind.WATER), township="110119100"),
]


def photo(size: int) -> bytes:
    """A PNG-looking body of ``size`` bytes."""
    return PNG[:8] + bytes(size - 8)


async def login_answer(hub, user: str, password: str) -> tuple[int, dict, dict]:
    """(status, JSON body, headers) of a login attempt."""
    url = f"http://127.0.0.1:{hub.http_port}/api/login"
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json={"user": user, "password": password}) as resp:
            return resp.status, await resp.json(), dict(resp.headers)


# --- snapshots -------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_fifty_hellos_at_one_seq_share_one_encoded_snapshot(tmp_path) -> None:
    async with running_hub(tmp_path, stations=STATIONS) as hub:
        duty = await user_console(hub, "duty")
        ack = await report(duty)  # an open incident the snapshots must carry
        assert ack.ok
        encoded = hub.metrics.snapshots_encoded
        seq = hub.events.seq
        consoles = await asyncio.gather(*(Console.connect(hub) for _ in range(50)))
        snapshots = []
        for console in consoles:
            assert isinstance(await console.next(), protocol.Welcome)
            snapshots.append(await console.next())
        assert all(isinstance(s, protocol.Snapshot) for s in snapshots)
        assert {(s.epoch, s.seq) for s in snapshots} == {(hub.events.epoch, seq)}
        assert all([i.id for i in s.incidents] == [ack.target] for s in snapshots)
        assert all(len(s.stations) == len(STATIONS) for s in snapshots)
        assert hub.metrics.snapshots_encoded - encoded == 1
        assert "hub_snapshots_encoded_total" in hub.metrics.render()
        # a new event moves seq: the next hello gets a fresh snapshot that holds it
        second = await report(duty, title="Second")
        late = await Console.connect(hub)
        await late.next()
        snapshot = await late.next()
        assert snapshot.seq == hub.events.seq > seq
        assert {i.id for i in snapshot.incidents} == {ack.target, second.target}
        assert hub.metrics.snapshots_encoded - encoded == 2
        for console in (*consoles, late, duty):
            await console.close()


# --- report and upload quotas ----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_reports_are_limited_per_user(tmp_path) -> None:
    async with running_hub(tmp_path, stations=STATIONS, report_burst=3, reports_per_hour=60) as hub:
        inspector = await user_console(hub, "inspector")
        acks = [await report(inspector, title=f"Smoke {n}") for n in range(4)]
        assert [a.ok for a in acks] == [True, True, True, False]
        assert acks[3].error.startswith("too_many: reports are limited to 60 an hour per user")
        assert "retry in" in acks[3].error
        assert len(hub.incidents.incidents) == 3
        resent = await inspector.command("report", ident=acks[0].id, title="Smoke 0", category="air",
                                         station="T-001")  # fmt: skip
        assert resent == acks[0]  # a resend after a reconnect gets its first answer, not the limit
        duty = await user_console(hub, "duty")  # another user has a bucket of their own
        assert (await report(duty)).ok
        for console in (inspector, duty):
            await console.close()


def test_a_token_bucket_refills_with_time() -> None:
    now = [0.0]
    buckets = TokenBuckets(per_hour=3600, burst=2, clock=lambda: now[0])
    assert [buckets.take("a"), buckets.take("a")] == [0.0, 0.0]
    assert buckets.take("a") == pytest.approx(1.0)
    now[0] = 1.0
    assert buckets.take("a") == 0.0 and buckets.take("b") == 0.0


def test_the_daily_bytes_roll_over_a_day() -> None:
    now = [0.0]
    day = DailyBytes(1000, clock=lambda: now[0])
    day.spend("a", 600)
    now[0] = 3600.0
    day.spend("a", 300)
    assert day.retry_after("a", 100) == 0.0
    assert day.retry_after("a", 200) == pytest.approx(86400 - 3600)  # when the first 600 are a day old
    now[0] = 86401.0
    assert day.used("a") == 300 and day.retry_after("a", 700) == 0.0


@pytest.mark.asyncio
async def test_uploads_are_capped_per_photo_per_user_a_day_and_in_all(tmp_path) -> None:
    limits = {"attachment_max_bytes": 1000, "attachment_day_bytes": 1500, "attachments_max_bytes": 2000}
    async with running_hub(tmp_path, stations=STATIONS, **limits) as hub:
        duty = await user_console(hub, "duty")
        target = (await report(duty)).target
        path = f"/api/incidents/{target}/attachments"
        tokens = {name: await _token(hub, name) for name in ("duty", "inspector")}
        status, body = await rest(hub, path, tokens["duty"], "POST", data=photo(1001))
        assert status == 413 and "limited to 1000 bytes" in body["error"]
        first = [await rest(hub, path, tokens["duty"], "POST", data=photo(600)) for _ in range(2)]
        assert [s for s, _ in first] == [201, 201]
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {tokens['duty']}"}) as http:
            async with http.post(f"http://127.0.0.1:{hub.http_port}{path}", data=photo(600)) as resp:
                assert resp.status == 429
                assert "a day per user" in (await resp.json())["error"]
                assert 0 < int(resp.headers["Retry-After"]) <= 86400
        status, _ = await rest(hub, path, tokens["inspector"], "POST", data=photo(600))
        assert status == 201  # another user's day, and the folder holds 1,800 bytes
        status, body = await rest(hub, path, tokens["inspector"], "POST", data=photo(600))
        assert status == 507 and "full" in body["error"]
        files = list((tmp_path / "attachments").iterdir())
        assert len(files) == 3 and sum(f.stat().st_size for f in files) == 1800
        await duty.close()
    async with running_hub(tmp_path, stations=STATIONS, **limits) as hub:  # a restart counts what is there
        assert hub.attachments_bytes == 1800


@pytest.mark.asyncio
async def test_a_photo_of_exactly_the_limit_passes_in_a_form_too(tmp_path) -> None:
    async with running_hub(tmp_path, stations=STATIONS, attachment_max_bytes=1000) as hub:
        duty = await user_console(hub, "duty")
        path = f"/api/incidents/{(await report(duty)).target}/attachments"
        form = aiohttp.FormData()
        form.add_field("file", photo(1000), filename="a.png", content_type="image/png")
        status, body = await rest(hub, path, await _token(hub, "duty"), "POST", data=form)
        assert status == 201 and body["size"] == 1000
        form = aiohttp.FormData()
        form.add_field("file", photo(1001), filename="b.png", content_type="image/png")
        status, body = await rest(hub, path, await _token(hub, "duty"), "POST", data=form)
        assert status == 413
        await duty.close()


async def _token(hub, user: str) -> str:
    status, body, _ = await login_answer(hub, user, f"pw-{user}")
    assert status == 200, body
    return body["token"]


# --- logins ----------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_an_unknown_user_and_a_wrong_password_get_the_same_answer(tmp_path) -> None:
    async with running_hub(tmp_path, stations=STATIONS) as hub:
        wrong = await login_answer(hub, "duty", "nope")
        unknown = await login_answer(hub, "nobody", "nope")
        assert wrong[:2] == unknown[:2] == (401, {"error": "wrong user or password"})
        assert wrong[2].get("Content-Length") == unknown[2].get("Content-Length")


@pytest.mark.asyncio
async def test_failed_logins_back_off_per_user_and_per_address(tmp_path) -> None:
    async with running_hub(tmp_path, stations=STATIONS) as hub:
        answers = [(await login_answer(hub, "admin", f"guess-{n}"))[0] for n in range(6)]
        assert answers == [401] * 5 + [429]
        status, body, headers = await login_answer(hub, "admin", "pw-admin")  # even the right password waits
        assert status == 429 and "too many failed logins" in body["error"]
        assert 0 < int(headers["Retry-After"]) <= 30
        assert (await login_answer(hub, "duty", "pw-duty"))[0] == 200  # another name is not held up
        # one address trying many names is held up too, whatever the names
        names = [(await login_answer(hub, f"user{n}", "x"))[0] for n in range(16)]
        assert names[:15] == [401] * 15 and names[15] == 429


def test_the_failure_throttle_doubles_and_forgets() -> None:
    now = [0.0]
    throttle = FailureThrottle(free=2, base_s=10, max_s=25, forget_s=100, clock=lambda: now[0])
    throttle.failed("a")
    assert throttle.wait("a") == 0
    throttle.failed("a")
    assert throttle.wait("a") == 10
    throttle.failed("a")
    assert throttle.wait("a") == 20
    throttle.failed("a")
    assert throttle.wait("a") == 25  # capped
    now[0] = 101.0
    assert throttle.wait("a") == 0
    throttle.failed("b")
    throttle.succeeded("b")
    assert throttle.wait("b") == 0


def test_new_hashes_are_scrypt_and_old_pbkdf2_hashes_still_verify(tmp_path, capsys, monkeypatch) -> None:
    new = auth.hash_password("s3cret")
    assert new.startswith("scrypt$16384$8$1$")
    assert auth.verify_password("s3cret", new) and not auth.verify_password("s3cre", new)
    old = auth.pbkdf2_password("s3cret", 200_000)
    assert auth.verify_password("s3cret", old) and not auth.verify_password("x", old)
    users = tmp_path / "users.toml"
    users.write_text(f'[[users]]\nname = "old"\nrole = "duty"\npassword = "{old}"\n', encoding="utf-8")
    sessions = auth.Sessions(auth.load_users(users), TOKEN)
    assert sessions.check_password("old", "s3cret") is not None
    answers = iter(["typed", "typed"])
    monkeypatch.setattr(auth.getpass, "getpass", lambda prompt: next(answers))
    auth.main(["hash"])
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("scrypt$") and auth.verify_password("typed", printed)


@pytest.mark.asyncio
async def test_demo_users_get_their_own_passwords_and_the_token_is_none_of_them(tmp_path, capsys) -> None:
    data = tmp_path / "hub"
    args = parse_args(["--simulate", "--data-dir", str(data), "--token", TOKEN])
    users = load_users(args)
    printed = capsys.readouterr().err
    passwords = read_demo_passwords(data)
    assert set(passwords) == set(auth.DEMO_USERS) and len(set(passwords.values())) == len(passwords)
    assert all(f"{name} {pw}" in printed for name, pw in passwords.items())
    assert stat.S_IMODE(os.stat(data / DEMO_PASSWORDS_FILE).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(data / auth.DEMO_USERS_FILE).st_mode) == 0o600
    assert all(u.password.startswith("scrypt$") for u in users.values())
    again = load_users(args)  # a second start keeps them and prints nothing
    assert capsys.readouterr().err == "" and again == users
    async with running_hub(tmp_path, stations=STATIONS, users=users) as hub:
        assert (await login_answer(hub, "admin", TOKEN))[0] == 401
        status, body, _ = await login_answer(hub, "admin", passwords["admin"])
        assert status == 200 and body["role"] == "admin"


# --- bad numbers and error frames ------------------------------------------------------------------------

BAD = ["nan", "inf", "-inf", "1e400", "1e300", "abc", "", "0x10"]


@pytest.mark.asyncio
async def test_bad_numbers_get_400_on_every_route_that_takes_numbers(tmp_path) -> None:
    async with running_hub(tmp_path, stations=STATIONS) as hub:
        routes = [
            ("/api/history?station=T-001&factor=a34004&start={}&end=1763700000", "start"),
            ("/api/history?station=T-001&factor=a34004&start=1763600000&end={}", "end"),
            ("/api/history?station=T-001&factor=a34004&resolution=1h&start={}&end=1763700000", "start"),
            ("/api/history/hourly?factor=a34004&start={}&end=1763700000", "start"),
            ("/api/history/hourly?factor=a34004&start=1763600000&end={}", "end"),
            ("/api/readings?start={}&end=1763700000", "start"),
            ("/api/readings?start=1763600000&end={}", "end"),
            ("/api/readings?arrived_since={}", "arrived_since"),
            ("/api/readings?start=1763600000&end=1763700000&after=T-001,a34004,{}", "ts"),
            ("/api/assessment?from={}&to=1763700000", "from"),
            ("/api/assessment?to={}", "to"),
        ]
        for route, name in routes:
            for bad in BAD:
                status, body = await rest(hub, route.format(quote(bad)))
                assert status == 400, (route, bad, body)
                assert name in body["error"], (route, bad, body)
        for bad in ["nan", "1e3", "-1", "0", "99999999999999999999999", "x", "²", "--5"]:
            status, body = await rest(hub, f"/api/readings?start=1763600000&end=1763700000&limit={bad}")
            assert status == 400 and "limit must be a whole number" in body["error"], (bad, body)
        status, body = await rest(hub, "/api/assessment?from=1763700000&to=1763600000")
        assert status == 400 and "from is after to" in body["error"]
        status, _ = await rest(
            hub, "/api/history?station=T-001&factor=a34004&start=1763600000&end=1763700000"
        )
        assert status == 200


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("first", "code"),
    [
        (b"{not json", "bad_message"),
        (protocol.encode(protocol.Command(id="c1", action="report", target="")), "hello_expected"),
        (protocol.encode(protocol.Hello(protocol=9, token=TOKEN)), "protocol"),
        (protocol.encode(protocol.Hello(protocol=1, token="wrong")), "unauthorized"),
    ],
)
async def test_errors_before_hello_are_json_text_frames(tmp_path, first: bytes, code: str) -> None:
    async with running_hub(tmp_path, stations=STATIONS) as hub:
        async with aiohttp.ClientSession() as http:
            async with http.ws_connect(f"http://127.0.0.1:{hub.http_port}/ws") as ws:
                await ws.send_str(first.decode())
                msg = await ws.receive(timeout=5)
                assert msg.type == aiohttp.WSMsgType.TEXT
                error = protocol.decode_hub(msg.data)
                assert isinstance(error, protocol.Error) and error.code == code


def test_the_hub_options_set_the_limits(tmp_path) -> None:
    args = parse_args(["--data-dir", str(tmp_path), "--reports-per-hour", "5", "--upload-max-mib", "2",
                       "--upload-day-mib", "50", "--attachments-max-gib", "1"])  # fmt: skip
    config = build_config(args, Site())
    assert config.reports_per_hour == 5 and config.attachment_max_bytes == 2 * 2**20
    assert (config.attachment_day_bytes, config.attachments_max_bytes) == (50 * 2**20, 2**30)


# --- console connection caps ------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_console_connections_are_capped_in_all_and_per_address(tmp_path) -> None:
    async with running_hub(tmp_path, stations=STATIONS, max_consoles=3, max_consoles_per_address=2) as hub:
        url = f"http://127.0.0.1:{hub.http_port}/ws"

        async def refused(http: aiohttp.ClientSession) -> bool:
            async with http.ws_connect(url) as ws:
                msg = await ws.receive(timeout=5)
                if msg.type != aiohttp.WSMsgType.TEXT:
                    return False
                error = protocol.decode_hub(msg.data)
                return isinstance(error, protocol.Error) and error.code == "too_many"

        def from_address(host: str) -> aiohttp.ClientSession:
            return aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(host, 0)))

        async with from_address("127.0.0.1") as one, from_address("127.0.0.2") as two:
            async with from_address("127.0.0.3") as three:
                first = await one.ws_connect(url)  # waiting for their hello: they count
                second = await one.ws_connect(url)
                assert await refused(one)  # a third from the same address
                other = await two.ws_connect(url)  # another address still gets in ...
                assert await refused(three)  # ... until the total is reached
                async with one.get(f"http://127.0.0.1:{hub.http_port}/healthz") as health:
                    assert health.status == 200  # the hub still answers
                await first.close()
                while hub.metrics.consoles_refused == 2 and sum(hub._sockets_by_address.values()) > 2:
                    await asyncio.sleep(0.01)  # the hub lets go of the closed connection
                console = await Console.connect(hub)  # a freed place takes a real console
                assert isinstance(await console.next(), protocol.Welcome)
                await console.close()
                await second.close()
                await other.close()
        assert hub.metrics.consoles_refused == 2
