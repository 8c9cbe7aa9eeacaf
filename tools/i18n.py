"""Refresh the zh_CN translation: extract strings (pyside6-lupdate), fill them from ZH, compile (lrelease).

Run after changing any user-visible string: ``.venv/bin/python tools/i18n.py``. Strings missing from ZH
are left "unfinished" and listed; tests/qt/test_i18n.py fails until they are translated.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TS = ROOT / "resources" / "i18n" / "console_zh_CN.ts"
BIN = Path(sys.executable).parent

ZH = {
    # AQI categories (HJ 633)
    "Excellent": "优", "Good": "良", "Lightly polluted": "轻度污染", "Moderately polluted": "中度污染",
    "Heavily polluted": "重度污染", "Severely polluted": "严重污染",
    "Light": "轻度", "Moderate": "中度", "Heavy": "重度", "Severe": "严重",
    # panels and ages
    "no data": "无数据", "No data": "无数据", "as of {time}": "截至 {time}", "{n} s ago": "{n} 秒前",
    "{n} min ago": "{n} 分钟前", "{h} h {m} min ago": "{h} 小时 {m} 分前", "{n} d ago": "{n} 天前",
    "AQI": "AQI", "AQI · {start}–{end}": "AQI · {start}–{end}",
    "Primary pollutant: none": "首要污染物：无", "Primary pollutant: {names}": "首要污染物：{names}",
    # factors and limits
    "Temperature": "气温", "Wind speed": "风速", "Humidity": "湿度", "Pressure": "气压", "PM2.5": "PM2.5",
    "TSP": "TSP", "Noise Leq": "噪声 Leq", "Dissolved oxygen": "溶解氧", "Ammonia nitrogen": "氨氮",
    "Total phosphorus": "总磷", "GB 3095 II {period} {value}": "GB 3095 二级 {period} {value}",
    "GB 3096 zone {zone} {period} {value}": "GB 3096 {zone}类区 {period} {value}",
    "GB 3838 {cls} {value}": "GB 3838 {cls}类 {value}", "GB 3095 II 24 h": "GB 3095 二级 24 小时",
    "day": "昼间", "night": "夜间",
    # network health
    "Network": "监测网络", "Online": "在线", "Offline": "离线", "Fault": "故障", "Alarm": "报警",
    "Online %": "在线率", "◌ awaiting first report since the hub started": "◌ 平台启动后等待首次上报", "Awaiting first report": "等待首次上报",
    "awaiting first report": "等待首次上报",
    "online": "在线", "offline": "离线", "fault": "故障", "Air": "空气站", "Micro": "微站", "Scenic": "景区站", "Water": "水质站",
    "Noise": "噪声", "Fume": "餐饮油烟", "Sources": "污染源", "Odour": "恶臭",
    # compass and wind
    "N": "北", "NE": "东北", "E": "东", "SE": "东南", "S": "南", "SW": "西南", "W": "西", "NW": "西北",
    "Calm {speed:.1f} m/s": "静风 {speed:.1f} m/s", "{dir} {speed:.1f} m/s": "{dir}风 {speed:.1f} m/s",
    "at {time}": "{time} 实测", "arrow: towards": "箭头指向去向",
    "arrow: towards · petals: from": "箭头指向去向 · 花瓣表示来向",
    # banner
    "● LIVE": "● 实时", "⟳ RECONNECTING": "⟳ 正在重连",
    "OFFLINE — showing data as of {time}": "离线 — 显示 {time} 的数据",
    "OFFLINE since {since} — data as of {time}": "自 {since} 起离线 — 数据截至 {time}",
    "Air quality over the limit": "空气质量超标", "Sudden rise": "浓度突升",
    "Abnormally high against neighbours": "异常高值点位", "Logger offline": "数采仪离线",
    "Reading stuck": "数据恒值", "Purifier off while cooking": "经营时段净化器未开启",
    "Water worse than its target class": "水质劣于目标类别", "Night noise over the limit": "夜间噪声超标",
    "Emission over the permit limit": "排放超标", "Odour over the limit": "恶臭超标",
    "no data yet": "尚无数据", "the hub receives no data from the network": "平台未收到任何监测数据",
    "no data for {0} s": "{0} 秒无数据", "no data for {0} min": "{0} 分钟无数据", "no data for {0} h": "{0} 小时无数据",
    "instrument fault": "仪器故障", "instrument stopped": "仪器停运", "instrument link error": "仪器通讯异常",
    "▶ REPLAY {time} — not live": "▶ 回放 {time} — 非实时",
    "attempt {n} · next retry in {s} s": "第 {n} 次 · {s} 秒后重试",
    "hub {n} of {count}: {address}": "平台 {n}/{count}：{address}",
    "Environmental command centre": "生态环境指挥中心",
    # events
    "Info": "提示", "Warning": "警告", "Critical": "紧急", "No events": "暂无事件",
    "{0} offline: {1}": "{0} 离线：{1}", "{0} instrument fault: {1}": "{0} 仪器故障：{1}",
    "{0} exceeds its limit ({1})": "{0} 超标（{1}）", "{0}: AQI {1}, heavily polluted air": "{0}：AQI {1}，重污染",
    "Data time {0}": "数据时间 {0}",
    # ranking
    "+ {n} more": "另有 {n} 个", "+ {n} more, all lower": "另有 {n} 个，数值均更低", "+ {n} more, lower or without data": "另有 {n} 个，数值更低或无数据",
    "PM2.5 µg/m³": "PM2.5 µg/m³",
    # wall views
    "City air quality now": "全市空气质量（实时）", "City air quality as replayed": "全市空气质量（回放）", "Township ranking · PM2.5": "乡镇排名 · PM2.5",
    "Network health": "监测网络运行", "Wind": "风", "Latest events": "最新事件",
    "Selected station · 24 h": "选中站点 · 24 小时", "Selected station · 24 h · {0}": "选中站点 · 24 小时 · {0}",
    "City PM2.5 and AQI · hourly, 24 h": "全市 PM2.5 与 AQI · 小时值 · 24 小时", "AQI (hourly)": "AQI（小时）",
    # window and help
    "Keyboard shortcuts": "快捷键", "Toggle kiosk (fullscreen) mode": "切换全屏（值守）模式",
    "Show or hide this help": "显示或隐藏本帮助", "Close this help": "关闭帮助", "Quit the console": "退出控制台",
    # map legend
    "Layers": "图层", "Status": "状态", "Air stations": "空气站", "Micro stations": "微站",
    "Scenic areas": "景区站", "Water quality": "水质站", "Catering fume": "餐饮油烟", "Pollution sources": "污染源",
    "Normal": "正常", "Exceedance": "超标", "Stale data": "数据陈旧", "Instrument fault": "仪器故障",
    "Invalid data": "无效数据", "Selected": "选中", "Township outlines approximate": "乡镇边界为近似范围",
    "Intranet basemap": "内网底图",
    # incident loop: states, severities, levels, roles, actions, deadlines
    "Discovered": "发现", "Dispatched": "派发", "Handling": "处置", "Feedback": "反馈", "Closed": "已关闭",
    "Minor": "一般", "Serious": "较重", "Extremely severe": "特别严重",
    "Grid": "网格", "Township": "乡镇", "District": "区县", "City": "市",
    "Duty officer": "值班员", "Coordinator": "调度员", "Leader": "领导", "Inspector": "巡查员",
    "Administrator": "管理员", "System": "系统",
    "Report": "上报", "Dispatch": "派发", "Record handling": "记录处置", "Submit feedback": "提交反馈",
    "Assess": "考核", "Dismiss": "不予处理", "Comment": "备注", "Raised": "发现", "Updated": "更新",
    "Condition cleared": "条件已解除", "Escalated": "升级", "Alarm rule": "报警规则", "Citizen report": "群众举报",
    "{m} min": "{m} 分钟", "{h} h {m:02d} min": "{h} 小时 {m:02d} 分", "{d} d {h} h": "{d} 天 {h} 小时",
    "overdue {0}": "超期 {0}", "{0} left": "剩余 {0}", "awaiting assessment": "待考核",
    "closed on time": "按时办结", "closed {0} late": "超期 {0} 办结", "not dispatched": "未派发",
    "Incidents": "事件", "Not dispatched": "未派发", "On time": "未超期", "Due soon": "即将到期", "Overdue": "超期",
    # incident queue, detail and dialogs
    "Severity": "等级", "Stage": "环节", "Incident": "事件", "Deadline": "时限", "Assignee": "处置人",
    "Raised at": "发现时间", "refused": "被拒绝", "pending": "待确认", "NEW": "新",
    "Open stages": "未办结", "All stages": "全部环节", "All severities": "全部等级", "All townships": "全部乡镇",
    "Overdue only": "仅超期", "Acknowledge new critical incidents": "确认新的特别严重事件",
    "Acknowledge": "确认", "Select an incident in the queue": "请在列表中选择事件",
    "Why it was raised": "发现依据", "Audit trail": "处理记录", "Time": "时间", "Who": "操作人",
    "Action": "操作", "Photos": "照片", "Loading the whole trail from the hub …": "正在从中心读取完整记录 …",
    "The condition has cleared: closing is suggested.": "报警条件已解除，建议办结。",
    "queued, not yet sent (no link)": "已排队，尚未发出（无连接）", "sent, waiting for the hub": "已发出，等待中心确认",
    "accepted, waiting for the hub's update": "中心已受理，等待更新",
    "Responsible": "责任人", "Place": "位置", "Source": "来源", "Dispatched at": "派发时间",
    "Escalations / returns": "升级 / 退回", "Conflict": "冲突", "Refused": "被拒绝", "Reload": "重新读取",
    "Got it": "知道了", "Cancel": "取消", "Own deadline (default: {0} for {1})": "自定时限（默认：{1} {0}）",
    "Pass: close the incident": "通过：办结", "Return for more handling": "退回继续处置", "Result": "结果",
    "Add photos …": "添加照片 …", "Instructions for the assignee (optional)": "给处置人的要求（可选）",
    "What was done on site": "现场处置情况", "The result of the handling (required)": "处置结果（必填）",
    "Required when returning: what is still missing": "退回时必填：还缺什么",
    "Why no action is needed (required)": "不予处理的理由（必填）", "Your note (required)": "备注内容（必填）",
    "Choose photos": "选择照片", "Photos (*.jpg *.jpeg *.png)": "照片 (*.jpg *.jpeg *.png)",
    "{0}: only JPEG and PNG photos": "{0}：仅支持 JPEG 和 PNG 照片", "{0}: file not found": "{0}：文件不存在",
    "{0}: larger than 10 MB": "{0}：超过 10 MB", "at most {0} photos": "最多 {0} 张照片",
    "Choose who is to handle it.": "请选择处置人。", "The deadline must be in the future.": "时限必须晚于当前时间。",
    "Describe the result before submitting feedback.": "提交反馈前请填写处置结果。",
    "Say why the incident needs no action.": "请说明不予处理的理由。", "Write the comment.": "请填写备注。",
    "Say what is still missing before returning it.": "退回前请说明还缺什么。",
    "Commands are not available: no connection to the hub": "无法下达指令：未连接中心",
    "Not sent: {0}": "未发出：{0}", "Photos cannot be uploaded: no connection to the hub": "无法上传照片：未连接中心",
    "Uploading {0} …": "正在上传 {0} …", "Upload failed, nothing was sent: {0}": "上传失败，未发出任何指令：{0}",
    "Audit trail not available: {0}": "无法读取处理记录：{0}", "Assessment not available: {0}": "无法读取考核：{0}",
    "Export failed: {0}": "导出失败：{0}", "Exported to {0}": "已导出到 {0}",
    "Login as {0} failed: {1}": "以 {0} 登录失败：{1}",
    # dispatch desk and assessment
    "Dispatch desk": "调度台", "Assessment": "考核", "Role: {0}": "角色：{0}",
    "By township": "按乡镇", "By person": "按人员", "Refresh": "刷新", "Export CSV …": "导出 CSV …",
    "Incidents closed in the last 30 days after a passing assessment": "近 30 天考核通过办结的事件",
    "Name": "名称", "Handled": "办结数", "On-time rate": "按时率", "Mean handling time": "平均处置时长",
    "Returns": "退回次数", "Escalations": "升级次数", "Export assessment": "导出考核", "CSV files (*.csv)": "CSV 文件 (*.csv)",
    "filling the gap {percent} %": "正在补齐缺失数据 {percent} %",
    # reporting a problem by hand
    "Air quality": "大气环境", "Water environment": "水环境", "Pollution source": "污染源",
    "Monitoring device": "监测设备", "Other": "其他", "Title": "标题", "Station nearby": "附近站点",
    "Category": "类别", "Description": "情况描述", "Report sent: it joins the queue once the hub has it": "已上报：中心受理后进入列表",
    "What is wrong, in a few words (required)": "简要说明问题（必填）",
    "What was seen, where exactly, who reported it": "看到了什么、具体位置、谁反映的",
    "Give the problem a title.": "请填写标题。", "No station is called {0}.": "没有名为 {0} 的站点。",
    "Choose the station nearest to the problem.": "请选择离问题最近的站点。",
    "{0} · view": "{0} 张 · 查看", "{0}: not an image": "{0}：不是图片", "Photos not available: {0}": "无法读取照片：{0}",
    # rule reasons (console/core/reasons.py)
    "Stuck-value rule: {factor} has read {value} {repeats} times in a row (threshold {threshold}) up to {time}; the sensor or logger may be frozen.":
        "恒值规则：{factor} 连续 {repeats} 次读数均为 {value}（阈值 {threshold} 次），截至 {time}；传感器或数采仪可能卡死。",
    "Sudden-rise rule: {factor} reached {value} at {time}, {n} readings in a row above both {ratio} times its recent baseline {baseline} and baseline + {margin}.":
        "突升规则：{factor} 于 {time} 升至 {value}，连续 {n} 个读数同时高于近期基线 {baseline} 的 {ratio} 倍和基线 + {margin}。",
    "Emission rule: {factor} {value} at {time} exceeds the outlet's permit limit ({limit}), continuously since {since}.":
        "排放规则：{factor} 于 {time} 为 {value}，超过排口许可限值（{limit}），自 {since} 起持续超标。",
    "Odour rule: {factor} {value} at {time} exceeds the GB 14554-93 class II boundary limit ({limit}), continuously since {since}.":
        "恶臭规则：{factor} 于 {time} 为 {value}，超过 GB 14554-93 二级厂界标准值（{limit}），自 {since} 起持续超标。",
    "Exceedance rule: hourly AQI {aqi} for {span} is '{category}', above the category threshold AQI {threshold}.":
        "超标规则：{span} 小时 AQI 为 {aqi}，属“{category}”，高于该级别阈值 AQI {threshold}。",
    "Exceedance rule: hourly AQI {aqi} for {span} is '{category}', above the category threshold AQI {threshold}; primary pollutant {factor}, 1-h mean {value}.":
        "超标规则：{span} 小时 AQI 为 {aqi}，属“{category}”，高于该级别阈值 AQI {threshold}；首要污染物 {factor}，1 小时均值 {value}。",
    "Exceedance rule: hourly AQI {aqi} for {span} is '{category}', above the category threshold AQI {threshold}; primary pollutant {factor}, 1-h mean {value} (GB 3095-2012 grade II limit {limit}).":
        "超标规则：{span} 小时 AQI 为 {aqi}，属“{category}”，高于该级别阈值 AQI {threshold}；首要污染物 {factor}，1 小时均值 {value}（GB 3095-2012 二级限值 {limit}）。",
    "Exceedance rule: {factor} 1-h mean {value} for {span} is in the AQI '{category}' band (above {threshold}, IAQI {iaqi}); GB 3095-2012 grade II limit {limit}.":
        "超标规则：{factor} {span} 1 小时均值 {value}，处于 AQI“{category}”区间（高于 {threshold}，IAQI {iaqi}）；GB 3095-2012 二级限值 {limit}。",
    "Night-noise rule: hourly Leq {value} for {span} exceeds the GB 3096-2008 zone {zone} night limit {limit} by {excess}.":
        "夜间噪声规则：{span} 小时等效声级 Leq {value}，超过 GB 3096-2008 {zone} 类区夜间限值 {limit}，超出 {excess}。",
    "Water-class rule: the section is class {grade} by GB 3838-2002 at {time}, worse than its target class {target} since {since}; determined by {parts}.":
        "水质类别规则：按 GB 3838-2002，断面于 {time} 为 {grade} 类，自 {since} 起劣于目标 {target} 类；定类指标：{parts}。",
    "{factor} {value}": "{factor} {value}",
    "{factor} {value} (class {target} limit {limit})": "{factor} {value}（{target} 类限值 {limit}）",
    "{factor} {value} (class {target} minimum {limit})": "{factor} {value}（{target} 类下限 {limit}）",
    "Purifier-off rule: purifier state (SB1-RS) is off while the cooking fume is {value} at {time}, above {limit} (DB11/1488-2018), in cooking hours, since {since}.":
        "净化器未开启规则：经营时段内净化器状态（SB1-RS）为关闭，{time} 油烟浓度 {value}，高于 {limit}（DB11/1488-2018），自 {since} 起。",
    "Neighbour rule: {factor} {value} at {time} is {ratio} times the median {median} of {n} same-kind stations within {radius} km (threshold {threshold} times and +{margin}), since {since}.":
        "异常高值规则：{factor} 于 {time} 为 {value}，是 {radius} km 内 {n} 个同类站点中位数 {median} 的 {ratio} 倍（阈值 {threshold} 倍且高出 {margin}），自 {since} 起。",
    "Offline rule: the data logger has sent nothing since {since}, {hours} h as of {time} (threshold {threshold} h).":
        "离线规则：数采仪自 {since} 起未上传任何数据，截至 {time} 已 {hours} 小时（阈值 {threshold} 小时）。",
    "'{rule}' condition absent since {since} (hold {hold} min) as of {time}. Closing is suggested.":
        "“{rule}”条件自 {since} 起已消失（保持 {hold} 分钟），截至 {time}。建议关闭。",
    ", ": "、",
    "The local hub could not start: {0}": "本地平台无法启动：{0}",
    "Cannot replay: {0}": "无法回放：{0}",
    "Replay: the hub's history did not come ({0}); trying again in {1} s": "回放：平台历史数据未返回（{0}），{1} 秒后重试",
    # playback
    "Mon": "周一", "Tue": "周二", "Wed": "周三", "Thu": "周四", "Fri": "周五", "Sat": "周六", "Sun": "周日",
    "Type a time as 2015-12-01 08:00, 12-01 08:00 or 08:00": "请按 2015-12-01 08:00、12-01 08:00 或 08:00 的格式输入时间",
    "No such date or time: {0}": "没有这个日期或时间：{0}",
    "−1 d": "−1 天", "−1 h": "−1 小时", "+1 h": "+1 小时", "+1 d": "+1 天",
    "Go to the start (Home)": "回到开头（Home）", "Go to the end (End)": "跳到末尾（End）",
    "One day back (Ctrl+Left)": "后退一天（Ctrl+←）", "One hour back (Shift+Left)": "后退一小时（Shift+←）",
    "One reporting interval back (Left)": "后退一个上报周期（←）",
    "One reporting interval forward (Right)": "前进一个上报周期（→）",
    "One hour forward (Shift+Right)": "前进一小时（Shift+→）", "One day forward (Ctrl+Right)": "前进一天（Ctrl+→）",
    "Go": "转到", "Go to the time typed (Enter)": "转到输入的时间（Enter）",
    "Back to live": "返回实时", "Leave the replay (Esc or L)": "退出回放（Esc 或 L）",
    "Replay speed (+ and −)": "回放速度（+ 和 −）", "Go to 2015-12-01 08:00": "转到 2015-12-01 08:00",
    "{0} min": "{0} 分钟", "{0} h": "{0} 小时", "Loading {0} …": "正在载入 {0} …",
    "Pause": "暂停", "Play": "播放", "Play or pause (Space)": "播放或暂停（空格）",
    "Type a time first, e.g. 2015-12-01 08:00": "请先输入时间，例如 2015-12-01 08:00",
    "{0} is outside the replay: {1} … {2}": "{0} 不在回放范围内：{1} … {2}",
    "Click or drag to go to a moment": "单击或拖动以转到某一时刻", "heavy pollution (city AQI > 200)": "重污染（全市 AQI > 200）",
    "PLAYBACK": "回放", "loading …": "载入中 …", "paused": "已暂停", "UTC+8 · not live": "北京时间 · 非实时",
    "Esc: back to live": "Esc：返回实时", "playback: commands are disabled": "回放中：指令已禁用",
    "Replay": "回放", "Replay from 30 minutes before the first finding to the closure": "从首次发现前 30 分钟回放到办结",
    "The replay could not advance; see the log": "回放无法继续，请查看日志", "Replay stopped: {0}": "回放已停止：{0}",
    "Replaying: play or pause": "回放时：播放或暂停", "Replaying: one reporting interval back or forward": "回放时：后退或前进一个上报周期",
    "Replaying: one hour / one day back or forward": "回放时：后退或前进一小时 / 一天",
    "Replaying: the start, the end, faster, slower": "回放时：开头、末尾、加快、减慢", "Replaying: back to live": "回放时：返回实时",
    "This incident cannot be replayed here": "此事件无法在此回放", "Replay needs a hub with history": "回放需要有历史数据的平台",
    # reports (Ctrl+P) and an incident's special report
    "Write a report": "生成报告", "Report…": "报告…", "Kind": "类型", "Period": "时段", "Format": "格式", "File": "文件",
    "Choose…": "选择…", "Write": "生成", "Daily": "日报", "Weekly": "周报", "Monthly": "月报", "Annual": "年报",
    "Pollution episode": "重污染过程专报", "Give a period and a file.": "请填写时段和文件。",
    "Writing the report…": "正在生成报告…", "Write the report to": "报告保存到",
    "Write the special report to": "专报保存到", "Written: {0} ({1})": "已生成：{0}（{1}）",
    "The report was not written: {0}": "报告未生成：{0}", "Special report…": "问题专报…",
    "Reports are not available: no connection to the hub": "无法生成报告：未连接平台",
    "A report is being written: wait for it to finish": "正在生成另一份报告，请稍候", "{0} pages": "{0} 页",
    # briefing mode (leaders)
    "Briefing": "汇报模式", "Air quality overview": "空气质量概况", "Ranking by composite index": "综合指数排名",
    "Against last year": "本月、本年与去年同期比较", "Open problems": "未办结问题",
    "Forecast and warnings": "预报与预警",
    "whole forecast: briefing page “Forecast and warnings”": "完整预报：汇报模式“预报与预警”页", "Topic: heavy pollution": "专题：重污染",
    "Fetching the figures from the hub…": "正在从平台获取数据…", "{m} (to {d})": "{m}（截至 {d}）",
    "{y} (to {d})": "{y} 年（截至 {d}）", "Daily level of {d}: not complete yet": "{d} 日均级别：尚未满 20 小时",
    "Daily level of {d}: {w}": "{d} 日均级别：{w}", "none": "无", "Primary pollutant: {p}": "首要污染物：{p}",
    "as of {t}": "截至 {t}", "City AQI now": "全区实时 AQI",
    "No live readings: the briefing speaks of a past day.": "汇报日期为历史日期，无实时数据。",
    "No live readings from the standard stations now.": "国控/市控站当前无实时数据。",
    "Air quality on {d}": "{d} 空气质量", "O3 8 h {o} µg/m³ · CO {c} mg/m³": "O3 8小时 {o} µg/m³ · CO {c} mg/m³",
    "No live readings and no valid daily value.": "无实时数据，也无有效日均值。", "Good-day ratio": "优良天数比例",
    "{y}: {g} good days of {v} valid": "{y}：有效 {v} 天中优良 {g} 天", "Last year": "去年同期",
    "{m}: {r}": "{m}：{r}", "Same month last year": "去年同月",
    "Target {t}: met ({n} good days needed)": "目标 {t}：已达成（需优良 {n} 天）",
    "Target {t}: {s} days short even if every day left is good": "目标 {t}：即使剩余天数全部优良，仍差 {s} 天",
    "Target {t}: {n} more good days needed in {d} days left": "目标 {t}：剩余 {d} 天中还需优良 {n} 天",
    "{w}: no figure": "{w}：无数据", "{w}: {r} ({d:+.1f} points)": "{w}：{r}（{d:+.1f} 个百分点）",
    "PM2.5 cumulative mean": "PM2.5 累计浓度", "Target {t} µg/m³ (last year {b})": "目标 {t} µg/m³（去年同期 {b}）",
    "The year is over: no days remaining.": "全年已结束，无剩余天数。",
    "Target out of reach for the {n} days left": "剩余 {n} 天已无法达到目标",
    "Remaining {n} days may average at most {a} µg/m³": "年剩余日控制值：剩余 {n} 天均值不超过 {a} µg/m³",
    "on track": "达标进度内", "above target": "高于目标", "{n} valid days · {s}": "有效 {n} 天 · {s}",
    "Station": "站点", "Composite index · {p}": "综合指数 · {p}",
    "No place has a complete composite index yet.": "尚无完整的综合指数。", "Lower is better.": "指数越小越好。",
    "{n} without a complete index.": "{n} 个数据不完整未排名。", "Index": "综合指数",
    "City composite index and its terms": "全区综合指数及分项",
    "I = Σ C/S against the grade II annual limits (HJ 663); {c}.": "I = Σ C/S，按二级年均限值计（HJ 663）；{c}。",
    "dust days deducted": "已扣除沙尘天", "dust days included": "含沙尘天", "Good days": "优良天数",
    "Heavy-pollution days": "重污染天数", "O3 8 h P90 µg/m³": "O3 8小时第90百分位 µg/m³",
    "CO P95 mg/m³": "CO 第95百分位 mg/m³", "Composite index": "综合指数", "{p} against last year": "{p} 同比",
    "Now": "本期", "Change": "变化", "Days by level · {p}": "各级别天数 · {p}", "Days": "天数",
    "(no township)": "（未分乡镇）", "Open problems · overdue first": "未办结问题 · 超期优先",
    "No open problems.": "无未办结问题。", "{t} late": "超期 {t}", "{o} overdue of {t} open.": "未办结 {t} 件，其中超期 {o} 件。",
    "{n} more on the duty wall.": "另有 {n} 件见值班大屏。", "Problem": "问题",
    "Open problems by township and stage": "各乡镇未办结问题（按环节）", "The incident loop": "闭环处置情况",
    "Closed on time": "按时办结", "Forecast": "空气质量预报", "Day": "日期", "Level": "级别", "Primary": "首要污染物",
    "Official: AQI range · source. Model: the share of held-back days whose level it got right at that many days ahead.":
        "官方：AQI 范围 · 发布单位。模型：在留出检验的日子里，提前相同天数预报的等级正确的比例。",
    "Model · not verified": "模型 · 尚未检验", "Model · {p} % right": "模型 · 准确 {p}%",
    "AQI {low}–{high} · {source}": "AQI {low}–{high} · {source}",
    "Yellow": "黄色", "Orange": "橙色", "Red": "红色", "In force": "生效时段",
    "Note": "备注", "As issued by the forecasting office.": "以预报部门发布为准。", "No forecast imported.": "未导入预报。",
    "A forecast shows here once the forecasting office's issue is added.": "导入预报部门发布的预报后在此显示。",
    "Heavy-pollution warnings": "重污染天气预警", "No warning imported.": "未导入预警。",
    "Warnings in force show here once they are added.": "导入生效中的预警后在此显示。",
    "Heavy-pollution days · {p}": "重污染天数 · {p}", "Same month last year: {n}": "去年同月：{n}",
    "{y}: {n} heavy-pollution days": "{y}：重污染 {n} 天", "AQI above 200 (levels 5 and 6)": "AQI 大于 200（五级、六级）",
    "days": "天", "What makes up the index · {p}": "综合指数构成 · {p}", "No complete composite index yet.": "尚无完整的综合指数。",
    "C/S": "分指数", "Share": "占比", "Highest PM2.5 · {p}": "PM2.5 浓度最高 · {p}", "No PM2.5 mean yet.": "尚无 PM2.5 均值。",
    "Heavy days": "重污染天", "not fetched yet": "尚未获取", "The hub gave no figures.": "平台未返回数据。",
    "No valid day in this period yet.": "本期尚无有效天。",
    "A day counts when all six pollutants have a valid daily value (20 hours).": "六项污染物均有有效日均值（20 小时）的日子才计入。",
    "{d:+.1f} points": "{d:+.1f} 个百分点", "{n} valid days.": "有效 {n} 天。",
    "{n} valid days: statistics need {m} a month (—: not enough).": "有效 {n} 天：统计需每月 {m} 天（—：不足）。",
    "As of {d} · snapshot {t}": "数据截至 {d} · {t} 快照",
    "Live data has changed since {t} · R refreshes": "实时数据自 {t} 起已更新 · 按 R 刷新",
    "FROZEN": "画面冻结", "PAUSED": "轮播暂停", "Briefing mode for leaders (Esc returns)": "领导汇报模式（Esc 返回）",
    "not connected to the hub": "未连接平台",
    # emergency units: the map, the tracking list, nearest units, SOS, the emergency board
    "Units": "应急力量", "Emergency board": "应急看板", "The role {0} may not send units": "{0}角色无权调派力量",
    "Support progress": "支援进度", "Unit": "力量", "Duty": "勤务", "Assigned": "调派",
    "Set off": "出发", "Arrived": "到达", "To the scene": "赶赴现场里程", "Covered": "总里程",
    "Handling progress": "处置进度", "Step": "步骤", "By": "操作人", "Post-evaluation": "事后评估",
    "Response time (dispatch → first arrival)": "响应时间（派发 → 首支力量到达）",
    "First unit arrived": "首支力量到达", "Distance covered by all units": "全部力量行驶里程",
    "Assigned to {0}": "处置人 {0}", "Assigned {0} · En route {1} · Arrived {2}": "已调派 {0} · 途中 {1} · 已到达 {2}",
    "no unit arrived": "无力量到达", "tracks not loaded": "轨迹未载入", "Assign unit": "调派力量",
    "Unit status": "力量状态", "Nearest available units": "最近的可调派力量", "Callsign": "呼号",
    "Distance": "距离", "ETA": "预计到达", "Last fix": "最后定位",
    "Select an incident with a place to see the nearest available units": "选择有位置的事件，查看最近的可调派力量",
    "No available unit with a recent position": "没有近期有定位的可调派力量",
    "Ranked by ETA along the road network": "按路网预计到达时间排序",
    "Ranked by straight-line distance; ETA when the road network is loaded": "按直线距离排序；载入路网后显示预计到达时间",
    "Ranked by straight-line distance; {0}": "按直线距离排序；{0}",
    "the hub serves no road network, so no ETA": "平台未提供路网，无法估算到达时间",
    "the hub's road network is not usable, so no ETA": "平台的路网不可用，无法估算到达时间",
    "Assign": "调派", "SOS: {0} · acknowledge": "SOS 求救：{0} · 确认", "All kinds": "全部类型",
    "All teams": "全部队伍", "Team": "队伍", "Your role may not send units": "您的角色无权调派力量",
    "{0}: assignment sent": "{0}：调派指令已发送", "Track of {0} not available: {1}": "无法获取 {0} 的轨迹：{1}",
    "{0} s": "{0} 秒", "{0} d": "{0} 天",
    "{0} m": "{0} 米", "{0} km": "{0} 公里", "{0} min {1} s": "{0} 分 {1} 秒", "{0} h {1} min": "{0} 小时 {1} 分",
    "Grid member": "网格员", "Monitoring van": "监测车", "Sprinkler truck": "洒水车",
    "Law-enforcement car": "执法车", "Drone": "无人机", "Portable instrument": "便携仪器",
    "Available": "待命", "En route": "途中", "On scene": "在现场", "Off duty": "下勤",
    "stale": "定位陈旧", "lost": "失联", "no position yet": "尚无定位", "Vehicle": "车辆", "Person": "人员",
    "Instrument": "仪器", "No fix for 5 min": "5 分钟无定位", "Lost (30 min): last place": "失联（30 分钟）：最后位置",
    "SOS": "SOS 求救",
    "{0} entered the exclusion zone {1}": "{0} 进入禁入区 {1}", "{0} entered {1}": "{0} 进入 {1}",
    "{0} left the exclusion zone {1}": "{0} 离开禁入区 {1}", "{0} left {1}": "{0} 离开 {1}",
    "Unit released": "力量撤回",
    # heavy-pollution warnings on every screen, the wall's forecast strip
    "Yellow warning": "黄色预警", "Orange warning": "橙色预警", "Red warning": "红色预警", "1 day": "1 天",
    "{0} days": "{0} 天", "Issue": "发布", "Reject": "驳回", "End": "解除", "Proposed": "待发布（建议）",
    "Measures: see the emergency plan": "措施：见应急预案",
    "Forecast not loaded yet.": "预报尚未载入。", "Today": "今天", "Tomorrow": "明天",
    "model +{0} d: not verified": "模型 +{0} 天：未检验", "model +{0} d: level right {1} %": "模型 +{0} 天：级别准确 {1}%",
    "Model | Official": "模型 | 官方",
    "official only": "仅官方预报", "issued {0}": "发布于 {0}", "model trained on these days": "模型学过这些天",
    "Only a leader can issue, reject or end a warning, live.": "只有领导可在实时状态下发布、驳回或解除预警。",
    "The hub refused it: {0}": "中心拒绝了：{0}",
}  # fmt: skip


def extract() -> None:
    sources = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "console").rglob("*.py"))
    subprocess.run(
        [str(BIN / "pyside6-lupdate"), *sources, "-no-obsolete", "-ts", str(TS)], cwd=ROOT, check=True
    )


def fill() -> list[str]:
    tree = ET.parse(TS)
    missing = []
    for message in tree.iter("message"):
        source = message.findtext("source")
        translation = message.find("translation")
        if source in ZH:
            translation.text = ZH[source]
            translation.attrib.pop("type", None)
        else:
            missing.append(source)
    tree.write(TS, encoding="utf-8", xml_declaration=True)
    return missing


def main() -> int:
    TS.parent.mkdir(parents=True, exist_ok=True)
    extract()
    missing = fill()
    subprocess.run([str(BIN / "pyside6-lrelease"), str(TS)], cwd=ROOT, check=True)
    for source in missing:
        print(f"untranslated: {source!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
