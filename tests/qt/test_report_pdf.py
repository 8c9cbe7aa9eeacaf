"""The report documents: every kind as an A4 PDF (opened with pypdf: pages, page numbers, the Chinese
title, the headline figures with last year's in parentheses), the xlsx workbook and the csv zip of the same
tables."""

from __future__ import annotations

import csv
import io
import random
import re
import unicodedata
import zipfile
from datetime import date, timedelta

import pypdf
import pytest
from openpyxl import load_workbook

from console.core.report_figures import Report, parse_period, report
from console.reports.export import write_csv, write_xlsx
from console.reports.pdf import write_pdf
from console.reports.tables import tables

TOWNSHIPS = {"T1": "香水园街道", "T2": "儒林街道", "T3": "八达岭镇"}
A4 = (595, 842)  # points, portrait


def _days(rng: random.Random) -> dict[str, dict[date, dict[str, float]]]:
    """Six stations' valid daily items for 2014 and 2015; the T3 stations twice as polluted."""
    out: dict[str, dict[date, dict[str, float]]] = {}
    first = date(2014, 1, 1)
    for n in range(6):
        load = 2.0 if n >= 4 else 1.0
        days = {}
        for d in range(730):
            f = load * rng.lognormvariate(0, 0.5)
            days[first + timedelta(days=d)] = {
                "PM25_24H": 40 * f, "PM10_24H": 70 * f, "SO2_24H": 8 * f, "NO2_24H": 30 * f,
                "CO_24H": 0.8 * f, "O3_8H": rng.uniform(40, 180), "O3_1H": rng.uniform(60, 200),
            }  # fmt: skip
        out[f"S{n}"] = days
    return out


@pytest.fixture(scope="module")
def station_days():
    return _days(random.Random(11))


def _report(station_days, kind: str, period: str) -> Report:
    township_of = {f"S{n}": f"T{n // 2 + 1}" for n in range(6)}
    return report(station_days, parse_period(kind, period), township_of=township_of, township_names=TOWNSHIPS,
                  station_names={s: f"站点{s}" for s in station_days})  # fmt: skip


def _text(path) -> tuple[int, str, list[tuple[float, float]]]:
    reader = pypdf.PdfReader(str(path))
    text = "\n".join(page.extract_text() for page in reader.pages)
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    return len(reader.pages), plain(text), sizes


# The CJK font maps a few ideographs to radical forms in the text layer (生 -> ⽣, 页 -> ⻚): NFKC folds the
# Kangxi radicals, this table the supplement's that occur here.
_SUPPLEMENT = str.maketrans(
    {"⻚": "页", "⻓": "长", "⻔": "门", "⻋": "车", "⻅": "见", "⻢": "马", "⻛": "风"}
)


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def plain(text: str) -> str:
    """Text compared as a reader sees it: compatibility forms folded, runs of blanks one space."""
    folded = unicodedata.normalize("NFKC", text).translate(_SUPPLEMENT)
    return re.sub(r"[ \t]+", " ", folded)


KINDS = [
    ("daily", "2015-12-01", "环境空气质量日报", "2015年12月1日"),
    ("weekly", "2015-W49", "环境空气质量周报", "2015年第49周"),
    ("monthly", "2015-12", "环境空气质量月报", "2015年12月"),
    ("annual", "2015", "环境空气质量年报", "2015年"),
    ("episode", "2015-11-26/2015-12-03", "重污染天气过程专报", "2015年11月26日—12月3日"),
]


@pytest.mark.parametrize(("kind", "period", "title", "period_text"), KINDS, ids=[k[0] for k in KINDS])
def test_every_kind_renders_an_a4_pdf_with_its_figures(
    tmp_path, station_days, kind, period, title, period_text
):
    found = _report(station_days, kind, period)
    out = tmp_path / f"{kind}.pdf"
    pages = write_pdf(found, out, bureau="延庆区生态环境局", issued=date(2016, 1, 5))
    count, text, sizes = _text(out)
    assert count == pages >= 2
    assert all(abs(w - A4[0]) < 1 and abs(h - A4[1]) < 1 for w, h in sizes)
    assert "延庆区生态环境局" in text and title in text and plain(period_text) in text
    assert f"第 1 页 共 {count} 页" in text and f"第 {count} 页 共 {count} 页" in text
    pm25, then = round(found.pm25_mean), round(found.yoy["pm25_mean"].previous)
    headline = plain(f"PM2.5 平均浓度 {pm25} μg/m³（去年同期 {then}）")
    assert _squeezed(headline) in _squeezed(text)  # line breaks and spacing as the text layer has them
    assert f"{found.composite_index:.2f}" in text
    for name in TOWNSHIPS.values():
        assert name in text
    assert "说明" in text


