<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>ActionView</name>
    <message>
        <location filename="../../console/views/screens.py" line="143" />
        <source>Latest events</source>
        <translation>最新事件</translation>
    </message>
    <message>
        <location filename="../../console/views/screens.py" line="144" />
        <source>Selected station · 24 h</source>
        <translation>选中站点 · 24 小时</translation>
    </message>
    <message>
        <location filename="../../console/views/screens.py" line="145" />
        <source>City PM2.5 and AQI · hourly, 24 h</source>
        <translation>全市 PM2.5 与 AQI · 小时值 · 24 小时</translation>
    </message>
    <message>
        <location filename="../../console/views/screens.py" line="146" />
        <source>Wind</source>
        <translation>风</translation>
    </message>
    <message>
        <location filename="../../console/views/screens.py" line="194" />
        <source>PM2.5 µg/m³</source>
        <translation>PM2.5 µg/m³</translation>
    </message>
    <message>
        <location filename="../../console/views/screens.py" line="198" />
        <source>AQI (hourly)</source>
        <translation>AQI（小时）</translation>
    </message>
    <message>
        <location filename="../../console/views/screens.py" line="173" />
        <source>Selected station · 24 h · {0}</source>
        <translation>选中站点 · 24 小时 · {0}</translation>
    </message>
    <message>
        <location filename="../../console/views/screens.py" line="200" />
        <source>GB 3095 II 24 h</source>
        <translation>GB 3095 二级 24 小时</translation>
    </message>
</context>
<context>
    <name>AqiCategory</name>
    <message>
        <location filename="../../console/widgets/theme.py" line="148" />
        <source>Excellent</source>
        <translation>优</translation>
    </message>
    <message>
        <location filename="../../console/widgets/theme.py" line="149" />
        <source>Good</source>
        <translation>良</translation>
    </message>
    <message>
        <location filename="../../console/widgets/theme.py" line="150" />
        <source>Lightly polluted</source>
        <translation>轻度污染</translation>
    </message>
    <message>
        <location filename="../../console/widgets/theme.py" line="151" />
        <source>Moderately polluted</source>
        <translation>中度污染</translation>
    </message>
    <message>
        <location filename="../../console/widgets/theme.py" line="152" />
        <source>Heavily polluted</source>
        <translation>重度污染</translation>
    </message>
    <message>
        <location filename="../../console/widgets/theme.py" line="153" />
        <source>Severely polluted</source>
        <translation>严重污染</translation>
    </message>
</context>
<context>
    <name>AqiCategoryShort</name>
    <message>
        <location filename="../../console/widgets/theme.py" line="161" />
        <source>Excellent</source>
        <translation>优</translation>
    </message>
    <message>
        <location filename="../../console/widgets/theme.py" line="162" />
        <source>Good</source>
        <translation>良</translation>
    </message>
    <message>
        <location filename="../../console/widgets/theme.py" line="163" />
        <source>Light</source>
        <translation>轻度</translation>
    </message>
    <message>
        <location filename="../../console/widgets/theme.py" line="164" />
        <source>Moderate</source>
        <translation>中度</translation>
    </message>
    <message>
        <location filename="../../console/widgets/theme.py" line="165" />
        <source>Heavy</source>
        <translation>重度</translation>
    </message>
    <message>
        <location filename="../../console/widgets/theme.py" line="166" />
        <source>Severe</source>
        <translation>严重</translation>
    </message>
