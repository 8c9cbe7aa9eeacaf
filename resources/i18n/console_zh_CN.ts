<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>ActionDialog</name>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="212" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="83" />
        <source>Assignee</source>
        <translation>处置人</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="86" />
        <source>Own deadline (default: {0} for {1})</source>
        <translation>自定时限（默认：{1} {0}）</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="98" />
        <source>Deadline</source>
        <translation>时限</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="103" />
        <source>Pass: close the incident</source>
        <translation>通过：办结</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="104" />
        <source>Return for more handling</source>
        <translation>退回继续处置</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="108" />
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="112" />
        <source>Comment</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="116" />
        <source>Add photos …</source>
        <translation>添加照片 …</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="118" />
        <source>Photos</source>
        <translation>照片</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="123" />
        <source>Instructions for the assignee (optional)</source>
        <translation>给处置人的要求（可选）</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="124" />
        <source>What was done on site</source>
        <translation>现场处置情况</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="125" />
        <source>The result of the handling (required)</source>
        <translation>处置结果（必填）</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="126" />
        <source>Required when returning: what is still missing</source>
        <translation>退回时必填：还缺什么</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="127" />
        <source>Why no action is needed (required)</source>
        <translation>不予处理的理由（必填）</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="128" />
        <source>Your note (required)</source>
        <translation>备注内容（必填）</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="133" />
        <source>Choose photos</source>
        <translation>选择照片</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="135" />
        <source>Photos (*.jpg *.jpeg *.png)</source>
        <translation>照片 (*.jpg *.jpeg *.png)</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="145" />
        <source>{0}: only JPEG and PNG photos</source>
        <translation>{0}：仅支持 JPEG 和 PNG 照片</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="147" />
        <source>{0}: file not found</source>
        <translation>{0}：文件不存在</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="149" />
        <source>{0}: larger than 10 MB</source>
        <translation>{0}：超过 10 MB</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="151" />
        <source>at most {0} photos</source>
        <translation>最多 {0} 张照片</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="177" />
        <source>Choose who is to handle it.</source>
        <translation>请选择处置人。</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="179" />
        <source>The deadline must be in the future.</source>
        <translation>时限必须晚于当前时间。</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="181" />
        <source>Describe the result before submitting feedback.</source>
        <translation>提交反馈前请填写处置结果。</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="182" />
        <source>Say why the incident needs no action.</source>
        <translation>请说明不予处理的理由。</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="183" />
        <source>Write the comment.</source>
        <translation>请填写备注。</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="188" />
        <source>Say what is still missing before returning it.</source>
        <translation>退回前请说明还缺什么。</translation>
    </message>
</context>
<context>
    <name>ActionView</name>
    <message>
        <location filename="../../console/views/screens.py" line="461" />
        <source>Latest events</source>
        <translation>最新事件</translation>
    </message>
    <message>
        <location filename="../../console/views/screens.py" line="462" />
        <source>Selected station · 24 h</source>
        <translation>选中站点 · 24 小时</translation>
    </message>
    <message>
        <location filename="../../console/views/screens.py" line="464" />
        <source>City PM2.5 and AQI · hourly, 24 h</source>
        <translation>全市 PM2.5 与 AQI · 小时值 · 24 小时</translation>
    </message>
    <message>
        <location filename="../../console/views/screens.py" line="469" />
        <source>Wind</source>
        <translation>风</translation>
    </message>
    <message>
        <location filename="../../console/views/screens.py" line="576" />
        <source>PM2.5 µg/m³</source>
        <translation>PM2.5 µg/m³</translation>
    </message>
    <message>
        <location filename="../../console/views/screens.py" line="580" />
        <source>AQI (hourly)</source>
        <translation>AQI（小时）</translation>
    </message>
    <message>
        <location filename="../../console/views/screens.py" line="555" />
        <source>Selected station · 24 h · {0}</source>
        <translation>选中站点 · 24 小时 · {0}</translation>
    </message>
    <message>
        <location filename="../../console/views/screens.py" line="451" />
        <source>Incidents</source>
        <translation>事件</translation>
    </message>
    <message>
        <location filename="../../console/views/screens.py" line="582" />
        <source>GB 3095 II 24 h</source>
        <translation>GB 3095 二级 24 小时</translation>
    </message>
</context>
<context>
    <name>AqiCategory</name>
    <message>
        <location filename="../../console/widgets/theme.py" line="171" />
        <source>Excellent</source>
        <translation>优</translation>
    </message>
    <message>
        <location filename="../../console/widgets/theme.py" line="172" />
        <source>Good</source>
        <translation>良</translation>
    </message>
    <message>
        <location filename="../../console/widgets/theme.py" line="173" />
        <source>Lightly polluted</source>
        <translation>轻度污染</translation>
    </message>
    <message>
        <location filename="../../console/widgets/theme.py" line="174" />
        <source>Moderately polluted</source>
        <translation>中度污染</translation>
    </message>
    <message>
        <location filename="../../console/widgets/theme.py" line="175" />
        <source>Heavily polluted</source>
        <translation>重度污染</translation>
    </message>
    <message>
        <location filename="../../console/widgets/theme.py" line="176" />
        <source>Severely polluted</source>
        <translation>严重污染</translation>
    </message>
</context>
<context>
    <name>AqiCategoryShort</name>
    <message>
        <location filename="../../console/widgets/theme.py" line="184" />
        <source>Excellent</source>
        <translation>优</translation>
    </message>
    <message>
        <location filename="../../console/widgets/theme.py" line="185" />
        <source>Good</source>
        <translation>良</translation>
    </message>
    <message>
        <location filename="../../console/widgets/theme.py" line="186" />
        <source>Light</source>
        <translation>轻度</translation>
    </message>
    <message>
        <location filename="../../console/widgets/theme.py" line="187" />
        <source>Moderate</source>
        <translation>中度</translation>
    </message>
    <message>
        <location filename="../../console/widgets/theme.py" line="188" />
        <source>Heavy</source>
        <translation>重度</translation>
    </message>
    <message>
        <location filename="../../console/widgets/theme.py" line="189" />
        <source>Severe</source>
        <translation>严重</translation>
    </message>
</context>
<context>
    <name>AqiHeadline</name>
    <message>
        <location filename="../../console/widgets/aqi_headline.py" line="116" />
        <source>AQI</source>
        <translation>AQI</translation>
    </message>
    <message>
        <location filename="../../console/widgets/aqi_headline.py" line="118" />
        <location filename="../../console/widgets/aqi_headline.py" line="254" />
        <source>No data</source>
        <translation>无数据</translation>
    </message>
    <message>
        <location filename="../../console/widgets/aqi_headline.py" line="257" />
        <source>AQI · {start}–{end}</source>
        <translation>AQI · {start}–{end}</translation>
    </message>
    <message>
        <location filename="../../console/widgets/aqi_headline.py" line="268" />
        <source>Primary pollutant: none</source>
        <translation>首要污染物：无</translation>
    </message>
    <message>
        <location filename="../../console/widgets/aqi_headline.py" line="269" />
        <source>Primary pollutant: {names}</source>
        <translation>首要污染物：{names}</translation>
    </message>
