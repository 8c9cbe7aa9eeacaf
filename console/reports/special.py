"""The special report of one incident (问题专报) as an A4 PDF: what was found, each action with its time,
the photos of its attachments, and the assessment of how the loop was closed."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter

from console.core.incidents import AuditEntry, Incident
from console.reports.layout import BUREAU_RED, MUTED, Document
from console.reports.tables import Table

STATES = {
    "discovered": "已发现",
    "dispatched": "已派发",
    "handling": "处置中",
    "feedback": "已反馈",
    "closed": "已办结",
}
ACTIONS = {
    "raise": "发现", "report": "上报", "acknowledge": "确认", "dispatch": "派发", "handle": "处置",
    "feedback": "反馈", "assess": "考核", "dismiss": "销号", "comment": "备注", "escalate": "升级",
    "update": "更新", "clear": "条件解除",
}  # fmt: skip
SEVERITIES = {1: "一般", 2: "较重", 3: "严重", 4: "特别严重"}
SOURCES = {"rule": "自动监测报警", "inspector": "第三方巡查", "duty": "值班人员", "citizen": "群众举报"}
CATEGORIES = {
    "air": "大气", "water": "水", "noise": "噪声", "fume": "餐饮油烟", "source": "污染源", "odour": "异味",
    "device": "设备", "other": "其他",
}  # fmt: skip
LEVELS = {"grid": "网格", "township": "乡镇（街道）", "district": "区县", "city": "市"}
PHOTO_COLUMNS = 2
PHOTO_HEIGHT_MM = 62.0


def _clock(ts: float | None, tz_hours: float) -> str:
    """A time as the bureau reads it (local time of the site)."""
    if ts is None:
        return "—"
    return datetime.fromtimestamp(ts, timezone(timedelta(hours=tz_hours))).strftime("%Y-%m-%d %H:%M")


def _duration(seconds: float) -> str:
    hours = seconds / 3600
    return f"{hours / 24:.1f} 天" if hours >= 48 else f"{hours:.1f} 小时"


def assessment_lines(incident: Incident, trail: Sequence[AuditEntry], tz_hours: float = 8) -> list[str]:
    """How the loop was closed: time to dispatch, to feedback, on time or overdue, returns, escalations."""
    lines = []
    if incident.dispatched is not None:
        lines.append(f"发现至派发用时 {_duration(incident.dispatched - incident.created)}。")
    feedback = [e.ts for e in trail if e.action == "feedback"]
    if feedback and incident.dispatched is not None:
        lines.append(f"派发至反馈用时 {_duration(max(feedback) - incident.dispatched)}。")
    if incident.deadline is not None:
        answered = max(feedback) if feedback else incident.closed
        if answered is None:
            lines.append(f"处置期限 {_clock(incident.deadline, tz_hours)}，尚未反馈。")
        elif answered <= incident.deadline:
            lines.append(f"处置期限 {_clock(incident.deadline, tz_hours)}，按时反馈。")
        else:
            lines.append(
                f"处置期限 {_clock(incident.deadline, tz_hours)}，"
                f"超期 {_duration(answered - incident.deadline)}。"
            )
    lines.append(f"退回重办 {incident.returns} 次，逐级升级 {incident.escalations} 次。")
    verdicts = [e for e in trail if e.action == "assess"]
    if verdicts:
        last = verdicts[-1]
        result = str(last.details.get("result", "")) or ("pass" if last.to_state == "closed" else "return")
        word = "考核通过" if result == "pass" else "考核退回"
        remark = f"：{last.comment}" if last.comment else ""
        lines.append(f"{word}（{last.actor}，{_clock(last.ts, tz_hours)}）{remark}。")
    elif incident.state == "closed":
        lines.append("已销号。")
    else:
        lines.append(f"当前状态：{STATES.get(incident.state, incident.state)}，尚未考核。")
    return lines


def trail_table(trail: Sequence[AuditEntry], tz_hours: float = 8) -> Table:
    """Each action with its time, who took it and the step it moved the incident to."""
    table = Table("trail", "处置过程", ["时间", "人员", "动作", "状态", "说明", "照片"], numeric={5})
    for entry in trail:
        table.rows.append([
            _clock(entry.ts, tz_hours), entry.actor, ACTIONS.get(entry.action, entry.action),
            STATES.get(entry.to_state, entry.to_state), entry.comment or "—",
            len(entry.attachments) or None,
        ])  # fmt: skip
    return table


def write_special(
    incident: Incident,
    trail: Sequence[AuditEntry],
    photos: Mapping[str, bytes],
    out: Path,
    *,
    bureau: str = "生态环境局",
    township: str = "",
    station: str = "",
    issued: date | None = None,
    tz_hours: float = 8,
) -> int:
    """Write the incident's special report at ``out``; ``photos``: attachment id -> image bytes (those that
    could be fetched). Returns the page count."""
    issued = issued or date.today()
    doc = Document(out, f"{bureau} 问题专报 {incident.id}", footer=f"{bureau} · 问题专报 {incident.id}")
    doc.paragraph(bureau, 22, bold=True, colour=BUREAU_RED, align=Qt.AlignmentFlag.AlignHCenter, after_mm=3)
    doc.paragraph("问题专报", doc.style.title, bold=True, align=Qt.AlignmentFlag.AlignHCenter, after_mm=1)
    doc.paragraph(incident.title, 13, align=Qt.AlignmentFlag.AlignHCenter, after_mm=1)
    doc.paragraph(f"编号：{incident.id}　　签发日期：{issued.year}年{issued.month}月{issued.day}日", 9,
                  colour=MUTED, align=Qt.AlignmentFlag.AlignHCenter, after_mm=4)  # fmt: skip
    doc.heading("一、基本情况")
    facts = Table("facts", "基本情况", ["项目", "内容", "项目", "内容"])
    pairs = [
        ("类别", CATEGORIES.get(incident.category, incident.category)),
        ("严重程度", SEVERITIES.get(int(incident.severity), str(incident.severity))),
        ("来源", SOURCES.get(incident.source, incident.source)),
        ("当前状态", STATES.get(incident.state, incident.state)),
        ("乡镇（街道）", township or incident.township or "—"), ("网格", incident.grid or "—"),
        ("站点", station or incident.station or "—"),
        ("位置", _place(incident)),
        ("责任层级", LEVELS.get(incident.level, incident.level)), ("责任人", incident.responsible or "—"),
        ("处置人", incident.assignee or "—"), ("发现时间", _clock(incident.created, tz_hours)),
        ("派发时间", _clock(incident.dispatched, tz_hours)),
        ("处置期限", _clock(incident.deadline, tz_hours)),
        ("办结时间", _clock(incident.closed, tz_hours)),
        ("照片", f"{sum(len(e.attachments) for e in trail)} 张"),
    ]  # fmt: skip
    for i in range(0, len(pairs), 2):
        left, right = pairs[i], pairs[i + 1]
        facts.rows.append([left[0], left[1], right[0], right[1]])
    doc.table(facts, size=8.5, widths=[16, 34, 16, 34])
    doc.heading("二、发现情况")
    doc.paragraph(incident.reason or "—")
    if incident.values:
        values = "，".join(f"{k} {v:g}" for k, v in sorted(incident.values.items()))
        doc.paragraph(f"监测值：{values}。", size=9, colour=MUTED)
    doc.heading("三、处置过程")
    doc.table(trail_table(trail, tz_hours), size=8, widths=[22, 14, 9, 10, 50, 7])
    shown = [(entry, ident) for entry in trail for ident in entry.attachments]
    doc.heading("四、现场照片", PHOTO_HEIGHT_MM + 8)
    if not shown:
        doc.paragraph("本问题无照片。", colour=MUTED)
    for n in range(0, len(shown), PHOTO_COLUMNS):
        row = shown[n : n + PHOTO_COLUMNS]
        images = [(entry, ident, _image(photos.get(ident))) for entry, ident in row]
        doc.block(PHOTO_HEIGHT_MM + 6, functools.partial(_photos, images=images, doc=doc, tz_hours=tz_hours))
    doc.heading("五、考核评价")
    for line in assessment_lines(incident, trail, tz_hours):
        doc.paragraph(line)
    return doc.save()


def _place(incident: Incident) -> str:
    if incident.lon is None or incident.lat is None:
        return "—"
    return f"{incident.lon:.5f}, {incident.lat:.5f}"


def _image(data: bytes | None) -> QImage | None:
    if not data:
        return None
    image = QImage.fromData(data)
    return None if image.isNull() else image


def _photos(p: QPainter, rect: QRectF, *, images: list[tuple[AuditEntry, str, QImage | None]], doc: Document,
            tz_hours: float) -> None:  # fmt: skip
    """A row of photos, each scaled into its cell with its action and time beneath."""
    gap = doc.mm(4)
    width = (rect.width() - gap * (PHOTO_COLUMNS - 1)) / PHOTO_COLUMNS
    caption_h = doc.mm(5)
    for i, (entry, ident, image) in enumerate(images):
        cell = QRectF(rect.left() + i * (width + gap), rect.top(), width, rect.height() - caption_h)
        if image is None:
            p.fillRect(cell, Qt.GlobalColor.lightGray)
            p.setFont(doc.font(8))
            p.setPen(MUTED)
            p.drawText(cell, int(Qt.AlignmentFlag.AlignCenter), f"照片 {ident} 无法读取")
        else:
            scale = min(cell.width() / image.width(), cell.height() / image.height())
            w, h = image.width() * scale, image.height() * scale
            target = QRectF(cell.left() + (cell.width() - w) / 2, cell.top() + (cell.height() - h) / 2, w, h)
            p.drawImage(target, image)
        p.setFont(doc.font(8))
        p.setPen(MUTED)
        caption = f"{ACTIONS.get(entry.action, entry.action)} · {entry.actor} · {_clock(entry.ts, tz_hours)}"
        p.drawText(
            QRectF(cell.left(), cell.bottom() + doc.mm(1), width, caption_h),
            int(Qt.AlignmentFlag.AlignHCenter),
            caption,
        )