</context>
<context>
    <name>AqiHeadline</name>
    <message>
        <location filename="../../console/widgets/aqi_headline.py" line="113" />
        <source>AQI</source>
        <translation>AQI</translation>
    </message>
    <message>
        <location filename="../../console/widgets/aqi_headline.py" line="115" />
        <location filename="../../console/widgets/aqi_headline.py" line="164" />
        <source>No data</source>
        <translation>无数据</translation>
    </message>
    <message>
        <location filename="../../console/widgets/aqi_headline.py" line="167" />
        <source>AQI · {start}–{end}</source>
        <translation>AQI · {start}–{end}</translation>
    </message>
    <message>
        <location filename="../../console/widgets/aqi_headline.py" line="177" />
        <source>Primary pollutant: none</source>
        <translation>首要污染物：无</translation>
    </message>
    <message>
        <location filename="../../console/widgets/aqi_headline.py" line="178" />
        <source>Primary pollutant: {names}</source>
        <translation>首要污染物：{names}</translation>
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
    <name>EventList</name>
    <message>
        <location filename="../../console/widgets/event_list.py" line="29" />
        <source>Info</source>
        <translation>提示</translation>
    </message>
    <message>
        <location filename="../../console/widgets/event_list.py" line="30" />
        <source>Warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <location filename="../../console/widgets/event_list.py" line="31" />
        <source>Critical</source>
        <translation>紧急</translation>
    </message>
    <message>
        <location filename="../../console/widgets/event_list.py" line="73" />
        <source>No events</source>
        <translation>暂无事件</translation>
    </message>
</context>
<context>
    <name>Factor</name>
    <message>
        <location filename="../../console/widgets/trend_plot.py" line="249" />
        <source>Temperature</source>
        <translation>气温</translation>
    </message>
    <message>
        <location filename="../../console/widgets/trend_plot.py" line="250" />
        <source>Humidity</source>
        <translation>湿度</translation>
    </message>
    <message>
        <location filename="../../console/widgets/trend_plot.py" line="251" />
        <source>Pressure</source>
        <translation>气压</translation>
    </message>
    <message>
        <location filename="../../console/widgets/trend_plot.py" line="252" />
        <source>Wind speed</source>
        <translation>风速</translation>
    </message>
    <message>
        <location filename="../../console/widgets/trend_plot.py" line="253" />
        <source>TSP</source>
        <translation>TSP</translation>
    </message>
    <message>
        <location filename="../../console/widgets/trend_plot.py" line="254" />
        <source>Noise Leq</source>
        <translation>噪声 Leq</translation>
    </message>
    <message>
        <location filename="../../console/widgets/trend_plot.py" line="255" />
        <source>Dissolved oxygen</source>
        <translation>溶解氧</translation>
    </message>
    <message>
        <location filename="../../console/widgets/trend_plot.py" line="256" />
        <source>Ammonia nitrogen</source>
        <translation>氨氮</translation>
    </message>
    <message>
        <location filename="../../console/widgets/trend_plot.py" line="257" />
        <source>Total phosphorus</source>
        <translation>总磷</translation>
    </message>
</context>
<context>
    <name>HelpOverlay</name>
    <message>
        <location filename="../../console/views/window.py" line="27" />
        <source>Keyboard shortcuts</source>
        <translation>快捷键</translation>
    </message>
    <message>
        <location filename="../../console/views/window.py" line="34" />
        <source>Toggle kiosk (fullscreen) mode</source>
        <translation>切换全屏（值守）模式</translation>
    </message>
    <message>
        <location filename="../../console/views/window.py" line="35" />
        <source>Show or hide this help</source>
        <translation>显示或隐藏本帮助</translation>
    </message>
    <message>
        <location filename="../../console/views/window.py" line="36" />
        <source>Close this help</source>
        <translation>关闭帮助</translation>
    </message>
    <message>
        <location filename="../../console/views/window.py" line="37" />
        <source>Quit the console</source>
        <translation>退出控制台</translation>
    </message>
</context>
<context>
    <name>Limits</name>
    <message>
        <location filename="../../console/widgets/trend_plot.py" line="282" />
        <source>GB 3095 II {period} {value}</source>
        <translation>GB 3095 二级 {period} {value}</translation>
    </message>
    <message>
        <location filename="../../console/widgets/trend_plot.py" line="287" />
        <source>GB 3096 zone {zone} {period} {value}</source>
        <translation>GB 3096 {zone}类区 {period} {value}</translation>
    </message>
    <message>
        <location filename="../../console/widgets/trend_plot.py" line="289" />
        <source>day</source>
        <translation>昼间</translation>
    </message>
    <message>
        <location filename="../../console/widgets/trend_plot.py" line="290" />
        <source>night</source>
        <translation>夜间</translation>
    </message>
    <message>
        <location filename="../../console/widgets/trend_plot.py" line="297" />
        <source>GB 3838 {cls} {value}</source>
        <translation>GB 3838 {cls}类 {value}</translation>
    </message>
