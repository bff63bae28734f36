/* Choose what the map shows (issue 25): colour the map's networks and practices by a profile figure.
 *
 * Reads the choice from <script type="application/json" id="colour-by-spec"> (geo_service/maps/colour_by.py):
 * measures with their classes (low, high, colour, label), the no-data colour, each measure's source line and,
 * when it has no data for the year, why. Each feature carries its figures in properties.pr. Restyles the layers
 * kept by maps.js (GeoMaps.layers) and writes the legend (classes, "No data", source) with textContent only.
 *
 * Test hooks: #colour-legend carries data-measure; each legend class carries data-colour; the map container
 * carries data-colour-by once the layers are restyled.
 */
(function () {
  "use strict";

  var LAYER_KEYS = { networks: true, practices: true, members_outside: true, areas: true };

  function el(tag, className, text) {
    var n = document.createElement(tag);
    if (className) n.className = className;
    if (text !== undefined && text !== null) n.textContent = String(text);
    return n;
  }

  function classFor(measure, value) {
    if (value === undefined || value === null) return null;
    for (var i = 0; i < measure.classes.length; i++) {
      var c = measure.classes[i];
      if (c.high === null || value < c.high) return c;
    }
    return measure.classes[measure.classes.length - 1];
  }

  function groups() {
    var out = [];
    var all = (window.GeoMaps && window.GeoMaps.layers) || {};
    Object.keys(all).forEach(function (name) {
      all[name].forEach(function (g) {
        if (g._geoSpec && LAYER_KEYS[g._geoSpec.key]) out.push({ map: name, group: g });
      });
    });
    return out;
  }

  function restyle(spec, measure) {
    var touched = {};
    groups().forEach(function (hit) {
      var point = hit.group._geoSpec.kind === "point";
      hit.group.eachLayer(function (layer) {
        if (!layer.feature) return;
        hit.group.resetStyle(layer);
        if (!measure) return;
        var pr = layer.feature.properties.pr || {};
        var c = measure.classes.length ? classFor(measure, pr[measure.key]) : null;
        var style = c
          ? { fillColor: c.colour, fillOpacity: point ? 0.95 : 0.75, dashArray: null }
          : { fillColor: spec.no_data, fillOpacity: point ? 0.9 : 0.6, dashArray: "4 3" };
        if (point) style.color = "#212b32";
        layer.setStyle(style);
      });
      touched[hit.map] = true;
    });
    Object.keys(touched).forEach(function (name) {
      var box = document.getElementById(name);
      if (box) box.setAttribute("data-colour-by", measure ? measure.key : "");
    });
  }

  function swatch(colour, dashed) {
    var s = el("span", "geo-colour-by__swatch" + (dashed ? " geo-colour-by__swatch--none" : ""));
    s.style.backgroundColor = colour;
    s.setAttribute("aria-hidden", "true");
    return s;
  }

  function legend(box, spec, measure) {
    while (box.firstChild) box.removeChild(box.firstChild);
    box.hidden = !measure;
    box.setAttribute("data-measure", measure ? measure.key : "");
    if (!measure) return;
    box.appendChild(el("p", "geo-colour-by__title", measure.label));
    var list = el("ul", "geo-colour-by__classes");
    measure.classes.forEach(function (c) {
      var li = el("li", "geo-colour-by__class");
      li.setAttribute("data-colour", c.colour);
      li.appendChild(swatch(c.colour, false));
      li.appendChild(el("span", null, c.label));
      list.appendChild(li);
    });
    var none = el("li", "geo-colour-by__class geo-colour-by__class--none");
    none.setAttribute("data-colour", spec.no_data);
    none.appendChild(swatch(spec.no_data, true));
    none.appendChild(el("span", null, "No data (grey, dashed outline)"));
    list.appendChild(none);
    box.appendChild(list);
    if (measure.no_data_reason) box.appendChild(el("p", "geo-colour-by__why", "Not judged: " + measure.no_data_reason));
    else box.appendChild(el("p", "geo-colour-by__basis", "Classes: " + measure.basis + "."));
    box.appendChild(el("p", "geo-colour-by__source", "Source: " + (measure.source || "no file loaded")));
  }

  function start() {
    var raw = document.getElementById("colour-by-spec");
    var box = document.getElementById("colour-legend");
    if (!raw || !box) return;
    var spec = JSON.parse(raw.textContent);
    var byKey = {};
    spec.measures.forEach(function (m) { byKey[m.key] = m; });
    var inputs = document.querySelectorAll('#colour-by input[name="colour-by"]');
    function apply() {
      var chosen = document.querySelector('#colour-by input[name="colour-by"]:checked');
      var measure = chosen && chosen.value ? byKey[chosen.value] : null;
      legend(box, spec, measure);
      restyle(spec, measure);
    }
    for (var i = 0; i < inputs.length; i++) inputs[i].addEventListener("change", apply);
    // A choice the browser restored (back/forward) is applied once the map's layers exist.
    function whenReady() {
      if (window.GeoMaps && window.GeoMaps.isReady && window.GeoMaps.isReady()) apply();
      else window.setTimeout(whenReady, 100);
    }
    whenReady();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
