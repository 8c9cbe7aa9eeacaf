"""A progress bar on a terminal (stderr): bytes read of the files being imported."""

from __future__ import annotations

import sys
import time
from typing import TextIO

_WIDTH = 30
_EVERY_S = 0.1  # redraw at most ten times a second


class ProgressBar:
    """Draws ``[#####.....]  42 %  note`` in place; silent when the stream is not a terminal."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = max(1, total)
        self.done = 0
        self.note = ""
        self._stream = sys.stderr if stream is None else stream
        self._live = self._stream.isatty()
        self._drawn = 0.0

    def advance(self, amount: int) -> None:
        """Count ``amount`` more bytes done; redraws when it is time."""
        self.done += amount
        if self._live and (now := time.monotonic()) - self._drawn >= _EVERY_S:
            self._drawn = now
            self._draw()

    def set_note(self, note: str) -> None:
        """Show what is being done (a file name) beside the bar."""
        self.note = note
        if self._live:
            self._draw()

    def finish(self) -> None:
        """Draw the full bar and end its line."""
        self.done = self.total
        if self._live:
            self._draw()
            self._stream.write("\n")
            self._stream.flush()

    def _draw(self) -> None:
        share = min(1.0, self.done / self.total)
        filled = int(share * _WIDTH)
        bar = "#" * filled + "." * (_WIDTH - filled)
        self._stream.write(f"\r[{bar}] {share * 100:3.0f} %  {self.note[:40]:<40}")
        self._stream.flush()
