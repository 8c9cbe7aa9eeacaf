"""Styles for the incident screens' controls (inputs, tabs, buttons) on the console's dark palette."""

from __future__ import annotations

from console.widgets import theme


def controls_stylesheet(scale: theme.WallScale) -> str:
    """QSS for forms and controls at a scale: dark fields, off-white text, cyan focus, no white boxes."""
    s, gap = scale, scale.gap_px
    field = f"background: {theme.BACKGROUND}; color: {theme.TEXT}; border: 1px solid {theme.PANEL_EDGE};"
    return f"""
    * {{ font-size: {s.body_px}px; }}
    QLabel[role="small"] {{ font-size: {s.small_px}px; }}
    QLabel[role="title"] {{ font-size: {s.title_px}px; }}
    QLabel[role="strong"] {{ font-weight: bold; }}
    QScrollArea, QScrollArea > QWidget > QWidget, QSplitter, QTabWidget > QWidget {{
        background: {theme.PANEL}; }}
    QTabWidget::pane {{ border: 1px solid {theme.PANEL_EDGE}; background: {theme.PANEL}; }}
    QTabBar::tab {{ background: {theme.BACKGROUND}; color: {theme.TEXT_SECONDARY};
                    padding: {gap}px {gap * 3}px; border: 1px solid {theme.PANEL_EDGE};
                    border-bottom: none; }}
    QTabBar::tab:selected {{ background: {theme.PANEL}; color: {theme.TEXT}; font-weight: bold;
                             border-top: 3px solid {theme.FOCUS}; }}
    QComboBox, QLineEdit, QPlainTextEdit, QDateTimeEdit, QListWidget {{
        {field} padding: {gap // 2}px {gap}px; }}
    QComboBox QAbstractItemView {{ {field} selection-background-color: #12394a; }}
    QComboBox:focus, QLineEdit:focus, QPlainTextEdit:focus, QDateTimeEdit:focus {{
        border: 2px solid {theme.FOCUS}; }}
    QComboBox:disabled, QDateTimeEdit:disabled {{ color: {theme.OFFLINE}; }}
    QPushButton {{ background: #1B2A44; color: {theme.TEXT}; border: 1px solid {theme.PANEL_EDGE};
                   border-radius: 4px; padding: {gap // 2}px {gap * 2}px; }}
    QPushButton:hover {{ border-color: {theme.TEXT_SECONDARY}; }}
    QPushButton:focus {{ border: 2px solid {theme.FOCUS}; }}
    QPushButton:disabled {{ color: {theme.OFFLINE}; }}
    QCheckBox, QRadioButton {{ color: {theme.TEXT}; spacing: {gap}px; }}
    QHeaderView::section {{ font-size: {s.small_px}px; }}
    """
