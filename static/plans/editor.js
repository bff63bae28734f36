/* Plan editor: select a network, click or lasso practices to assign them, see the population bars and flags
   change from each edit's delta; undo/redo (buttons, Ctrl+Z / Ctrl+Shift+Z), locks, unassigned practices with
   suggestions, network polygons drawn with Leaflet-Geoman. Every text from data goes in via textContent. */
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
  var COLOURS = ["#005eb8", "#007f3b", "#ffb81c", "#330072", "#ae2573", "#00a499", "#ed8b00", "#41b6e6", "#7c2855", "#425563"];

  function colour(code) {
    if (!code) { return "#d5281b"; }
    var h = 0;
    for (var i = 0; i < code.length; i++) { h = (h * 31 + code.charCodeAt(i)) >>> 0; }
    return COLOURS[h % COLOURS.length];
  }

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

  var map = L.map("plan-map", { keyboard: true });
  if (cfg.tiles && cfg.tiles !== "none") {
    L.tileLayer(cfg.tiles, { attribution: cfg.attribution || "" }).addTo(map);
  }
  map.pm.addControls({ position: "topleft", drawMarker: false, drawCircleMarker: false, drawPolyline: false,
    drawRectangle: true, drawCircle: false, drawText: false, cutPolygon: false, rotateMode: false,
    editMode: true, dragMode: false, removalMode: false });
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

  function renderNetworks() {
    var ul = document.getElementById("plan-networks");
    ul.textContent = "";
    document.getElementById("plan-band").textContent =
      "(band " + fmt.format(band().min) + "–" + fmt.format(band().max) + " patients)";
    state.networks.forEach(function (n) {
      var li = el("li");
      li.dataset.code = n.code;
      if (n.code === selected) { li.className = "selected"; }
      var pick = el("button", n.name + " (" + n.code + ")", "plan-net-select");
      pick.type = "button";
      pick.setAttribute("aria-pressed", n.code === selected ? "true" : "false");
      pick.addEventListener("click", function () { selected = n.code; renderNetworks(); say("Selected " + n.name + ". Click practices to assign them."); });
      li.appendChild(pick);
      var pop = el("div", fmt.format(n.population) + " patients · " + n.members + " practices", "plan-pop");
      li.appendChild(pop);
      li.appendChild(bar(n.population));
      var flags = el("div", n.flags.length ? n.flags.map(function (f) { return f.label; }).join("; ") : "No flags", "plan-flags");
      li.appendChild(flags);
      var actions = el("div", null, "plan-net-actions");
      var lock = el("button", n.locked ? "Unlock" : "Lock", "plan-lock");
      lock.type = "button";
      lock.addEventListener("click", function () { toggleLock(n); });
      actions.appendChild(lock);
      if (n.locked) { actions.appendChild(el("span", "Locked" + (n.lock_reason ? ": " + n.lock_reason : ""))); }
      li.appendChild(actions);
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
      var btn = el("button", "Suggest", "plan-suggest");
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
      var btn = el("button", "Assign to " + s.name + " (" + fmt.format(s.population_with) + " patients with it, " + fmt.format(s.distance_m) + " m)");
      btn.type = "button";
      btn.addEventListener("click", function () { assign(s.code, [p.code]); });
      li.appendChild(btn);
      btn.focus();
    }).catch(function (e) { say(e.message); });
  }

  function renderPractices() {
    Object.keys(markers).forEach(function (k) { map.removeLayer(markers[k]); });
    markers = {};
    var bounds = [];
    state.practices.forEach(function (p) {
      if (p.lat === null) { return; }
      var code = p.networks[0] || null;
      var m = L.circleMarker([p.lat, p.lon], { radius: 7, color: "#212b32", weight: 1, fillColor: colour(code), fillOpacity: 0.9,
        className: "plan-practice plan-practice-" + p.code });
      m.bindTooltip(p.name + " (" + p.code + ") · " + (code || "unassigned"), { sticky: true });
      m.on("click", function () {
        if (!selected) { say("Select a network first."); return; }
        assign(selected, [p.code]);
      });
      m.addTo(map);
      markers[p.code] = m;
      bounds.push([p.lat, p.lon]);
    });
    return bounds;
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
    document.getElementById("plan-undo").disabled = !counts || counts.undo === 0;
    document.getElementById("plan-redo").disabled = !counts || counts.redo === 0;
  }

  function describeDelta(out) {
    var parts = out.delta.networks.map(function (n) {
      var b = n.population.before, a = n.population.after;
      var text = n.code + ": " + (b === null ? "new" : fmt.format(b)) + " → " + (a === null ? "removed" : fmt.format(a));
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
    req.then(function () { say((n.locked ? "Unlocked " : "Locked ") + n.name + "."); return load(false); })
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

  document.getElementById("plan-upload").addEventListener("submit", function (e) {
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

  document.getElementById("plan-derive").addEventListener("click", function () {
    say("Deriving polygons from membership…");
    queued(function () { return sendForm(cfg.derive, new FormData()); }).then(function (out) {
      seen(out.etag);
      if (out.undo) { updateHistory(out.undo); }
      say("Derived polygons for " + fmt.format(out.networks.length) + " networks." + (out.undoable ? "" : " (Not undoable: too many networks.)"));
      return load(false);
    }).catch(function (err) { say(err.message); });
  });

  function fillUploadNetworks() {
    var sel = document.getElementById("plan-upload-network");
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

  document.getElementById("plan-undo").addEventListener("click", function () { history("undo"); });
  document.getElementById("plan-redo").addEventListener("click", function () { history("redo"); });
  document.addEventListener("keydown", function (e) {
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
      fillUploadNetworks();
      if (fit && bounds.length) { map.fitBounds(bounds, { padding: [20, 20] }); }
      if (fit) { say("Ready: " + data.networks.length + " networks, " + data.practices.length + " practices."); }
      document.body.dataset.planVersion = data.plan.version;
    }).catch(function (e) { say(e.message); });
  }
  load(true);
}());