</context>
<context>
    <name>AssessmentView</name>
    <message>
        <location filename="../../console/widgets/assessment.py" line="61" />
        <source>By township</source>
        <translation>按乡镇</translation>
    </message>
    <message>
        <location filename="../../console/widgets/assessment.py" line="62" />
        <source>By person</source>
        <translation>按人员</translation>
    </message>
    <message>
        <location filename="../../console/widgets/assessment.py" line="63" />
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../console/widgets/assessment.py" line="64" />
        <source>Export CSV …</source>
        <translation>导出 CSV …</translation>
    </message>
    <message>
        <location filename="../../console/widgets/assessment.py" line="66" />
        <source>Incidents closed in the last 30 days after a passing assessment</source>
        <translation>近 30 天考核通过办结的事件</translation>
    </message>
    <message>
        <location filename="../../console/widgets/assessment.py" line="70" />
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../console/widgets/assessment.py" line="70" />
        <source>Handled</source>
        <translation>办结数</translation>
    </message>
    <message>
        <location filename="../../console/widgets/assessment.py" line="70" />
        <source>Mean handling time</source>
        <translation>平均处置时长</translation>
    </message>
    <message>
        <location filename="../../console/widgets/assessment.py" line="70" />
        <source>On-time rate</source>
        <translation>按时率</translation>
    </message>
    <message>
        <location filename="../../console/widgets/assessment.py" line="71" />
        <source>Returns</source>
        <translation>退回次数</translation>
    </message>
    <message>
        <location filename="../../console/widgets/assessment.py" line="71" />
        <source>Escalations</source>
        <translation>升级次数</translation>
    </message>
    <message>
        <location filename="../../console/widgets/assessment.py" line="125" />
        <source>Export assessment</source>
        <translation>导出考核</translation>
    </message>
    <message>
        <location filename="../../console/widgets/assessment.py" line="127" />
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
</context>
<context>
    <name>BriefingPages</name>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="65" />
        <source>Air quality overview</source>
        <translation>空气质量概况</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="66" />
        <source>Ranking by composite index</source>
        <translation>综合指数排名</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="68" />
        <source>Open problems</source>
        <translation>未办结问题</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="69" />
        <source>Forecast and warnings</source>
        <translation>预报与预警</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="67" />
        <source>Against last year</source>
        <translation>本月、本年与去年同期比较</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="70" />
        <source>Topic: heavy pollution</source>
        <translation>专题：重污染</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="76" />
        <source>Fetching the figures from the hub…</source>
        <translation>正在从平台获取数据…</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="91" />
        <source>{m} (to {d})</source>
        <translation>{m}（截至 {d}）</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="92" />
        <source>{y} (to {d})</source>
        <translation>{y} 年（截至 {d}）</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="108" />
        <source>Daily level of {d}: not complete yet</source>
        <translation>{d} 日均级别：尚未满 20 小时</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="110" />
        <source>Daily level of {d}: {w}</source>
        <translation>{d} 日均级别：{w}</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="115" />
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="118" />
        <source>Primary pollutant: {p}</source>
        <translation>首要污染物：{p}</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="119" />
        <source>as of {t}</source>
        <translation>截至 {t}</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="122" />
        <location filename="../../console/views/briefing_pages.py" line="138" />
        <source>City AQI now</source>
        <translation>全区实时 AQI</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="124" />
        <source>No live readings: the briefing speaks of a past day.</source>
        <translation>汇报日期为历史日期，无实时数据。</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="126" />
        <source>No live readings from the standard stations now.</source>
        <translation>国控/市控站当前无实时数据。</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="127" />
        <source>Air quality on {d}</source>
        <translation>{d} 空气质量</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="132" />
        <source>O3 8 h {o} µg/m³ · CO {c} mg/m³</source>
        <translation>O3 8小时 {o} µg/m³ · CO {c} mg/m³</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="138" />
        <source>No live readings and no valid daily value.</source>
        <translation>无实时数据，也无有效日均值。</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="142" />
        <location filename="../../console/views/briefing_pages.py" line="294" />
        <source>Good-day ratio</source>
        <translation>优良天数比例</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="147" />
        <source>{y}: {g} good days of {v} valid</source>
        <translation>{y}：有效 {v} 天中优良 {g} 天</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="151" />
        <location filename="../../console/views/briefing_pages.py" line="328" />
        <source>Last year</source>
        <translation>去年同期</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="153" />
        <source>{m}: {r}</source>
        <translation>{m}：{r}</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="154" />
        <source>Same month last year</source>
        <translation>去年同月</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="159" />
        <source>Target {t}: met ({n} good days needed)</source>
        <translation>目标 {t}：已达成（需优良 {n} 天）</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="165" />
        <source>Target {t}: {s} days short even if every day left is good</source>
        <translation>目标 {t}：即使剩余天数全部优良，仍差 {s} 天</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="171" />
        <source>Target {t}: {n} more good days needed in {d} days left</source>
        <translation>目标 {t}：剩余 {d} 天中还需优良 {n} 天</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="180" />
        <source>{w}: no figure</source>
        <translation>{w}：无数据</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="182" />
        <source>{w}: {r} ({d:+.1f} points)</source>
        <translation>{w}：{r}（{d:+.1f} 个百分点）</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="186" />
        <source>PM2.5 cumulative mean</source>
        <translation>PM2.5 累计浓度</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="194" />
        <source>Target {t} µg/m³ (last year {b})</source>
        <translation>目标 {t} µg/m³（去年同期 {b}）</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="199" />
        <source>The year is over: no days remaining.</source>
        <translation>全年已结束，无剩余天数。</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="202" />
        <source>Target out of reach for the {n} days left</source>
        <translation>剩余 {n} 天已无法达到目标</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="206" />
        <source>Remaining {n} days may average at most {a} µg/m³</source>
        <translation>年剩余日控制值：剩余 {n} 天均值不超过 {a} µg/m³</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="210" />
        <source>on track</source>
        <translation>达标进度内</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="210" />
        <source>above target</source>
        <translation>高于目标</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="211" />
        <source>{n} valid days · {s}</source>
        <translation>有效 {n} 天 · {s}</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="228" />
        <location filename="../../console/views/briefing_pages.py" line="370" />
        <location filename="../../console/views/briefing_pages.py" line="389" />
        <source>Township</source>
        <translation>乡镇</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="229" />
        <source>Station</source>
        <translation>站点</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="232" />
        <source>Composite index · {p}</source>
        <translation>综合指数 · {p}</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="239" />
        <source>No place has a complete composite index yet.</source>
        <translation>尚无完整的综合指数。</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="252" />
        <source>Lower is better.</source>
        <translation>指数越小越好。</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="254" />
        <source>{n} without a complete index.</source>
        <translation>{n} 个数据不完整未排名。</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="256" />
        <location filename="../../console/views/briefing_pages.py" line="266" />
        <source>Index</source>
        <translation>综合指数</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="260" />
        <source>City composite index and its terms</source>
        <translation>全区综合指数及分项</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="280" />
        <source>I = Σ C/S against the grade II annual limits (HJ 663); {c}.</source>
        <translation>I = Σ C/S，按二级年均限值计（HJ 663）；{c}。</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="287" />
        <source>dust days deducted</source>
        <translation>已扣除沙尘天</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="288" />
        <source>dust days included</source>
        <translation>含沙尘天</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="295" />
        <source>Good days</source>
        <translation>优良天数</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="296" />
        <source>Heavy-pollution days</source>
        <translation>重污染天数</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="299" />
        <source>O3 8 h P90 µg/m³</source>
        <translation>O3 8小时第90百分位 µg/m³</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="302" />
        <source>CO P95 mg/m³</source>
        <translation>CO 第95百分位 mg/m³</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="303" />
        <source>Composite index</source>
        <translation>综合指数</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="315" />
        <source>{p} against last year</source>
        <translation>{p} 同比</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="328" />
        <source>Now</source>
        <translation>本期</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="328" />
        <source>Change</source>
        <translation>变化</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="331" />
        <source>Days by level · {p}</source>
        <translation>各级别天数 · {p}</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="338" />
        <source>Days</source>
        <translation>天数</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="347" />
        <source>(no township)</source>
        <translation>（未分乡镇）</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="350" />
        <source>Open problems · overdue first</source>
        <translation>未办结问题 · 超期优先</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="353" />
        <location filename="../../console/views/briefing_pages.py" line="381" />
        <source>No open problems.</source>
        <translation>无未办结问题。</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="357" />
        <source>{t} late</source>
        <translation>超期 {t}</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="365" />
        <source>{o} overdue of {t} open.</source>
        <translation>未办结 {t} 件，其中超期 {o} 件。</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="367" />
        <source>{n} more on the duty wall.</source>
        <translation>另有 {n} 件见值班大屏。</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="370" />
        <source>Problem</source>
        <translation>问题</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="370" />
        <source>Stage</source>
        <translation>环节</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="378" />
        <source>Open problems by township and stage</source>
        <translation>各乡镇未办结问题（按环节）</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="389" />
        <location filename="../../console/views/briefing_pages.py" line="403" />
        <source>Overdue</source>
        <translation>超期</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="394" />
        <source>The incident loop</source>
        <translation>闭环处置情况</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="400" />
        <source>Raised</source>
        <translation>发现</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="401" />
        <source>Closed</source>
        <translation>已关闭</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="402" />
        <source>Closed on time</source>
        <translation>按时办结</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="418" />
        <source>Forecast</source>
        <translation>空气质量预报</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="424" />
        <source>Day</source>
        <translation>日期</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="424" />
        <location filename="../../console/views/briefing_pages.py" line="445" />
        <source>Level</source>
        <translation>级别</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="424" />
        <source>Primary</source>
        <translation>首要污染物</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="424" />
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="428" />
        <source>Official: AQI range · source. Model: the share of held-back days whose level it got right at that many days ahead.</source>
        <translation>官方：AQI 范围 · 发布单位。模型：在留出检验的日子里，提前相同天数预报的等级正确的比例。</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="432" />
        <source>As issued by the forecasting office.</source>
        <translation>以预报部门发布为准。</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="438" />
        <source>No forecast imported.</source>
        <translation>未导入预报。</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="439" />
        <source>A forecast shows here once the forecasting office's issue is added.</source>
        <translation>导入预报部门发布的预报后在此显示。</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="442" />
        <source>Yellow</source>
        <translation>黄色</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="442" />
        <source>Orange</source>
        <translation>橙色</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="442" />
        <source>Red</source>
        <translation>红色</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="445" />
        <location filename="../../console/views/briefing_pages.py" line="450" />
        <source>Heavy-pollution warnings</source>
        <translation>重污染天气预警</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="445" />
        <source>In force</source>
        <translation>生效时段</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="451" />
        <source>No warning imported.</source>
        <translation>未导入预警。</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="452" />
        <source>Warnings in force show here once they are added.</source>
        <translation>导入生效中的预警后在此显示。</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="461" />
        <source>Model · not verified</source>
        <translation>模型 · 尚未检验</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="462" />
        <source>Model · {p} % right</source>
        <translation>模型 · 准确 {p}%</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="464" />
        <source>AQI {low}–{high} · {source}</source>
        <translation>AQI {low}–{high} · {source}</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="472" />
        <source>Heavy-pollution days · {p}</source>
        <translation>重污染天数 · {p}</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="477" />
        <source>Same month last year: {n}</source>
        <translation>去年同月：{n}</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="480" />
        <source>{y}: {n} heavy-pollution days</source>
        <translation>{y}：重污染 {n} 天</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="482" />
        <source>AQI above 200 (levels 5 and 6)</source>
        <translation>AQI 大于 200（五级、六级）</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="483" />
        <source>days</source>
        <translation>天</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="491" />
        <source>What makes up the index · {p}</source>
        <translation>综合指数构成 · {p}</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="497" />
        <source>No complete composite index yet.</source>
        <translation>尚无完整的综合指数。</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="500" />
        <source>C/S</source>
        <translation>分指数</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="500" />
        <source>Share</source>
        <translation>占比</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="504" />
        <source>Highest PM2.5 · {p}</source>
        <translation>PM2.5 浓度最高 · {p}</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="510" />
        <source>No PM2.5 mean yet.</source>
        <translation>尚无 PM2.5 均值。</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="515" />
        <source>Heavy days</source>
        <translation>重污染天</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="521" />
        <source>not fetched yet</source>
        <translation>尚未获取</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="522" />
        <source>The hub gave no figures.</source>
        <translation>平台未返回数据。</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="525" />
        <source>No valid day in this period yet.</source>
        <translation>本期尚无有效天。</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="526" />
        <source>A day counts when all six pollutants have a valid daily value (20 hours).</source>
        <translation>六项污染物均有有效日均值（20 小时）的日子才计入。</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="530" />
        <source>{d:+.1f} points</source>
        <translation>{d:+.1f} 个百分点</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="534" />
        <source>{n} valid days.</source>
        <translation>有效 {n} 天。</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing_pages.py" line="535" />
        <source>{n} valid days: statistics need {m} a month (—: not enough).</source>
        <translation>有效 {n} 天：统计需每月 {m} 天（—：不足）。</translation>
    </message>
</context>
<context>
    <name>BriefingScreen</name>
    <message>
        <location filename="../../console/views/briefing.py" line="40" />
        <source>Briefing</source>
        <translation>汇报模式</translation>
    </message>
</context>
<context>
    <name>BriefingView</name>
    <message>
        <location filename="../../console/views/briefing.py" line="245" />
        <source>As of {d} · snapshot {t}</source>
        <translation>数据截至 {d} · {t} 快照</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing.py" line="251" />
        <source>Live data has changed since {t} · R refreshes</source>
        <translation>实时数据自 {t} 起已更新 · 按 R 刷新</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing.py" line="254" />
        <source>FROZEN</source>
        <translation>画面冻结</translation>
    </message>
    <message>
        <location filename="../../console/views/briefing.py" line="256" />
        <source>PAUSED</source>
        <translation>轮播暂停</translation>
    </message>
</context>
<context>
    <name>BriefingViewModel</name>
    <message>
        <location filename="../../console/viewmodels/briefing.py" line="285" />
        <source>not connected to the hub</source>
        <translation>未连接平台</translation>
    </message>
</context>
<context>
    <name>Compass</name>
    <message>
        <location filename="../../console/widgets/wind_widget.py" line="20" />
        <source>N</source>
        <translation>北</translation>
    </message>
    <message>
        <location filename="../../console/widgets/wind_widget.py" line="21" />
        <source>NE</source>
        <translation>东北</translation>
    </message>
    <message>
        <location filename="../../console/widgets/wind_widget.py" line="22" />
        <source>E</source>
        <translation>东</translation>
    </message>
    <message>
        <location filename="../../console/widgets/wind_widget.py" line="23" />
        <source>SE</source>
        <translation>东南</translation>
    </message>
    <message>
        <location filename="../../console/widgets/wind_widget.py" line="24" />
        <source>S</source>
        <translation>南</translation>
    </message>
    <message>
        <location filename="../../console/widgets/wind_widget.py" line="25" />
        <source>SW</source>
        <translation>西南</translation>
    </message>
    <message>
        <location filename="../../console/widgets/wind_widget.py" line="26" />
        <source>W</source>
        <translation>西</translation>
    </message>
    <message>
        <location filename="../../console/widgets/wind_widget.py" line="27" />
        <source>NW</source>
        <translation>西北</translation>
    </message>
