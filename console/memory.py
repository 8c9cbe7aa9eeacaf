"""Process memory: keeps what the console reads once and never again out of its heap."""

from __future__ import annotations

import linecache
import sys


def forget_sources_pyside_reads() -> None:
    """Stop PySide6 from filling linecache with the source of every module imported after it.

    To learn whether a module uses PySide6 features, PySide6 reads its whole source (``inspect.getsource``
    on every import, PYSIDE-2029), and linecache keeps every line: 576 files and 278,000 lines, about
    20 MB of strings in the wall console, never read again. The check is wrapped so that the lines it
    caches are dropped at once; tracebacks still read their lines on demand.
    """
    before = set(linecache.cache)
    import PySide6  # noqa: F401  (loads the feature check; imports no Qt library)

    for name in set(linecache.cache) - before:  # the modules PySide6 checked while it loaded
        linecache.cache.pop(name, None)
    feature = sys.modules.get("shibokensupport.feature")
    check = getattr(feature, "_mod_uses_pyside", None)
    if check is None or getattr(check, "forgets_sources", False):
        return  # another PySide6 version, or already wrapped

    def uses_pyside(module) -> bool:
        known = set(linecache.cache)
        try:
            return check(module)
        finally:
            for name in set(linecache.cache) - known:
                linecache.cache.pop(name, None)

    setattr(uses_pyside, "forgets_sources", True)  # noqa: B010  (a mark on a function: mypy has no type for it)
    setattr(feature, "_mod_uses_pyside", uses_pyside)  # noqa: B010  (PySide6's private hook, found above)
