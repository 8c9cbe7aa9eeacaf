"""Argument types shared by the hub's and the simulator's command lines (argparse names the flag on error)."""

from __future__ import annotations

import argparse


def positive_seconds(text: str) -> float:
    """A command-line duration: a finite number of seconds above 0 and below a day."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < 86400:
        raise argparse.ArgumentTypeError(f"must be more than 0 and less than a day, not {text!r}")
    return value