</context>
<context>
    <name>Console</name>
    <message>
        <location filename="../../console/replay_start.py" line="132" />
        <source>Cannot replay: {0}</source>
        <translation>无法回放：{0}</translation>
    </message>
    <message>
        <location filename="../../console/replay_start.py" line="138" />
        <source>Replay: the hub's history did not come ({0}); trying again in {1} s</source>
        <translation>回放：平台历史数据未返回（{0}），{1} 秒后重试</translation>
    </message>
    <message>
        <location filename="../../console/hub_start.py" line="37" />
        <source>The local hub could not start: {0}</source>
        <translation>本地平台无法启动：{0}</translation>
    </message>
    <message>
        <location filename="../../console/login.py" line="59" />
        <source>Login as {0} failed: {1}</source>
        <translation>以 {0} 登录失败：{1}</translation>
    </message>
</context>
<context>
    <name>DispatchWindow</name>
    <message>
        <location filename="../../console/views/dispatch.py" line="58" />
        <source>Dispatch desk</source>
        <translation>调度台</translation>
    </message>
    <message>
        <location filename="../../console/views/dispatch.py" line="84" />
        <source>Incidents</source>
        <translation>事件</translation>
    </message>
    <message>
        <location filename="../../console/views/dispatch.py" line="86" />
        <source>Units</source>
        <translation>应急力量</translation>
    </message>
    <message>
        <location filename="../../console/views/dispatch.py" line="87" />
        <source>Emergency board</source>
        <translation>应急看板</translation>
    </message>
    <message>
        <location filename="../../console/views/dispatch.py" line="88" />
        <source>Assessment</source>
        <translation>考核</translation>
    </message>
    <message>
        <location filename="../../console/views/dispatch.py" line="156" />
        <source>The role {0} may not send units</source>
        <translation>{0}角色无权调派力量</translation>
    </message>
    <message>
        <location filename="../../console/views/dispatch.py" line="164" />
        <source>Role: {0}</source>
        <translation>角色：{0}</translation>
    </message>
    <message>
        <location filename="../../console/views/dispatch.py" line="171" />
        <source>playback: commands are disabled</source>
        <translation>回放中：指令已禁用</translation>
    </message>
</context>
<context>
    <name>EmergencyBoard</name>
    <message>
        <location filename="../../console/widgets/emergency_board.py" line="61" />
        <source>Select an incident in the queue</source>
        <translation>请在列表中选择事件</translation>
    </message>
    <message>
        <location filename="../../console/widgets/emergency_board.py" line="66" />
        <source>Support progress</source>
        <translation>支援进度</translation>
    </message>
    <message>
        <location filename="../../console/widgets/emergency_board.py" line="69" />
        <source>Unit</source>
        <translation>力量</translation>
    </message>
    <message>
        <location filename="../../console/widgets/emergency_board.py" line="69" />
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../console/widgets/emergency_board.py" line="69" />
        <source>Duty</source>
        <translation>勤务</translation>
    </message>
    <message>
        <location filename="../../console/widgets/emergency_board.py" line="69" />
        <source>Assigned</source>
        <translation>调派</translation>
    </message>
    <message>
        <location filename="../../console/widgets/emergency_board.py" line="69" />
        <source>Set off</source>
        <translation>出发</translation>
    </message>
    <message>
        <location filename="../../console/widgets/emergency_board.py" line="70" />
        <source>Arrived</source>
        <translation>到达</translation>
    </message>
    <message>
        <location filename="../../console/widgets/emergency_board.py" line="70" />
        <source>To the scene</source>
        <translation>赶赴现场里程</translation>
    </message>
    <message>
        <location filename="../../console/widgets/emergency_board.py" line="70" />
        <source>Covered</source>
        <translation>总里程</translation>
    </message>
    <message>
        <location filename="../../console/widgets/emergency_board.py" line="72" />
        <source>Handling progress</source>
        <translation>处置进度</translation>
    </message>
    <message>
        <location filename="../../console/widgets/emergency_board.py" line="73" />
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../console/widgets/emergency_board.py" line="73" />
        <source>Step</source>
        <translation>步骤</translation>
    </message>
    <message>
        <location filename="../../console/widgets/emergency_board.py" line="73" />
        <source>By</source>
        <translation>操作人</translation>
    </message>
    <message>
        <location filename="../../console/widgets/emergency_board.py" line="73" />
        <source>Comment</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../../console/widgets/emergency_board.py" line="74" />
        <source>Post-evaluation</source>
        <translation>事后评估</translation>
    </message>
    <message>
        <location filename="../../console/widgets/emergency_board.py" line="78" />
        <source>Response time (dispatch → first arrival)</source>
        <translation>响应时间（派发 → 首支力量到达）</translation>
    </message>
    <message>
        <location filename="../../console/widgets/emergency_board.py" line="79" />
        <source>Dispatched</source>
        <translation>派发</translation>
    </message>
    <message>
        <location filename="../../console/widgets/emergency_board.py" line="79" />
        <source>First unit arrived</source>
        <translation>首支力量到达</translation>
    </message>
    <message>
        <location filename="../../console/widgets/emergency_board.py" line="80" />
        <source>Closed</source>
        <translation>已关闭</translation>
    </message>
    <message>
        <location filename="../../console/widgets/emergency_board.py" line="80" />
        <source>Distance covered by all units</source>
        <translation>全部力量行驶里程</translation>
    </message>
    <message>
        <location filename="../../console/widgets/emergency_board.py" line="123" />
        <source>Assigned to {0}</source>
        <translation>处置人 {0}</translation>
    </message>
    <message>
        <location filename="../../console/widgets/emergency_board.py" line="126" />
        <source>Assigned {0} · En route {1} · Arrived {2}</source>
        <translation>已调派 {0} · 途中 {1} · 已到达 {2}</translation>
    </message>
    <message>
        <location filename="../../console/widgets/emergency_board.py" line="158" />
        <source>no unit arrived</source>
        <translation>无力量到达</translation>
    </message>
    <message>
        <location filename="../../console/widgets/emergency_board.py" line="162" />
        <source>tracks not loaded</source>
        <translation>轨迹未载入</translation>
    </message>
</context>
<context>
    <name>EventList</name>
    <message>
        <location filename="../../console/widgets/event_list.py" line="19" />
        <source>Info</source>
        <translation>提示</translation>
    </message>
    <message>
        <location filename="../../console/widgets/event_list.py" line="20" />
        <source>Warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <location filename="../../console/widgets/event_list.py" line="21" />
        <source>Critical</source>
        <translation>紧急</translation>
    </message>
    <message>
        <location filename="../../console/widgets/event_list.py" line="63" />
        <source>No events</source>
        <translation>暂无事件</translation>
    </message>
</context>
<context>
    <name>Factor</name>
    <message>
        <location filename="../../console/widgets/trend_plot.py" line="262" />
        <source>Temperature</source>
        <translation>气温</translation>
    </message>
    <message>
        <location filename="../../console/widgets/trend_plot.py" line="263" />
        <source>Humidity</source>
        <translation>湿度</translation>
    </message>
    <message>
        <location filename="../../console/widgets/trend_plot.py" line="264" />
        <source>Pressure</source>
        <translation>气压</translation>
    </message>
    <message>
        <location filename="../../console/widgets/trend_plot.py" line="265" />
        <source>Wind speed</source>
        <translation>风速</translation>
    </message>
    <message>
        <location filename="../../console/widgets/trend_plot.py" line="266" />
        <source>TSP</source>
        <translation>TSP</translation>
    </message>
    <message>
        <location filename="../../console/widgets/trend_plot.py" line="267" />
        <source>Noise Leq</source>
        <translation>噪声 Leq</translation>
    </message>
    <message>
        <location filename="../../console/widgets/trend_plot.py" line="268" />
        <source>Dissolved oxygen</source>
        <translation>溶解氧</translation>
    </message>
    <message>
        <location filename="../../console/widgets/trend_plot.py" line="269" />
        <source>Ammonia nitrogen</source>
        <translation>氨氮</translation>
    </message>
    <message>
        <location filename="../../console/widgets/trend_plot.py" line="270" />
        <source>Total phosphorus</source>
        <translation>总磷</translation>
    </message>
</context>
<context>
    <name>ForecastTable</name>
    <message>
        <location filename="../../console/widgets/forecast_panel.py" line="64" />
        <source>whole forecast: briefing page “Forecast and warnings”</source>
        <translation>完整预报：汇报模式“预报与预警”页</translation>
    </message>
    <message>
        <location filename="../../console/widgets/forecast_panel.py" line="70" />
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <location filename="../../console/widgets/forecast_panel.py" line="72" />
        <source>Tomorrow</source>
        <translation>明天</translation>
    </message>
    <message>
        <location filename="../../console/widgets/forecast_panel.py" line="73" />
        <source>Mon</source>
        <translation>周一</translation>
    </message>
    <message>
        <location filename="../../console/widgets/forecast_panel.py" line="73" />
        <source>Tue</source>
        <translation>周二</translation>
    </message>
    <message>
        <location filename="../../console/widgets/forecast_panel.py" line="73" />
        <source>Wed</source>
        <translation>周三</translation>
    </message>
    <message>
        <location filename="../../console/widgets/forecast_panel.py" line="73" />
        <source>Thu</source>
        <translation>周四</translation>
    </message>
    <message>
        <location filename="../../console/widgets/forecast_panel.py" line="74" />
        <source>Fri</source>
        <translation>周五</translation>
    </message>
    <message>
        <location filename="../../console/widgets/forecast_panel.py" line="74" />
        <source>Sat</source>
        <translation>周六</translation>
    </message>
    <message>
        <location filename="../../console/widgets/forecast_panel.py" line="74" />
        <source>Sun</source>
        <translation>周日</translation>
    </message>
    <message>
        <location filename="../../console/widgets/forecast_panel.py" line="83" />
        <source>model +{0} d: not verified</source>
        <translation>模型 +{0} 天：未检验</translation>
    </message>
    <message>
        <location filename="../../console/widgets/forecast_panel.py" line="84" />
        <source>model +{0} d: level right {1} %</source>
        <translation>模型 +{0} 天：级别准确 {1}%</translation>
    </message>
    <message>
        <location filename="../../console/widgets/forecast_panel.py" line="96" />
        <source>Forecast not loaded yet.</source>
        <translation>预报尚未载入。</translation>
    </message>
    <message>
        <location filename="../../console/widgets/forecast_panel.py" line="97" />
        <source>No forecast imported.</source>
        <translation>未导入预报。</translation>
    </message>
    <message>
        <location filename="../../console/widgets/forecast_panel.py" line="201" />
        <location filename="../../console/widgets/forecast_panel.py" line="236" />
        <source>Forecast</source>
        <translation>空气质量预报</translation>
    </message>
    <message>
        <location filename="../../console/widgets/forecast_panel.py" line="243" />
        <source>Model | Official</source>
        <translation>模型 | 官方</translation>
    </message>
    <message>
        <location filename="../../console/widgets/forecast_panel.py" line="253" />
        <source>official only</source>
        <translation>仅官方预报</translation>
    </message>
    <message>
        <location filename="../../console/widgets/forecast_panel.py" line="255" />
        <source>issued {0}</source>
        <translation>发布于 {0}</translation>
    </message>
    <message>
        <location filename="../../console/widgets/forecast_panel.py" line="258" />
        <source>model trained on these days</source>
        <translation>模型学过这些天</translation>
    </message>
