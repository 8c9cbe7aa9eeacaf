"""The demo users' password file a simulated hub writes at first start and the embedded console reads."""

from __future__ import annotations

from pathlib import Path

DEMO_PASSWORDS_FILE = "demo-passwords.txt"  # in the hub's data directory, readable by the owner only


def read_demo_passwords(data_dir: Path) -> dict[str, str]:
    """The demo users' passwords from a data directory (empty when there are none)."""
    try:
        text = (data_dir / DEMO_PASSWORDS_FILE).read_text(encoding="utf-8")
    except OSError:
        return {}
    pairs = (line.split(" ", 1) for line in text.splitlines() if line and not line.startswith("#"))
    return {name: password for name, password in pairs}
