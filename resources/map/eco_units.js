/* The emergency units' layer of the map (window.ecoUnits): drawn on the stations' canvas, above them, with
 * a symbol per kind (heading and callsign), trails that fade with age, stale units grey, lost units hollow
 * with their age, and a pulsing halo round each unit whose SOS nobody acknowledged. Batched: Python sends
 * only the units that changed; Leaflet redraws the touched part of the canvas once per animation frame.
 * Texts go in as canvas text or textContent, never as HTML. */
(function () {
  'use strict';

  var NAVY = '#0b1526';
  var LIGHT = '#e8edf4';
  var GREY = '#8b95a5';
  var ALERT = '#ff6b5e';
  // Duty as fill (Okabe-Ito, never AQI colours): available off-white, en route sky blue, on scene green.
  var STATUS_FILL = { available: LIGHT, en_route: '#56b4e9', on_scene: '#2fc08f', off_duty: '#5b6b82' };
  var SHAPE = { monitoring_van: 'vehicle', sprinkler: 'vehicle', enforcement: 'vehicle', inspector: 'person',
                grid_member: 'person', drone: 'drone', instrument: 'instrument' };
  var LOOKS = ['live', 'stale', 'lost', 'never'];
  var LABEL_ZOOM = 11.5;   // below it only SOS, lost and selected units, or a small fleet, carry callsigns
  var FEW = 20;
  var SVG_NS = 'http://www.w3.org/2000/svg';

  var map = null;
  var opts = {};
  var scale = 1;
  var renderer = null;
  var group = null;        // every unit symbol (clicks)
  var units = {};          // id -> unit record {id, kind, ..., symbol, line}
  var ids = [];            // ids in arrival order
  var halos = {};          // id -> L.Marker with the pulsing SOS halo
  var now = 0;             // the session's clock as of the last batch (trails fade by it)
  var trailS = 1800;
  var trailPoints = 200;
  var lastBatch = 0;
  var legend = null;
  var selected = null;
  var redrawn = { frames: 0, px: 0 };  // canvas redraws and the pixels they cleared and drew again
  var measure = document.createElement('canvas').getContext('2d');  // never in the page: widths only

  function label(key, fallback) {
    var value = opts.labels && opts.labels[key];
    return typeof value === 'string' && value ? value : fallback;
  }

  function num(v, fallback) { return typeof v === 'number' && isFinite(v) ? v : fallback; }

  function colours(u) {
    if (u.look === 'lost' || u.look === 'never') { return { fill: null, edge: GREY }; }
    if (u.look === 'stale') { return { fill: GREY, edge: LIGHT }; }
    return { fill: STATUS_FILL[u.status] || LIGHT, edge: NAVY };
  }

  function labelPx() { return Math.round(opts.fontPx * 0.72); }

  function labelText(u) {
    var show = u.sos || u.look === 'lost' || u.id === selected || ids.length <= FEW || map.getZoom() >= LABEL_ZOOM;
    if (!show) { return ''; }
    return u.note ? u.name + ' · ' + u.note : u.name;
  }

  // ---- the symbol: a path on the stations' canvas whose bounds include its callsign -----------------

  function symbolPath(ctx, shape, x, y, r, heading) {
    var h = (heading || 0) * Math.PI / 180;
    ctx.save();
    ctx.translate(x, y);
    ctx.beginPath();
    if (shape === 'vehicle') {  // a navigation arrow along the heading
      ctx.rotate(h);
      ctx.moveTo(0, -r * 1.3);
      ctx.lineTo(r * 0.95, r);
      ctx.lineTo(0, r * 0.45);
      ctx.lineTo(-r * 0.95, r);
      ctx.closePath();
    } else if (shape === 'drone') {  // four rotors round a body
      var q = r * 0.62;
      [[q, q], [-q, q], [q, -q], [-q, -q]].forEach(function (d) {
        ctx.moveTo(d[0] + r * 0.42, d[1]);
        ctx.arc(d[0], d[1], r * 0.42, 0, 2 * Math.PI);
      });
      ctx.moveTo(r * 0.3, 0);
      ctx.arc(0, 0, r * 0.3, 0, 2 * Math.PI);
    } else if (shape === 'instrument') {  // a small case
      ctx.rect(-r * 0.8, -r * 0.65, r * 1.6, r * 1.3);
    } else {  // a person: a round head
      ctx.arc(0, 0, r * 0.8, 0, 2 * Math.PI);
    }
    ctx.restore();
  }

  var UnitSymbol = L.CircleMarker.extend({
    _updatePath: function () { this._renderer._updateEcoUnit(this); },
    _updateBounds: function () {  // the callsign to the right is part of what a redraw must clear
      var r = this._radius * 1.7 + this._clickTolerance(), h = labelPx();
      this._pxBounds = new L.Bounds(this._point.subtract([r, Math.max(r, h)]),
                                    this._point.add([r + (this.labelWidth || 0), Math.max(r, h)]));
    }
  });

  // A trail: its segments fade with age (four steps), drawn one path per step.
  var UnitTrail = L.Polyline.extend({
    _updatePath: function () { this._renderer._updateEcoTrail(this); }
  });

  L.Canvas.include({
    _updateEcoUnit: function (layer) {
      if (!this._drawing || layer._empty()) { return; }
      var u = layer.unit, ctx = this._ctx, p = layer._point, r = layer._radius, c = colours(u);
      var shape = SHAPE[u.kind] || 'person';
      ctx.save();
      if (u.id === selected) {
        ctx.beginPath();
        ctx.arc(p.x, p.y, r * 1.6, 0, 2 * Math.PI);
        ctx.lineWidth = 4; ctx.strokeStyle = '#00e5ff'; ctx.stroke();
      }
      symbolPath(ctx, shape, p.x, p.y, r, u.heading);
      ctx.setLineDash(u.look === 'stale' ? [3, 3] : []);
      if (c.fill) { ctx.fillStyle = c.fill; ctx.fill(); }
      ctx.lineWidth = u.sos ? 3 : (c.fill ? 1.5 : Math.max(2.5, 2.5 * scale));
      ctx.strokeStyle = u.sos ? ALERT : c.edge;
      ctx.stroke();
      ctx.setLineDash([]);
      if ((shape === 'person' || shape === 'drone') && u.look === 'live') {  // where it is heading
        var h = (u.heading || 0) * Math.PI / 180;
        ctx.beginPath();
        ctx.moveTo(p.x + Math.sin(h) * r * 0.85, p.y - Math.cos(h) * r * 0.85);
        ctx.lineTo(p.x + Math.sin(h) * r * 1.6, p.y - Math.cos(h) * r * 1.6);
        ctx.lineWidth = Math.max(2, 2 * scale);
        ctx.strokeStyle = c.fill;
        ctx.stroke();
      }
      if (layer.labelText) {
        var px = labelPx(), x = p.x + r * 1.5, y = p.y + px * 0.35;
        ctx.font = (u.sos ? 'bold ' : '') + px + 'px "Noto Sans CJK SC", sans-serif';
        ctx.lineWidth = 4;
        ctx.strokeStyle = NAVY;
        ctx.strokeText(layer.labelText, x, y);
        ctx.fillStyle = u.sos ? ALERT : (u.look === 'live' ? LIGHT : GREY);
        ctx.fillText(layer.labelText, x, y);
      }
      ctx.restore();
    },

    _updateEcoTrail: function (layer) {
      if (!this._drawing) { return; }
      var part = layer._parts[0], times = layer.times, ctx = this._ctx, steps = 4;
      if (!part || part.length < 2 || part.length !== times.length) { return; }
      ctx.save();
      ctx.lineWidth = Math.max(2, 2.5 * scale);
      ctx.lineJoin = 'round';
      ctx.strokeStyle = layer.colour;
      for (var b = 0; b < steps; b++) {  // the older a stretch, the fainter
        ctx.beginPath();
        var started = false;
        for (var i = 1; i < part.length; i++) {
          var age = Math.max(0, now - times[i]) / trailS;
          if (Math.min(steps - 1, Math.floor(age * steps)) !== b) { started = false; continue; }
          if (!started) { ctx.moveTo(part[i - 1].x, part[i - 1].y); started = true; }
          ctx.lineTo(part[i].x, part[i].y);
        }
        ctx.globalAlpha = 0.6 - b * 0.14;
        ctx.stroke();
      }
      ctx.restore();
    }
  });

  // Units move all over the map every second. Leaflet redraws the one rectangle that holds every change,
  // which then is the whole map with its 2,000 stations, twenty times a second. Here each change gets its
  // own rectangle (overlapping ones merged), so a frame redraws only the places that changed.
  function redrawInPlaces(r) {
    r._extendRedrawBounds = function (layer) {
      if (!layer._pxBounds) { return; }
      var pad = (layer.options.weight || 0) + 1;
      var min = layer._pxBounds.min.subtract([pad, pad]), max = layer._pxBounds.max.add([pad, pad]);
      var rects = this._rects = this._rects || [];
      for (var i = 0; i < rects.length; i++) {
        if (rects[i].intersects([min, max])) { rects[i].extend(min); rects[i].extend(max); return; }
      }
      rects.push(new L.Bounds(min, max));
    };
    var updatePaths = r._updatePaths;
    r._updatePaths = function () {  // after a move or zoom: everything, as Leaflet does
      this._rects = null;
      this._whole = true;
      updatePaths.call(this);
      this._whole = false;
    };
    r._redraw = function () {
      this._redrawRequest = null;
      var rects = this._rects;
      this._rects = null;
      if (this._whole || !rects || rects.length > 60) {
        var size = this._bounds ? this._bounds.getSize() : { x: 0, y: 0 };
        redrawn.frames += 1;
        redrawn.px += size.x * size.y;
        this._redrawBounds = null;
        this._clear();
        this._draw();
        return;
      }
      redrawn.frames += 1;
      for (var i = 0; i < rects.length; i++) {
        this._redrawBounds = rects[i];
        rects[i].min._floor();
        rects[i].max._ceil();
        redrawn.px += (rects[i].max.x - rects[i].min.x) * (rects[i].max.y - rects[i].min.y);
        this._clear();
        this._draw();
      }
      this._redrawBounds = null;
    };
  }

  function radius() { return 9 * scale; }

  // Bring a unit's layers up to date with its record (created on first sight).
  function draw(u) {
    if (u.lat === null) {
      if (u.symbol) { group.removeLayer(u.symbol); map.removeLayer(u.line); u.symbol = u.line = null; }
      return;
    }
    var text = labelText(u);
    measure.font = (u.sos ? 'bold ' : '') + labelPx() + 'px "Noto Sans CJK SC", sans-serif';
    if (!u.symbol) {
      u.line = new UnitTrail([], { renderer: renderer, interactive: false, noClip: true, smoothFactor: 0 });
      u.line.addTo(map);
      u.symbol = new UnitSymbol([u.lat, u.lon], { renderer: renderer, radius: radius(), interactive: true,
                                                  bubblingMouseEvents: false });
      u.symbol.unit = u;
      group.addLayer(u.symbol);
    }
    u.symbol.labelText = text;
    u.symbol.labelWidth = text ? measure.measureText(text).width + radius() * 1.5 + 6 : 0;
    u.line.times = u.trail.map(function (t) { return t[2]; });
    u.line.colour = colours(u).fill || GREY;
    u.line.setLatLngs(u.trail.map(function (t) { return [t[1], t[0]]; }));
    u.symbol.setLatLng([u.lat, u.lon]);  // a redraw of its old and new place
    if (u.sos) { u.symbol.bringToFront(); }
  }

  function redrawAll() {
    ids.forEach(function (id) { draw(units[id]); });
  }

  // ---- SOS halos: DOM markers with a CSS pulse, like a new critical incident's ------------------------

  function syncHalo(u) {
    var halo = halos[u.id];
    if (!u.sos || u.lat === null) {
      if (halo) { map.removeLayer(halo); delete halos[u.id]; }
      return;
    }
    var ll = [u.lat, u.lon];
    if (!halo) {
      var size = Math.round(opts.fontPx * 2.2);
      var box = document.createElement('div');
      box.className = 'eco-sos';
      box.style.width = box.style.height = size + 'px';
      box.style.marginLeft = box.style.marginTop = (-size / 2) + 'px';
      var word = document.createElement('span');
      word.className = 'eco-sos-word';
      word.textContent = 'SOS';
      box.appendChild(word);
      halo = L.marker(ll, { icon: L.divIcon({ html: box, className: 'eco-sos-icon', iconSize: [0, 0] }),
                            pane: 'ecoSos', interactive: false, keyboard: false });
      halos[u.id] = halo.addTo(map);
    } else {
      halo.setLatLng(ll);
    }
  }

  // ---- batches ---------------------------------------------------------------------------------------

  // row: [id, kind, name, lon, lat, heading, look, note, sos, status, trail|null, add]
  function apply(row) {
    var id = String(row[0]);
    var u = units[id];
    if (!u) { u = units[id] = { id: id, trail: [], symbol: null, line: null }; ids.push(id); }
    u.kind = String(row[1]);
    u.name = String(row[2] || id);
    u.lon = num(row[3], null);
    u.lat = num(row[4], null);
    if (u.lon === null || u.lat === null) { u.lon = u.lat = null; }
    u.heading = num(row[5], 0);
    u.look = LOOKS.indexOf(row[6]) >= 0 ? row[6] : 'live';
    u.note = row[7] ? String(row[7]) : '';
    u.sos = !!row[8];
    u.status = String(row[9] || 'available');
    if (Array.isArray(row[10])) {
      u.trail = row[10].filter(validPoint);
    } else if (Array.isArray(row[11]) && row[11].length) {
      u.trail = u.trail.concat(row[11].filter(validPoint));
    }
    cut(u);
    draw(u);
    syncHalo(u);
  }

  function validPoint(t) { return Array.isArray(t) && isFinite(t[0]) && isFinite(t[1]) && isFinite(t[2]); }

  // The same bounds as the console's unit book: the last half hour, at most trailPoints points.
  function cut(u) {
    if (!u.trail.length) { return; }
    var newest = u.trail[u.trail.length - 1][2], from = 0;
    while (from < u.trail.length && u.trail[from][2] < newest - trailS) { from++; }
    from = Math.max(from, u.trail.length - trailPoints);
    if (from > 0) { u.trail = u.trail.slice(from); }
  }

  // ---- legend ----------------------------------------------------------------------------------------

  // Two short columns (what a symbol is; how its look changes), so the panel stays low on the map.
  function legendPanel() {
    var box = document.createElement('div');
    box.className = 'eco-panel eco-units-key';
    var kinds = [['vehicle', 'live', 'available', 'unit_vehicle'], ['person', 'live', 'available', 'unit_person'],
                 ['drone', 'live', 'available', 'unit_drone'], ['instrument', 'live', 'available', 'unit_instrument']];
    var looks = [['vehicle', 'live', 'en_route', 'unit_en_route'], ['vehicle', 'live', 'on_scene', 'unit_on_scene'],
                 ['vehicle', 'stale', 'available', 'unit_stale'], ['vehicle', 'lost', 'available', 'unit_lost'],
                 ['vehicle', 'sos', 'available', 'unit_sos']];
    [[label('units', 'Units'), kinds], ['', looks]].forEach(function (part) {
      var column = document.createElement('div');
      column.className = 'eco-key-column';
      var title = document.createElement('div');
      title.className = 'eco-panel-title';
      title.textContent = part[0] || '\u00a0';
      column.appendChild(title);
      part[1].forEach(function (r) { column.appendChild(legendItem(r[0], r[1], r[2], label(r[3], r[3]))); });
      box.appendChild(column);
    });
    return box;
  }

  // A legend symbol as SVG (the page keeps one canvas: the live layers').
  function legendSymbol(shape, look, status, size) {
    var svg = document.createElementNS(SVG_NS, 'svg'), c = size / 2, r = size * 0.32, node;
    svg.setAttribute('width', size);
    svg.setAttribute('height', size);
    svg.setAttribute('class', 'eco-symbol');
    var u = { look: look === 'sos' ? 'live' : look, status: status, sos: look === 'sos' }, col = colours(u);
    if (shape === 'vehicle') {
      node = document.createElementNS(SVG_NS, 'polygon');
      node.setAttribute('points', [c, c - r * 1.3, c + r * 0.95, c + r, c, c + r * 0.45, c - r * 0.95, c + r].join(' '));
    } else if (shape === 'instrument') {
      node = document.createElementNS(SVG_NS, 'rect');
      node.setAttribute('x', c - r * 0.8); node.setAttribute('y', c - r * 0.65);
      node.setAttribute('width', r * 1.6); node.setAttribute('height', r * 1.3);
    } else if (shape === 'drone') {
      node = document.createElementNS(SVG_NS, 'g');
      var q = r * 0.62;
      [[q, q], [-q, q], [q, -q], [-q, -q], [0, 0]].forEach(function (d, i) {
        var dot = document.createElementNS(SVG_NS, 'circle');
        dot.setAttribute('cx', c + d[0]); dot.setAttribute('cy', c + d[1]);
        dot.setAttribute('r', i < 4 ? r * 0.42 : r * 0.3);
        node.appendChild(dot);
      });
    } else {
      node = document.createElementNS(SVG_NS, 'circle');
      node.setAttribute('cx', c); node.setAttribute('cy', c); node.setAttribute('r', r * 0.8);
    }
    node.setAttribute('fill', col.fill || 'none');
    node.setAttribute('stroke', u.sos ? ALERT : col.edge);
    node.setAttribute('stroke-width', u.sos ? 3 : (col.fill ? 1.5 : 2.5));
    if (look === 'stale') { node.setAttribute('stroke-dasharray', '3 3'); }
    svg.appendChild(node);
    return svg;
  }

  function legendItem(shape, look, status, word) {
    var item = document.createElement('div');
    item.className = 'eco-key-item';
    item.appendChild(legendSymbol(shape, look, status, Math.round(opts.fontPx * 1.1)));
    var text = document.createElement('span');
    text.className = 'eco-key-word';
    text.textContent = word;
    item.appendChild(text);
    return item;
  }

  function showLegend() {
    if (legend || !opts.labels || !opts.labels.units) { return; }
    legend = legendPanel();
    var Panel = L.Control.extend({ onAdd: function () { return legend; } });
    new Panel({ position: 'bottomleft' }).addTo(map);
    L.DomEvent.disableClickPropagation(legend);
    if (window.ecoFitPanels) { window.ecoFitPanels(); }
  }

  // ---- public API --------------------------------------------------------------------------------------

  var api = {
    // Called by ecoMap.init once the map exists.
    attach: function (leafletMap, options, canvasRenderer) {
      map = leafletMap;
      opts = options || {};
      scale = Math.max(0.75, (opts.fontPx || 24) / 24);
      renderer = canvasRenderer;
      redrawInPlaces(renderer);
      map.createPane('ecoSos').style.zIndex = 475;
      map.getPane('ecoSos').style.pointerEvents = 'none';
      group = L.featureGroup().addTo(map);
      group.on('click', function (e) {
        var layer = e.propagatedFrom || e.layer, bridge = window.ecoMap && window.ecoMap.bridge && window.ecoMap.bridge();
        if (!layer || !layer.unit) { return; }
        api.lastClicked = layer.unit.id;
        if (bridge && bridge.unit_clicked) { bridge.unit_clicked(layer.unit.id); }
      });
      var shown = null;  // callsigns come and go with the zoom
      map.on('zoomend', function () {
        var wide = map.getZoom() >= LABEL_ZOOM;
        if (wide !== shown) { shown = wide; redrawAll(); }
      });
      showLegend();  // now, so that fitting the district keeps clear of it
    },

    // A batch of unit rows (see apply) at the session's time `at` (Unix s); returns how many it held.
    update: function (rows, at, bounds) {
      if (!map) { return 0; }
      now = num(at, now);
      if (Array.isArray(bounds)) { trailS = num(bounds[0], trailS); trailPoints = num(bounds[1], trailPoints); }
      for (var i = 0; i < rows.length; i++) { apply(rows[i]); }
      lastBatch = rows.length;
      return rows.length;
    },

    // Forget every unit (a new picture follows).
    clear: function () {
      ids.forEach(function (id) {
        var u = units[id];
        if (halos[id]) { map.removeLayer(halos[id]); }
        if (u.symbol) { group.removeLayer(u.symbol); map.removeLayer(u.line); }
      });
      units = {}; ids = []; halos = {};
    },

    // Ring a unit in cyan and bring it into view (null clears).
    select: function (id) {
      var previous = selected;
      selected = id && units[id] ? id : null;
      [previous, selected].forEach(function (key) { if (key && units[key]) { draw(units[key]); } });
      if (selected && units[selected].lat !== null) {
        var ll = L.latLng(units[selected].lat, units[selected].lon);
        if (!map.getBounds().pad(-0.1).contains(ll)) { map.panTo(ll); }
      }
      return selected;
    },

    lastClicked: null,

    // Draw the whole canvas again now, as after a move (tests compare it with what batches left there).
    repaint: function () { if (renderer) { renderer._updatePaths(); } return true; },

    // A JSON-ready summary for tests and tools.
    state: function () {
      var out = { count: ids.length, lastBatch: lastBatch, looks: {}, notes: {}, sos: [], positions: {},
                  trails: {}, status: {}, halos: Object.keys(halos).length, legend: !!legend, now: now,
                  redrawn: { frames: redrawn.frames, px: redrawn.px } };
      ids.forEach(function (id) {
        var u = units[id];
        out.looks[id] = u.look;
        out.notes[id] = u.note;
        out.status[id] = u.status;
        out.positions[id] = u.lat === null ? null : [u.lat, u.lon];
        out.trails[id] = u.trail.length;
        if (u.sos) { out.sos.push(id); }
      });
      return out;
    },

    // Container pixel of a unit (for tests that click with the real mouse).
    pointOf: function (id) {
      var u = units[id];
      if (!u || u.lat === null) { return null; }
      var p = map.latLngToContainerPoint([u.lat, u.lon]);
      return [p.x, p.y];
    }
  };

  window.ecoUnits = api;
})();