</context>
<context>
    <name>ForecastViewModel</name>
    <message>
        <location filename="../../console/viewmodels/forecast.py" line="332" />
        <source>Only a leader can issue, reject or end a warning, live.</source>
        <translation>只有领导可在实时状态下发布、驳回或解除预警。</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/forecast.py" line="347" />
        <source>The hub refused it: {0}</source>
        <translation>中心拒绝了：{0}</translation>
    </message>
</context>
<context>
    <name>HelpOverlay</name>
    <message>
        <location filename="../../console/views/window.py" line="35" />
        <source>Keyboard shortcuts</source>
        <translation>快捷键</translation>
    </message>
    <message>
        <location filename="../../console/views/window.py" line="42" />
        <source>Toggle kiosk (fullscreen) mode</source>
        <translation>切换全屏（值守）模式</translation>
    </message>
    <message>
        <location filename="../../console/views/window.py" line="43" />
        <source>Show or hide this help</source>
        <translation>显示或隐藏本帮助</translation>
    </message>
    <message>
        <location filename="../../console/views/window.py" line="44" />
        <source>Briefing mode for leaders (Esc returns)</source>
        <translation>领导汇报模式（Esc 返回）</translation>
    </message>
    <message>
        <location filename="../../console/views/window.py" line="45" />
        <source>Close this help</source>
        <translation>关闭帮助</translation>
    </message>
    <message>
        <location filename="../../console/views/window.py" line="46" />
        <source>Quit the console</source>
        <translation>退出控制台</translation>
    </message>
    <message>
        <location filename="../../console/views/window.py" line="47" />
        <source>Replaying: play or pause</source>
        <translation>回放时：播放或暂停</translation>
    </message>
    <message>
        <location filename="../../console/views/window.py" line="48" />
        <source>Replaying: one reporting interval back or forward</source>
        <translation>回放时：后退或前进一个上报周期</translation>
    </message>
    <message>
        <location filename="../../console/views/window.py" line="49" />
        <source>Replaying: one hour / one day back or forward</source>
        <translation>回放时：后退或前进一小时 / 一天</translation>
    </message>
    <message>
        <location filename="../../console/views/window.py" line="50" />
        <source>Replaying: the start, the end, faster, slower</source>
        <translation>回放时：开头、末尾、加快、减慢</translation>
    </message>
    <message>
        <location filename="../../console/views/window.py" line="51" />
        <source>Replaying: back to live</source>
        <translation>回放时：返回实时</translation>
    </message>
</context>
<context>
    <name>Incident</name>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="19" />
        <source>Discovered</source>
        <translation>发现</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="20" />
        <source>Dispatched</source>
        <translation>派发</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="21" />
        <source>Handling</source>
        <translation>处置</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="22" />
        <source>Feedback</source>
        <translation>反馈</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="23" />
        <source>Closed</source>
        <translation>已关闭</translation>
    </message>
    <message>
        <location filename="../../console/core/reasons.py" line="124" />
        <source>Air quality over the limit</source>
        <translation>空气质量超标</translation>
    </message>
    <message>
        <location filename="../../console/core/reasons.py" line="125" />
        <source>Sudden rise</source>
        <translation>浓度突升</translation>
    </message>
    <message>
        <location filename="../../console/core/reasons.py" line="126" />
        <source>Abnormally high against neighbours</source>
        <translation>异常高值点位</translation>
    </message>
    <message>
        <location filename="../../console/core/reasons.py" line="127" />
        <source>Logger offline</source>
        <translation>数采仪离线</translation>
    </message>
    <message>
        <location filename="../../console/core/reasons.py" line="128" />
        <source>Reading stuck</source>
        <translation>数据恒值</translation>
    </message>
    <message>
        <location filename="../../console/core/reasons.py" line="129" />
        <source>Purifier off while cooking</source>
        <translation>经营时段净化器未开启</translation>
    </message>
    <message>
        <location filename="../../console/core/reasons.py" line="130" />
        <source>Water worse than its target class</source>
        <translation>水质劣于目标类别</translation>
    </message>
    <message>
        <location filename="../../console/core/reasons.py" line="131" />
        <source>Night noise over the limit</source>
        <translation>夜间噪声超标</translation>
    </message>
    <message>
        <location filename="../../console/core/reasons.py" line="132" />
        <source>Emission over the permit limit</source>
        <translation>排放超标</translation>
    </message>
    <message>
        <location filename="../../console/core/reasons.py" line="133" />
        <source>Odour over the limit</source>
        <translation>恶臭超标</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="76" />
        <source>Minor</source>
        <translation>一般</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="77" />
        <source>Serious</source>
        <translation>较重</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="78" />
        <source>Severe</source>
        <translation>严重</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="79" />
        <source>Extremely severe</source>
        <translation>特别严重</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="98" />
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="99" />
        <source>Township</source>
        <translation>乡镇</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="100" />
        <source>District</source>
        <translation>区县</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="101" />
        <source>City</source>
        <translation>市</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="109" />
        <location filename="../../console/widgets/incident_words.py" line="145" />
        <source>Duty officer</source>
        <translation>值班员</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="110" />
        <source>Coordinator</source>
        <translation>调度员</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="111" />
        <source>Leader</source>
        <translation>领导</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="112" />
        <location filename="../../console/widgets/incident_words.py" line="144" />
        <source>Inspector</source>
        <translation>巡查员</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="113" />
        <source>Administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="114" />
        <source>System</source>
        <translation>系统</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="122" />
        <source>Report</source>
        <translation>上报</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="123" />
        <source>Acknowledge</source>
        <translation>确认</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="124" />
        <source>Dispatch</source>
        <translation>派发</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="125" />
        <source>Record handling</source>
        <translation>记录处置</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="126" />
        <source>Submit feedback</source>
        <translation>提交反馈</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="127" />
        <source>Assess</source>
        <translation>考核</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="128" />
        <source>Dismiss</source>
        <translation>不予处理</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="129" />
        <source>Comment</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="130" />
        <source>Raised</source>
        <translation>发现</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="131" />
        <source>Updated</source>
        <translation>更新</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="132" />
        <source>Condition cleared</source>
        <translation>条件已解除</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="133" />
        <source>Escalated</source>
        <translation>升级</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="134" />
        <source>Assign unit</source>
        <translation>调派力量</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="135" />
        <source>Unit status</source>
        <translation>力量状态</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="136" />
        <source>Unit released</source>
        <translation>力量撤回</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="143" />
        <source>Alarm rule</source>
        <translation>报警规则</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="146" />
        <source>Citizen report</source>
        <translation>群众举报</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="155" />
        <source>{m} min</source>
        <translation>{m} 分钟</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="158" />
        <source>{h} h {m:02d} min</source>
        <translation>{h} 小时 {m:02d} 分</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="160" />
        <source>{d} d {h} h</source>
        <translation>{d} 天 {h} 小时</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="168" />
        <source>overdue {0}</source>
        <translation>超期 {0}</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="170" />
        <location filename="../../console/widgets/incident_words.py" line="172" />
        <source>{0} left</source>
        <translation>剩余 {0}</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="174" />
        <source>awaiting assessment</source>
        <translation>待考核</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="176" />
        <source>closed on time</source>
        <translation>按时办结</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="178" />
        <source>closed {0} late</source>
        <translation>超期 {0} 办结</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="179" />
        <source>not dispatched</source>
        <translation>未派发</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="185" />
        <source>Incidents</source>
        <translation>事件</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="186" />
        <source>Not dispatched</source>
        <translation>未派发</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="187" />
        <source>On time</source>
        <translation>未超期</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="188" />
        <source>Due soon</source>
        <translation>即将到期</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_words.py" line="189" />
        <source>Overdue</source>
        <translation>超期</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="230" />
        <source>Air quality</source>
        <translation>大气环境</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="231" />
        <source>Water environment</source>
        <translation>水环境</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="232" />
        <source>Noise</source>
        <translation>噪声</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="233" />
        <source>Catering fume</source>
        <translation>餐饮油烟</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="234" />
        <source>Pollution source</source>
        <translation>污染源</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="235" />
        <source>Odour</source>
        <translation>恶臭</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="236" />
        <source>Monitoring device</source>
        <translation>监测设备</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="237" />
        <source>Other</source>
        <translation>其他</translation>
    </message>
</context>
<context>
    <name>IncidentBoard</name>
    <message>
        <location filename="../../console/views/screens.py" line="399" />
        <source>Acknowledge new critical incidents</source>
        <translation>确认新的特别严重事件</translation>
    </message>
    <message>
        <location filename="../../console/views/screens.py" line="428" />
        <source>playback: commands are disabled</source>
        <translation>回放中：指令已禁用</translation>
    </message>
</context>
<context>
    <name>IncidentDetailPane</name>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="107" />
        <source>Select an incident in the queue</source>
        <translation>请在列表中选择事件</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="132" />
        <source>Why it was raised</source>
        <translation>发现依据</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="133" />
        <source>Audit trail</source>
        <translation>处理记录</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="141" />
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="141" />
        <source>Who</source>
        <translation>操作人</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="141" />
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="141" />
        <source>Stage</source>
        <translation>环节</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="141" />
        <source>Comment</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="142" />
        <source>Photos</source>
        <translation>照片</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="178" />
        <source>playback: commands are disabled</source>
        <translation>回放中：指令已禁用</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="214" />
        <source>Loading the whole trail from the hub …</source>
        <translation>正在从中心读取完整记录 …</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="222" />
        <source>The condition has cleared: closing is suggested.</source>
        <translation>报警条件已解除，建议办结。</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="227" />
        <source>queued, not yet sent (no link)</source>
        <translation>已排队，尚未发出（无连接）</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="228" />
        <source>sent, waiting for the hub</source>
        <translation>已发出，等待中心确认</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="229" />
        <source>accepted, waiting for the hub's update</source>
        <translation>中心已受理，等待更新</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="247" />
        <source>Deadline</source>
        <translation>时限</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="248" />
        <source>Assignee</source>
        <translation>处置人</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="249" />
        <source>Responsible</source>
        <translation>责任人</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="250" />
        <source>Place</source>
        <translation>位置</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="251" />
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="252" />
        <source>Raised at</source>
        <translation>发现时间</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="253" />
        <source>Dispatched at</source>
        <translation>派发时间</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="273" />
        <source>{0} · view</source>
        <translation>{0} 张 · 查看</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="304" />
        <source>Replay</source>
        <translation>回放</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="305" />
        <source>Replay from 30 minutes before the first finding to the closure</source>
        <translation>从首次发现前 30 分钟回放到办结</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="311" />
        <source>Special report…</source>
        <translation>问题专报…</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="330" />
        <source>Got it</source>
        <translation>知道了</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="254" />
        <source>Escalations / returns</source>
        <translation>升级 / 退回</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="290" />
        <source>Acknowledge</source>
        <translation>确认</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="325" />
        <source>Conflict</source>
        <translation>冲突</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="325" />
        <source>Refused</source>
        <translation>被拒绝</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_detail.py" line="329" />
        <source>Reload</source>
        <translation>重新读取</translation>
    </message>
