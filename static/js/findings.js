/* The findings browser's map: the filtered findings as points (from the page's GeoJSON link), each with a
   popup naming it and linking to its map. Every text is set with textContent: names come from data files. */
(function () {
  "use strict";
  var cfgEl = document.getElementById("findings-config");
  var mapEl = document.getElementById("findings-map");
  if (!cfgEl || !mapEl || !window.L) { return; }
  var cfg = JSON.parse(cfgEl.textContent);
  var map = L.map(mapEl, { keyboard: true, preferCanvas: true }).setView([52.8, -1.6], 6);
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
      if (data.features.length) { map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 12 }); }
    })
    .catch(function () {
      mapEl.setAttribute("data-drawn", "error");
      var note = document.getElementById("findings-map-note");
      if (note) { note.textContent = "The map could not be drawn; the list below is complete."; }
    });
}());
