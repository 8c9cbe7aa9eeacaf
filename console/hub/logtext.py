"""Text from the network made fit for one log line: control characters escaped, length bounded."""

from __future__ import annotations


def printable(text: str, limit: int = 80) -> str:
    """``text`` as one log line: printable as is, control and other unprintable characters escaped
    (``\\n``, ``\\x1b`` ...), cut to ``limit`` characters with an ellipsis."""
    shown = text if text.isprintable() else repr(text)[1:-1]
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
