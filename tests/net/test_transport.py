"""Transport security on real loopback sockets: https and wss verified against a CA, plain text refused off
this machine, tokens only in headers and hellos, secrets off command lines, data owner-only."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from console.core.hubapi import HubApi, HubApiError
from console.core.link import Backoff, HubLink, LinkState
from console.core.persistence import LocalState
from console.core.session import ConsoleSession
from console.core.transport import Transport, TransportError
from console.embedded import EmbeddedHub
from console.hub.__main__ import check_tls, parse_args, resolve_token
from console.hub.tls import TLSError, make_pair
from console.settings import parse_settings
from tests.net.hubkit import STATIONS, TOKEN, running_hub
from tests.net.test_link import Recorder, wait_for
from tests.sitekit import write_small_site

ROOT = Path(__file__).resolve().parents[2]
FAR = "ws://192.0.2.1:1"  # TEST-NET-1: nothing answers there, and nothing must try


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A trial CA and a hub certificate for localhost and 127.0.0.1, made by the shipped command."""
    return make_pair(tmp_path_factory.mktemp("tls"), ["localhost", "127.0.0.1"])


def tls(pair: dict[str, Path]) -> dict[str, Path]:
    return {"tls_cert": pair["hub.pem"], "tls_key": pair["hub.key"]}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.asyncio
async def test_link_and_rest_verify_the_hub_against_the_ca(tmp_path, pair) -> None:
    async with running_hub(tmp_path, **tls(pair)) as hub:
        trusted = Transport(ca_file=pair["ca.pem"])
        api = HubApi(f"https://localhost:{hub.http_port}", TOKEN, transport=trusted)
        try:
            assert {s["id"] for s in await api._get("/api/stations")} == {s.id for s in STATIONS}  # type: ignore[union-attr]
        finally:
            await api.close()
        rec = Recorder()
        link = HubLink(f"wss://127.0.0.1:{hub.http_port}", TOKEN, rec.on_message, rec.on_status,
                       backoff=Backoff(base=0.05, cap=0.2), transport=trusted)  # fmt: skip
        link.start()
        try:
            await wait_for(lambda: rec.store.stations)
            assert link.status.state == LinkState.LIVE
        finally:
            await link.stop()


@pytest.mark.asyncio
async def test_without_the_ca_the_user_is_told_the_certificate_is_not_trusted(tmp_path, pair) -> None:
    async with running_hub(tmp_path, **tls(pair)) as hub:
        api = HubApi(f"https://127.0.0.1:{hub.http_port}", TOKEN)  # the system CAs do not know the trial CA
        try:
            with pytest.raises(HubApiError, match=r"certificate is not trusted.*--ca-file"):
                await api.region()
        finally:
            await api.close()
        details: list[str] = []
        link = HubLink(f"wss://127.0.0.1:{hub.http_port}", TOKEN, lambda m: None,
                       lambda s: details.append(s.detail), backoff=Backoff(base=0.05, cap=0.2))  # fmt: skip
        link.start()
        try:
            await wait_for(lambda: any("certificate is not trusted" in d for d in details))
            assert link.status.state == LinkState.RECONNECTING and "--ca-file" in link.status.detail
        finally:
            await link.stop()


@pytest.mark.asyncio
async def test_a_plain_client_gets_nothing_from_a_tls_hub(tmp_path, pair) -> None:
    async with running_hub(tmp_path, **tls(pair)) as hub, aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.ClientError):
            await http.get(f"http://127.0.0.1:{hub.http_port}/healthz")


@pytest.mark.asyncio
async def test_a_token_in_the_url_is_refused_and_the_header_works(tmp_path, pair) -> None:
    ssl = Transport(ca_file=pair["ca.pem"]).ssl_for("https://x")
    async with running_hub(tmp_path, **tls(pair)) as hub, aiohttp.ClientSession() as http:
        base = f"https://localhost:{hub.http_port}/api/stations"
        async with http.get(f"{base}?token={TOKEN}", ssl=ssl) as resp:
            assert resp.status == 401 and "Authorization" in (await resp.json())["error"]
        async with http.get(base, ssl=ssl, headers={"Authorization": f"Bearer {TOKEN}"}) as resp:
            assert resp.status == 200


@pytest.mark.asyncio
async def test_a_plain_address_off_this_machine_is_refused_before_any_connection(tmp_path) -> None:
    with pytest.raises(TransportError, match="--insecure"):
        HubLink(FAR, TOKEN, lambda m: None)
    with pytest.raises(TransportError, match="--insecure"):
        HubApi("http://192.0.2.1:1", TOKEN)
    session = ConsoleSession(tmp_path / "cache.db")
    try:
        with pytest.raises(TransportError):
            session.connect(FAR, TOKEN)
        assert session.link is None  # no link was made, so nothing was sent anywhere
    finally:
        await session.close()
    for url in ("ws://127.0.0.1:1", "http://localhost:1", "ws://[::1]:1", "wss://192.0.2.1:1"):
        Transport().check(url)  # loopback, or TLS: allowed
    Transport(insecure=True).check(FAR)  # the operator took the risk, and the log says so


