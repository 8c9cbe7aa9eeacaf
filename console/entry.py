"""The program's one entry point: the console, or (by its first argument) one of the console's children.

The console starts child processes: the embedded hub, which starts the simulated city's site writer and its
loggers, and the map page builder. From source they run as ``python -m <module>``; a frozen build has no
interpreter to give ``-m`` to, so its one executable takes the child's name as its first argument
(``ecoconsole hub ...``). Both spellings reach the same ``main`` of the same module.
"""

import importlib
import sys
from collections.abc import Sequence

# Child name (the frozen executable's first argument) -> the module whose main() it runs.
CHILDREN = {
    "hub": "console.hub.__main__",
    "sim": "console.sim.__main__",
    "simulator": "console.sim.simulator",
    "map-build": "console.widgets.map_build",
    "report": "console.reports.cli",  # a report as a document (PDF, xlsx, csv), without the wall
}
_NAMES = {module.removesuffix(".__main__"): name for name, module in CHILDREN.items()}


def frozen() -> bool:
    """True in a PyInstaller build (sys.executable is then the program itself, not Python)."""
    return bool(getattr(sys, "frozen", False))


def child_command(module: str, args: Sequence[str] = ()) -> list[str]:
    """The command line that runs ``module`` (e.g. "console.hub") with ``args`` as a child process."""
    if module not in _NAMES:
        raise ValueError(f"{module} is not one of the programs the console starts: {sorted(_NAMES)}")
    if frozen():
        return [sys.executable, _NAMES[module], *args]
    return [sys.executable, "-m", module, *args]


def run_child(name: str, argv: list[str]) -> int:
    """Run the child program ``name`` in this process, as ``python -m`` would."""
    module = importlib.import_module(CHILDREN[name])  # by name: the console never imports the hub
    code = module.main(argv)
    return code if isinstance(code, int) else 0


def main(argv: list[str] | None = None) -> int:
    """``ecoconsole [options]`` opens the console; ``ecoconsole hub ...`` (or another child) runs it."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in CHILDREN:
        return run_child(argv[0], argv[1:])
    app = importlib.import_module("console.app")
    return int(app.main(argv))
