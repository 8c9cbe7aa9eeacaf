"""MQTT ingest on the real broker (127.0.0.1:1883), a topic prefix per test: sensors' JSON readings are
stored with the checks of HJ 212 uploads; bad messages are refused, counted, and stop nothing."""

from __future__ import annotations

import asyncio
import json
import time

import aiomqtt
import pytest

from console.core.models import Reading
from console.hub.mqtt import PayloadError, read_message
from tests.net.hubkit import running_hub

TS = 1_704_038_400.0  # 2024-01-01 00:00 at UTC+8


async def _publish(url: str, messages: list[tuple[str, bytes]]) -> None:
    host, _, port = url.removeprefix("mqtt://").rpartition(":")
    async with aiomqtt.Client(host, int(port)) as client:
        for topic, payload in messages:
            await client.publish(topic, payload, qos=1)


async def _until(condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


@pytest.mark.asyncio
async def test_a_sensors_readings_are_stored_with_their_flags_like_an_hj212_upload(
    tmp_path, db_url, mqtt_broker
) -> None:
    url, prefix = mqtt_broker
    async with running_hub(tmp_path, db=db_url, mqtt_url=url, mqtt_prefix=prefix) as hub:
        payload = {
            "ts": TS,
            "values": {"a34004-Avg": 35.2, "a21026-Avg": "8.0", "a34002-Avg": "NaN", "x99999-Avg": 1.0},
            "flags": {"a21026-Avg": "C"},
        }
        iso = {"ts": "2024-01-01T00:01:00+08:00", "values": {"a34004-Rtd": 36.0}}
        await _publish(url, [(f"{prefix}/yanqing/T-001/up", json.dumps(p).encode()) for p in (payload, iso)])
        await _until(lambda: len(hub.storage.readings_between(TS, TS + 60)) == 3)
        assert hub.storage.readings_between(TS, TS + 60) == [
            Reading("T-001", "a21026", TS, 8.0, "C"),  # the sensor's flag kept
            Reading("T-001", "a34004", TS, 35.2, "N"),  # N when none is given; NaN and x99999 left out
            Reading("T-001", "a34004", TS + 60, 36.0, "N"),
        ]
        assert hub.mqtt is not None and (hub.mqtt.messages, hub.mqtt.rejected) == (2, 0)
        assert "hub_mqtt_messages_total 2" in hub.mqtt.metric_lines()


@pytest.mark.asyncio
async def test_bad_messages_are_refused_and_counted_and_the_next_good_one_is_taken(
    tmp_path, mqtt_broker
) -> None:
    url, prefix = mqtt_broker
    async with running_hub(tmp_path, mqtt_url=url, mqtt_prefix=prefix) as hub:
        good = json.dumps({"ts": TS, "values": {"a34004-Avg": 12.0}}).encode()
        bad = [
            (f"{prefix}/yanqing/T-001/up", b"not json"),
            (f"{prefix}/yanqing/T-001/up", b'{"values": {"a34004-Avg": 1}}'),  # no ts
            (f"{prefix}/yanqing/T-001/up", b'{"ts": "yesterday", "values": {"a34004-Avg": 1}}'),
            (f"{prefix}/yanqing/T-001/up", b'{"ts": 1704038400, "values": {"a34004": 1}}'),  # no field
            (f"{prefix}/yanqing/NOPE/up", good),  # unknown station
            (f"{prefix}/yanqing/T-001/up", b'{"ts": 1704038400, "values": {"x99999-Avg": 1}}'),
        ]
        await _publish(url, [*bad, (f"{prefix}/yanqing/T-002/up", good)])
        await _until(lambda: hub.storage.latest("T-002") != [])
        assert hub.storage.latest("T-002") == [Reading("T-002", "a34004", TS, 12.0)]
        assert hub.storage.latest("T-001") == [] and hub.storage.latest("NOPE") == []
        assert hub.mqtt is not None and (hub.mqtt.messages, hub.mqtt.rejected) == (1, len(bad))


def test_the_topic_scheme_and_payload_are_checked_with_clear_reasons() -> None:
    station, ts, area = read_message("eco/yanqing/T-001/up", b'{"ts": "2024-01-01T08:00:00+08:00", "values":'
                                     b' {"a34004-Avg": 5}, "flags": {"a34004": "D"}}')  # fmt: skip
    assert (station, ts, area) == ("T-001", 1704067200.0, {"a34004": {"Avg": "5.0", "Flag": "D"}})
    for topic, payload, why in [
        ("eco/T-001/up", b"{}", "is not eco/<site>/<station>/up"),
        ("eco/yanqing/T-001/down", b"{}", "is not eco/<site>/<station>/up"),
        ("eco/yanqing/T-001/up", b'{"ts": "2024-01-01T08:00:00", "values": {"a-Avg": 1}}', "no UTC offset"),
        ("eco/yanqing/T-001/up", b'{"ts": 1, "values": {}}', "no values"),
        ("eco/yanqing/T-001/up", b'{"ts": 1, "values": {"a-Avg": 1}, "extra": 1}', "payload"),
    ]:
        with pytest.raises(PayloadError, match=why):
            read_message(topic, payload)
