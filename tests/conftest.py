"""Shared test fixtures: the reference data beside the repository (skipped cleanly when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"


def shared_file(relative: str) -> Path:
    """Path of a file in ../shared; skips the calling test when it is not there."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"reference file {relative} is not available")
    return path
