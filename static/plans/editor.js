/* Plan editor: select a network, click or lasso practices to assign them (or, by keyboard, choose a practice and
   a network in "Move a practice"), see the population bars and flags change from each edit's delta; undo/redo
   (buttons, Ctrl+Z / Ctrl+Shift+Z), locks, unassigned practices with suggestions, network polygons drawn with
   Leaflet-Geoman, a key of the networks' colours and their names on the map; practices at one address spread
   out on click (OverlappingMarkerSpiderfier). A plan that may not be edited (submitted, approved, archived, or
   not the viewer's) shows the same map and key without any editing control. Every text from data goes in via
   textContent. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("plan-config").textContent);
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var session = "ed-" + Math.random().toString(36).slice(2, 12);
  var etag = cfg.etag;
  var state = null;
  var selected = null;
  var markers = {};
  var polygons = {};
  var statusEl = document.getElementById("plan-status");
  var fmt = new Intl.NumberFormat("en-GB");
  var editable = cfg.editable !== false;
  // Distinct colours handed out in the key's order (the same network keeps its colour while the list stands).
  var COLOURS = ["#005eb8", "#007f3b", "#ffb81c", "#330072", "#ae2573", "#00a499", "#ed8b00", "#41b6e6",
    "#7c2855", "#425563", "#78be20", "#8a1538", "#0072ce", "#fae100", "#00403d", "#e56db1"];
  var colourOf = {};

  function colour(code) {
    if (!code) { return "#d5281b"; }
    return colourOf[code] || "#768692";
  }

  function plural(n, one, many) { return fmt.format(n) + " " + (n === 1 ? one : (many || one + "s")); }

  function netName(code) {  // "SOUTH MAIDSTONE PCN (U92034)"
    var n = state && state.networks.filter(function (x) { return x.code === code; })[0];
    return n && n.name ? n.name + " (" + code + ")" : code;
  }

  function netsOf(p) { return p.networks.length ? p.networks.map(netName).join(" and ") : "no network"; }

  function say(text) { statusEl.textContent = text; }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }

  function versionOf(tag) {
    var m = /v(\d+)/.exec(tag || "");
    return m ? parseInt(m[1], 10) : -1;
  }

  function seen(tag) {  // replies can arrive out of order: keep the newest version seen
    if (tag && versionOf(tag) >= versionOf(etag)) {
      etag = tag;
      document.body.dataset.planEtag = etag;
      // the sharing forms on the page write with the plan's version too: keep theirs current
      document.querySelectorAll("#plan-sharing input[name=etag]").forEach(function (i) { i.value = etag; });
    }
  }

  var queue = Promise.resolve();

  function queued(fn) {  // one write at a time, each with the ETag the previous one left
    var next = queue.then(fn, fn);
    queue = next.catch(function () {});
    return next;
  }

  function api(method, path, body) {
    var headers = { "Content-Type": "application/json", "X-CSRFToken": csrf, "X-Edit-Session": session };
    if (method !== "GET") { headers["If-Match"] = etag; }
    return fetch(cfg.api + path, { method: method, headers: headers, credentials: "same-origin",
      body: method === "GET" ? undefined : JSON.stringify(body || {}) })
      .then(function (resp) {
        return resp.json().then(function (data) {
          seen(resp.headers.get("ETag"));
          if (!resp.ok) {
            if (data && data.etag) { seen(data.etag); }
            throw new Error(data.detail || ("HTTP " + resp.status));
          }
          return data;
        });
      });
  }

  // No renderer padding: the SVG stays inside the map (a larger one overlaps the text above it for checkers).
  var map = L.map("plan-map", { keyboard: true, zoomControl: false, renderer: L.svg({ padding: 0 }) });
  // Zoom buttons named by their visible words (Leaflet's "+" and "−" do not carry their accessible names).
  var Zoom = L.Control.extend({
    onAdd: function (m) {
      var box = L.DomUtil.create("div", "leaflet-bar plan-zoom");
      [["Zoom in", function () { m.zoomIn(); }], ["Zoom out", function () { m.zoomOut(); }]].forEach(function (z) {
        var b = L.DomUtil.create("button", "plan-zoom__button", box);
        b.type = "button";
        b.textContent = z[0];
        L.DomEvent.disableClickPropagation(b);
        L.DomEvent.on(b, "click", z[1]);
      });
      return box;
    }
  });
  new Zoom({ position: "topright" }).addTo(map);
  // Leaflet's container is focusable: keep the page's role and name on it (no name without a role).
  map.getContainer().setAttribute("role", "region");
  map.createPane("planLabels").style.zIndex = 450;  // over the practices, under tooltips and popups
  map.getPane("planLabels").style.pointerEvents = "none";
  var labels = L.layerGroup().addTo(map);
  map.attributionControl.setPrefix("Leaflet");
  // Practices at one address: spread them out on click (circle markers have no z-index offset: bring to front).
  L.CircleMarker.include({ setZIndexOffset: function () { this.bringToFront(); return this; } });
  var oms = new window.OverlappingMarkerSpiderfier(map, { keepSpiderfied: true, nearbyDistance: 4 });
  oms.addListener("click", function (m) { onPractice(m.practice); });
  if (cfg.tiles && cfg.tiles !== "none") {
    L.tileLayer(cfg.tiles, { attribution: cfg.attribution || "" }).addTo(map);
  }
  if (editable) { map.pm.addControls({ position: "topleft", drawMarker: false, drawCircleMarker: false, drawPolyline: false,
    drawRectangle: true, drawCircle: false, drawText: false, cutPolygon: false, rotateMode: false,
    editMode: true, dragMode: false, removalMode: false }); }
  // Geoman's toolbar buttons are links with an icon only: give each the name its container's tooltip shows.
  document.querySelectorAll("#plan-map .leaflet-buttons-control-button").forEach(function (a) {
    var title = a.parentNode && a.parentNode.getAttribute("title");
    if (title && !a.getAttribute("aria-label")) { a.setAttribute("aria-label", title); }
  });

  function band() { return state.band; }

  function bar(pop) {
    var b = band();
    var scale = b.max * 1.5;
    var wrap = el("div", null, "plan-bar");
    wrap.setAttribute("role", "img");
    var fill = el("div", null, "plan-bar__fill" + (pop < b.min || pop > b.max ? " out" : ""));
    fill.style.width = Math.min(100, (pop / scale) * 100) + "%";
    var bandEl = el("div", null, "plan-bar__band");
    bandEl.style.left = (b.min / scale) * 100 + "%";
    bandEl.style.width = ((b.max - b.min) / scale) * 100 + "%";
    wrap.appendChild(fill);
    wrap.appendChild(bandEl);
    wrap.setAttribute("aria-label", fmt.format(pop) + " patients; band " + fmt.format(b.min) + "–" + fmt.format(b.max));
    return wrap;
  }

  function selectNetwork(n) {
    selected = n.code;
    renderNetworks();
    var target = document.getElementById("plan-move-network");
    if (target) { target.value = n.code; }
    say("Selected " + n.name + " (" + n.code + "). Click practices on the map to assign them, or use Move a practice.");
  }

  function renderNetworks() {
    var ul = document.getElementById("plan-networks");
    ul.textContent = "";
    document.getElementById("plan-band").textContent =
      "(band " + fmt.format(band().min) + "–" + fmt.format(band().max) + " patients)";
    state.networks.forEach(function (n, i) { colourOf[n.code] = COLOURS[i % COLOURS.length]; });
    state.networks.forEach(function (n) {
      var li = el("li");
      li.dataset.code = n.code;
      if (n.code === selected) { li.className = "selected"; }
      var head = el("div", null, "plan-net-head");
      var swatch = el("span", null, "plan-swatch");
      swatch.style.background = colour(n.code);
      swatch.setAttribute("aria-hidden", "true");
      head.appendChild(swatch);
      if (editable) {
        var pick = el("button", n.name + " (" + n.code + ")", "plan-net-select");
        pick.type = "button";
        pick.setAttribute("aria-pressed", n.code === selected ? "true" : "false");
        pick.addEventListener("click", function () { selectNetwork(n); });
        head.appendChild(pick);
      } else {
        head.appendChild(el("span", n.name + " (" + n.code + ")", "plan-net-name"));
      }
      li.appendChild(head);
      var pop = el("div", fmt.format(n.population) + " patients · " + plural(n.members, "practice"), "plan-pop");
      li.appendChild(pop);
      li.appendChild(bar(n.population));
      var flags = el("div", n.flags.length ? n.flags.map(function (f) { return f.label; }).join("; ") : "No flags", "plan-flags");
      if (!n.flags.length) { flags.classList.add("plan-flags--none"); }
      li.appendChild(flags);
      if (editable) {
        var actions = el("div", null, "plan-net-actions");
        var lock = el("button", (n.locked ? "Unlock " : "Lock ") + n.name, "plan-lock");
        lock.type = "button";
        lock.addEventListener("click", function () { toggleLock(n); });
        actions.appendChild(lock);
        if (n.locked) { actions.appendChild(el("span", "Locked" + (n.lock_reason ? ": " + n.lock_reason : ""))); }
        li.appendChild(actions);
      } else if (n.locked) {
        li.appendChild(el("div", "Locked" + (n.lock_reason ? ": " + n.lock_reason : ""), "plan-net-actions"));
      }
      ul.appendChild(li);
    });
  }

  function renderUnassigned() {
    var ul = document.getElementById("plan-unassigned");
    ul.textContent = "";
    var free = state.practices.filter(function (p) { return !p.networks.length; });
    if (!free.length) { ul.appendChild(el("li", "None: every practice here is in a network.")); return; }
    free.forEach(function (p) {
      var li = el("li", p.name + " (" + p.code + "), " + (p.list_size === null ? "list size unknown" : fmt.format(p.list_size) + " patients") + " ");
      var btn = el("button", "Suggest a network for " + p.name, "plan-suggest");
      btn.type = "button";
      btn.addEventListener("click", function () { suggest(p, li); });
      li.appendChild(btn);
      ul.appendChild(li);
    });
  }

  function suggest(p, li) {
    api("GET", "/unassigned" + (cfg.area ? "?area=" + encodeURIComponent(cfg.area) : "")).then(function (data) {
      var row = data.practices.filter(function (x) { return x.code === p.code; })[0];
      if (!row || !row.suggestions.length) { say("No suggestion for " + p.name + ": " + (row ? row.why_none : "not unassigned")); return; }
      var s = row.suggestions[0];
      if (!editable) { say("Suggested for " + p.name + ": " + s.name + " (" + s.code + ")."); return; }
      var btn = el("button", "Assign to " + s.name + " (" + s.code + "; " + fmt.format(s.population_with) + " patients with it, " + fmt.format(s.distance_m) + " m)");
      btn.type = "button";
      btn.addEventListener("click", function () { assign(s.code, [p.code]); });
      li.appendChild(btn);
      btn.focus();
    }).catch(function (e) { say(e.message); });
  }

  function practiceText(p) {  // "HIGH STREET SURGERY (G82076), 8,123 patients, in A (U1)"
    return p.name + " (" + p.code + "), " +
      (p.list_size === null ? "list size unknown" : fmt.format(p.list_size) + " patients") + ", in " + netsOf(p);
  }

  function choosePractice(p) {  // the keyboard's "select": the practice goes into "Move a practice"
    var pick = document.getElementById("plan-move-practice");
    if (!editable || !pick) { say(practiceText(p) + "."); return; }
    pick.value = p.code;
    say("Chose " + practiceText(p) + ". Choose the network to move it to, then Move.");
    document.getElementById("plan-move-network").focus();
  }

  function onPractice(p) {
    if (!editable) { say(practiceText(p) + "."); return; }
    if (!selected) { say("Select a network first (or use Move a practice)."); choosePractice(p); return; }
    assign(selected, [p.code]);
  }

  function reachable(m, p) {  // reachable by keyboard, with a name; Enter / Space choose the practice
    var path = m.getElement();
    if (!path) { return; }
    path.setAttribute("tabindex", "0");
    path.setAttribute("role", "button");
    path.setAttribute("aria-label", practiceText(p) + (editable ? ". Press Enter to move it." : ""));
    path.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " " || e.key === "Spacebar") { e.preventDefault(); choosePractice(p); }
    });
    path.addEventListener("focus", function () { m.openTooltip(); });
    path.addEventListener("blur", function () { m.closeTooltip(); });
  }

  function renderPractices() {
    oms.clearMarkers();
    Object.keys(markers).forEach(function (k) { map.removeLayer(markers[k]); });
    markers = {};
    var bounds = [];
    state.practices.forEach(function (p) {
      if (p.lat === null) { return; }
      var code = p.networks[0] || null;
      var m = L.circleMarker([p.lat, p.lon], { radius: 7, color: "#212b32", weight: 1, fillColor: colour(code), fillOpacity: 0.9,
        zIndexOffset: 0, className: "plan-practice plan-practice-" + p.code });
      m.practice = p;
      var tip = el("span", practiceText(p));
      m.bindTooltip(tip, { sticky: true });
      m.addTo(map);
      oms.addMarker(m);
      var path = m.getElement();
      if (!path) { m.once("add", function () { reachable(m, p); }); } else { reachable(m, p); }
      markers[p.code] = m;
      bounds.push([p.lat, p.lon]);
    });
    return bounds;
  }

  function renderLabels() {  // each network's name at the middle of its members on the map
    labels.clearLayers();
    var sums = {};
    state.practices.forEach(function (p) {
      if (p.lat === null || !p.networks.length) { return; }
      var c = p.networks[0];
      sums[c] = sums[c] || { lat: 0, lon: 0, n: 0 };
      sums[c].lat += p.lat; sums[c].lon += p.lon; sums[c].n += 1;
    });
    state.networks.forEach(function (n) {
      var s = sums[n.code];
      if (!s) { return; }
      var icon = L.divIcon({ className: "plan-label", html: "", iconSize: null });
      var label = L.marker([s.lat / s.n, s.lon / s.n], { icon: icon, interactive: false, keyboard: false, pane: "planLabels" });
      label.on("add", function () {
        var box = label.getElement();
        box.textContent = "";
        var text = el("span", n.name);
        text.style.borderColor = colour(n.code);
        box.appendChild(text);
      });
      labels.addLayer(label);
    });
  }

  function declutter() {  // show a label only where it fits: inside the map, over no label already shown
    var frame = map.getContainer().getBoundingClientRect();
    var shown = [];
    labels.eachLayer(function (l) {
      var box = l.getElement();
      if (!box) { return; }
      box.style.visibility = "";
      var r = box.getBoundingClientRect();
      var fits = r.left >= frame.left && r.right <= frame.right && r.top >= frame.top && r.bottom <= frame.bottom &&
        !shown.some(function (o) { return r.left < o.right && o.left < r.right && r.top < o.bottom && o.top < r.bottom; });
      if (fits) { shown.push(r); } else { box.style.visibility = "hidden"; }
    });
  }
  map.on("zoomend moveend", declutter);

  function fillMoveForm() {
    var pick = document.getElementById("plan-move-practice");
    if (!pick) { return; }
    var target = document.getElementById("plan-move-network");
    var keepP = pick.value, keepN = target.value || selected || "";
    pick.textContent = "";
    target.textContent = "";
    state.practices.slice().sort(function (a, b) { return a.name.localeCompare(b.name); }).forEach(function (p) {
      var o = el("option", p.name + " (" + p.code + "), in " + netsOf(p));
      o.value = p.code;
      pick.appendChild(o);
    });
    state.networks.forEach(function (n) {
      var o = el("option", n.name + " (" + n.code + "), " + fmt.format(n.population) + " patients");
      o.value = n.code;
      target.appendChild(o);
    });
    if (keepP) { pick.value = keepP; }
    if (keepN) { target.value = keepN; }
  }

  var moveForm = document.getElementById("plan-move-form");
  if (moveForm) {
    moveForm.addEventListener("submit", function (e) {
      e.preventDefault();
      var code = document.getElementById("plan-move-practice").value;
      var target = document.getElementById("plan-move-network").value;
      if (!code || !target) { say("Choose a practice and a network."); return; }
      assign(target, [code]);
    });
  }

  function renderPolygons() {
    Object.keys(polygons).forEach(function (k) { map.removeLayer(polygons[k]); });
    polygons = {};
    state.polygons.forEach(function (g) {
      var layer = L.geoJSON(g.geometry, { style: { color: colour(g.code), weight: 2, fillOpacity: 0.08 }, pmIgnore: true, interactive: false });
      layer.addTo(map);
      layer.bringToBack();
      polygons[g.code] = layer;
    });
  }

  function updateHistory(counts) {
    if (!editable) { return; }
    document.getElementById("plan-undo").disabled = !counts || counts.undo === 0;
    document.getElementById("plan-redo").disabled = !counts || counts.redo === 0;
  }

  function describeDelta(out) {
    var parts = out.delta.networks.map(function (n) {
      var b = n.population.before, a = n.population.after;
      var text = (n.name ? n.name + " (" + n.code + ")" : n.code) + ": " + (b === null ? "new" : fmt.format(b)) +
        " → " + (a === null ? "removed" : fmt.format(a));
      if (n.flags.gained.length) { text += "; gained " + n.flags.gained.map(function (f) { return f.label; }).join(", "); }
      if (n.flags.lost.length) { text += "; lost " + n.flags.lost.map(function (f) { return f.label; }).join(", "); }
      return text;
    });
    return out.edit.summary + ". " + parts.join(" · ");
  }

  function afterEdit(out) {
    seen(out.etag);
    updateHistory(out.undo);
    say(describeDelta(out));
    return load(false);
  }

  function assign(code, practices) {
    say("Assigning…");
    return queued(function () { return api("POST", "/edits/assign", { network: code, practices: practices }); })
      .then(afterEdit).catch(function (e) { say(e.message); });
  }

  function toggleLock(n) {
    var path = "/networks/" + encodeURIComponent(n.code) + "/lock";
    var req = queued(function () { return n.locked ? api("DELETE", path) : api("PUT", path, { reason: "Locked in the editor" }); });
    req.then(function () { say((n.locked ? "Unlocked " : "Locked ") + n.name + " (" + n.code + ")."); return load(false); })
      .catch(function (e) { say(e.message); });
  }

  function history(kind) {
    queued(function () { return api("POST", "/" + kind); }).then(afterEdit).catch(function (e) { say(e.message); });
  }

  function inside(pt, ring) {  // point-in-ring for the lasso (the server re-checks membership on assign)
    var x = pt[0], y = pt[1], hit = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if (((yi > y) !== (yj > y)) && (x < (xj - xi) * (y - yi) / (yj - yi) + xi)) { hit = !hit; }
    }
    return hit;
  }

  map.on("pm:create", function (e) {
    var gj = e.layer.toGeoJSON().geometry;
    map.removeLayer(e.layer);
    if (!selected) { say("Select a network first."); return; }
    if (document.getElementById("plan-mode").value === "polygon") {
      say("Saving polygon…");
      var target = selected;
      queued(function () { return api("POST", "/edits/geometry", { network: target, geometry: gj, origin: "drawn" }); })
        .then(afterEdit).catch(function (err) { say(err.message); });
      return;
    }
    var ring = gj.coordinates[0];
    var picked = state.practices.filter(function (p) { return p.lat !== null && inside([p.lon, p.lat], ring); })
      .map(function (p) { return p.code; });
    if (!picked.length) { say("No practices inside the lasso."); return; }
    assign(selected, picked);
  });

  function sendForm(url, form) {  // multipart: no JSON Content-Type; same CSRF, session and If-Match
    var headers = { "X-CSRFToken": csrf, "X-Edit-Session": session, "If-Match": etag };
    return fetch(url, { method: "POST", headers: headers, credentials: "same-origin", body: form })
      .then(function (resp) {
        return resp.json().then(function (data) {
          seen(resp.headers.get("ETag"));
          if (!resp.ok) {
            if (data && data.etag) { seen(data.etag); }
            throw new Error(data.detail || ("HTTP " + resp.status));
          }
          return data;
        });
      });
  }

  if (editable) document.getElementById("plan-upload").addEventListener("submit", function (e) {
    e.preventDefault();
    var form = new FormData(e.target);
    say("Uploading…");
    queued(function () { return sendForm(cfg.upload, form); }).then(function (out) {
      var text = describeDelta(out);
      if (out.repaired.length) {
        text += " Repaired: " + out.repaired.map(function (r) {
          return "feature " + r.feature + " (" + r.network + "): " + r.reason;
        }).join("; ") + ".";
      }
      seen(out.etag);
      updateHistory(out.undo);
      say(text);
      return load(false);
    }).catch(function (err) { say("Upload refused: " + err.message); });
  });

  if (editable) document.getElementById("plan-derive").addEventListener("click", function () {
    say("Deriving polygons from membership…");
    queued(function () { return sendForm(cfg.derive, new FormData()); }).then(function (out) {
      seen(out.etag);
      if (out.undo) { updateHistory(out.undo); }
      say("Derived polygons for " + plural(out.networks.length, "network") + "." + (out.undoable ? "" : " (Not undoable: too many networks.)"));
      return load(false);
    }).catch(function (err) { say(err.message); });
  });

  function fillUploadNetworks() {
    var sel = document.getElementById("plan-upload-network");
    if (!sel) { return; }
    var keep = sel.value;
    while (sel.options.length > 1) { sel.remove(1); }
    state.networks.forEach(function (n) {
      var o = document.createElement("option");
      o.value = n.code;
      o.textContent = n.name + " (" + n.code + ")";
      sel.appendChild(o);
    });
    sel.value = keep;
  }

  if (editable) {
    document.getElementById("plan-undo").addEventListener("click", function () { history("undo"); });
    document.getElementById("plan-redo").addEventListener("click", function () { history("redo"); });
  }
  document.addEventListener("keydown", function (e) {
    if (!editable) { return; }
    if (!(e.ctrlKey || e.metaKey) || e.key.toLowerCase() !== "z") { return; }
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea") { return; }
    e.preventDefault();
    history(e.shiftKey ? "redo" : "undo");
  });

  function load(fit) {
    return api("GET", "/editor" + (cfg.area ? "?area=" + encodeURIComponent(cfg.area) : "")).then(function (data) {
      state = data;
      seen(data.plan.etag);
      renderNetworks();
      renderUnassigned();
      var bounds = renderPractices();
      renderPolygons();
      renderLabels();
      fillUploadNetworks();
      fillMoveForm();
      if (fit && bounds.length) { map.fitBounds(bounds, { padding: [20, 20] }); }
      declutter();
      if (fit) {
        say("Ready: " + plural(data.networks.length, "network") + ", " + plural(data.practices.length, "practice") + "." +
          (editable ? "" : " This plan is read-only."));
      }
      document.body.dataset.planVersion = data.plan.version;
    }).catch(function (e) { say(e.message); });
  }
  load(true);
}());