</context>
<context>
    <name>Map</name>
    <message>
        <location filename="../../console/app.py" line="208" />
        <source>Layers</source>
        <translation>图层</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="209" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="210" />
        <source>Air stations</source>
        <translation>空气站</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="211" />
        <source>Micro stations</source>
        <translation>微站</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="212" />
        <source>Scenic areas</source>
        <translation>景区站</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="213" />
        <source>Water quality</source>
        <translation>水质站</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="214" />
        <source>Noise</source>
        <translation>噪声</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="215" />
        <source>Catering fume</source>
        <translation>餐饮油烟</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="216" />
        <source>Pollution sources</source>
        <translation>污染源</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="217" />
        <source>Odour</source>
        <translation>恶臭</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="218" />
        <source>Normal</source>
        <translation>正常</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="219" />
        <source>Exceedance</source>
        <translation>超标</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="220" />
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="221" />
        <source>Stale data</source>
        <translation>数据陈旧</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="222" />
        <source>Instrument fault</source>
        <translation>仪器故障</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="223" />
        <source>Invalid data</source>
        <translation>无效数据</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="224" />
        <source>Selected</source>
        <translation>选中</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="225" />
        <source>Township outlines approximate</source>
        <translation>乡镇边界为近似范围</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="226" />
        <source>Intranet basemap</source>
        <translation>内网底图</translation>
    </message>
</context>
<context>
    <name>NetworkHealth</name>
    <message>
        <location filename="../../console/widgets/network_health.py" line="68" />
        <source>Network</source>
        <translation>监测网络</translation>
    </message>
    <message>
        <location filename="../../console/widgets/network_health.py" line="69" />
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <location filename="../../console/widgets/network_health.py" line="70" />
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <location filename="../../console/widgets/network_health.py" line="71" />
        <source>Fault</source>
        <translation>故障</translation>
    </message>
    <message>
        <location filename="../../console/widgets/network_health.py" line="72" />
        <source>Alarm</source>
        <translation>报警</translation>
    </message>
    <message>
        <location filename="../../console/widgets/network_health.py" line="73" />
        <source>Online %</source>
        <translation>在线率</translation>
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
    <name>RankingChart</name>
    <message>
        <location filename="../../console/widgets/ranking_chart.py" line="57" />
        <source>no data</source>
        <translation>无数据</translation>
    </message>
    <message>
        <location filename="../../console/widgets/ranking_chart.py" line="171" />
        <source>+ {n} more, lower or without data</source>
        <translation>另有 {n} 个，数值更低或无数据</translation>
    </message>
    <message>
        <location filename="../../console/widgets/ranking_chart.py" line="171" />
        <source>+ {n} more, all lower</source>
        <translation>另有 {n} 个，数值均更低</translation>
    </message>
</context>
<context>
    <name>SituationView</name>
    <message>
        <location filename="../../console/views/screens.py" line="50" />
        <source>City air quality now</source>
        <translation>全市空气质量（实时）</translation>
    </message>
    <message>
        <location filename="../../console/views/screens.py" line="51" />
        <source>Township ranking · PM2.5</source>
        <translation>乡镇排名 · PM2.5</translation>
    </message>
    <message>
        <location filename="../../console/views/screens.py" line="52" />
        <source>Network health</source>
        <translation>监测网络运行</translation>
    </message>
    <message>
        <location filename="../../console/views/screens.py" line="74" />
        <source>PM2.5 µg/m³</source>
        <translation>PM2.5 µg/m³</translation>
    </message>