</context>
<context>
    <name>IncidentQueue</name>
    <message>
        <location filename="../../console/widgets/incident_queue.py" line="71" />
        <source>Severity</source>
        <translation>等级</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_queue.py" line="72" />
        <source>Stage</source>
        <translation>环节</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_queue.py" line="73" />
        <source>Incident</source>
        <translation>事件</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_queue.py" line="74" />
        <source>Township</source>
        <translation>乡镇</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_queue.py" line="75" />
        <source>Deadline</source>
        <translation>时限</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_queue.py" line="76" />
        <source>Assignee</source>
        <translation>处置人</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_queue.py" line="77" />
        <source>Raised at</source>
        <translation>发现时间</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_queue.py" line="146" />
        <source>refused</source>
        <translation>被拒绝</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_queue.py" line="148" />
        <source>pending</source>
        <translation>待确认</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_queue.py" line="150" />
        <source>NEW</source>
        <translation>新</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_queue.py" line="302" />
        <source>Overdue</source>
        <translation>超期</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_queue.py" line="401" />
        <source>Open stages</source>
        <translation>未办结</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_queue.py" line="402" />
        <source>All stages</source>
        <translation>全部环节</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_queue.py" line="406" />
        <source>All severities</source>
        <translation>全部等级</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_queue.py" line="415" />
        <location filename="../../console/widgets/incident_queue.py" line="448" />
        <source>All townships</source>
        <translation>全部乡镇</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_queue.py" line="416" />
        <source>Overdue only</source>
        <translation>仅超期</translation>
    </message>
</context>
<context>
    <name>IncidentViewModel</name>
    <message>
        <location filename="../../console/viewmodels/incidents.py" line="250" />
        <source>playback: commands are disabled</source>
        <translation>回放中：指令已禁用</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/incidents.py" line="269" />
        <source>Photos not available: {0}</source>
        <translation>无法读取照片：{0}</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/incidents.py" line="398" />
        <source>Commands are not available: no connection to the hub</source>
        <translation>无法下达指令：未连接中心</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/incidents.py" line="403" />
        <source>Not sent: {0}</source>
        <translation>未发出：{0}</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/incidents.py" line="407" />
        <source>Report sent: it joins the queue once the hub has it</source>
        <translation>已上报：中心受理后进入列表</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/incidents.py" line="415" />
        <source>Photos cannot be uploaded: no connection to the hub</source>
        <translation>无法上传照片：未连接中心</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/incidents.py" line="421" />
        <source>Uploading {0} …</source>
        <translation>正在上传 {0} …</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/incidents.py" line="424" />
        <source>Upload failed, nothing was sent: {0}</source>
        <translation>上传失败，未发出任何指令：{0}</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/incidents.py" line="437" />
        <source>Audit trail not available: {0}</source>
        <translation>无法读取处理记录：{0}</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/incidents.py" line="463" />
        <source>Assessment not available: {0}</source>
        <translation>无法读取考核：{0}</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/incidents.py" line="477" />
        <source>Export failed: {0}</source>
        <translation>导出失败：{0}</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/incidents.py" line="479" />
        <source>Exported to {0}</source>
        <translation>已导出到 {0}</translation>
    </message>
</context>
<context>
    <name>Limits</name>
    <message>
        <location filename="../../console/widgets/trend_plot.py" line="297" />
        <source>GB 3095 II {period} {value}</source>
        <translation>GB 3095 二级 {period} {value}</translation>
    </message>
    <message>
        <location filename="../../console/widgets/trend_plot.py" line="302" />
        <source>GB 3096 zone {zone} {period} {value}</source>
        <translation>GB 3096 {zone}类区 {period} {value}</translation>
    </message>
    <message>
        <location filename="../../console/widgets/trend_plot.py" line="304" />
        <source>day</source>
        <translation>昼间</translation>
    </message>
    <message>
        <location filename="../../console/widgets/trend_plot.py" line="305" />
        <source>night</source>
        <translation>夜间</translation>
    </message>
    <message>
        <location filename="../../console/widgets/trend_plot.py" line="312" />
        <source>GB 3838 {cls} {value}</source>
        <translation>GB 3838 {cls}类 {value}</translation>
    </message>
</context>
<context>
    <name>Map</name>
    <message>
        <location filename="../../console/views/map_loader.py" line="53" />
        <source>Layers</source>
        <translation>图层</translation>
    </message>
    <message>
        <location filename="../../console/views/map_loader.py" line="54" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../console/views/map_loader.py" line="55" />
        <source>Air stations</source>
        <translation>空气站</translation>
    </message>
    <message>
        <location filename="../../console/views/map_loader.py" line="56" />
        <source>Micro stations</source>
        <translation>微站</translation>
    </message>
    <message>
        <location filename="../../console/views/map_loader.py" line="57" />
        <source>Scenic areas</source>
        <translation>景区站</translation>
    </message>
    <message>
        <location filename="../../console/views/map_loader.py" line="58" />
        <source>Water quality</source>
        <translation>水质站</translation>
    </message>
    <message>
        <location filename="../../console/views/map_loader.py" line="59" />
        <source>Noise</source>
        <translation>噪声</translation>
    </message>
    <message>
        <location filename="../../console/views/map_loader.py" line="60" />
        <source>Catering fume</source>
        <translation>餐饮油烟</translation>
    </message>
    <message>
        <location filename="../../console/views/map_loader.py" line="61" />
        <source>Pollution sources</source>
        <translation>污染源</translation>
    </message>
    <message>
        <location filename="../../console/views/map_loader.py" line="62" />
        <source>Odour</source>
        <translation>恶臭</translation>
    </message>
    <message>
        <location filename="../../console/views/map_loader.py" line="63" />
        <source>Normal</source>
        <translation>正常</translation>
    </message>
    <message>
        <location filename="../../console/views/map_loader.py" line="64" />
        <source>Exceedance</source>
        <translation>超标</translation>
    </message>
    <message>
        <location filename="../../console/views/map_loader.py" line="65" />
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <location filename="../../console/views/map_loader.py" line="66" />
        <source>Stale data</source>
        <translation>数据陈旧</translation>
    </message>
    <message>
        <location filename="../../console/views/map_loader.py" line="67" />
        <source>Instrument fault</source>
        <translation>仪器故障</translation>
    </message>
    <message>
        <location filename="../../console/views/map_loader.py" line="68" />
        <source>Invalid data</source>
        <translation>无效数据</translation>
    </message>
    <message>
        <location filename="../../console/views/map_loader.py" line="69" />
        <source>Selected</source>
        <translation>选中</translation>
    </message>
    <message>
        <location filename="../../console/views/map_loader.py" line="70" />
        <source>Township outlines approximate</source>
        <translation>乡镇边界为近似范围</translation>
    </message>
    <message>
        <location filename="../../console/views/map_loader.py" line="71" />
        <source>Intranet basemap</source>
        <translation>内网底图</translation>
    </message>
    <message>
        <location filename="../../console/widgets/map_view.py" line="416" />
        <source>Awaiting first report</source>
        <translation>等待首次上报</translation>
    </message>
</context>
<context>
    <name>MapScreenView</name>
    <message>
        <location filename="../../console/views/screens.py" line="275" />
        <source>Wind</source>
        <translation>风</translation>
    </message>
</context>
<context>
    <name>NearestUnits</name>
    <message>
        <location filename="../../console/widgets/unit_list.py" line="199" />
        <source>Nearest available units</source>
        <translation>最近的可调派力量</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_list.py" line="209" />
        <source>Callsign</source>
        <translation>呼号</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_list.py" line="210" />
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_list.py" line="211" />
        <source>Distance</source>
        <translation>距离</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_list.py" line="212" />
        <source>ETA</source>
        <translation>预计到达</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_list.py" line="213" />
        <source>Last fix</source>
        <translation>最后定位</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_list.py" line="247" />
        <source>Select an incident with a place to see the nearest available units</source>
        <translation>选择有位置的事件，查看最近的可调派力量</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_list.py" line="249" />
        <source>No available unit with a recent position</source>
        <translation>没有近期有定位的可调派力量</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_list.py" line="251" />
        <source>Ranked by ETA along the road network</source>
        <translation>按路网预计到达时间排序</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_list.py" line="253" />
        <source>Ranked by straight-line distance; {0}</source>
        <translation>按直线距离排序；{0}</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_list.py" line="256" />
        <source>Ranked by straight-line distance; ETA when the road network is loaded</source>
        <translation>按直线距离排序；载入路网后显示预计到达时间</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_list.py" line="274" />
        <source>Assign</source>
        <translation>调派</translation>
    </message>
</context>
<context>
    <name>NetworkHealth</name>
    <message>
        <location filename="../../console/widgets/network_health.py" line="67" />
        <source>◌ awaiting first report since the hub started</source>
        <translation>◌ 平台启动后等待首次上报</translation>
    </message>
    <message>
        <location filename="../../console/widgets/network_health.py" line="85" />
        <source>Network</source>
        <translation>监测网络</translation>
    </message>
    <message>
        <location filename="../../console/widgets/network_health.py" line="86" />
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <location filename="../../console/widgets/network_health.py" line="87" />
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <location filename="../../console/widgets/network_health.py" line="88" />
        <source>Fault</source>
        <translation>故障</translation>
    </message>
    <message>
        <location filename="../../console/widgets/network_health.py" line="89" />
        <source>Alarm</source>
        <translation>报警</translation>
    </message>
    <message>
        <location filename="../../console/widgets/network_health.py" line="90" />
        <source>Online %</source>
        <translation>在线率</translation>
    </message>
    <message>
        <location filename="../../console/widgets/network_health.py" line="151" />
        <source>+ {n} more</source>
        <translation>另有 {n} 个</translation>
    </message>
