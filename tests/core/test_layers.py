"""Views talk only to view-models: no view reads a view-model's store, incident book or session.

lint-imports enforces the layers between modules; it cannot see attribute access, so a view reaching
through ``vm.store`` into the core would pass it. This scan of console/views catches that.
"""

from __future__ import annotations

import ast
from pathlib import Path

VIEWS = Path(__file__).resolve().parents[2] / "console" / "views"
BEHIND_VIEW_MODELS = frozenset({"store", "book", "session"})


def reaches_behind(source: str, filename: str = "<view>") -> list[str]:
    """``file:line: expression`` of every attribute access to what a view-model keeps behind it."""
    nodes = [
        node
        for node in ast.walk(ast.parse(source, filename))
        if isinstance(node, ast.Attribute) and node.attr in BEHIND_VIEW_MODELS
    ]
    return [
        f"{filename}:{node.lineno}: {ast.unparse(node)}" for node in sorted(nodes, key=lambda n: n.lineno)
    ]


def test_no_view_reaches_behind_its_view_models() -> None:
    modules = sorted(VIEWS.glob("*.py"))
    assert len(modules) >= 5, f"console/views not found at {VIEWS}"
    found = [hit for path in modules for hit in reaches_behind(path.read_text(), path.name)]
    assert not found, "views must ask their view-models, not the store or book behind them:\n" + "\n".join(
        found
    )


def test_the_scan_sees_a_view_reaching_into_the_store_and_the_book() -> None:
    source = (
        "def _on_events(self, rows):\n"
        "    self.panel.set_data_time(self.vm.store.data_time)\n"
        "    board = IncidentBoard(incidents.book.clock)\n"
        "    api = self.app.session.api\n"
    )
    assert reaches_behind(source) == [
        "<view>:2: self.vm.store",
        "<view>:3: incidents.book",
        "<view>:4: self.app.session",
    ]
