"""A4 portrait documents with QPdfWriter and QPainter: a flow of blocks onto pages, tables that continue on
the next page with their header, page numbers "第 n 页 共 m 页".

Layout first, painting second: every block is measured on the PDF device (its fonts, its resolution) and
placed as a paint operation on a page; once the page count is known the pages are painted with their
footers. The CJK font (Noto Sans CJK, the one the console uses) is embedded by Qt as a subset.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
)

from console.assets import FONTS
from console.reports.tables import Table, cell_text

FAMILY = "Noto Sans CJK SC"
DPI = 300
PAGE_W_MM, PAGE_H_MM = 210.0, 297.0
MARGIN_MM = (18.0, 16.0, 18.0, 18.0)  # left, top, right, bottom (the footer sits in the bottom margin)
INK = QColor(30, 30, 30)
MUTED = QColor(110, 110, 110)
RULE = QColor(170, 170, 170)
HEADER_FILL = QColor(232, 236, 242)
BUREAU_RED = QColor(200, 16, 24)
Op = Callable[[QPainter], None]
_PLAIN_GLYPHS = ("kern", "palt", "liga", "locl", "pwid", "calt", "ccmp")


class ReportError(RuntimeError):
    """A document could not be written (the file, or no font for Chinese); the message says which."""


def ensure_gui_app() -> QGuiApplication:
    """The application Qt's fonts need; an offscreen one when the program has none (the command line)."""
    import os

    app = QGuiApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication(["ecoconsole-report"])
    assert isinstance(app, QGuiApplication)
    return app


def cjk_family() -> str:
    """The family for Chinese text: Noto Sans CJK SC, the bundled font, or any Simplified Chinese one."""
    families = QFontDatabase.families()
    if FAMILY in families:
        return FAMILY
    for path in sorted(FONTS.glob("*.tt[cf]")) + sorted(FONTS.glob("*.otf")):
        QFontDatabase.addApplicationFont(str(path))
    if FAMILY in QFontDatabase.families():
        return FAMILY
    chinese = QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)
    if not chinese:
        raise ReportError("no font for Chinese is installed (install fonts-noto-cjk)")
    return chinese[0]


@dataclass
class Style:
    """Font sizes in points."""

    body: float = 10.0
    small: float = 8.0
    table: float = 8.0
    heading: float = 12.5
    title: float = 20.0