</context>
<context>
    <name>Panel</name>
    <message>
        <location filename="../../console/widgets/panel.py" line="52" />
        <source>no data</source>
        <translation>无数据</translation>
    </message>
    <message>
        <location filename="../../console/widgets/panel.py" line="55" />
        <source>as of {time}</source>
        <translation>截至 {time}</translation>
    </message>
    <message>
        <location filename="../../console/widgets/panel.py" line="62" />
        <source>{n} s ago</source>
        <translation>{n} 秒前</translation>
    </message>
    <message>
        <location filename="../../console/widgets/panel.py" line="64" />
        <source>{n} min ago</source>
        <translation>{n} 分钟前</translation>
    </message>
    <message>
        <location filename="../../console/widgets/panel.py" line="67" />
        <source>{h} h {m} min ago</source>
        <translation>{h} 小时 {m} 分前</translation>
    </message>
    <message>
        <location filename="../../console/widgets/panel.py" line="68" />
        <source>{n} d ago</source>
        <translation>{n} 天前</translation>
    </message>
</context>
<context>
    <name>PhotoDialog</name>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="327" />
        <source>Photos</source>
        <translation>照片</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="339" />
        <source>{0}: not an image</source>
        <translation>{0}：不是图片</translation>
    </message>
</context>
<context>
    <name>PlaybackBanner</name>
    <message>
        <location filename="../../console/widgets/playback_banner.py" line="54" />
        <source>UTC+8 · not live</source>
        <translation>北京时间 · 非实时</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_banner.py" line="55" />
        <source>Esc: back to live</source>
        <translation>Esc：返回实时</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_banner.py" line="61" />
        <source>PLAYBACK</source>
        <translation>回放</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_banner.py" line="62" />
        <source>paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_banner.py" line="63" />
        <source>loading …</source>
        <translation>载入中 …</translation>
    </message>
</context>
<context>
    <name>PlaybackBar</name>
    <message>
        <location filename="../../console/widgets/playback_bar.py" line="198" />
        <source>Go to the start (Home)</source>
        <translation>回到开头（Home）</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_bar.py" line="199" />
        <source>−1 d</source>
        <translation>−1 天</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_bar.py" line="199" />
        <source>One day back (Ctrl+Left)</source>
        <translation>后退一天（Ctrl+←）</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_bar.py" line="200" />
        <source>−1 h</source>
        <translation>−1 小时</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_bar.py" line="200" />
        <source>One hour back (Shift+Left)</source>
        <translation>后退一小时（Shift+←）</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_bar.py" line="201" />
        <source>One reporting interval back (Left)</source>
        <translation>后退一个上报周期（←）</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_bar.py" line="202" />
        <source>One reporting interval forward (Right)</source>
        <translation>前进一个上报周期（→）</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_bar.py" line="203" />
        <source>+1 h</source>
        <translation>+1 小时</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_bar.py" line="203" />
        <source>One hour forward (Shift+Right)</source>
        <translation>前进一小时（Shift+→）</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_bar.py" line="204" />
        <source>+1 d</source>
        <translation>+1 天</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_bar.py" line="204" />
        <source>One day forward (Ctrl+Right)</source>
        <translation>前进一天（Ctrl+→）</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_bar.py" line="205" />
        <source>Go to the end (End)</source>
        <translation>跳到末尾（End）</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_bar.py" line="206" />
        <source>Go</source>
        <translation>转到</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_bar.py" line="206" />
        <source>Go to the time typed (Enter)</source>
        <translation>转到输入的时间（Enter）</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_bar.py" line="207" />
        <source>Back to live</source>
        <translation>返回实时</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_bar.py" line="207" />
        <source>Leave the replay (Esc or L)</source>
        <translation>退出回放（Esc 或 L）</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_bar.py" line="213" />
        <source>Replay speed (+ and −)</source>
        <translation>回放速度（+ 和 −）</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_bar.py" line="214" />
        <source>Go to 2015-12-01 08:00</source>
        <translation>转到 2015-12-01 08:00</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_bar.py" line="256" />
        <source>{0} min</source>
        <translation>{0} 分钟</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_bar.py" line="256" />
        <source>{0} h</source>
        <translation>{0} 小时</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_bar.py" line="261" />
        <source>Loading {0} …</source>
        <translation>正在载入 {0} …</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_bar.py" line="300" />
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_bar.py" line="300" />
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_bar.py" line="301" />
        <source>Play or pause (Space)</source>
        <translation>播放或暂停（空格）</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_bar.py" line="308" />
        <source>Type a time first, e.g. 2015-12-01 08:00</source>
        <translation>请先输入时间，例如 2015-12-01 08:00</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_bar.py" line="317" />
        <source>{0} is outside the replay: {1} … {2}</source>
        <translation>{0} 不在回放范围内：{1} … {2}</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_words.py" line="57" />
        <source>Type a time as 2015-12-01 08:00, 12-01 08:00 or 08:00</source>
        <translation>请按 2015-12-01 08:00、12-01 08:00 或 08:00 的格式输入时间</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_words.py" line="73" />
        <source>No such date or time: {0}</source>
        <translation>没有这个日期或时间：{0}</translation>
    </message>
</context>
<context>
    <name>PlaybackViewModel</name>
    <message>
        <location filename="../../console/viewmodels/playback.py" line="131" />
        <source>The replay could not advance; see the log</source>
        <translation>回放无法继续，请查看日志</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/playback.py" line="145" />
        <source>Replay stopped: {0}</source>
        <translation>回放已停止：{0}</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/playback.py" line="214" />
        <source>This incident cannot be replayed here</source>
        <translation>此事件无法在此回放</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/playback.py" line="221" />
        <source>Replay needs a hub with history</source>
        <translation>回放需要有历史数据的平台</translation>
    </message>
</context>
<context>
    <name>RankingChart</name>
    <message>
        <location filename="../../console/widgets/ranking_chart.py" line="58" />
        <source>no data</source>
        <translation>无数据</translation>
    </message>
    <message>
        <location filename="../../console/widgets/ranking_chart.py" line="220" />
        <source>+ {n} more, lower or without data</source>
        <translation>另有 {n} 个，数值更低或无数据</translation>
    </message>
    <message>
        <location filename="../../console/widgets/ranking_chart.py" line="220" />
        <source>+ {n} more, all lower</source>
        <translation>另有 {n} 个，数值均更低</translation>
    </message>
</context>
<context>
    <name>Reason</name>
    <message>
        <location filename="../../console/core/reasons.py" line="47" />
        <source>Stuck-value rule: {factor} has read {value} {repeats} times in a row (threshold {threshold}) up to {time}; the sensor or logger may be frozen.</source>
        <translation>恒值规则：{factor} 连续 {repeats} 次读数均为 {value}（阈值 {threshold} 次），截至 {time}；传感器或数采仪可能卡死。</translation>
    </message>
    <message>
        <location filename="../../console/core/reasons.py" line="52" />
        <source>Sudden-rise rule: {factor} reached {value} at {time}, {n} readings in a row above both {ratio} times its recent baseline {baseline} and baseline + {margin}.</source>
        <translation>突升规则：{factor} 于 {time} 升至 {value}，连续 {n} 个读数同时高于近期基线 {baseline} 的 {ratio} 倍和基线 + {margin}。</translation>
    </message>
    <message>
        <location filename="../../console/core/reasons.py" line="57" />
        <source>Emission rule: {factor} {value} at {time} exceeds the outlet's permit limit ({limit}), continuously since {since}.</source>
        <translation>排放规则：{factor} 于 {time} 为 {value}，超过排口许可限值（{limit}），自 {since} 起持续超标。</translation>
    </message>
    <message>
        <location filename="../../console/core/reasons.py" line="62" />
        <source>Odour rule: {factor} {value} at {time} exceeds the GB 14554-93 class II boundary limit ({limit}), continuously since {since}.</source>
        <translation>恶臭规则：{factor} 于 {time} 为 {value}，超过 GB 14554-93 二级厂界标准值（{limit}），自 {since} 起持续超标。</translation>
    </message>
    <message>
        <location filename="../../console/core/reasons.py" line="67" />
        <source>Exceedance rule: hourly AQI {aqi} for {span} is '{category}', above the category threshold AQI {threshold}.</source>
        <translation>超标规则：{span} 小时 AQI 为 {aqi}，属“{category}”，高于该级别阈值 AQI {threshold}。</translation>
    </message>
    <message>
        <location filename="../../console/core/reasons.py" line="72" />
        <source>Exceedance rule: hourly AQI {aqi} for {span} is '{category}', above the category threshold AQI {threshold}; primary pollutant {factor}, 1-h mean {value}.</source>
        <translation>超标规则：{span} 小时 AQI 为 {aqi}，属“{category}”，高于该级别阈值 AQI {threshold}；首要污染物 {factor}，1 小时均值 {value}。</translation>
    </message>
    <message>
        <location filename="../../console/core/reasons.py" line="77" />
        <source>Exceedance rule: hourly AQI {aqi} for {span} is '{category}', above the category threshold AQI {threshold}; primary pollutant {factor}, 1-h mean {value} (GB 3095-2012 grade II limit {limit}).</source>
        <translation>超标规则：{span} 小时 AQI 为 {aqi}，属“{category}”，高于该级别阈值 AQI {threshold}；首要污染物 {factor}，1 小时均值 {value}（GB 3095-2012 二级限值 {limit}）。</translation>
    </message>
    <message>
        <location filename="../../console/core/reasons.py" line="82" />
        <source>Exceedance rule: {factor} 1-h mean {value} for {span} is in the AQI '{category}' band (above {threshold}, IAQI {iaqi}); GB 3095-2012 grade II limit {limit}.</source>
        <translation>超标规则：{factor} {span} 1 小时均值 {value}，处于 AQI“{category}”区间（高于 {threshold}，IAQI {iaqi}）；GB 3095-2012 二级限值 {limit}。</translation>
    </message>
    <message>
        <location filename="../../console/core/reasons.py" line="87" />
        <source>Night-noise rule: hourly Leq {value} for {span} exceeds the GB 3096-2008 zone {zone} night limit {limit} by {excess}.</source>
        <translation>夜间噪声规则：{span} 小时等效声级 Leq {value}，超过 GB 3096-2008 {zone} 类区夜间限值 {limit}，超出 {excess}。</translation>
    </message>
    <message>
        <location filename="../../console/core/reasons.py" line="92" />
        <source>Water-class rule: the section is class {grade} by GB 3838-2002 at {time}, worse than its target class {target} since {since}; determined by {parts}.</source>
        <translation>水质类别规则：按 GB 3838-2002，断面于 {time} 为 {grade} 类，自 {since} 起劣于目标 {target} 类；定类指标：{parts}。</translation>
    </message>
    <message>
        <location filename="../../console/core/reasons.py" line="97" />
        <source>{factor} {value}</source>
        <translation>{factor} {value}</translation>
    </message>
    <message>
        <location filename="../../console/core/reasons.py" line="98" />
        <source>{factor} {value} (class {target} limit {limit})</source>
        <translation>{factor} {value}（{target} 类限值 {limit}）</translation>
    </message>
    <message>
        <location filename="../../console/core/reasons.py" line="99" />
        <source>{factor} {value} (class {target} minimum {limit})</source>
        <translation>{factor} {value}（{target} 类下限 {limit}）</translation>
    </message>
    <message>
        <location filename="../../console/core/reasons.py" line="100" />
        <source>Purifier-off rule: purifier state (SB1-RS) is off while the cooking fume is {value} at {time}, above {limit} (DB11/1488-2018), in cooking hours, since {since}.</source>
        <translation>净化器未开启规则：经营时段内净化器状态（SB1-RS）为关闭，{time} 油烟浓度 {value}，高于 {limit}（DB11/1488-2018），自 {since} 起。</translation>
    </message>
    <message>
        <location filename="../../console/core/reasons.py" line="105" />
        <source>Neighbour rule: {factor} {value} at {time} is {ratio} times the median {median} of {n} same-kind stations within {radius} km (threshold {threshold} times and +{margin}), since {since}.</source>
        <translation>异常高值规则：{factor} 于 {time} 为 {value}，是 {radius} km 内 {n} 个同类站点中位数 {median} 的 {ratio} 倍（阈值 {threshold} 倍且高出 {margin}），自 {since} 起。</translation>
    </message>
    <message>
        <location filename="../../console/core/reasons.py" line="110" />
        <source>Offline rule: the data logger has sent nothing since {since}, {hours} h as of {time} (threshold {threshold} h).</source>
        <translation>离线规则：数采仪自 {since} 起未上传任何数据，截至 {time} 已 {hours} 小时（阈值 {threshold} 小时）。</translation>
    </message>
    <message>
        <location filename="../../console/core/reasons.py" line="115" />
        <source>'{rule}' condition absent since {since} (hold {hold} min) as of {time}. Closing is suggested.</source>
        <translation>“{rule}”条件自 {since} 起已消失（保持 {hold} 分钟），截至 {time}。建议关闭。</translation>
    </message>
    <message>
        <location filename="../../console/core/reasons.py" line="119" />
        <source>, </source>
        <translation>、</translation>
    </message>
