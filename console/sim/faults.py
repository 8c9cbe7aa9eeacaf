"""Seeded, order-independent randomness and the simulated loggers' faults (offline, stuck, spike, flags)."""

from __future__ import annotations

import msgspec
import numpy as np

# Data flags as small integers in the model's arrays; FLAG_CHARS[code] is the HJ 212 flag.
FLAG_CHARS = "NDMCBTF"
FLAG_N, FLAG_D, FLAG_M, FLAG_C, FLAG_B, FLAG_T, FLAG_F = range(len(FLAG_CHARS))

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MASK64 = (1 << 64) - 1
_HOUR = 3600.0


def _mix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser: a good 64-bit hash of each element (wrapping arithmetic)."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    mixed: np.ndarray = x ^ (x >> np.uint64(31))
    return mixed


def station_keys(mns: list[str], seed: int) -> np.ndarray:
    """One 64-bit key per station, from its MN and the seed; all per-station randomness hashes these."""
    salt = seed * 0x2545F4914F6CDD1D
    folded = [(int(mn, 16) ^ (int(mn, 16) >> 64) ^ salt) & _MASK64 for mn in mns]
    return _mix64(np.array(folded, dtype=np.uint64))


def hash_uniform(keys: np.ndarray, bucket: int | np.ndarray, salt: int) -> np.ndarray:
    """Uniform [0, 1) per key for an integer bucket (time slot) and salt; pure function of its inputs."""
    b = np.atleast_1d(np.asarray(bucket, dtype=np.int64)).astype(np.uint64)
    x = _mix64(keys ^ _mix64(b * _GOLDEN + np.uint64(salt & _MASK64)))
    return (x >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def hash_normal(keys: np.ndarray, bucket: int | np.ndarray, salt: int) -> np.ndarray:
    """Standard normal per key and bucket (Box-Muller on two hashed uniforms)."""
    u1 = 1.0 - hash_uniform(keys, bucket, salt)
    u2 = hash_uniform(keys, bucket, salt + 7919)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def smooth_noise(keys: np.ndarray, t: float, period_s: float, salt: int) -> np.ndarray:
    """Smooth value noise in [-1, 1] per key: hashed knots every `period_s`, smoothstep in between."""
    k = int(t // period_s)
    f = (t - k * period_s) / period_s
    s = f * f * (3.0 - 2.0 * f)
    u0, u1 = hash_uniform(keys, k, salt), hash_uniform(keys, k + 1, salt)
    noise: np.ndarray = (u0 + (u1 - u0) * s) * 2.0 - 1.0
    return noise


class FaultRates(msgspec.Struct, frozen=True, kw_only=True):
    """How often loggers misbehave; probabilities per station and hour unless said otherwise."""

    offline_per_hour: float = 0.002  # goes offline for 15-120 min (sample returns None)
    stuck_per_hour: float = 0.001  # repeats the value of the hour's start for that whole clock hour
    spike_per_sample: float = 0.0002  # one factor reads an absurd value once
    fault_per_hour: float = 0.0005  # flag D on one factor for 30-180 min
    maintenance_per_hour: float = 0.0004  # flag M on all factors for 60-120 min, working hours only
    calibration_per_hour: float = 0.001  # flag C on one factor for 10-20 min
    comm_per_hour: float = 0.0005  # flag B on all factors for 5-30 min
    purifier_off_per_day: float = 0.03  # a restaurant cooks with its purifier off for a whole day


NO_FAULTS = FaultRates(
    offline_per_hour=0.0,
    stuck_per_hour=0.0,
    spike_per_sample=0.0,
    fault_per_hour=0.0,
    maintenance_per_hour=0.0,
    calibration_per_hour=0.0,
    comm_per_hour=0.0,
    purifier_off_per_day=0.0,
)


class FaultState(msgspec.Struct):
    """Faults of every station at one data time (arrays indexed by station)."""

    offline: np.ndarray  # bool
    stuck_since: np.ndarray  # float: start of the stuck hour, NaN when not stuck
    spike_slot: np.ndarray  # int: factor slot with a spike, -1 for none
    spike_gain: np.ndarray  # float: factor applied to the spiked value
    flag: np.ndarray  # uint8 FLAG_* code
    flag_slot: np.ndarray  # int: factor slot the flag applies to, -1 for all factors


class FaultModel:
    """Decides, for any data time, which loggers are faulty; a pure function of seed, station and time."""

    def __init__(self, keys: np.ndarray, factor_counts: np.ndarray, rates: FaultRates) -> None:
        self.keys = keys
        self.factor_counts = factor_counts
        self.rates = rates

    def at(self, t: float, local_hour: float) -> FaultState:
        """The faults in force at data time t (UTC seconds); local_hour gates working-hour maintenance."""
        n = len(self.keys)
        state = FaultState(
            offline=self._window(t, self.rates.offline_per_hour, 101, 15.0, 120.0),
            stuck_since=self._stuck(t),
            spike_slot=np.full(n, -1),
            spike_gain=np.ones(n),
            flag=np.zeros(n, dtype=np.uint8),
            flag_slot=np.full(n, -1),
        )
        self._spikes(t, state)
        self._flags(t, local_hour, state)
        return state

    def _window(self, t: float, rate: float, salt: int, min_minutes: float, max_minutes: float) -> np.ndarray:
        """True where a fault window that started in this or one of the last two hours covers t."""
        active = np.zeros(len(self.keys), dtype=bool)
        if rate <= 0.0:
            return active
        hour = int(t // _HOUR)
        for bucket in (hour - 2, hour - 1, hour):
            started = hash_uniform(self.keys, bucket, salt) < rate
            begin = (bucket + hash_uniform(self.keys, bucket, salt + 1)) * _HOUR
            minutes = min_minutes + (max_minutes - min_minutes) * hash_uniform(self.keys, bucket, salt + 2)
            active |= started & (t >= begin) & (t < begin + minutes * 60.0)
        return active

    def _stuck(self, t: float) -> np.ndarray:
        hour = int(t // _HOUR)
        stuck = hash_uniform(self.keys, hour, 202) < self.rates.stuck_per_hour
        return np.where(stuck, hour * _HOUR, np.nan)

    def _spikes(self, t: float, state: FaultState) -> None:
        minute = int(t // 60.0)
        hit = hash_uniform(self.keys, minute, 303) < self.rates.spike_per_sample
        slot = (hash_uniform(self.keys, minute, 304) * self.factor_counts).astype(int)
        state.spike_slot = np.where(hit, slot, -1)
        state.spike_gain = np.where(hit, 8.0 + 25.0 * hash_uniform(self.keys, minute, 305), 1.0)

    def _flags(self, t: float, local_hour: float, state: FaultState) -> None:
        """Invalid-data flags; later lines win where windows overlap."""
        rates = self.rates
        one_slot = (hash_uniform(self.keys, int(t // 86400.0), 404) * self.factor_counts).astype(int)
        working = 9.0 <= local_hour < 17.0
        windows = (
            (FLAG_B, self._window(t, rates.comm_per_hour, 505, 5.0, 30.0), -1),
            (FLAG_C, self._window(t, rates.calibration_per_hour, 606, 10.0, 20.0), one_slot),
            (FLAG_M, self._window(t, rates.maintenance_per_hour if working else 0.0, 707, 60.0, 120.0), -1),
            (FLAG_D, self._window(t, rates.fault_per_hour, 808, 30.0, 180.0), one_slot),
        )
        for code, active, slot in windows:
            state.flag = np.where(active, code, state.flag).astype(np.uint8)
            state.flag_slot = np.where(active, slot, state.flag_slot)
