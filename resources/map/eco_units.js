/* The emergency units' layer of the map (window.ecoUnits): one canvas above the stations with a symbol per
 * kind (heading and callsign), trails that fade with age, stale units grey, lost units hollow with their
 * age, and a pulsing halo around each unit whose SOS nobody acknowledged. Batched: Python sends only the
 * units that changed; the canvas is redrawn once per animation frame at most. Texts go in as canvas text
 * or textContent, never as HTML. */
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

  var map = null;
  var opts = {};
  var scale = 1;
  var canvas = null;
  var ctx = null;
  var origin = null;       // layer point of the canvas' top-left corner
  var units = {};          // id -> unit record
  var ids = [];            // ids in arrival order (stable drawing order)
  var halos = {};          // id -> L.Marker with the pulsing SOS halo
  var now = 0;             // the session's clock as of the last batch (trails fade by it)
  var trailS = 1800;
  var trailPoints = 200;
  var drawPending = false;
  var zoomed = null;       // the zoom level projected points are cached for
  var lastBatch = 0;
  var legend = null;
  var selected = null;

  function label(key, fallback) {
    var value = opts.labels && opts.labels[key];
    return typeof value === 'string' && value ? value : fallback;
  }

  function num(v, fallback) { return typeof v === 'number' && isFinite(v) ? v : fallback; }

  // ---- canvas placement (as Leaflet's renderers do: it covers the view, redrawn after each move) -------

  function place() {
    var size = map.getSize(), ratio = window.devicePixelRatio || 1;
    origin = map.containerPointToLayerPoint([0, 0]);
    L.DomUtil.setPosition(canvas, origin);
    canvas.width = Math.round(size.x * ratio);
    canvas.height = Math.round(size.y * ratio);
    canvas.style.width = size.x + 'px';
    canvas.style.height = size.y + 'px';
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    if (zoomed !== map.getZoom()) { reproject(); }
    draw();
  }

  function reproject() {
    zoomed = map.getZoom();
    ids.forEach(function (id) { project(units[id]); });
  }

  function project(u) {
    u.p = u.lat === null ? null : map.project([u.lat, u.lon], zoomed);
    u.tp = u.trail.map(function (t) { return map.project([t[1], t[0]], zoomed); });
  }

  function schedule() {
    if (drawPending) { return; }
    drawPending = true;
    L.Util.requestAnimFrame(function () { drawPending = false; draw(); });
  }

  // ---- drawing -----------------------------------------------------------------------------------

  function screen(p) {
    var o = map.getPixelOrigin();
    return [p.x - o.x - origin.x, p.y - o.y - origin.y];
  }

  function colours(u) {
    if (u.look === 'lost' || u.look === 'never') { return { fill: null, edge: GREY }; }
    if (u.look === 'stale') { return { fill: GREY, edge: LIGHT }; }
    return { fill: STATUS_FILL[u.status] || LIGHT, edge: NAVY };
  }

  function drawTrail(u) {
    if (u.tp.length < 2) { return; }
    var c = colours(u), buckets = 4;
    ctx.lineWidth = Math.max(2, 2.5 * scale);
    ctx.lineJoin = 'round';
    ctx.strokeStyle = c.fill || GREY;
    for (var b = 0; b < buckets; b++) {  // the older a stretch, the fainter: one path per age step
      ctx.beginPath();
      var started = false;
      for (var i = 1; i < u.tp.length; i++) {
        var age = Math.max(0, now - u.trail[i][2]) / trailS;
        if (Math.min(buckets - 1, Math.floor(age * buckets)) !== b) { started = false; continue; }
        var a = screen(u.tp[i - 1]), z = screen(u.tp[i]);
        if (!started) { ctx.moveTo(a[0], a[1]); started = true; }
        ctx.lineTo(z[0], z[1]);
      }
      ctx.globalAlpha = 0.75 - b * 0.18;
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
  }

  function symbolPath(shape, x, y, r, heading) {
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

  function headingTick(x, y, r, heading) {
    var h = (heading || 0) * Math.PI / 180;
    ctx.beginPath();
    ctx.moveTo(x + Math.sin(h) * r * 0.85, y - Math.cos(h) * r * 0.85);
    ctx.lineTo(x + Math.sin(h) * r * 1.6, y - Math.cos(h) * r * 1.6);
    ctx.lineWidth = Math.max(2, 2 * scale);
    ctx.stroke();
  }

  function drawUnit(u, taken) {
    if (!u.p) { return; }
    var s = screen(u.p), r = 9 * scale, c = colours(u), shape = SHAPE[u.kind] || 'person';
    if (s[0] < -50 || s[1] < -50 || s[0] > canvas.width + 50 || s[1] > canvas.height + 50) { return; }
    if (u.id === selected) {
      ctx.beginPath();
      ctx.arc(s[0], s[1], r * 1.9, 0, 2 * Math.PI);
      ctx.lineWidth = 4; ctx.strokeStyle = '#00e5ff'; ctx.setLineDash([]); ctx.stroke();
    }
    symbolPath(shape, s[0], s[1], r, u.heading);
    ctx.setLineDash(u.look === 'stale' ? [3, 3] : []);
    if (c.fill) { ctx.fillStyle = c.fill; ctx.fill(); }
    ctx.lineWidth = c.fill ? 1.5 : Math.max(2.5, 2.5 * scale);
    ctx.strokeStyle = u.sos ? ALERT : c.edge;
    if (u.sos) { ctx.lineWidth = 3; }
    ctx.stroke();
    ctx.setLineDash([]);
    if (shape === 'person' || shape === 'drone') {
      ctx.strokeStyle = c.fill ? c.fill : GREY;
      if (u.look === 'live') { headingTick(s[0], s[1], r, u.heading); }
    }
    drawLabel(u, s, r, taken);
  }

  // Callsign (and the age of a stale or lost unit) to the right; a label that would cover another is
  // left out, an SOS unit's never.
  function drawLabel(u, s, r, taken) {
    var text = u.note ? u.name + ' · ' + u.note : u.name;
    var px = Math.round(opts.fontPx * 0.72);
    ctx.font = (u.sos ? 'bold ' : '') + px + 'px "Noto Sans CJK SC", sans-serif';
    var w = ctx.measureText(text).width, x = s[0] + r * 1.5, y = s[1] + px * 0.35;
    var box = { l: x - 2, r: x + w + 2, t: y - px, b: y + 4 };
    if (!u.sos && overlaps(box, taken)) { return; }
    taken.push(box);
    ctx.lineWidth = 4;
    ctx.strokeStyle = NAVY;
    ctx.strokeText(text, x, y);
    ctx.fillStyle = u.sos ? ALERT : (u.look === 'live' ? LIGHT : GREY);
    ctx.fillText(text, x, y);
  }

  function overlaps(a, list) {
    for (var i = 0; i < list.length; i++) {
      var b = list[i];
      if (a.l < b.r && a.r > b.l && a.t < b.b && a.b > b.t) { return true; }
    }
    return false;
  }

  function draw() {
    if (!ctx) { return; }
    var size = map.getSize();
    ctx.clearRect(0, 0, size.x, size.y);
    ids.forEach(function (id) { drawTrail(units[id]); });
    var taken = [];
    // SOS first (its label always shows), then live ones, the lost last
    var ordered = ids.slice().sort(function (a, b) { return rank(units[a]) - rank(units[b]); });
    ordered.forEach(function (id) { drawUnit(units[id], taken); });
  }

  function rank(u) { return u.sos ? 0 : LOOKS.indexOf(u.look) + 1; }

  // ---- SOS halos: DOM markers with a CSS pulse, like a new critical incident's ------------------------

  function syncHalo(u) {
    var halo = halos[u.id];
    if (!u.sos || !u.p) {
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
    if (!u) { u = units[id] = { id: id, trail: [], tp: [] }; ids.push(id); }
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
    if (zoomed !== null) { project(u); }
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
    box.className = 'eco-panel eco-key eco-units-key';
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

  function legendItem(shape, look, status, word) {
    var item = document.createElement('div');
    item.className = 'eco-key-item';
    var size = Math.round(opts.fontPx * 1.1), icon = document.createElement('canvas');
    icon.width = icon.height = size;
    icon.className = 'eco-symbol';
    var saved = ctx;
    ctx = icon.getContext('2d');
    var u = { look: look === 'sos' ? 'live' : look, status: status, sos: look === 'sos' };
    var c = colours(u);
    symbolPath(shape, size / 2, size / 2 + (shape === 'vehicle' ? 1 : 0), size * 0.32, 0);
    ctx.setLineDash(look === 'stale' ? [3, 3] : []);
    if (c.fill) { ctx.fillStyle = c.fill; ctx.fill(); }
    ctx.lineWidth = u.sos ? 3 : (c.fill ? 1.5 : 2.5);
    ctx.strokeStyle = u.sos ? ALERT : c.edge;
    ctx.stroke();
    ctx = saved;
    item.appendChild(icon);
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
  }

  // ---- clicks ----------------------------------------------------------------------------------------

  function nearestAt(point) {
    var best = null, bestD = 16 * scale;
    ids.forEach(function (id) {
      var u = units[id];
      if (!u.p) { return; }
      var s = screen(u.p), d = Math.hypot(s[0] - point.x, s[1] - point.y);
      if (d < bestD) { best = id; bestD = d; }
    });
    return best;
  }

  // ---- public API --------------------------------------------------------------------------------------

  var api = {
    // Called by ecoMap.init once the map exists.
    attach: function (leafletMap, options) {
      map = leafletMap;
      opts = options || {};
      scale = Math.max(0.75, (opts.fontPx || 24) / 24);
      var pane = map.createPane('ecoUnits');
      pane.style.zIndex = 465;
      pane.style.pointerEvents = 'none';
      map.createPane('ecoSos').style.zIndex = 475;
      map.getPane('ecoSos').style.pointerEvents = 'none';
      canvas = L.DomUtil.create('canvas', 'eco-units-canvas', pane);
      ctx = canvas.getContext('2d');
      map.on('moveend resize', place);
      map.on('zoomstart', function () { canvas.style.visibility = 'hidden'; });
      map.on('zoomend', function () { canvas.style.visibility = ''; place(); });
      map.on('click', function (e) {
        var id = nearestAt(e.containerPoint);
        var bridge = window.ecoMap && window.ecoMap.bridge && window.ecoMap.bridge();
        if (id) { api.lastClicked = id; if (bridge && bridge.unit_clicked) { bridge.unit_clicked(id); } }
      });
      showLegend();  // now, so that fitting the district keeps clear of it
      if (map.getSize().x > 0) { place(); } else { map.once('resize', place); }
    },

    // A batch of unit rows (see apply) at the session's time `at` (Unix s); returns how many it held.
    update: function (rows, at, bounds) {
      if (!map) { return 0; }
      now = num(at, now);
      if (Array.isArray(bounds)) { trailS = num(bounds[0], trailS); trailPoints = num(bounds[1], trailPoints); }
      if (zoomed === null) { zoomed = map.getZoom(); }
      for (var i = 0; i < rows.length; i++) { apply(rows[i]); }
      lastBatch = rows.length;
      schedule();
      return rows.length;
    },

    // Forget every unit (a new picture follows).
    clear: function () {
      ids.forEach(function (id) { if (halos[id]) { map.removeLayer(halos[id]); } });
      units = {}; ids = []; halos = {};
      schedule();
    },

    // Ring a unit in cyan and bring it into view (null clears).
    select: function (id) {
      selected = id && units[id] ? id : null;
      if (selected && units[selected].lat !== null) {
        var ll = L.latLng(units[selected].lat, units[selected].lon);
        if (!map.getBounds().pad(-0.1).contains(ll)) { map.panTo(ll); }
      }
      schedule();
      return selected;
    },

    lastClicked: null,

    // A JSON-ready summary for tests and tools.
    state: function () {
      var out = { count: ids.length, lastBatch: lastBatch, looks: {}, notes: {}, sos: [], positions: {},
                  trails: {}, status: {}, halos: Object.keys(halos).length, legend: !!legend, now: now };
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