</context>
<context>
    <name>ReportDesk</name>
    <message>
        <location filename="../../console/views/report_desk.py" line="41" />
        <source>Report…</source>
        <translation>报告…</translation>
    </message>
    <message>
        <location filename="../../console/views/report_desk.py" line="73" />
        <source>Write the special report to</source>
        <translation>专报保存到</translation>
    </message>
    <message>
        <location filename="../../console/views/report_desk.py" line="93" />
        <source>Writing the report…</source>
        <translation>正在生成报告…</translation>
    </message>
    <message>
        <location filename="../../console/views/report_desk.py" line="96" />
        <source>Written: {0} ({1})</source>
        <translation>已生成：{0}（{1}）</translation>
    </message>
    <message>
        <location filename="../../console/views/report_desk.py" line="99" />
        <source>The report was not written: {0}</source>
        <translation>报告未生成：{0}</translation>
    </message>
</context>
<context>
    <name>ReportDialog</name>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="259" />
        <source>What is wrong, in a few words (required)</source>
        <translation>简要说明问题（必填）</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="276" />
        <source>Duty officer</source>
        <translation>值班员</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="277" />
        <source>Citizen report</source>
        <translation>群众举报</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="278" />
        <source>Inspector</source>
        <translation>巡查员</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="280" />
        <source>What was seen, where exactly, who reported it</source>
        <translation>看到了什么、具体位置、谁反映的</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="283" />
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="284" />
        <source>Station nearby</source>
        <translation>附近站点</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="285" />
        <source>Severity</source>
        <translation>等级</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="286" />
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="287" />
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="288" />
        <source>Description</source>
        <translation>情况描述</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="311" />
        <source>Give the problem a title.</source>
        <translation>请填写标题。</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="313" />
        <source>No station is called {0}.</source>
        <translation>没有名为 {0} 的站点。</translation>
    </message>
    <message>
        <location filename="../../console/widgets/incident_dialogs.py" line="315" />
        <source>Choose the station nearest to the problem.</source>
        <translation>请选择离问题最近的站点。</translation>
    </message>
</context>
<context>
    <name>ReportExportDialog</name>
    <message>
        <location filename="../../console/widgets/report_export.py" line="55" />
        <source>Write a report</source>
        <translation>生成报告</translation>
    </message>
    <message>
        <location filename="../../console/widgets/report_export.py" line="65" />
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <location filename="../../console/widgets/report_export.py" line="71" />
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../console/widgets/report_export.py" line="72" />
        <source>Period</source>
        <translation>时段</translation>
    </message>
    <message>
        <location filename="../../console/widgets/report_export.py" line="73" />
        <source>Format</source>
        <translation>格式</translation>
    </message>
    <message>
        <location filename="../../console/widgets/report_export.py" line="74" />
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../../console/widgets/report_export.py" line="78" />
        <source>Write</source>
        <translation>生成</translation>
    </message>
    <message>
        <location filename="../../console/widgets/report_export.py" line="93" />
        <source>Daily</source>
        <translation>日报</translation>
    </message>
    <message>
        <location filename="../../console/widgets/report_export.py" line="93" />
        <source>Weekly</source>
        <translation>周报</translation>
    </message>
    <message>
        <location filename="../../console/widgets/report_export.py" line="93" />
        <source>Monthly</source>
        <translation>月报</translation>
    </message>
    <message>
        <location filename="../../console/widgets/report_export.py" line="94" />
        <source>Annual</source>
        <translation>年报</translation>
    </message>
    <message>
        <location filename="../../console/widgets/report_export.py" line="94" />
        <source>Pollution episode</source>
        <translation>重污染过程专报</translation>
    </message>
    <message>
        <location filename="../../console/widgets/report_export.py" line="115" />
        <source>Write the report to</source>
        <translation>报告保存到</translation>
    </message>
    <message>
        <location filename="../../console/widgets/report_export.py" line="122" />
        <source>Give a period and a file.</source>
        <translation>请填写时段和文件。</translation>
    </message>
    <message>
        <location filename="../../console/widgets/report_export.py" line="130" />
        <source>Writing the report…</source>
        <translation>正在生成报告…</translation>
    </message>
</context>
<context>
    <name>ReportsViewModel</name>
    <message>
        <location filename="../../console/viewmodels/reports.py" line="59" />
        <location filename="../../console/viewmodels/reports.py" line="66" />
        <source>Reports are not available: no connection to the hub</source>
        <translation>无法生成报告：未连接平台</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/reports.py" line="73" />
        <source>A report is being written: wait for it to finish</source>
        <translation>正在生成另一份报告，请稍候</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/reports.py" line="128" />
        <source>{0} pages</source>
        <translation>{0} 页</translation>
    </message>
</context>
<context>
    <name>SituationView</name>
    <message>
        <location filename="../../console/views/screens.py" line="81" />
        <location filename="../../console/views/screens.py" line="201" />
        <source>City air quality now</source>
        <translation>全市空气质量（实时）</translation>
    </message>
    <message>
        <location filename="../../console/views/screens.py" line="83" />
        <source>Township ranking · PM2.5</source>
        <translation>乡镇排名 · PM2.5</translation>
    </message>
    <message>
        <location filename="../../console/views/screens.py" line="85" />
        <source>Network health</source>
        <translation>监测网络运行</translation>
    </message>
    <message>
        <location filename="../../console/views/screens.py" line="201" />
        <source>City air quality as replayed</source>
        <translation>全市空气质量（回放）</translation>
    </message>
    <message>
        <location filename="../../console/views/screens.py" line="213" />
        <source>PM2.5 µg/m³</source>
        <translation>PM2.5 µg/m³</translation>
    </message>
</context>
<context>
    <name>SosBar</name>
    <message>
        <location filename="../../console/widgets/sos_bar.py" line="39" />
        <source>SOS: {0} · acknowledge</source>
        <translation>SOS 求救：{0} · 确认</translation>
    </message>
</context>
<context>
    <name>StationKind</name>
    <message>
        <location filename="../../console/widgets/network_health.py" line="29" />
        <source>Air</source>
        <translation>空气站</translation>
    </message>
    <message>
        <location filename="../../console/widgets/network_health.py" line="30" />
        <source>Micro</source>
        <translation>微站</translation>
    </message>
    <message>
        <location filename="../../console/widgets/network_health.py" line="31" />
        <source>Scenic</source>
        <translation>景区站</translation>
    </message>
    <message>
        <location filename="../../console/widgets/network_health.py" line="32" />
        <source>Water</source>
        <translation>水质站</translation>
    </message>
    <message>
        <location filename="../../console/widgets/network_health.py" line="33" />
        <source>Noise</source>
        <translation>噪声</translation>
    </message>
    <message>
        <location filename="../../console/widgets/network_health.py" line="34" />
        <source>Fume</source>
        <translation>餐饮油烟</translation>
    </message>
    <message>
        <location filename="../../console/widgets/network_health.py" line="35" />
        <source>Sources</source>
        <translation>污染源</translation>
    </message>
    <message>
        <location filename="../../console/widgets/network_health.py" line="36" />
        <source>Odour</source>
        <translation>恶臭</translation>
    </message>
</context>
<context>
    <name>StatusBanner</name>
    <message>
        <location filename="../../console/widgets/status_banner.py" line="128" />
        <source>● LIVE</source>
        <translation>● 实时</translation>
    </message>
    <message>
        <location filename="../../console/widgets/status_banner.py" line="130" />
        <source>⟳ RECONNECTING</source>
        <translation>⟳ 正在重连</translation>
    </message>
    <message>
        <location filename="../../console/widgets/status_banner.py" line="134" />
        <source>OFFLINE since {since} — data as of {time}</source>
        <translation>自 {since} 起离线 — 数据截至 {time}</translation>
    </message>
    <message>
        <location filename="../../console/widgets/status_banner.py" line="136" />
        <source>OFFLINE — showing data as of {time}</source>
        <translation>离线 — 显示 {time} 的数据</translation>
    </message>
    <message>
        <location filename="../../console/widgets/status_banner.py" line="137" />
        <source>▶ REPLAY {time} — not live</source>
        <translation>▶ 回放 {time} — 非实时</translation>
    </message>
    <message>
        <location filename="../../console/widgets/status_banner.py" line="142" />
        <source>attempt {n} · next retry in {s} s</source>
        <translation>第 {n} 次 · {s} 秒后重试</translation>
    </message>
    <message>
        <location filename="../../console/widgets/status_banner.py" line="148" />
        <source>hub {n} of {count}: {address}</source>
        <translation>平台 {n}/{count}：{address}</translation>
    </message>
    <message>
        <location filename="../../console/widgets/status_banner.py" line="155" />
        <source>filling the gap {percent} %</source>
        <translation>正在补齐缺失数据 {percent} %</translation>
    </message>
</context>
<context>
    <name>Timeline</name>
    <message>
        <location filename="../../console/widgets/playback_timeline.py" line="56" />
        <source>Click or drag to go to a moment</source>
        <translation>单击或拖动以转到某一时刻</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_timeline.py" line="162" />
        <source>heavy pollution (city AQI &gt; 200)</source>
        <translation>重污染（全市 AQI &gt; 200）</translation>
    </message>
