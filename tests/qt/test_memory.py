"""Process memory: what PySide6 reads of every imported module is not kept for the life of the console."""

from __future__ import annotations

import linecache
import sys
import traceback

import pytest

from console.memory import forget_sources_pyside_reads

MODULE = "freshly_imported_module"


@pytest.fixture
def fresh_module(tmp_path, monkeypatch):
    """A module file importable once, never imported before in this process."""
    path = tmp_path / f"{MODULE}.py"
    source = "from PySide6 import QtCore\n\n\ndef fail():\n    raise RuntimeError('from the fresh module')\n"
    path.write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield path
    sys.modules.pop(MODULE, None)
    linecache.cache.pop(str(path), None)


def test_modules_imported_after_pyside_leave_no_source_lines_behind(fresh_module):
    forget_sources_pyside_reads()
    module = __import__(MODULE)  # an import statement: importlib.import_module skips PySide6's hook
    assert str(fresh_module) not in linecache.cache
    # PySide6 still learnt that the module uses it (0: no feature selected; -1 would mean "not PySide")
    assert sys.modules["shibokensupport.feature"].pyside_feature_dict[MODULE] == 0
    # and a traceback still quotes the module's source
    with pytest.raises(RuntimeError) as raised:
        module.fail()
    assert "raise RuntimeError('from the fresh module')" in "".join(traceback.format_exception(raised.value))


def test_wrapping_twice_keeps_one_wrapper():
    forget_sources_pyside_reads()
    feature = sys.modules["shibokensupport.feature"]
    wrapper = feature._mod_uses_pyside
    forget_sources_pyside_reads()
    assert feature._mod_uses_pyside is wrapper
