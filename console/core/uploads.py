"""An HJ 212 upload's data area as readings: the hot loop of the hub's ingest, no I/O.

``upload_values`` uses the optional C extension ``_hj212_speedups`` when it is built (see
``tools/build_speedups.py``); ``upload_values_py`` is the reference and gives the same results.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from console.core.hj212 import _c, parse_segment
from console.core.models import VALID_FLAGS, Reading, Values

# absent when the extension is missing or was built from an older source
_Values = Callable[..., tuple[list[Reading], Values] | None]
_c_upload_values: _Values | None = getattr(_c, "upload_values", None)
_c_frame_upload: Callable[[bytes, int], tuple[str, dict[str, str], str | None] | None] | None = getattr(
    _c, "frame_upload", None
)
_c_area_values: _Values | None = getattr(_c, "area_values", None)


def upload_values(
    cp: Mapping[str, Mapping[str, str]], value_field: str, suffix: str, station: str, ts: float
) -> tuple[list[Reading], Values]:
    """The readings of a data area and the same as factor -> (value, flag) for storage.

    Per factor code: the ``value_field`` (Rtd, Avg ...) gives factor ``code + suffix``; failing that, an
    ``RS`` field gives ``code-RS`` (running state of treatment equipment) and a ``Data`` field (noise
    monitors) ``code + suffix``. Values that are not numbers, or not finite, are skipped. The flag is the
    first character of the ``Flag`` field, ``N`` when there is none; readings with a flag the standard
    does not know are returned but left out of the stored values.
    """
    if _c_upload_values is not None:
        done = _c_upload_values(cp, value_field, suffix, station, ts, Reading, VALID_FLAGS)
        if done is not None:
            return done
    return upload_values_py(cp, value_field, suffix, station, ts)


def upload_values_py(
    cp: Mapping[str, Mapping[str, str]], value_field: str, suffix: str, station: str, ts: float
) -> tuple[list[Reading], Values]:
    """``upload_values`` in pure Python: the reference."""
    out: list[Reading] = []
    stored: Values = {}
    for code, fields in cp.items():
        text = fields.get(value_field)
        if text is not None:
            factor = code + suffix if suffix else code
        elif "RS" in fields:
            factor, text = f"{code}-RS", fields["RS"]
        elif "Data" in fields:
            factor, text = code + suffix if suffix else code, fields["Data"]
        else:
            continue
        try:
            value = float(text)
        except ValueError:
            continue
        if value - value == 0.0:  # finite: inf - inf and nan - nan are nan
            flag = fields.get("Flag")
            flag = flag[:1] if flag else "N"
            out.append(Reading(station, factor, ts, value, flag))
            if flag in VALID_FLAGS:
                stored[factor] = (value, flag)
    return out, stored


def quick_upload(raw: bytes, max_segment: int) -> tuple[str, dict[str, str], str | None] | None:
    """For a frame the C codec decodes on its own: (segment text, header fields by name, DataTime or None),
    without building a packet. None when the C extension is missing or the frame needs ``hj212.decode``
    (its checks, its errors)."""
    return _c_frame_upload(raw, max_segment) if _c_frame_upload is not None else None


def area_values(
    text: str, value_field: str, suffix: str, station: str, ts: float
) -> tuple[list[Reading], Values]:
    """``upload_values`` of a data segment's factors (``parse_segment(text).cp``), read straight from the
    text by the C extension when it can."""
    if _c_area_values is not None:
        done = _c_area_values(text, value_field, suffix, station, ts, Reading, VALID_FLAGS)
        if done is not None:
            return done
    return upload_values(parse_segment(text).cp, value_field, suffix, station, ts)