</context>
<context>
    <name>StationKind</name>
    <message>
        <location filename="../../console/widgets/network_health.py" line="27" />
        <source>Air</source>
        <translation>空气站</translation>
    </message>
    <message>
        <location filename="../../console/widgets/network_health.py" line="28" />
        <source>Micro</source>
        <translation>微站</translation>
    </message>
    <message>
        <location filename="../../console/widgets/network_health.py" line="29" />
        <source>Scenic</source>
        <translation>景区站</translation>
    </message>
    <message>
        <location filename="../../console/widgets/network_health.py" line="30" />
        <source>Water</source>
        <translation>水质站</translation>
    </message>
    <message>
        <location filename="../../console/widgets/network_health.py" line="31" />
        <source>Noise</source>
        <translation>噪声</translation>
    </message>
    <message>
        <location filename="../../console/widgets/network_health.py" line="32" />
        <source>Fume</source>
        <translation>餐饮油烟</translation>
    </message>
    <message>
        <location filename="../../console/widgets/network_health.py" line="33" />
        <source>Sources</source>
        <translation>污染源</translation>
    </message>
    <message>
        <location filename="../../console/widgets/network_health.py" line="34" />
        <source>Odour</source>
        <translation>恶臭</translation>
    </message>
</context>
<context>
    <name>StatusBanner</name>
    <message>
        <location filename="../../console/widgets/status_banner.py" line="92" />
        <source>● LIVE</source>
        <translation>● 实时</translation>
    </message>
    <message>
        <location filename="../../console/widgets/status_banner.py" line="94" />
        <source>⟳ RECONNECTING</source>
        <translation>⟳ 正在重连</translation>
    </message>
    <message>
        <location filename="../../console/widgets/status_banner.py" line="97" />
        <source>OFFLINE — showing data as of {time}</source>
        <translation>离线 — 显示 {time} 的数据</translation>
    </message>
    <message>
        <location filename="../../console/widgets/status_banner.py" line="98" />
        <source>▶ REPLAY {time} — not live</source>
        <translation>▶ 回放 {time} — 非实时</translation>
    </message>
    <message>
        <location filename="../../console/widgets/status_banner.py" line="103" />
        <source>attempt {n} · next retry in {s} s</source>
        <translation>第 {n} 次 · {s} 秒后重试</translation>
    </message>
</context>
<context>
    <name>WallViewModel</name>
    <message>
        <location filename="../../console/viewmodels/wall.py" line="183" />
        <source>Data time {0}</source>
        <translation>数据时间 {0}</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/wall.py" line="219" />
        <source>{0} offline: {1}</source>
        <translation>{0} 离线：{1}</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/wall.py" line="224" />
        <source>{0} instrument fault: {1}</source>
        <translation>{0} 仪器故障：{1}</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/wall.py" line="232" />
        <source>{0} exceeds its limit ({1})</source>
        <translation>{0} 超标（{1}）</translation>
    </message>
    <message>
        <location filename="../../console/viewmodels/wall.py" line="235" />
        <source>{0}: AQI {1}, heavily polluted air</source>
        <translation>{0}：AQI {1}，重污染</translation>
    </message>
</context>
<context>
    <name>WallWindow</name>
    <message>
        <location filename="../../console/views/window.py" line="58" />
        <source>Environmental command centre</source>
        <translation>生态环境指挥中心</translation>
    </message>
</context>
<context>
    <name>WindWidget</name>
    <message>
        <location filename="../../console/widgets/wind_widget.py" line="132" />
        <location filename="../../console/widgets/wind_widget.py" line="166" />
        <source>no data</source>
        <translation>无数据</translation>
    </message>
    <message>
        <location filename="../../console/widgets/wind_widget.py" line="168" />
        <source>Calm {speed:.1f} m/s</source>
        <translation>静风 {speed:.1f} m/s</translation>
    </message>
    <message>
        <location filename="../../console/widgets/wind_widget.py" line="169" />
        <source>{dir} {speed:.1f} m/s</source>
        <translation>{dir}风 {speed:.1f} m/s</translation>
    </message>
    <message>
        <location filename="../../console/widgets/wind_widget.py" line="172" />
        <source>arrow: towards · petals: from</source>
        <translation>箭头指向去向 · 花瓣表示来向</translation>
    </message>
    <message>
        <location filename="../../console/widgets/wind_widget.py" line="172" />
        <source>arrow: towards</source>
        <translation>箭头指向去向</translation>
    </message>
    <message>
        <location filename="../../console/widgets/wind_widget.py" line="176" />
        <source>at {time}</source>
        <translation>{time} 实测</translation>
    </message>
</context>
</TS>