def test_the_console_command_line_refuses_plain_text_off_this_machine(capsys) -> None:
    with pytest.raises(SystemExit):
        parse_settings(["--hub", FAR, "--token", "t"])
    assert "refusing plain ws:// to 192.0.2.1" in capsys.readouterr().err
    settings = parse_settings(["--hub", FAR, "--token", "t", "--insecure"])
    assert settings.banner_title().startswith("INSECURE")
    assert not parse_settings(["--hub", "wss://hub.example:8765", "--token", "t"]).banner_title()
    with pytest.raises(SystemExit):
        parse_settings(["--hub", "wss://hub.example:8765", "--token", "t", "--ca-file", "/nowhere/ca.pem"])


def test_the_hub_will_not_start_on_a_key_that_does_not_match(tmp_path, pair) -> None:
    other = make_pair(tmp_path / "other", ["localhost"])
    with pytest.raises(TLSError, match="does not belong"):
        check_tls_config(pair["hub.pem"], other["hub.key"])
    with pytest.raises(TLSError, match="cannot read"):
        check_tls_config(pair["hub.pem"], tmp_path / "missing.key")
    with pytest.raises(SystemExit, match="does not belong"):
        check_tls(parse_args(["--tls-cert", str(pair["hub.pem"]), "--tls-key", str(other["hub.key"])]))
    with pytest.raises(SystemExit, match="both"):
        check_tls(parse_args(["--tls-cert", str(pair["hub.pem"])]))


def check_tls_config(cert: Path, key: Path) -> None:
    from console.hub.tls import server_context

    server_context(cert, key)


@pytest.mark.asyncio
async def test_the_embedded_hub_gets_its_token_without_its_command_line(tmp_path) -> None:
    hub = EmbeddedHub(tmp_path / "hub", extra=["--stations", "8", "--history-hours", "0"])
    assert not any(hub.token in part for part in hub.command())
    await hub.start()
    try:
        assert hub.process is not None
        assert hub.token.encode() not in Path(f"/proc/{hub.process.pid}/cmdline").read_bytes()
        api = HubApi(hub.url, hub.token)
        try:
            assert len(await api._get("/api/stations")) == 8  # type: ignore[arg-type]
        finally:
            await api.close()
    finally:
        await hub.stop()


@pytest.mark.asyncio
async def test_a_hub_process_with_tls_its_token_from_the_environment_and_owner_only_data(
    tmp_path, pair
) -> None:
    """A real hub process on a fresh data directory: https with --tls-cert/--tls-key, the token only in its
    environment, never in ps; the directory 0700 and the database files 0600."""
    site, data = write_small_site(tmp_path / "site"), tmp_path / "data"
    cmd = [sys.executable, "-m", "console.hub", "--site", str(site), "--http-port", "0", "--hj212-port", "0",
           "--data-dir", str(data), "--log-level", "WARNING",
           "--tls-cert", str(pair["hub.pem"]), "--tls-key", str(pair["hub.key"])]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ECOHUB_TOKEN": "from-the-environment"}
    proc = await asyncio.create_subprocess_exec(*cmd, stdout=subprocess.PIPE, env=env)
    assert proc.stdout is not None
    try:
        line = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode()
        assert line.startswith("READY"), line
        port = dict(part.split("=") for part in line.split()[1:])["http"]
        assert b"from-the-environment" not in Path(f"/proc/{proc.pid}/cmdline").read_bytes()
        api = HubApi(f"https://localhost:{port}", "from-the-environment", transport=Transport(pair["ca.pem"]))
        try:
            assert await api._get("/api/stations")
        finally:
            await api.close()
        assert mode(data) == 0o700
        files = list(data.glob("hub.db*"))
        assert data / "hub.db" in files and {mode(f) for f in files} == {0o600}
    finally:
        proc.terminate()
        assert await asyncio.wait_for(proc.wait(), 30) == 0


def test_the_hub_token_comes_from_a_file_or_the_environment_which_children_do_not_inherit(
    tmp_path, monkeypatch, caplog
) -> None:
    token_file = tmp_path / "hub.token"
    token_file.write_text("from-a-file\n")
    token_file.chmod(0o600)
    monkeypatch.setenv("ECOHUB_TOKEN", "from-the-environment")
    assert resolve_token(parse_args(["--token-file", str(token_file)])) == "from-a-file"
    assert "ECOHUB_TOKEN" not in os.environ  # read once, then gone: the simulated city does not get it
    monkeypatch.setenv("ECOHUB_TOKEN", "from-the-environment")
    assert resolve_token(parse_args([])) == "from-the-environment"
    token_file.chmod(0o644)
    resolve_token(parse_args(["--token-file", str(token_file)]))
    assert "chmod 600" in caplog.text
    assert resolve_token(parse_args(["--token", "typed"])) == "typed"
    assert "ps" in caplog.text


def test_the_console_cache_is_owner_only(tmp_path) -> None:
    state = LocalState(tmp_path / "console" / "cache.db")
    try:
        assert mode(tmp_path / "console") == 0o700
        files = list((tmp_path / "console").glob("cache.db*"))
        assert tmp_path / "console" / "cache.db" in files and {mode(f) for f in files} == {0o600}
    finally:
        state.close()