def test_the_ranking_puts_the_cleanest_township_first(tmp_path, station_days):
    found = _report(station_days, "monthly", "2015-12")
    assert found.townships[-1].name == "八达岭镇"  # twice as polluted: last
    write_pdf(found, tmp_path / "m.pdf")
    _, text, _ = _text(tmp_path / "m.pdf")
    assert "3.八达岭镇" in _squeezed(text)


def test_the_pdf_embeds_its_chinese_font(tmp_path, station_days):
    write_pdf(_report(station_days, "monthly", "2015-12"), tmp_path / "m.pdf")
    reader = pypdf.PdfReader(str(tmp_path / "m.pdf"))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            if any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                fonts.add(str(font["/BaseFont"]))
    assert any("CJK" in name for name in fonts), fonts


def test_the_xlsx_holds_the_same_tables(tmp_path, station_days):
    found = _report(station_days, "monthly", "2015-12")
    write_xlsx(found, tmp_path / "m.xlsx", title="延庆区生态环境局环境空气质量月报")
    book = load_workbook(tmp_path / "m.xlsx")
    assert book.sheetnames == [t.name for t in tables(found)]
    assert book.sheetnames == ["headline", "targets", "townships", "stations", "days", "incidents"]
    towns = book["townships"]
    assert "2015年12月" in towns["A1"].value
    assert [c.value for c in towns[2]][:4] == ["排名", "乡镇（街道）", "站点数", "综合指数"]
    assert [towns.cell(row=r, column=2).value for r in (3, 4, 5)] == [t.name for t in found.townships]
    assert towns.cell(row=3, column=4).value == round(found.townships[0].composite_index, 2)
    days = book["days"]
    assert days.max_row == 2 + 31 and days.cell(row=3, column=1).value == "2015-12-01"
    assert days.cell(row=3, column=2).value == found.days[0].aqi


def test_the_csv_zip_has_one_file_per_table(tmp_path, station_days):
    found = _report(station_days, "annual", "2015")
    path = write_csv(found, tmp_path / "year.csv")
    assert path == tmp_path / "year.zip"
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == [f"{t.name}.csv" for t in tables(found)]
        data = archive.read("stations.csv")
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM: spreadsheet programs then read UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["排名", "站点", "综合指数"]
    assert len(rows) == 1 + 6
    assert float(rows[1][2]) == round(found.station_figures[0].composite_index, 2)
    assert len(list(csv.reader(io.StringIO(archive_text(path, "days.csv"))))) == 1 + 365


def archive_text(path, name: str) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name).decode("utf-8-sig")


def test_the_command_writes_the_pdf_from_a_hub_data_directory(capsys, tmp_path):
    from console.entry import main as entry_main
    from console.hub.storage import Storage
    from tests.net.hubkit import PW
    from tests.net.test_report import HOURLY, _store_days

    folder = tmp_path / "hub"
    storage = Storage(f"sqlite:///{folder / 'hub.db'}")
    storage.upsert_stations([(s, PW) for s in HOURLY])
    _store_days(storage, 3)
    storage.close()
    out = tmp_path / "week.pdf"
    code = entry_main(
        ["report", "weekly", "--period", "2015-W49", "--data-dir", str(folder), "--out", str(out)]
    )
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "周报" in printed.out and "pages" in printed.out
    count, text, _sizes = _text(out)
    assert "PM2.5平均浓度40μg/m3" in _squeezed(text)  # the two stations' 30 and 50 µg/m³ averaged
    assert f"第 {count} 页 共 {count} 页" in text
