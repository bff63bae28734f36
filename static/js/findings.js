/* The findings browser's map: the filtered findings as points (from the page's GeoJSON link), each with a
   popup naming it and linking to its map. Every text is set with textContent: names come from data files. */
(function () {
  "use strict";
  var cfgEl = document.getElementById("findings-config");
  var mapEl = document.getElementById("findings-map");
  if (!cfgEl || !mapEl || !window.L) { return; }
  var cfg = JSON.parse(cfgEl.textContent);
  if (L.Canvas) { L.Canvas.prototype.options.padding = 0; }  // shapes inside the map's box, none beyond it
  var map = L.map(mapEl, { keyboard: true, preferCanvas: true }).setView([52.8, -1.6], 6);
  // Zoom buttons named by their titles (symbols drawn by CSS); a plain "Leaflet" credit link.
  var zoom = mapEl.querySelectorAll(".leaflet-control-zoom a");
  for (var z = 0; z < zoom.length; z++) {
    zoom[z].removeAttribute("aria-label");
    zoom[z].classList.add("geo-symbol-button");
    zoom[z].textContent = "";
  }
  if (map.attributionControl) {
    map.attributionControl.setPrefix('<a href="https://leafletjs.com" title="A JavaScript library for interactive maps">Leaflet</a>');
  }
  // The filters panel beside the map folds to its title; the map then takes the room.
  document.addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest(".geo-panel__toggle") : null;
    if (!button) { return; }
    var open = button.getAttribute("aria-expanded") === "true";
    var body = document.getElementById(button.getAttribute("aria-controls"));
    button.setAttribute("aria-expanded", open ? "false" : "true");
    button.textContent = button.textContent.replace(open ? /^Hide/ : /^Show/, open ? "Show" : "Hide");
    if (body) { body.hidden = open; }
    var row = button.closest(".geo-map-row");
    if (row) { row.classList.toggle("geo-map-row--folded", open); }
    map.invalidateSize();
  });
  if (cfg.tiles && cfg.tiles !== "none") {
    L.tileLayer(cfg.tiles, { attribution: cfg.attribution || "" }).addTo(map);
  }
  var colours = { practice: "#d5281b", network: "#005eb8", area: "#330072" };

  function popup(p) {
    var box = document.createElement("div");
    var title = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = (p.name ? p.name + " " : "") + "(" + p.code + ")";
    title.appendChild(strong);
    box.appendChild(title);
    var label = document.createElement("p");
    label.textContent = p.label;
    box.appendChild(label);
    var sentence = document.createElement("p");
    sentence.className = "geo-findings-popup__sentence";
    sentence.textContent = p.sentence;
    box.appendChild(sentence);
    if (p.map_url) {
      var a = document.createElement("a");
      a.href = p.map_url;
      a.textContent = "Open its map";
      box.appendChild(a);
    }
    return box;
  }

  fetch(cfg.geojson, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
    .then(function (resp) { if (!resp.ok) { throw new Error("HTTP " + resp.status); } return resp.json(); })
    .then(function (data) {
      var layer = L.geoJSON(data, {
        pointToLayer: function (feature, latlng) {
          return L.circleMarker(latlng, { radius: 6, weight: 2, color: "#212b32",
            fillColor: colours[feature.properties.subject] || "#d5281b", fillOpacity: 0.85 });
        },
        onEachFeature: function (feature, lyr) { lyr.bindPopup(popup(feature.properties)); }
      }).addTo(map);
      mapEl.setAttribute("data-drawn", String(data.features.length));
      if (data.features.length) { map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 12, animate: false }); }
    })
    .catch(function () {
      mapEl.setAttribute("data-drawn", "error");
      var note = document.getElementById("findings-map-note");
      if (note) { note.textContent = "The map could not be drawn; the list below is complete."; }
    });
}());
