"""A report's tables for spreadsheets: one xlsx workbook (a sheet per table) or a zip of CSV files; no Qt.

CSV: one UTF-8 file per table (with a byte-order mark, so spreadsheet programs read the Chinese headers),
named after the table (``headline.csv``, ``townships.csv`` ...), packed in one zip file: the ``--out``
name with its suffix made ``.zip``.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from console.core.report_figures import Report
from console.reports.tables import Table, period_text, tables


def csv_path(out: Path) -> Path:
    """Where the csv export goes: ``out`` with the suffix ``.zip``."""
    return out.with_suffix(".zip")


def write_csv(report: Report, out: Path) -> Path:
    """Write one CSV per table into a zip at ``csv_path(out)``; returns that path."""
    target = csv_path(out)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in tables(report):
            archive.writestr(f"{table.name}.csv", table_csv(table))
    return target


def table_csv(table: Table) -> bytes:
    """A table as CSV bytes (UTF-8 with BOM): the header row, then the rows; empty cells for none."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow(["" if cell is None else cell for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


def write_xlsx(report: Report, out: Path, title: str = "") -> Path:
    """Write a workbook at ``out``: a sheet per table, its title in the first row, bold headers, numbers as
    numbers; returns ``out``."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    first = True
    for table in tables(report):
        sheet = book.active if first else book.create_sheet()
        first = False
        assert sheet is not None
        sheet.title = table.name
        sheet.append([f"{title or '环境空气质量报告'} {period_text(report)} · {table.title}"])
        sheet["A1"].font = Font(bold=True, size=12)
        sheet.append(table.headers)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center")
        for row in table.rows:
            sheet.append(list(row))
        for column, header in enumerate(table.headers, 1):
            width = max([len(str(header))] + [len(str(row[column - 1] or "")) for row in table.rows])
            sheet.column_dimensions[get_column_letter(column)].width = min(40, max(8, width * 1.6 + 2))
        sheet.freeze_panes = "A3"
    book.save(out)
    return out
