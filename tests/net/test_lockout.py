"""The logger port's lockout, log-text rules and options on their own: back-off, caps, escaping."""

from __future__ import annotations

from console.hub.__main__ import build_config, parse_args
from console.hub.ingest import connection_caps
from console.hub.lockout import Lockout
from console.hub.logtext import printable
from console.hub.site import Site


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def lock(lockout: Lockout, key: str) -> float:
    """Refuse ``key`` until it locks; how long the lockout lasts (found by moving the clock)."""
    assert not any(lockout.failed(key) for _ in range(lockout.limit - 1))
    assert lockout.failed(key) and lockout.locked(key)
    start, clock = lockout.clock(), lockout.clock
    while lockout.locked(key):
        clock.now += 0.5  # type: ignore[attr-defined]
    return clock() - start


def test_lockouts_double_up_to_the_cap_and_start_over_after_a_success_or_a_quiet_spell() -> None:
    clock = Clock()
    lockout = Lockout(5, base_s=1.0, cap_s=8.0, clock=clock)
    assert [lock(lockout, "MN") for _ in range(5)] == [1.0, 2.0, 4.0, 8.0, 8.0]
    lockout.succeeded("MN")
    assert lock(lockout, "MN") == 1.0
    clock.now += 8.5  # clean for longer than the cap
    assert lock(lockout, "MN") == 1.0
    assert not lockout.locked("other")


def test_refusals_spread_beyond_the_window_do_not_lock() -> None:
    clock = Clock()
    lockout = Lockout(5, window_s=900.0, clock=clock)
    for _ in range(3):
        assert not any(lockout.failed("MN") for _ in range(4))
        clock.now += 901
    assert not lockout.locked("MN")


def test_memory_is_bounded_and_locked_keys_are_kept_longest() -> None:
    lockout = Lockout(2, max_keys=100, clock=Clock())
    lockout.failed("locked")
    assert lockout.failed("locked")
    for n in range(1000):  # made-up MNs, refused once each
        lockout.failed(f"guess-{n}")
    assert len(lockout._records) <= 100 and lockout.locked("locked")


def test_peer_text_is_one_bounded_line() -> None:
    assert printable("desk 3") == "desk 3"
    assert printable("a\nb\x1b[31m") == "a\\nb\\x1b[31m"
    assert len(printable("x" * 500, 40)) == 40


def test_the_hub_cli_sets_the_logger_port_caps_and_idle_timeout(tmp_path) -> None:
    args = ["--data-dir", str(tmp_path), "--max-loggers", "50", "--max-loggers-per-address", "5"]
    config = build_config(parse_args([*args, "--logger-idle", "30"]), Site())
    assert (config.max_loggers, config.max_loggers_per_address, config.logger_idle_s) == (50, 5, 30.0)
    default = build_config(parse_args(["--data-dir", str(tmp_path)]), Site())
    assert default.logger_idle_s == 600.0
    total, per_address = connection_caps(default.max_loggers, default.max_loggers_per_address)
    assert 16 <= total <= 4096 and per_address == total // 2
