/* The live layer of the duty-wall map (window.ecoMap): station markers on one canvas, batched state
 * updates, selection, layer toggles, township labels and the legend. Every text that comes from the
 * network or the caller goes into the page through textContent, never as HTML. */
(function () {
  'use strict';

  var NAVY = '#0b1526';
  var LIGHT = '#eef2f7';
  var GREY = '#6b7585';
  var GREY_EDGE = '#aeb6c2';
  var CYAN = '#00e5ff';
  var HEX = /^#[0-9a-fA-F]{6}$/;
  var STATES = ['ok', 'alarm', 'awaiting', 'offline', 'stale', 'fault', 'invalid'];
  // Drawing order, bottom to top: the many small monitors first, the standard stations last.
  var KIND_ORDER = ['fume', 'micro', 'noise', 'odour', 'source', 'scenic', 'water', 'air'];
  var KIND_RADIUS = { air: 11, water: 10, scenic: 9, source: 8, odour: 7, noise: 7, micro: 5.5, fume: 4.5 };
  // Circles carry AQI colours (air-quality monitors); squares carry compliance colours (everything else).
  var KIND_SHAPE = { water: 'square', noise: 'square', fume: 'square', source: 'square', odour: 'square' };
  var AQI_COLOURS = ['#00e400', '#ffff00', '#ff7e00', '#ff0000', '#99004c', '#7e0023'];
  var AQI_RANGES = ['0–50', '51–100', '101–150', '151–200', '201–300', '>300'];

  var map = null;
  var renderer = null;
  var opts = {};
  var scale = 1;
  var bridge = null;
  var markers = {};        // id -> EcoMarker
  var order = [];          // ids in station order
  var groups = {};         // kind -> L.FeatureGroup (markers and value labels of that kind)
  var visible = {};        // kind -> bool
  var counts = {};         // kind -> number of stations
  var legendRows = {};     // kind -> legend row element
  var panels = {};         // control corner -> legend panels in it
  var townLabels = [];     // permanent tooltips with township names
  var districtLayer = null;
  var selectedId = null;
  var ring = null;
  var hoverTip = null;
  var tipId = null;
  var withState = 0;
  var lastBatch = 0;
  var layoutPending = false;
  var townsDirty = false;
  var labelSetChanged = false;

  // ---- helpers -------------------------------------------------------------------------------------

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function label(key, fallback) {
    var value = opts.labels && opts.labels[key];
    return typeof value === 'string' && value ? value : fallback;
  }

  function luminance(hex) {
    var c = [1, 3, 5].map(function (i) {
      var v = parseInt(hex.substr(i, 2), 16) / 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }

  function safeColour(value) {
    return typeof value === 'string' && HEX.test(value) ? value : GREY;
  }

  // ---- marker drawing --------------------------------------------------------------------------------

  // A circle marker that can also be drawn as a diamond with an X (instrument fault).
  var EcoMarker = L.CircleMarker.extend({
    options: { shape: 'circle' },
    _updatePath: function () {
      if (this.options.shape === 'diamond') {
        this._renderer._updateEcoDiamond(this);
      } else if (this.options.shape === 'square') {
        this._renderer._updateEcoSquare(this);
      } else {
        L.CircleMarker.prototype._updatePath.call(this);
      }
    }
  });

  L.Canvas.include({
    _updateEcoSquare: function (layer) {
      if (!this._drawing || layer._empty()) { return; }
      var p = layer._point, h = Math.max(Math.round(layer._radius * 0.89), 2);
      this._ctx.beginPath();
      this._ctx.rect(p.x - h, p.y - h, 2 * h, 2 * h);
      this._fillStroke(this._ctx, layer);
    },

    _updateEcoDiamond: function (layer) {
      if (!this._drawing || layer._empty()) { return; }
      var p = layer._point, ctx = this._ctx, r = Math.max(Math.round(layer._radius), 2), q = r * 0.38;
      ctx.beginPath();
      ctx.moveTo(p.x, p.y - r);
      ctx.lineTo(p.x + r, p.y);
      ctx.lineTo(p.x, p.y + r);
      ctx.lineTo(p.x - r, p.y);
      ctx.closePath();
      this._fillStroke(ctx, layer);
      ctx.beginPath();
      ctx.moveTo(p.x - q, p.y - q);
      ctx.lineTo(p.x + q, p.y + q);
      ctx.moveTo(p.x + q, p.y - q);
      ctx.lineTo(p.x - q, p.y + q);
      ctx.setLineDash([]);
      ctx.globalAlpha = 1;
      ctx.lineWidth = Math.max(2, r / 5);
      ctx.strokeStyle = NAVY;
      ctx.stroke();
    }
  });

  // Leaflet path options for a station of `kind` in `state` with fill colour `colour`.
  function markerStyle(kind, state, colour) {
    var r = (KIND_RADIUS[kind] || 6) * scale;
    var dark = luminance(colour) < 0.2;
    var s = { radius: r, shape: KIND_SHAPE[kind] || 'circle', fill: true, fillColor: colour, fillOpacity: 0.95,
              color: dark ? LIGHT : NAVY, weight: dark ? 1.5 : 1, opacity: 1, dashArray: null };
    if (state === 'alarm') {
      s.radius = r * 1.3; s.fillOpacity = 1; s.color = '#ffffff'; s.weight = 3;
    } else if (state === 'awaiting') {  // no report since the hub started: an empty dotted outline
      s.radius = r * 0.85; s.fillOpacity = 0; s.color = colour; s.weight = 1.5; s.dashArray = '2 3';
    } else if (state === 'offline') {
      s.radius = r * 0.85; s.fillColor = GREY; s.fillOpacity = 0.9; s.color = GREY_EDGE; s.weight = 1.5;
    } else if (state === 'stale') {
      s.fillOpacity = 0.3; s.color = LIGHT; s.weight = 2; s.dashArray = '3 3';
    } else if (state === 'fault') {
      s.radius = r * 1.4; s.shape = 'diamond'; s.fillOpacity = 1; s.color = LIGHT; s.weight = 1.5;
    } else if (state === 'invalid') {
      s.fillOpacity = 0; s.color = dark ? LIGHT : colour; s.weight = Math.max(2.5, r / 3);
    } else if (state === 'unknown') {
      s.radius = r * 0.8; s.fillColor = '#3a4456'; s.color = '#7d8796'; s.weight = 1;
    }
    return s;
  }

  // ---- tooltips ------------------------------------------------------------------------------------

  function tooltipNode(id) {
    var m = markers[id];
    var box = el('div', 'eco-tip');
    box.appendChild(el('div', 'eco-tip-name', m.station.name));
    var head = el('div', 'eco-tip-head');
    head.appendChild(el('span', 'eco-tip-kind', label(m.station.kind, m.station.kind)));
    if (m.st && m.st.state !== 'ok') {
      head.appendChild(el('span', 'eco-tip-state', label('state_' + m.st.state, m.st.state)));
    }
    box.appendChild(head);
    var lines = (m.st && m.st.tooltip) || [];
    for (var i = 0; i < lines.length; i++) { box.appendChild(el('div', 'eco-tip-line', lines[i])); }
    return box;
  }

  function tooltipText(id) {
    var node = tooltipNode(id);
    return Array.prototype.map.call(node.querySelectorAll('div'), function (d) {
      return d.textContent;
    }).join('\n');
  }

  function showTooltip(id) {
    var m = markers[id];
    if (!m || !m._map) { hideTooltip(); return; }
    tipId = id;
    hoverTip.setLatLng(m.getLatLng()).setContent(tooltipNode(id));
    hoverTip.options.offset = [0, -m.getRadius() - 4];
    if (!hoverTip._map) { hoverTip.addTo(map); } else { hoverTip.update(); }
  }

  function hideTooltip() {
    tipId = null;
    if (hoverTip && hoverTip._map) { map.removeLayer(hoverTip); }
  }

  // The selected station keeps its tooltip open when the pointer leaves other stations.
  function restoreTooltip() {
    if (selectedId && markers[selectedId] && markers[selectedId]._map) { showTooltip(selectedId); } else { hideTooltip(); }
  }

  // ---- value labels --------------------------------------------------------------------------------

  function setValueLabel(m, text) {
    if (!m.valueLabel) {
      if (!text) { return; }
      m.valueLabel = L.tooltip({ permanent: true, direction: 'right', className: 'eco-value',
                                 pane: 'ecoValues', interactive: false });
      m.valueLabel.setLatLng(m.getLatLng());
      m.valueText = null;
    }
    if (text === m.valueText) { return; }
    m.valueText = text;
    m.valueLabel.setContent(el('span', null, text));
    m.valueLabel.options.offset = [m.getRadius() + 2, 0];
    var group = groups[m.station.kind];
    if (text && !group.hasLayer(m.valueLabel)) { group.addLayer(m.valueLabel); labelSetChanged = true; }
    if (!text && group.hasLayer(m.valueLabel)) { group.removeLayer(m.valueLabel); labelSetChanged = true; }
    if (m.valueLabel._map) { m.valueLabel.update(); }
  }

  function labelPriority(m) {
    var alarm = m.st && m.st.state === 'alarm' ? 100 : 0;
    return alarm + KIND_ORDER.indexOf(m.station.kind);
  }

  function overlaps(a, list) {
    for (var i = 0; i < list.length; i++) {
      var b = list[i];
      if (a.left < b.right && a.right > b.left && a.top < b.bottom && a.bottom > b.top) { return true; }
    }
    return false;
  }

  // Hide labels that would cover a more important one: value labels first, township names last.
  function cullLabels() {
    var taken = [];
    var values = order.map(function (id) { return markers[id]; }).filter(function (m) {
      return m.valueLabel && m.valueLabel._map && m.valueLabel._container;
    });
    values.sort(function (a, b) { return labelPriority(b) - labelPriority(a); });
    values.forEach(function (m) { keepIfFree(m.valueLabel._container, taken); });
    townLabels.forEach(function (t) { if (t.tip._container) { keepIfFree(t.tip._container, taken); } });
  }

  function keepIfFree(node, taken) {
    node.style.visibility = '';
    var rect = node.getBoundingClientRect();
    if (overlaps(rect, taken)) { node.style.visibility = 'hidden'; } else { taken.push(rect); }
  }

  // ---- township names: placed where they cover the fewest stations ---------------------------------

  var CELL = 8;

  function markCells(occ, x0, y0, x1, y1, weight) {
    for (var cx = Math.floor(x0 / CELL); cx <= Math.floor(x1 / CELL); cx++) {
      for (var cy = Math.floor(y0 / CELL); cy <= Math.floor(y1 / CELL); cy++) {
        var key = cx + ',' + cy;
        occ[key] = (occ[key] || 0) + weight;
      }
    }
  }

  // Cells (layer pixels) covered by visible station markers and their value labels.
  function occupancy() {
    var occ = {}, textH = opts.fontPx * 0.9;
    order.forEach(function (id) {
      var m = markers[id];
      if (!m._map || !m._point) { return; }
      var p = m._point, r = m._radius + 3;
      markCells(occ, p.x - r, p.y - r, p.x + r, p.y + r, 1);
      if (m.valueText && m.valueLabel && m.valueLabel._map) {
        markCells(occ, p.x + r, p.y - textH / 2, p.x + r + m.valueText.length * textH * 0.6, p.y + textH / 2, 3);
      }
    });
    return occ;
  }

  function cost(occ, x0, y0, x1, y1) {
    var total = 0;
    for (var cx = Math.floor(x0 / CELL); cx <= Math.floor(x1 / CELL); cx++) {
      for (var cy = Math.floor(y0 / CELL); cy <= Math.floor(y1 / CELL); cy++) { total += occ[cx + ',' + cy] || 0; }
    }
    return total;
  }

  function placeTown(town, occ) {
    var node = town.tip._container;
    if (!node) { return; }
    var w = node.offsetWidth / 2, h = node.offsetHeight / 2, best = null, bestCost = Infinity;
    for (var i = 0; i < town.candidates.length && bestCost > 0; i++) {
      var p = map.latLngToLayerPoint(town.candidates[i]);
      var c = cost(occ, p.x - w, p.y - h, p.x + w, p.y + h);
      if (c < bestCost) { bestCost = c; best = town.candidates[i]; }
    }
    if (best) { town.tip.setLatLng(best); }
  }

  function placeTowns() {
    if (!townLabels.length) { return; }
    var occ = occupancy();
    townLabels.forEach(function (t) { placeTown(t, occ); });
  }

  function runLayout() {
    layoutPending = false;
    if (townsDirty) { townsDirty = false; placeTowns(); }
    cullLabels();
  }

  // One layout pass per frame at most; `towns` also re-places the township names.
  function scheduleLayout(towns) {
    if (towns) { townsDirty = true; }
    if (layoutPending) { return; }
    layoutPending = true;
    L.Util.requestAnimFrame(runLayout);
  }

  // ---- state updates -------------------------------------------------------------------------------

  // One MarkerState as sent by Python: [id, kind, color, state, label, tooltip lines].
  function applyState(row) {
    var m = markers[row[0]];
    if (!m) { return false; }
    var st = { color: safeColour(row[2]), state: STATES.indexOf(row[3]) >= 0 ? row[3] : 'invalid',
               label: row[4] ? String(row[4]) : '', tooltip: Array.isArray(row[5]) ? row[5].map(String) : [] };
    if (!m.st) { withState++; }
    var restyle = !m.st || m.st.color !== st.color || m.st.state !== st.state;
    var wasAlarm = m.st && m.st.state === 'alarm';
    m.st = st;
    if (restyle) {
      m.setStyle(markerStyle(m.station.kind, st.state, st.color));
      if (st.state === 'alarm' && !wasAlarm && m._map) { m.bringToFront(); }
    }
    if (opts.labelKinds.indexOf(m.station.kind) >= 0) { setValueLabel(m, st.label); }
    return true;
  }

  function moveRing() {
    var m = selectedId && markers[selectedId];
    if (!m || !m._map) {
      if (ring._map) { map.removeLayer(ring); }
      return;
    }
    ring.setLatLng(m.getLatLng()).setRadius(m.getRadius() + 7 * scale);
    if (!ring._map) { ring.addTo(map); }
    m.bringToFront();
    ring.bringToFront();
  }

  // ---- legend --------------------------------------------------------------------------------------

  var SVG_NS = 'http://www.w3.org/2000/svg';

  function svgSymbol(style, size) {
    var svg = document.createElementNS(SVG_NS, 'svg');
    var half = size / 2, r = Math.min(style.radius, half - style.weight);
    svg.setAttribute('width', size);
    svg.setAttribute('height', size);
    svg.setAttribute('class', 'eco-symbol');
    var shape;
    if (style.shape === 'diamond') {
      shape = document.createElementNS(SVG_NS, 'polygon');
      shape.setAttribute('points', [half, half - r, half + r, half, half, half + r, half - r, half].join(' '));
    } else if (style.shape === 'square') {
      var h = r * 0.89;
      shape = document.createElementNS(SVG_NS, 'rect');
      shape.setAttribute('x', half - h); shape.setAttribute('y', half - h);
      shape.setAttribute('width', 2 * h); shape.setAttribute('height', 2 * h);
    } else {
      shape = document.createElementNS(SVG_NS, 'circle');
      shape.setAttribute('cx', half); shape.setAttribute('cy', half); shape.setAttribute('r', r);
    }
    shape.setAttribute('fill', style.fill === false ? 'none' : style.fillColor);
    shape.setAttribute('fill-opacity', style.fillOpacity);
    shape.setAttribute('stroke', style.color);
    shape.setAttribute('stroke-width', style.weight);
    if (style.dashArray) { shape.setAttribute('stroke-dasharray', style.dashArray); }
    svg.appendChild(shape);
    if (style.shape === 'diamond') { svg.appendChild(crossLines(half, r * 0.38)); }
    return svg;
  }

  function crossLines(c, q) {
    var path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', 'M' + (c - q) + ' ' + (c - q) + 'L' + (c + q) + ' ' + (c + q) +
                           'M' + (c + q) + ' ' + (c - q) + 'L' + (c - q) + ' ' + (c + q));
    path.setAttribute('stroke', NAVY);
    path.setAttribute('stroke-width', Math.max(2, q / 2));
    return path;
  }

  function legendSymbolSize() { return Math.round(opts.fontPx * 1.1); }

  function layerRow(kind) {
    var row = el('button', 'eco-layer');
    row.type = 'button';
    var size = legendSymbolSize();
    var r = Math.min((KIND_RADIUS[kind] || 6) * scale, size / 2 - 2);
    row.appendChild(svgSymbol({ radius: r, shape: KIND_SHAPE[kind] || 'circle', fillColor: '#c9d2de', fillOpacity: 1,
                                color: NAVY, weight: 1 }, size));
    row.appendChild(el('span', 'eco-layer-name', label(kind, kind)));
    row.appendChild(el('span', 'eco-layer-count', counts[kind]));
    L.DomEvent.on(row, 'click', function (e) {
      L.DomEvent.stop(e);
      api.setLayerVisible(kind, !visible[kind]);
      if (bridge) { bridge.layer_toggled(kind, visible[kind]); }
    });
    legendRows[kind] = row;
    return row;
  }

  function layersPanel() {
    var box = el('div', 'eco-panel eco-layers');
    box.appendChild(el('div', 'eco-panel-title', label('layers', 'Layers')));
    KIND_ORDER.slice().reverse().forEach(function (kind) {
      if (counts[kind]) { box.appendChild(layerRow(kind)); }
    });
    if (opts.approximate) { box.appendChild(el('div', 'eco-note', label('approximate', 'Township outlines approximate'))); }
    return box;
  }

  function aqiItem(level) {
    var item = el('div', 'eco-key-item');
    var chip = el('span', 'eco-aqi-chip', level);
    chip.style.background = AQI_COLOURS[level - 1];
    chip.style.color = level >= 5 ? LIGHT : NAVY;
    if (level >= 5) { chip.classList.add('eco-aqi-dark'); }
    item.appendChild(chip);
    item.appendChild(el('span', 'eco-key-word', label('aqi_' + level, '')));
    item.appendChild(el('span', 'eco-key-range', AQI_RANGES[level - 1]));
    return item;
  }

  function stateItem(state) {
    var item = el('div', 'eco-key-item');
    var size = legendSymbolSize();
    var style = state === 'selected'
      ? { radius: size / 2 - 3, fill: false, fillOpacity: 0, color: CYAN, weight: 3 }
      : state === 'alarm'
        ? markerStyle('source', state, '#ff5ca8')  // exceedance of a non-AQI limit: magenta square
        : markerStyle('air', state, state === 'ok' ? '#ff7e00' : '#c9d2de');
    if (state !== 'selected') { style.radius = Math.min(style.radius, size / 2 - 2); }
    item.appendChild(svgSymbol(style, size));
    item.appendChild(el('span', 'eco-key-word', label('state_' + state, state)));
    return item;
  }

  // A legend symbol for incidents: the same icon as on the map, scaled into the legend row.
  function incidentItem(lateness, severity, word) {
    var item = el('div', 'eco-key-item');
    var icon = incidentIcon(['', 0, 0, severity, lateness, 0, '', false]).options.html;
    var size = legendSymbolSize();
    icon.style.transform = 'scale(' + (size / (opts.fontPx * 1.65)).toFixed(2) + ')';
    var holder = el('span', 'eco-inc-key');
    holder.style.display = 'inline-block';
    holder.style.position = 'relative';
    holder.style.width = holder.style.height = size + 'px';
    icon.style.position = 'absolute';
    icon.style.left = icon.style.top = (size / 2) + 'px';
    holder.appendChild(icon);
    item.appendChild(holder);
    item.appendChild(el('span', 'eco-key-word', word));
    return item;
  }

  function keyColumn(title, items) {
    var column = el('div', 'eco-key-column');
    column.appendChild(el('div', 'eco-panel-title', title));
    items.forEach(function (item) { column.appendChild(item); });
    return column;
  }

  // AQI categories (colour, level number, word, range) beside the marker states (shape and outline).
  function keyPanel() {
    var box = el('div', 'eco-panel eco-key');
    var levels = [1, 2, 3, 4, 5, 6].map(aqiItem);
    var states = ['alarm', 'stale', 'invalid', 'awaiting', 'offline', 'fault', 'selected'].map(stateItem);
    box.appendChild(keyColumn(label('aqi', 'AQI'), levels));
    box.appendChild(keyColumn(label('status', 'Status'), states));
    return box;
  }

  // Incident halos: their own panel in the bottom-left corner, so the legend at the bottom right stays
  // narrow enough for the district to be fitted clear of both.
  function incidentKeyPanel() {
    var box = el('div', 'eco-panel eco-key');
    var kinds = [['none', 2, 'inc_none'], ['on_time', 2, 'inc_on_time'], ['due_soon', 3, 'inc_due_soon'],
                 ['overdue', 4, 'inc_overdue']];
    box.appendChild(keyColumn(label('incidents', 'Incidents'), kinds.map(function (k) {
      return incidentItem(k[0], k[1], label(k[2], k[0]));
    })));
    return box;
  }

  function addPanel(node, position) {
    var Panel = L.Control.extend({ onAdd: function () { return node; } });
    new Panel({ position: position }).addTo(map);
    L.DomEvent.disableClickPropagation(node);
    L.DomEvent.disableScrollPropagation(node);
    panels[position] = (panels[position] || []).concat([node]);
  }

  // On a short map (a replay's bar below it, a small window) the legend panels would run into each other
  // and into the wind panel over the top-left corner: the layers list gives way first on the right, the
  // incidents' key on the left; the colour key always stays.
  function fitPanels() {
    var height = map.getSize().y, gap = opts.fontPx;
    function nodes(corner) {  // the legend panels in a corner (the scale bar is not one of them)
      var box = map._controlCorners && map._controlCorners[corner];
      return box ? Array.prototype.filter.call(box.children, function (n) { return n.classList.contains('eco-panel'); }) : [];
    }
    function show(list, shown) { list.forEach(function (n) { n.style.display = shown ? '' : 'none'; }); }
    function tall(list) { return list.reduce(function (sum, n) { return sum + n.offsetHeight + gap; }, 0); }
    var topRight = nodes('topright'), bottomRight = nodes('bottomright'), bottomLeft = nodes('bottomleft');
    show(topRight, true);
    show(bottomLeft, true);
    if (tall(topRight) + tall(bottomRight) + gap > height) { show(topRight, false); }
    // the wind panel takes the top 30 % of the view and at least ~11 lines
    if (Math.max(height * 0.3, gap * 11) + tall(bottomLeft) + gap * 3 > height) { show(bottomLeft, false); }
  }
  window.ecoFitPanels = fitPanels;  // a legend added later (the units') asks again

  // Room the legend panels take on either side, so that fitting keeps the district clear of them (wide
  // views only: on a narrow one the district comes first).
  function legendPadding() {
    var size = map.getSize(), gap = Math.round(opts.fontPx * 0.8);
    function widest(nodes) { return Math.max.apply(null, [0].concat(nodes.map(function (n) { return n.offsetWidth; }))); }
    var right = widest((panels.topright || []).concat(panels.bottomright || []));
    var left = widest(panels.bottomleft || []);
    right = right && right + gap < size.x * 0.45 ? right + gap * 1.5 : gap;
    left = left && left + right < size.x * 0.6 ? left + gap * 1.5 : gap;
    return { topLeft: [left, gap], bottomRight: [right, gap] };
  }

  // ---- construction --------------------------------------------------------------------------------

  function createMarkers(stations) {
    var rows = stations.slice().sort(function (a, b) { return KIND_ORDER.indexOf(a[1]) - KIND_ORDER.indexOf(b[1]); });
    rows.forEach(function (row) {
      var kind = row[1];
      if (!groups[kind]) {
        groups[kind] = L.featureGroup();
        visible[kind] = true;
        counts[kind] = 0;
      }
      var style = markerStyle(kind, 'unknown', GREY);
      style.renderer = renderer;
      var m = new EcoMarker([row[3], row[2]], style);
      m.station = { id: row[0], kind: kind, name: String(row[4]) };
      markers[row[0]] = m;
      groups[kind].addLayer(m);
      counts[kind]++;
    });
    order = stations.map(function (row) { return row[0]; });
  }

  function wireGroup(kind) {
    var group = groups[kind];
    group.on('click', function (e) {
      var m = e.propagatedFrom || e.layer;
      if (m && m.station) { clicked(m.station.id); }
    });
    group.on('mouseover', function (e) {
      var m = e.propagatedFrom || e.layer;
      if (m && m.station) {
        showTooltip(m.station.id);
        if (bridge) { bridge.tooltip_needed(m.station.id); }  // fresh values arrive through setTooltip
      }
    });
    group.on('mouseout', restoreTooltip);
    group.addTo(map);
  }

  // towns: [[name, [[lat, lon], ...candidate positions, best first]], ...]
  function addTownLabels(towns) {
    towns.forEach(function (t) {
      var candidates = t[1];
      if (!candidates || !candidates.length) { return; }
      var tip = L.tooltip({ permanent: true, direction: 'center', className: 'eco-town', pane: 'ecoTowns',
                            interactive: false });
      tip.setLatLng(candidates[0]).setContent(el('span', null, t[0])).addTo(map);
      townLabels.push({ tip: tip, candidates: candidates });
    });
  }

  function makePane(name, z, passive) {
    var pane = map.createPane(name);
    pane.style.zIndex = z;
    if (passive) { pane.style.pointerEvents = 'none'; }
  }

  function fitDistrict() {
    if (!districtLayer) { return; }
    var bounds = districtLayer.getBounds();
    if (!bounds.isValid()) { return; }
    var pad = legendPadding();
    map.fitBounds(bounds, { paddingTopLeft: pad.topLeft, paddingBottomRight: pad.bottomRight, animate: false });
  }

  function initialView() {
    if (opts.center && opts.zoom !== null && opts.zoom !== undefined) {
      map.setView(opts.center, opts.zoom, { animate: false });
    } else if (opts.center) {
      fitDistrict();
      map.panTo(opts.center, { animate: false });
    } else {
      fitDistrict();
    }
  }

  function connectBridge() {
    if (typeof QWebChannel === 'undefined' || typeof qt === 'undefined' || !qt.webChannelTransport) { return; }
    new QWebChannel(qt.webChannelTransport, function (channel) {
      bridge = channel.objects.bridge || null;
      if (bridge) { bridge.page_ready(); }
    });
  }

  function clicked(id) {
    api.lastClicked = id;
    if (bridge) { bridge.station_clicked(id); }
  }

  function onMoveEnd() {
    scheduleLayout(false);
    if (bridge) {
      var c = map.getCenter();
      bridge.view_changed(c.lat, c.lng, map.getZoom());
    }
  }

  // ---- incidents: a triangle with the severity number, and a halo whose colour and size tell how close
  // the deadline is (dashed: not dispatched; grey: on time; amber: due soon; red and widest: overdue) ---

  var incidents = {};      // id -> L.Marker
  var incidentRows = {};   // id -> last row
  var focusedIncident = null;
  var LATENESS = ['none', 'on_time', 'due_soon', 'overdue', 'waiting'];

  function incidentIcon(row) {
    var severity = Math.max(1, Math.min(4, row[3] | 0));
    var lateness = LATENESS.indexOf(row[4]) >= 0 ? row[4] : 'none';
    var used = typeof row[5] === 'number' && isFinite(row[5]) ? Math.max(0, Math.min(row[5], 1.5)) : 0;
    var core = Math.round(opts.fontPx * 1.1);
    var halo = Math.round(core * (1.5 + used));  // the halo grows as the allowed time runs out
    var box = el('div', 'eco-inc eco-late-' + lateness + ' eco-sev-' + severity);
    if (row[7]) { box.classList.add('eco-inc-pulse'); }
    if (row[0] === focusedIncident) { box.classList.add('eco-inc-focus'); }
    var ring = el('div', 'eco-inc-halo');
    ring.style.width = ring.style.height = halo + 'px';
    ring.style.marginLeft = ring.style.marginTop = (-halo / 2) + 'px';
    var mark = el('div', 'eco-inc-core', severity);
    mark.style.width = mark.style.height = core + 'px';
    mark.style.marginLeft = mark.style.marginTop = (-core / 2) + 'px';
    box.appendChild(ring);
    box.appendChild(mark);
    return L.divIcon({ html: box, className: 'eco-inc-icon', iconSize: [0, 0] });
  }

  function setIncidents(rows) {
    var seen = {};
    rows.forEach(function (row) {
      var id = String(row[0]);
      seen[id] = true;
      var same = incidentRows[id] && JSON.stringify(incidentRows[id]) === JSON.stringify(row);
      incidentRows[id] = row;
      var ll = [row[2], row[1]];
      if (!incidents[id]) {
        incidents[id] = L.marker(ll, { icon: incidentIcon(row), pane: 'ecoIncidents', keyboard: false,
                                        title: String(row[6] || '') });
        incidents[id].on('click', function () { if (bridge) { bridge.incident_clicked(id); } });
        incidents[id].addTo(map);
      } else if (!same) {
        incidents[id].setLatLng(ll).setIcon(incidentIcon(row));
      }
    });
    Object.keys(incidents).forEach(function (id) {
      if (!seen[id]) { map.removeLayer(incidents[id]); delete incidents[id]; delete incidentRows[id]; }
    });
    return Object.keys(incidents).length;
  }

  function focusIncident(id) {
    var previous = focusedIncident;
    focusedIncident = id && incidents[id] ? id : null;
    [previous, focusedIncident].forEach(function (key) {
      if (key && incidents[key]) { incidents[key].setIcon(incidentIcon(incidentRows[key])); }
    });
    if (!focusedIncident) { return null; }
    var ll = incidents[focusedIncident].getLatLng();
    map.setView(ll, Math.max(map.getZoom(), 12), { animate: false });
    return focusedIncident;
  }

  // ---- public API ----------------------------------------------------------------------------------

  var api = {
    version: 1,
    lastClicked: null,

    // Build the station layer once. stations: [[id, kind, lon, lat, name], ...];
    // options: {map, district, towns: [[name, [[lat, lon], ...]]], fontPx, labels, labelKinds, center, zoom}.
    init: function (stations, options) {
      opts = options || {};
      opts.fontPx = opts.fontPx || 24;
      opts.labelKinds = opts.labelKinds || ['air', 'water'];
      scale = Math.max(0.75, opts.fontPx / 24);
      map = opts.map;
      districtLayer = opts.district || null;
      document.documentElement.style.setProperty('--eco-font', opts.fontPx + 'px');
      makePane('ecoTowns', 420, true);
      makePane('ecoStations', 450, false);
      makePane('ecoValues', 460, true);
      makePane('ecoIncidents', 470, false);
      // Leaflet's usual margin around the view. The compositor, in the console's process, holds three or
      // four frames of this canvas; a wider margin makes each longer rows (0.3: 11.2 MB each, 0.1: 8.5 MB).
      renderer = L.canvas({ pane: 'ecoStations', padding: 0.1, tolerance: 3 });
      ring = L.circleMarker([0, 0], { renderer: renderer, interactive: false, fill: false, color: CYAN,
                                      weight: 4, opacity: 1, radius: 12 });
      hoverTip = L.tooltip({ direction: 'top', className: 'eco-tooltip', opacity: 1, interactive: false });
      createMarkers(stations || []);
      KIND_ORDER.forEach(function (kind) { if (groups[kind]) { wireGroup(kind); } });
      // the units (eco_units.js) draw on the stations' canvas, above them: one canvas for the live layers
      if (window.ecoUnits) { window.ecoUnits.attach(map, opts, renderer); }
      addTownLabels(opts.towns || []);
      addPanel(layersPanel(), 'topright');
      if (opts.labels && opts.labels.incidents) { addPanel(incidentKeyPanel(), 'bottomleft'); }
      addPanel(keyPanel(), 'bottomright');
      L.control.scale({ position: 'bottomleft', imperial: false, maxWidth: opts.fontPx * 8 }).addTo(map);
      fitPanels();
      map.on('resize', fitPanels);
      map.on('moveend', onMoveEnd);
      map.on('zoomend', function () { scheduleLayout(true); });
      if (map.getSize().x > 0) { initialView(); } else { map.once('resize', initialView); }
      scheduleLayout(true);
      connectBridge();
      return order.length;
    },

    // Apply a batch of MarkerState rows; returns how many matched a station.
    update: function (states) {
      var applied = 0;
      for (var i = 0; i < states.length; i++) { if (applyState(states[i])) { applied++; } }
      lastBatch = applied;
      if (tipId && markers[tipId]) { showTooltip(tipId); }
      moveRing();
      scheduleLayout(labelSetChanged);
      labelSetChanged = false;
      return applied;
    },

    setLayerVisible: function (kind, show) {
      var group = groups[kind];
      if (!group) { return false; }
      visible[kind] = !!show;
      if (show && !map.hasLayer(group)) { map.addLayer(group); }
      if (!show && map.hasLayer(group)) { map.removeLayer(group); }
      if (legendRows[kind]) { legendRows[kind].classList.toggle('eco-off', !show); }
      if (tipId && markers[tipId] && !markers[tipId]._map) { hideTooltip(); }
      moveRing();
      scheduleLayout(true);
      return true;
    },

    // Select a station (cyan ring, pan into view) or clear with null. The details open only when asked:
    // on a wall an open box would hide part of the map for the whole shift.
    select: function (id, withDetails) {
      selectedId = id && markers[id] ? id : null;
      moveRing();
      if (!selectedId) { hideTooltip(); return null; }
      var ll = markers[selectedId].getLatLng();
      if (!map.getBounds().pad(-0.1).contains(ll)) { map.panTo(ll); }
      if (withDetails) { showTooltip(selectedId); } else { hideTooltip(); }
      return selectedId;
    },

    fitDistrict: fitDistrict,

    // The web channel's bridge object once connected (the units' layer reports clicks through it).
    bridge: function () { return bridge; },

    // Every open incident with a position: [[id, lon, lat, severity, lateness, used, title, pulsing], ...]
    // (display coordinates); incidents left out are removed. Returns how many are drawn.
    setIncidents: setIncidents,

    // Centre the map on an incident and ring it in cyan (null clears the ring).
    focusIncident: focusIncident,

    incidentState: function () {
      var out = { count: 0, focused: focusedIncident, lateness: {}, pulsing: [] };
      Object.keys(incidentRows).forEach(function (id) {
        out.count++;
        out.lateness[id] = incidentRows[id][4];
        if (incidentRows[id][7]) { out.pulsing.push(id); }
      });
      return out;
    },

    // Latest values of one station (plain text lines), asked for when the pointer reaches it.
    setTooltip: function (id, lines) {
      var m = markers[id];
      if (!m) { return false; }
      m.st = m.st || { state: 'ok' };
      m.st.tooltip = lines;
      if (tipId === id) { showTooltip(id); }
      return true;
    },

    showTooltip: function (id) { showTooltip(id); return tipId; },

    // Container pixel of a station (for tests that click with the real mouse).
    pointOf: function (id) {
      var m = markers[id];
      if (!m) { return null; }
      var p = map.latLngToContainerPoint(m.getLatLng());
      return [p.x, p.y];
    },

    _clickForTest: function (id) { if (markers[id]) { clicked(id); } return !!markers[id]; },

    // A JSON-ready summary; per-station details for `ids`, or for every station on maps up to 2,000.
    state: function (ids) {
      var out = { markers: order.length, withState: withState, lastBatch: lastBatch, byKind: {},
                  visibleKinds: [], selected: selectedId, colors: {}, states: {}, labels: {}, tooltip: {},
                  positions: {}, onMap: {} };
      Object.keys(counts).forEach(function (k) {
        out.byKind[k] = counts[k];
        if (visible[k]) { out.visibleKinds.push(k); }
      });
      var list = ids || (order.length <= 2000 ? order : []);
      list.forEach(function (id) { describe(out, id); });
      return out;
    }
  };

  function describe(out, id) {
    var m = markers[id];
    if (!m) { return; }
    out.colors[id] = m.st ? m.st.color : null;
    out.states[id] = m.st ? m.st.state : null;
    out.labels[id] = m.st ? m.st.label : null;
    out.tooltip[id] = tooltipText(id);
    out.positions[id] = [m.getLatLng().lat, m.getLatLng().lng];
    out.onMap[id] = !!m._map;
  }

  window.ecoMap = api;
})();