class Document:
    """A flow of blocks on A4 portrait pages; ``save`` paints them with their page numbers."""

    def __init__(self, path: Path, title: str, footer: str = "") -> None:
        ensure_gui_app()
        self.path = path
        self.family = cjk_family()
        self.style = Style()
        self.writer = QPdfWriter(str(path))
        self.writer.setResolution(DPI)
        self.writer.setTitle(title)
        self.writer.setCreator("ecoconsole")
        layout = QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                             QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)  # fmt: skip
        self.writer.setPageLayout(layout)
        self.footer = footer
        left, top, right, bottom = (self.mm(v) for v in MARGIN_MM)
        self.left, self.top = left, top
        self.width = self.mm(PAGE_W_MM) - left - right
        self.bottom = self.mm(PAGE_H_MM) - bottom
        self.pages: list[list[Op]] = [[]]
        self.y = top

    # -- units and fonts

    def mm(self, value: float) -> float:
        """Millimetres in device pixels."""
        return value * DPI / 25.4

    def font(self, size: float, *, bold: bool = False) -> QFont:
        font = QFont(self.family)
        font.setPointSizeF(size)
        font.setBold(bold)
        for tag in _PLAIN_GLYPHS:  # the CJK font's proportional digit forms have no Unicode of their own:
            font.setFeature(QFont.Tag(tag), 0)  # off, so text copied or searched in the PDF keeps its digits
        return font

    def metrics(self, font: QFont) -> QFontMetricsF:
        return QFontMetricsF(font, self.writer)

    # -- flow

    def add(self, op: Op) -> None:
        self.pages[-1].append(op)

    def new_page(self) -> None:
        self.pages.append([])
        self.y = self.top

    def room(self) -> float:
        return self.bottom - self.y

    def need(self, height: float) -> None:
        """Start a new page unless ``height`` fits below the cursor."""
        if height > self.room() and self.y > self.top:
            self.new_page()

    def space(self, mm: float) -> None:
        self.y += self.mm(mm)

    def paragraph(
        self, text: str, size: float | None = None, *, bold: bool = False, colour: QColor = INK,
        align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft, indent_mm: float = 0.0, after_mm: float = 1.5,
    ) -> None:  # fmt: skip
        """Wrapped text at the cursor (CJK lines break anywhere a line may break)."""
        font = self.font(size or self.style.body, bold=bold)
        left = self.left + self.mm(indent_mm)
        width = self.width - self.mm(indent_mm)
        flags = int(align) | int(Qt.TextFlag.TextWordWrap)
        rect = self.metrics(font).boundingRect(QRectF(0, 0, width, 1e6), flags, text)
        height = rect.height()
        self.need(height)
        box = QRectF(left, self.y, width, height + 2)

        def paint(p: QPainter) -> None:
            p.setFont(font)
            p.setPen(colour)
            p.drawText(box, flags, text)

        self.add(paint)
        self.y += height + self.mm(after_mm)

    def heading(self, text: str, keep_mm: float = 30.0) -> None:
        """A section heading with a rule under it, kept on one page with ``keep_mm`` of what follows."""
        font = self.font(self.style.heading, bold=True)
        height = self.metrics(font).height()
        self.need(height + self.mm(keep_mm + 6))
        self.space(2)
        top, left, width = self.y, self.left, self.width

        def paint(p: QPainter) -> None:
            p.setFont(font)
            p.setPen(INK)
            p.drawText(QRectF(left, top, width, height), int(Qt.AlignmentFlag.AlignLeft), text)
            p.setPen(QPen(RULE, self.mm(0.25)))
            p.drawLine(
                QPointF(left, top + height + self.mm(0.8)), QPointF(left + width, top + height + self.mm(0.8))
            )

        self.add(paint)
        self.y += height + self.mm(3)

    def block(self, height_mm: float, draw: Callable[[QPainter, QRectF], None]) -> None:
        """A drawing (a chart) of a fixed height across the content width."""
        height = self.mm(height_mm)
        self.need(height)
        rect = QRectF(self.left, self.y, self.width, height)
        self.add(lambda p: draw(p, rect))
        self.y += height + self.mm(2)

    def table(
        self, table: Table, *, size: float | None = None, widths: Sequence[float] | None = None
    ) -> None:
        """A table across the content width: a shaded header (repeated on each page it continues to), rows
        of one line (too long cells are elided), numbers aligned right."""
        font = self.font(size or self.style.table)
        bold = self.font(size or self.style.table, bold=True)
        fm, fmb = self.metrics(font), self.metrics(bold)
        pad = self.mm(1.2)
        texts = [[cell_text(cell, table.decimals.get(i)) for i, cell in enumerate(row)] for row in table.rows]
        if widths is None:
            widths = self._column_widths(table, texts, fm, fmb, pad)
        else:
            total = sum(widths)
            widths = [w * self.width / total for w in widths]
        header_flags = int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap)
        header_h = (
            max(
                fmb.boundingRect(QRectF(0, 0, w - 2 * pad, 1e6), header_flags, h).height()
                for w, h in zip(widths, table.headers, strict=True)
            )
            + 2 * pad
        )
        row_h = fm.height() + 2 * pad
        lefts = [self.left + sum(widths[:i]) for i in range(len(widths))]
        if not texts:
            texts = [["（无数据）"] + [""] * (len(widths) - 1)]

        def header(top: float) -> Op:
            def paint(p: QPainter) -> None:
                p.fillRect(QRectF(self.left, top, self.width, header_h), HEADER_FILL)
                p.setFont(bold)
                p.setPen(INK)
                for x, w, h in zip(lefts, widths, table.headers, strict=True):
                    p.drawText(QRectF(x + pad, top + pad, w - 2 * pad, header_h - 2 * pad), header_flags, h)
                p.setPen(QPen(RULE, self.mm(0.2)))
                p.drawLine(QPointF(self.left, top), QPointF(self.left + self.width, top))
                p.drawLine(
                    QPointF(self.left, top + header_h), QPointF(self.left + self.width, top + header_h)
                )

            return paint

        self.need(header_h + row_h * min(3, len(texts)))
        self.add(header(self.y))
        self.y += header_h
        for n, row in enumerate(texts):
            if self.y + row_h > self.bottom:
                self.new_page()
                self.add(header(self.y))
                self.y += header_h
            top = self.y
            last = n == len(texts) - 1

            def paint_row(
                p: QPainter, row: list[str] = row, top: float = top, last: bool = last, n: int = n
            ) -> None:
                if n % 2:
                    p.fillRect(QRectF(self.left, top, self.width, row_h), QColor(247, 248, 250))
                p.setFont(font)
                p.setPen(INK)
                for i, (x, w, text) in enumerate(zip(lefts, widths, row, strict=False)):
                    align = Qt.AlignmentFlag.AlignRight if i in table.numeric else Qt.AlignmentFlag.AlignLeft
                    shown = fm.elidedText(text, Qt.TextElideMode.ElideRight, w - 2 * pad)
                    p.drawText(
                        QRectF(x + pad, top, w - 2 * pad, row_h),
                        int(align | Qt.AlignmentFlag.AlignVCenter),
                        shown,
                    )
                if last:
                    p.setPen(QPen(RULE, self.mm(0.2)))
                    p.drawLine(QPointF(self.left, top + row_h), QPointF(self.left + self.width, top + row_h))

            self.add(paint_row)
            self.y += row_h
        self.y += self.mm(3)

    def _column_widths(
        self, table: Table, texts: list[list[str]], fm: QFontMetricsF, fmb: QFontMetricsF, pad: float
    ) -> list[float]:
        """Natural widths (the widest cell; a header may wrap onto two lines), scaled to the content width."""
        natural = []
        for i, header in enumerate(table.headers):
            body = max((fm.horizontalAdvance(row[i]) for row in texts if i < len(row)), default=0.0)
            head = fmb.horizontalAdvance(header)
            head = head / 2 if len(header) > 4 else head  # long headers wrap onto two lines
            natural.append(max(body, head, fm.horizontalAdvance("000")) + 2 * pad + self.mm(0.5))
        total = sum(natural)
        return [w * self.width / total for w in natural]

    # -- output

    def save(self) -> int:
        """Paint every page with its footer into the PDF; returns the page count."""
        count = len(self.pages)
        painter = QPainter()
        if not painter.begin(self.writer):
            raise ReportError(f"cannot write {self.path}")
        try:
            font = self.font(self.style.small)
            for n, ops in enumerate(self.pages, 1):
                if n > 1:
                    self.writer.newPage()
                for op in ops:
                    op(painter)
                painter.setFont(font)
                painter.setPen(MUTED)
                foot = QRectF(self.left, self.bottom + self.mm(6), self.width, self.mm(6))
                painter.drawText(foot, int(Qt.AlignmentFlag.AlignCenter), f"第 {n} 页 共 {count} 页")
                if self.footer:
                    painter.drawText(foot, int(Qt.AlignmentFlag.AlignLeft), self.footer)
        finally:
            painter.end()
        return count