</context>
<context>
    <name>UnitList</name>
    <message>
        <location filename="../../console/widgets/unit_list.py" line="81" />
        <source>All kinds</source>
        <translation>全部类型</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_list.py" line="85" />
        <location filename="../../console/widgets/unit_list.py" line="125" />
        <source>All teams</source>
        <translation>全部队伍</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_list.py" line="91" />
        <source>Callsign</source>
        <translation>呼号</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_list.py" line="91" />
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_list.py" line="91" />
        <source>Team</source>
        <translation>队伍</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_list.py" line="91" />
        <source>Incident</source>
        <translation>事件</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_list.py" line="91" />
        <source>Last fix</source>
        <translation>最后定位</translation>
    </message>
</context>
<context>
    <name>UnitViewModel</name>
    <message>
        <location filename="../../console/viewmodels/units.py" line="234" />
        <source>Your role may not send units</source>
        <translation>您的角色无权调派力量</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/units.py" line="237" />
        <source>Commands are not available: no connection to the hub</source>
        <translation>无法下达指令：未连接中心</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/units.py" line="242" />
        <source>Not sent: {0}</source>
        <translation>未发出：{0}</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/units.py" line="247" />
        <source>{0}: assignment sent</source>
        <translation>{0}：调派指令已发送</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/units.py" line="414" />
        <source>the hub serves no road network, so no ETA</source>
        <translation>平台未提供路网，无法估算到达时间</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/units.py" line="416" />
        <source>the hub's road network is not usable, so no ETA</source>
        <translation>平台的路网不可用，无法估算到达时间</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/units.py" line="493" />
        <source>{0} entered the exclusion zone {1}</source>
        <translation>{0} 进入禁入区 {1}</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/units.py" line="493" />
        <source>{0} entered {1}</source>
        <translation>{0} 进入 {1}</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/units.py" line="497" />
        <source>{0} left the exclusion zone {1}</source>
        <translation>{0} 离开禁入区 {1}</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/units.py" line="497" />
        <source>{0} left {1}</source>
        <translation>{0} 离开 {1}</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/units.py" line="530" />
        <source>Track of {0} not available: {1}</source>
        <translation>无法获取 {0} 的轨迹：{1}</translation>
    </message>
</context>
<context>
    <name>Units</name>
    <message>
        <location filename="../../console/viewmodels/units.py" line="553" />
        <location filename="../../console/widgets/unit_words.py" line="51" />
        <source>{0} s</source>
        <translation>{0} 秒</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/units.py" line="555" />
        <source>{0} min</source>
        <translation>{0} 分钟</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/units.py" line="557" />
        <source>{0} h</source>
        <translation>{0} 小时</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/units.py" line="558" />
        <source>{0} d</source>
        <translation>{0} 天</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_words.py" line="10" />
        <source>Inspector</source>
        <translation>巡查员</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_words.py" line="11" />
        <source>Grid member</source>
        <translation>网格员</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_words.py" line="12" />
        <source>Monitoring van</source>
        <translation>监测车</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_words.py" line="13" />
        <source>Sprinkler truck</source>
        <translation>洒水车</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_words.py" line="14" />
        <source>Law-enforcement car</source>
        <translation>执法车</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_words.py" line="15" />
        <location filename="../../console/widgets/unit_words.py" line="65" />
        <source>Drone</source>
        <translation>无人机</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_words.py" line="16" />
        <source>Portable instrument</source>
        <translation>便携仪器</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_words.py" line="23" />
        <source>Available</source>
        <translation>待命</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_words.py" line="24" />
        <location filename="../../console/widgets/unit_words.py" line="67" />
        <source>En route</source>
        <translation>途中</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_words.py" line="25" />
        <location filename="../../console/widgets/unit_words.py" line="68" />
        <source>On scene</source>
        <translation>在现场</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_words.py" line="26" />
        <source>Off duty</source>
        <translation>下勤</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_words.py" line="34" />
        <source>stale</source>
        <translation>定位陈旧</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_words.py" line="35" />
        <source>lost</source>
        <translation>失联</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_words.py" line="36" />
        <source>no position yet</source>
        <translation>尚无定位</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_words.py" line="43" />
        <source>{0} m</source>
        <translation>{0} 米</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_words.py" line="44" />
        <source>{0} km</source>
        <translation>{0} 公里</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_words.py" line="54" />
        <source>{0} min {1} s</source>
        <translation>{0} 分 {1} 秒</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_words.py" line="56" />
        <source>{0} h {1} min</source>
        <translation>{0} 小时 {1} 分</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_words.py" line="62" />
        <source>Units</source>
        <translation>应急力量</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_words.py" line="63" />
        <source>Vehicle</source>
        <translation>车辆</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_words.py" line="64" />
        <source>Person</source>
        <translation>人员</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_words.py" line="66" />
        <source>Instrument</source>
        <translation>仪器</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_words.py" line="69" />
        <source>No fix for 5 min</source>
        <translation>5 分钟无定位</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_words.py" line="70" />
        <source>Lost (30 min): last place</source>
        <translation>失联（30 分钟）：最后位置</translation>
    </message>
    <message>
        <location filename="../../console/widgets/unit_words.py" line="71" />
        <source>SOS</source>
        <translation>SOS 求救</translation>
    </message>
</context>
<context>
    <name>WallViewModel</name>
    <message>
        <location filename="../../console/viewmodels/wall.py" line="228" />
        <source>Data time {0}</source>
        <translation>数据时间 {0}</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/wall.py" line="239" />
        <source>online</source>
        <translation>在线</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/wall.py" line="240" />
        <source>awaiting first report</source>
        <translation>等待首次上报</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/wall.py" line="241" />
        <source>offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/wall.py" line="242" />
        <source>fault</source>
        <translation>故障</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/wall.py" line="272" />
        <source>{0} offline: {1}</source>
        <translation>{0} 离线：{1}</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/wall.py" line="278" />
        <source>{0} instrument fault: {1}</source>
        <translation>{0} 仪器故障：{1}</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/wall.py" line="285" />
        <source>no data yet</source>
        <translation>尚无数据</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/wall.py" line="287" />
        <source>the hub receives no data from the network</source>
        <translation>平台未收到任何监测数据</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/wall.py" line="292" />
        <source>no data for {0} s</source>
        <translation>{0} 秒无数据</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/wall.py" line="294" />
        <source>no data for {0} min</source>
        <translation>{0} 分钟无数据</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/wall.py" line="295" />
        <source>no data for {0} h</source>
        <translation>{0} 小时无数据</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/wall.py" line="297" />
        <source>instrument fault</source>
        <translation>仪器故障</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/wall.py" line="298" />
        <source>instrument stopped</source>
        <translation>仪器停运</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/wall.py" line="299" />
        <source>instrument link error</source>
        <translation>仪器通讯异常</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/wall.py" line="309" />
        <source>{0} exceeds its limit ({1})</source>
        <translation>{0} 超标（{1}）</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/wall.py" line="312" />
        <source>{0}: AQI {1}, heavily polluted air</source>
        <translation>{0}：AQI {1}，重污染</translation>
    </message>
</context>
<context>
    <name>WallWindow</name>
    <message>
        <location filename="../../console/views/window.py" line="77" />
        <source>Environmental command centre</source>
        <translation>生态环境指挥中心</translation>
    </message>
</context>
<context>
    <name>Warning</name>
    <message>
        <location filename="../../console/widgets/warning_banner.py" line="25" />
        <source>Yellow warning</source>
        <translation>黄色预警</translation>
    </message>
    <message>
        <location filename="../../console/widgets/warning_banner.py" line="26" />
        <source>Orange warning</source>
        <translation>橙色预警</translation>
    </message>
    <message>
        <location filename="../../console/widgets/warning_banner.py" line="27" />
        <source>Red warning</source>
        <translation>红色预警</translation>
    </message>
    <message>
        <location filename="../../console/widgets/warning_banner.py" line="36" />
        <source>1 day</source>
        <translation>1 天</translation>
    </message>
    <message>
        <location filename="../../console/widgets/warning_banner.py" line="38" />
        <source>{0} days</source>
        <translation>{0} 天</translation>
    </message>
</context>
<context>
    <name>WarningLine</name>
    <message>
        <location filename="../../console/widgets/warning_banner.py" line="55" />
        <source>Issue</source>
        <translation>发布</translation>
    </message>
    <message>
        <location filename="../../console/widgets/warning_banner.py" line="56" />
        <source>Reject</source>
        <translation>驳回</translation>
    </message>
    <message>
        <location filename="../../console/widgets/warning_banner.py" line="57" />
        <source>End</source>
        <translation>解除</translation>
    </message>
    <message>
        <location filename="../../console/widgets/warning_banner.py" line="81" />
        <source>Proposed</source>
        <translation>待发布（建议）</translation>
    </message>
    <message>
        <location filename="../../console/widgets/warning_banner.py" line="81" />
        <source>In force</source>
        <translation>生效时段</translation>
    </message>
    <message>
        <location filename="../../console/widgets/warning_banner.py" line="83" />
        <source>Measures: see the emergency plan</source>
        <translation>措施：见应急预案</translation>
    </message>
</context>
<context>
    <name>Weekday</name>
    <message>
        <location filename="../../console/widgets/playback_words.py" line="21" />
        <source>Mon</source>
        <translation>周一</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_words.py" line="22" />
        <source>Tue</source>
        <translation>周二</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_words.py" line="23" />
        <source>Wed</source>
        <translation>周三</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_words.py" line="24" />
        <source>Thu</source>
        <translation>周四</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_words.py" line="25" />
        <source>Fri</source>
        <translation>周五</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_words.py" line="26" />
        <source>Sat</source>
        <translation>周六</translation>
    </message>
    <message>
        <location filename="../../console/widgets/playback_words.py" line="27" />
        <source>Sun</source>
        <translation>周日</translation>
    </message>
</context>
<context>
    <name>WindWidget</name>
    <message>
        <location filename="../../console/widgets/wind_widget.py" line="133" />
        <location filename="../../console/widgets/wind_widget.py" line="167" />
        <source>no data</source>
        <translation>无数据</translation>
    </message>
    <message>
        <location filename="../../console/widgets/wind_widget.py" line="169" />
        <source>Calm {speed:.1f} m/s</source>
        <translation>静风 {speed:.1f} m/s</translation>
    </message>
    <message>
        <location filename="../../console/widgets/wind_widget.py" line="170" />
        <source>{dir} {speed:.1f} m/s</source>
        <translation>{dir}风 {speed:.1f} m/s</translation>
    </message>
    <message>
        <location filename="../../console/widgets/wind_widget.py" line="173" />
        <source>arrow: towards · petals: from</source>
        <translation>箭头指向去向 · 花瓣表示来向</translation>
    </message>
    <message>
        <location filename="../../console/widgets/wind_widget.py" line="173" />
        <source>arrow: towards</source>
        <translation>箭头指向去向</translation>
    </message>
    <message>
        <location filename="../../console/widgets/wind_widget.py" line="177" />
        <source>at {time}</source>
        <translation>{time} 实测</translation>
    </message>
</context>
</TS>