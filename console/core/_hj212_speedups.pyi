"""Types of the optional C speedups of the HJ 212 codec (built from _hj212_speedups.c by make)."""

from collections.abc import Callable, Collection, Mapping

from console.core.models import Reading, Values

_Group = tuple[tuple[str, str], ...]

def crc16(data: bytes, /) -> int: ...
def parse_segment(
    text: str, /
) -> tuple[_Group, tuple[_Group, ...], dict[str, dict[str, str]], dict[str, str]] | None: ...
def frame_segment(raw: bytes, max_segment: int, /) -> tuple[str, int] | None: ...
def frame_upload(raw: bytes, max_segment: int, /) -> tuple[str, dict[str, str], str | None] | None: ...
def upload_values(
    cp: Mapping[str, Mapping[str, str]],
    value_field: str,
    suffix: str,
    station: str,
    ts: float,
    reading_type: Callable[..., Reading],
    valid_flags: Collection[str],
    /,
) -> tuple[list[Reading], Values] | None: ...
def area_values(
    text: str,
    value_field: str,
    suffix: str,
    station: str,
    ts: float,
    reading_type: Callable[..., Reading],
    valid_flags: Collection[str],
    /,
) -> tuple[list[Reading], Values] | None: ...
def hour_sums(
    cells: Mapping[tuple[str, float], Values], hour_s: float, /
) -> dict[tuple[str, str, int], list[float]] | None: ...
