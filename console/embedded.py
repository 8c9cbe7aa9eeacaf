"""The embedded default: a hub with the simulated city as a child process on a free loopback port."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
from pathlib import Path

from console.entry import child_command

log = logging.getLogger(__name__)


class EmbeddedHubError(RuntimeError):
    """The child hub did not start; the message carries its last output."""


class EmbeddedHub:
    """Starts ``python -m console.hub --simulate`` with its own data directory and a fresh token."""

    def __init__(
        self, data_dir: Path, *, region: str = "yanqing", accel: float = 1.0, extra: list[str] | None = None
    ):
        self.data_dir = data_dir
        self.region = region
        self.accel = accel
        self.extra = list(extra or [])
        self.token = secrets.token_urlsafe(16)
        self.http_port = 0
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def command(self) -> list[str]:
        """The child's command line: no secret in it (``ps`` shows it to everyone); see ``environment``."""
        return child_command("console.hub", [
            "--simulate", "--http-port", "0", "--hj212-port", "0",
            "--data-dir", str(self.data_dir), "--region", self.region,
            "--accel", str(self.accel), "--log-level", "WARNING", "--parent-pid", str(os.getpid()),
            *self.extra,
        ])  # fmt: skip

    def environment(self) -> dict[str, str]:
        """The child's environment: ours and the token, which only this user (and root) can read."""
        return {**os.environ, "ECOHUB_TOKEN": self.token}

    def demo_password(self, user: str) -> str:
        """The password the child hub made for one of its demo users at its first start ("" if none)."""
        from console.core.demo_passwords import read_demo_passwords

        return read_demo_passwords(self.data_dir).get(user, "")

    async def start(self, timeout: float = 60.0) -> None:
        """Start the child and wait for its READY line (ports)."""
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.process = await asyncio.create_subprocess_exec(
            *self.command(), stdout=asyncio.subprocess.PIPE, env=self.environment()
        )
        stdout = self.process.stdout
        assert stdout is not None  # asked for as a pipe
        try:
            line = await asyncio.wait_for(stdout.readline(), timeout)
        except TimeoutError:
            raise EmbeddedHubError(f"the embedded hub did not start within {timeout:.0f} s") from None
        text = line.decode(errors="replace").strip()
        if not text.startswith("READY"):
            raise EmbeddedHubError(
                f"the embedded hub failed to start (exit {self.process.returncode}): {text}"
            )
        fields = dict(part.split("=", 1) for part in text.split()[1:])
        self.http_port = int(fields["http"])
        log.info("embedded hub running on %s (HJ 212 port %s)", self.url, fields["hj212"])

    async def stop(self) -> None:
        """Ask the child to stop, then make sure it is gone."""
        process = self.process
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            log.warning("embedded hub did not stop in time; killing it")
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
