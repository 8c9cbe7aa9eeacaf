"""Build the optional C speedups of the HJ 212 codec (console/core/_hj212_speedups.c) in place.

Uses the compiler and flags this Python was built with (``sysconfig``), no setuptools. Rebuilds only when
the extension is missing or older than its source. Without a C compiler or Python's headers it prints one
line and exits 0: the codec then runs its pure-Python functions, which give the same results. With
``SPEEDUPS_REQUIRED=1`` (CI) it exits 1 instead, so a source that stops compiling cannot go unnoticed.

Usage: ``.venv/bin/python tools/build_speedups.py`` (``make run`` and ``make test`` call it).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "console" / "core" / "_hj212_speedups.c"


def target() -> Path:
    return SOURCE.with_name("_hj212_speedups" + (sysconfig.get_config_var("EXT_SUFFIX") or ".so"))


def skip(why: str) -> int:
    if os.environ.get("SPEEDUPS_REQUIRED") == "1":  # CI: a C file that stops compiling must fail the run
        print(f"C speedups not built: {why}", file=sys.stderr)
        return 1
    print(f"C speedups not built: {why}; the pure-Python codec is used")
    return 0


def main() -> int:
    out = target()
    if out.exists() and out.stat().st_mtime >= SOURCE.stat().st_mtime:
        return 0
    cc = shlex.split(sysconfig.get_config_var("CC") or os.environ.get("CC", ""))
    if not cc or shutil.which(cc[0]) is None:
        return skip(f"no C compiler ({cc[0] if cc else 'none configured'})")
    include = sysconfig.get_paths()["include"]
    if not (Path(include) / "Python.h").exists():
        return skip(f"no Python.h in {include}")
    cflags = shlex.split(sysconfig.get_config_var("CFLAGS") or "-O2")
    ccshared = shlex.split(sysconfig.get_config_var("CCSHARED") or "-fPIC")
    link = ["-bundle", "-undefined", "dynamic_lookup"] if sys.platform == "darwin" else ["-shared"]
    partial = out.with_name(out.name + ".tmp")
    command = [*cc, *cflags, *ccshared, f"-I{include}", *link, str(SOURCE), "-o", str(partial)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        partial.unlink(missing_ok=True)
        return skip(f"{cc[0]} did not run ({exc})")
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        sys.stderr.write(done.stderr)
        return skip(f"{cc[0]} failed (exit {done.returncode}, output above)")
    # Replace, not overwrite: a running hub may have the old file mapped.
    os.replace(partial, out)
    print(f"Built {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
