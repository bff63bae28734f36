/* geo_service maps: feature layers, popups, tooltips, legend, search and fit-to-bounds for Leaflet maps
 * built by Folium (geo_service/maps/builder.py).
 *
 * Safety: every value that came from data reaches the page through textContent or
 * encodeURIComponent, never through innerHTML. Popups and tooltips are DOM nodes.
 *
 * Test hooks: GeoMaps.counts[mapName][layerKey] = features loaded; GeoMaps.isReady() is true once
 * every layer has loaded (remote layers are fetched from our /api/v1 endpoints); the map
 * container carries data-layer-counts (JSON) and data-ready.
 */
(function () {
  "use strict";

  var GeoMaps = (window.GeoMaps = window.GeoMaps || {});
  // Shapes are drawn inside the map's own box (Leaflet's default draws 10 % beyond it, hidden by the map's
  // overflow, which reads as overlapping the title and the panel to checkers that go by boxes).
  if (window.L && L.SVG) L.SVG.prototype.options.padding = 0;
  if (window.L && L.Canvas) L.Canvas.prototype.options.padding = 0;
  GeoMaps.counts = GeoMaps.counts || {};
  GeoMaps.layers = GeoMaps.layers || {};
  GeoMaps.errors = GeoMaps.errors || [];
  var pending = 0;
  var loaded = false;

  function node(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined && text !== null) el.textContent = String(text);
    return el;
  }

  GeoMaps.escapeHtml = function (value) {
    return String(value === undefined || value === null ? "" : value)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;");
  };

  function fillLink(template, props) {
    return template.replace(/\{(\w+)\}/g, function (_, key) {
      return encodeURIComponent(props[key] === undefined || props[key] === null ? "" : props[key]);
    });
  }

  // 12345 -> "12,345". (toLocaleString would start Intl's locale data on first use: ~15 ms on page load.)
  function thousands(n) {
    return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function formatValue(value, format) {
    if (value === undefined || value === null || value === "") return "not known";
    if (format === "number") return thousands(Number(value));
    if (Array.isArray(value)) return value.length ? value.join(", ") : "none";
    return String(value);
  }

  function mapName(map) {
    return map._geoName || (map._geoName = map.getContainer().id);
  }

  function publishCounts(map) {
    var name = mapName(map);
    map.getContainer().setAttribute("data-layer-counts", JSON.stringify(GeoMaps.counts[name] || {}));
  }

  function setCount(map, spec, n) {
    var name = mapName(map);
    GeoMaps.counts[name] = GeoMaps.counts[name] || {};
    GeoMaps.counts[name][spec.key] = n;
    publishCounts(map);
    var cells = map.getContainer().querySelectorAll('[data-legend-count="' + spec.key + '"]');
    for (var i = 0; i < cells.length; i++) cells[i].textContent = "(" + thousands(n) + ")";
  }

  function checkReady() {
    if (pending === 0 && loaded) {
      GeoMaps.ready = true;
      var maps = document.querySelectorAll(".folium-map");
      for (var i = 0; i < maps.length; i++) maps[i].setAttribute("data-ready", "true");
    }
  }

  // Phone widths (under 600 px): controls start folded.
  GeoMaps.narrow = function () {
    return !!(window.matchMedia && window.matchMedia("(max-width: 599.98px)").matches);
  };

  // An open popup sits above the map's controls (legend, layers, search), which would otherwise cover it.
  function raisePopups(map) {
    if (map._geoRaise) return;
    map._geoRaise = true;
    map.on("popupopen", function () { L.DomUtil.addClass(map.getContainer(), "geo-popup-open"); });
    map.on("popupclose", function () { L.DomUtil.removeClass(map.getContainer(), "geo-popup-open"); });
  }

  GeoMaps.isReady = function () {
    return GeoMaps.ready === true;
  };

  window.addEventListener("load", function () {
    loaded = true;
    checkReady();
  });

  function radiusFor(spec, props) {
    var r = spec.radius || {};
    var v = r.by ? props[r.by] : null;
    if (v === undefined || v === null) return r.unknown || r.min || 5;
    return Math.min(r.max || 16, (r.min || 3) + Math.sqrt(Number(v)) / (r.scale || 14));
  }

  function classFor(spec, props) {
    var v = Number(props[spec.classes.by] || 0);
    for (var i = 0; i < spec.classes.items.length; i++) {
      var c = spec.classes.items[i];
      if (c.high === null || v <= c.high) return c;
    }
    return spec.classes.items[spec.classes.items.length - 1];
  }

  function styleFor(spec, feature) {
    var props = feature.properties || {};
    var style = L.Util.extend({}, spec.style || {});
    if (spec.colourBy && props[spec.colourBy]) {
      style.color = style.color || props[spec.colourBy];
      style.fillColor = props[spec.colourBy];
      if (spec.outlineByColour) style.color = props[spec.colourBy];
    }
    if (spec.classes) style.fillColor = classFor(spec, props).colour;
    if (spec.radius) style.radius = radiusFor(spec, props);
    return style;
  }

  function findingsList(spec, keys, sentences) {
    var ul = node("ul", "geo-popup__findings");
    // Findings written for people (analysis.wording), when the page sent them; else the short labels.
    if (sentences && sentences.length) {
      sentences.forEach(function (t) { ul.appendChild(node("li", null, t)); });
      return ul;
    }
    (keys || []).forEach(function (k) {
      ul.appendChild(node("li", null, (spec.findingLabels && spec.findingLabels[k]) || k));
    });
    if (!keys || !keys.length) ul.appendChild(node("li", "geo-popup__none", "No findings"));
    return ul;
  }

  function popupNode(spec, props) {
    var wrap = node("div", "geo-popup");
    wrap.appendChild(node("h3", "geo-popup__title", props.name));
    var dl = node("dl", "geo-popup__fields");
    (spec.popup || []).forEach(function (field) {
      var label = field[0], key = field[1], format = field[2];
      if (format === "findings") return;
      dl.appendChild(node("dt", null, label));
      var value = props[key];
      if (format === "dated") value = formatValue(props[key], "number") + (props[field[3]] ? " (" + props[field[3]] + ")" : "");
      else value = formatValue(value, format);
      dl.appendChild(node("dd", null, value));
    });
    wrap.appendChild(dl);
    if ((spec.popup || []).some(function (f) { return f[2] === "findings"; })) {
      wrap.appendChild(node("p", "geo-popup__subtitle", "Findings"));
      wrap.appendChild(findingsList(spec, props.f, props.d));
    }
    if (spec.link) {
      var a = node("a", "geo-popup__link", spec.linkText || "Open");
      a.href = fillLink(spec.link, props);
      wrap.appendChild(a);
    }
    return wrap;
  }

  function tooltipNode(spec, props) {
    var wrap = node("span", "geo-tooltip");
    wrap.appendChild(node("strong", null, props.name));
    if (props.code) wrap.appendChild(node("span", null, " (" + props.code + ")"));
    if (spec.tooltipExtra && props[spec.tooltipExtra[1]] !== undefined) {
      wrap.appendChild(node("br"));
      wrap.appendChild(node("span", null, spec.tooltipExtra[0] + ": " + formatValue(props[spec.tooltipExtra[1]], "number")));
    }
    return wrap;
  }

  function bindFeature(map, spec, feature, layer) {
    var props = feature.properties || {};
    layer.bindTooltip(function () { return tooltipNode(spec, props); }, { sticky: spec.kind !== "point" });
    if (spec.kind !== "point" && props.name) {
      // A shape is named as its tooltip reads (name beside code, and its figure): an image to assistive technology
      // (not a Tab stop: the panel's list is the keyboard route to each shape).
      layer.on("add", function () {
        var el = layer.getElement ? layer.getElement() : null;
        if (!el) return;
        var text = props.name + (props.code ? " (" + props.code + ")" : "");
        if (spec.tooltipExtra && props[spec.tooltipExtra[1]] !== undefined) {
          text += ", " + spec.tooltipExtra[0] + ": " + formatValue(props[spec.tooltipExtra[1]], "number");
        }
        el.setAttribute("role", "img");
        el.setAttribute("aria-label", text);
      });
    }
    if (spec.clickOpensLink && spec.link) {
      layer.on("click", function () { window.location.href = fillLink(spec.link, props); });
    } else if (spec.popup) {
      layer.bindPopup(function () { return popupNode(spec, props); }, { maxWidth: 320 });
    }
    layer.feature = feature;
  }

  /* Permanent network names at each feature's point on surface (props.lp), shown from spec.labels.minZoom.
   * Placed without overlap: after every zoom or move, labels are laid out largest population first and a
   * label that would overlap one already placed (or lie off screen) is hidden; its name stays in the
   * tooltip, popup and the side panel. Text goes in through textContent. */
  /* A long name in two lines, split at the space nearest its middle, each line an element of its own: a name that
   * wrapped by itself would be one element over two line boxes, and where its lines lie over different shapes axe
   * cannot tell its background ("partially overlaps other elements"). */
  function labelLines(name) {
    if (name.length <= 22) return [name];
    var mid = name.length / 2, best = -1;
    for (var i = 0; i < name.length; i++) {
      if (name.charAt(i) === " " && (best < 0 || Math.abs(i - mid) < Math.abs(best - mid))) best = i;
    }
    return best < 0 ? [name] : [name.slice(0, best), name.slice(best + 1)];
  }

  function labelLayer(map, spec, group) {
    var labels = [];
    var layer = L.layerGroup();
    group.eachLayer(function (f) {
      var p = f.feature.properties || {};
      if (!p.lp) return;
      var el = node("span", "geo-label__text");
      labelLines(String(p.name || "")).forEach(function (line, i, all) {
        el.appendChild(node("span", "geo-label__line", line + (i < all.length - 1 ? " " : "")));
      });
      var marker = L.marker([p.lp[1], p.lp[0]], {
        icon: L.divIcon({ className: "geo-label", html: el, iconSize: null }),
        interactive: false,
        keyboard: false,
      });
      marker._geoCode = p.code;
      marker._geoRank = Number(p.population || 0);
      labels.push(marker);
      layer.addLayer(marker);
    });
    labels.sort(function (a, b) { return b._geoRank - a._geoRank || String(a._geoCode).localeCompare(String(b._geoCode)); });
    function place() {
      var show = map.getZoom() >= ((spec.labels && spec.labels.minZoom) || 0);
      var view = map.getContainer().getBoundingClientRect();
      // The map's own controls (legend, search, layers, attribution) count as taken: a name is never placed
      // under them, where it would be cut ("ORD RURAL PCN" under an open legend).
      // Their corner's whole box counts too: it lies over the map above the names, and a name under it (even
      // beside its controls) is one axe sees as overlapped.
      var taken = Array.prototype.map.call(
        map.getContainer().querySelectorAll(".leaflet-control, .leaflet-control-container > div"),
        function (c) { return c.getBoundingClientRect(); }
      ).filter(function (r) { return r.width > 0 && r.height > 0; });
      var els = labels.map(function (m) { return m.getElement(); });
      // Writes, then every read (one layout for all labels, not one per label), then writes again.
      els.forEach(function (el, i) {
        if (!el) return;
        el.setAttribute("data-code", labels[i]._geoCode);
        if (show) {
          el.style.visibility = "hidden";
          el.style.display = "";
        }
      });
      // Centre each name on its point once, with margins on the marker itself (a CSS transform on the text
      // would put the text outside its marker's box, which checkers read as overlapping the map).
      var sizes = els.map(function (el) {
        return el && show && !el._geoCentred && el.firstChild ? [el.firstChild.offsetWidth, el.firstChild.offsetHeight] : null;
      });
      els.forEach(function (el, i) {
        if (!sizes[i] || !sizes[i][0]) return;
        el.style.marginLeft = -Math.round(sizes[i][0] / 2) + "px";
        el.style.marginTop = -Math.round(sizes[i][1] / 2) + "px";
        el._geoCentred = true;
      });
      var boxes = els.map(function (el) {
        return el && show ? (el.firstChild || el).getBoundingClientRect() : null; // the text box (marker is 0×0)
      });
      els.forEach(function (el, i) {
        if (!el) return;
        var r = boxes[i];
        var visible = false;
        if (r) {
          var inside = r.left >= view.left && r.right <= view.right && r.top >= view.top && r.bottom <= view.bottom;
          visible = inside && !taken.some(function (t) {
            return r.left < t.right + 2 && r.right + 2 > t.left && r.top < t.bottom + 1 && r.bottom + 1 > t.top;
          });
          if (visible) taken.push(r);
        }
        el.style.visibility = visible ? "visible" : "hidden";
        el.style.display = visible ? "" : "none";
        el.setAttribute("data-placed", visible ? "true" : "false");
      });
    }
    map.on("zoomend moveend resize", place);
    group.on("add", function () { map.addLayer(layer); place(); });
    group.on("remove", function () { map.removeLayer(layer); });
    if (map.hasLayer(group)) { map.addLayer(layer); }
    map.whenReady(function () { setTimeout(place, 0); });
    group._geoLabels = layer;
    GeoMaps.placeLabels = place;
    map._geoPlaceLabels = place;
    return layer;
  }

  /* Focus one feature of a layer by code: fit it, open its popup (the side panel's rows call this). */
  GeoMaps.focusFeature = function (map, key, code) {
    var groups = GeoMaps.layers[mapName(map)] || [];
    for (var i = 0; i < groups.length; i++) {
      if (groups[i]._geoSpec.key !== key) continue;
      var hit = null;
      groups[i].eachLayer(function (layer) {
        if (!hit && layer.feature && layer.feature.properties.code === code) hit = layer;
      });
      if (hit) {
        focusOn(map, { layer: hit, spec: groups[i]._geoSpec, group: groups[i] });
        return true;
      }
    }
    return false;
  };

  GeoMaps.featureLayer = function (map, spec, data) {
    var name = mapName(map);
    raisePopups(map);
    var group = L.geoJSON(null, {
      style: function (f) { return styleFor(spec, f); },
      pointToLayer: function (f, latlng) { return L.circleMarker(latlng, styleFor(spec, f)); },
      onEachFeature: function (f, layer) { bindFeature(map, spec, f, layer); },
    });
    group._geoSpec = spec;
    (GeoMaps.layers[name] = GeoMaps.layers[name] || []).push(group);
    if (data) {
      group.addData(data);
      setCount(map, spec, data.features.length);
      if (spec.labels) labelLayer(map, spec, group);
    } else if (spec.url) {
      pending += 1;
      // Same request as the page's <link rel="preload" as="fetch" crossorigin>, so the preloaded body is used.
      fetch(spec.url, { credentials: "same-origin" })
        .then(function (resp) {
          if (!resp.ok) throw new Error("HTTP " + resp.status + " for " + spec.url);
          return resp.json();
        })
        .then(function (fc) {
          if (fc.classes && spec.classes) {
            spec.classes.items = fc.classes; // breaks chosen by the server for this data
            updateLegendClasses(map, spec);
          }
          group.addData(fc);
          setCount(map, spec, fc.features.length);
          if (spec.fit && fc.features.length) map.fitBounds(group.getBounds(), { padding: [8, 8], animate: false });
        })
        .catch(function (err) {
          GeoMaps.errors.push(String(err));
          console.error("geo_service: could not load layer", spec.key, String(err));
        })
        .then(function () {
          pending -= 1;
          checkReady();
        });
    } else {
      setCount(map, spec, 0);
    }
    return group;
  };

  function classList(classes) {
    var sub = node("ul", "geo-legend__classes");
    classes.forEach(function (c) {
      var ci = node("li", "geo-legend__class");
      ci.appendChild(swatch({ swatch: { shape: "polygon", fill: c.colour, stroke: "#425563" } }));
      ci.appendChild(node("span", null, c.label));
      sub.appendChild(ci);
    });
    return sub;
  }

  function updateLegendClasses(map, spec) {
    var lists = map.getContainer().querySelectorAll('[data-legend-layer="' + spec.key + '"] .geo-legend__classes');
    for (var i = 0; i < lists.length; i++) lists[i].parentNode.replaceChild(classList(spec.classes.items), lists[i]);
  }

  function swatch(entry) {
    var s = node("span", "geo-legend__swatch geo-legend__swatch--" + entry.swatch.shape);
    var st = entry.swatch;
    if (st.fill) s.style.backgroundColor = st.fill;
    if (st.stroke) s.style.borderColor = st.stroke;
    if (st.dash) s.style.borderStyle = "dashed";
    if (st.weight) s.style.borderWidth = Math.min(st.weight, 4) + "px";
    return s;
  }

  GeoMaps.legend = function (map, entries, options) {
    var control = L.control({ position: (options && options.position) || "bottomleft" });
    control.onAdd = function () {
      var box = node("details", "geo-legend leaflet-bar");
      box.open = !(options && options.collapsed) && !GeoMaps.narrow();
      box.appendChild(node("summary", "geo-legend__title", (options && options.title) || "Legend"));
      var list = node("ul", "geo-legend__list");
      entries.forEach(function (entry) {
        var li = node("li", "geo-legend__item");
        li.setAttribute("data-legend-layer", entry.key);
        if (entry.classes) {
          li.appendChild(node("span", "geo-legend__label", entry.title));
          li.appendChild(classList(entry.classes));
        } else {
          li.appendChild(swatch(entry));
          li.appendChild(node("span", "geo-legend__label", entry.title));
        }
        var count = node("span", "geo-legend__count");
        count.setAttribute("data-legend-count", entry.key);
        var known = (GeoMaps.counts[mapName(map)] || {})[entry.key];
        if (known !== undefined) count.textContent = "(" + thousands(known) + ")";
        li.appendChild(count);
        if (entry.note) li.appendChild(node("span", "geo-legend__note", entry.note));
        list.appendChild(li);
      });
      box.appendChild(list);
      box.addEventListener("toggle", function () { if (map._geoPlaceLabels) map._geoPlaceLabels(); });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    control.addTo(map);
    // Open only where it leaves the data in view: folded when it would cover over a sixth of the map or over
    // 40 % of its height (a reader opens it with one click; its title says what it is).
    var box = control.getContainer();
    if (box.open) {
      var m = map.getContainer().getBoundingClientRect();
      var r = box.getBoundingClientRect();
      if (m.width && m.height && (r.width * r.height > (m.width * m.height) / 6 || r.height > 0.4 * m.height)) {
        box.open = false;
      }
    }
    box.setAttribute("data-opened", box.open ? "open" : "folded");
    return control;
  };

  function searchable(map) {
    var out = [];
    (GeoMaps.layers[mapName(map)] || []).forEach(function (group) {
      if (!group._geoSpec.search) return;
      group.eachLayer(function (layer) {
        out.push({ layer: layer, spec: group._geoSpec, group: group });
      });
    });
    return out;
  }

  function focusOn(map, hit) {
    if (!map.hasLayer(hit.group)) map.addLayer(hit.group);
    if (hit.layer.getLatLng) map.setView(hit.layer.getLatLng(), Math.max(map.getZoom(), 13));
    else map.fitBounds(hit.layer.getBounds(), { padding: [16, 16] });
    if (hit.layer.getPopup && hit.layer.getPopup()) hit.layer.openPopup();
    else if (hit.spec.clickOpensLink && hit.spec.link) window.location.href = fillLink(hit.spec.link, hit.layer.feature.properties);
  }

  /* The in-map search: an ARIA 1.2 combobox (input role=combobox, a listbox of options, the active option
   * named by aria-activedescendant). Type, then ArrowDown/ArrowUp to move, Enter to pick (the first result
   * when none is active), Escape to close; a click or tap on an option picks it too. Results on the map focus
   * their feature; a practice found by the server opens its area map. The list is hidden while empty (an empty
   * listbox is an ARIA error); "No matches" is said in a status line outside it. */
  GeoMaps.search = function (map, options) {
    var control = L.control({ position: "topleft" });
    control.onAdd = function () {
      // A <details> box: open on wide screens, folded to its title under 600 px (phone).
      var box = node("details", "geo-search leaflet-bar");
      box.open = !GeoMaps.narrow();
      box.appendChild(node("summary", "geo-search__toggle", options.label || "Search"));
      var id = mapName(map) + "-search";
      var label = node("label", "geo-search__label", options.label || "Search");
      label.setAttribute("for", id);
      var input = node("input", "geo-search__input");
      input.type = "search";
      input.id = id;
      input.placeholder = options.placeholder || "Name, ODS code or postcode";
      input.setAttribute("autocomplete", "off");
      input.setAttribute("role", "combobox");
      input.setAttribute("aria-autocomplete", "list");
      input.setAttribute("aria-expanded", "false");
      input.setAttribute("aria-controls", id + "-results");
      var results = node("ul", "geo-search__results");
      results.id = id + "-results";
      results.setAttribute("role", "listbox");
      results.setAttribute("aria-label", (options.label || "Search") + ": results");
      results.hidden = true;
      var status = node("p", "geo-search__status");
      status.setAttribute("role", "status");
      box.appendChild(label);
      box.appendChild(input);
      box.appendChild(results);
      box.appendChild(status);
      var timer = null;
      var active = -1;
      var serial = 0;

      function options_() { return results.querySelectorAll('[role="option"]'); }

      function sync() {
        var n = options_().length;
        results.hidden = n === 0;
        input.setAttribute("aria-expanded", n ? "true" : "false");
        if (!n) { active = -1; input.removeAttribute("aria-activedescendant"); }
      }

      function setActive(i) {
        var opts = options_();
        if (!opts.length) return;
        active = (i + opts.length) % opts.length;
        for (var k = 0; k < opts.length; k++) {
          var on = k === active;
          opts[k].classList.toggle("geo-search__result--active", on);
          opts[k].setAttribute("aria-selected", on ? "true" : "false");
        }
        input.setAttribute("aria-activedescendant", opts[active].id);
        opts[active].scrollIntoView({ block: "nearest" });
      }

      function say(text, empty) {
        status.textContent = text;
        status.classList.toggle("geo-search__empty", !!empty);
      }

      function option(parts, kind, pick) {
        var li = node("li", "geo-search__result geo-search__button");
        li.id = id + "-option-" + (serial += 1);
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.appendChild(node("strong", null, parts.name));
        li.appendChild(node("span", null, " " + [parts.code, parts.postcode].filter(Boolean).join(" · ")));
        li.appendChild(node("span", "geo-search__kind", " " + kind));
        li._geoPick = pick;
        li.addEventListener("click", pick);
        return li;
      }

      function run() {
        var q = input.value.trim().toLowerCase();
        var qCompact = q.replace(/\s+/g, "");
        results.textContent = "";
        say("");
        sync();
        if (q.length < 2) return;
        var hits = searchable(map).filter(function (hit) {
          var p = hit.layer.feature.properties;
          return (
            String(p.name || "").toLowerCase().indexOf(q) !== -1 ||
            String(p.code || "").toLowerCase() === q ||
            String(p.code || "").toLowerCase().indexOf(q) === 0 ||
            (p.postcode && String(p.postcode).toLowerCase().replace(/\s+/g, "").indexOf(qCompact) === 0)
          );
        });
        hits.slice(0, options.max || 8).forEach(function (hit) {
          results.appendChild(option(hit.layer.feature.properties, hit.spec.title, function () { focusOn(map, hit); }));
        });
        if (options.remote) {
          var asked = input.value.trim();
          fetch(options.remote + (options.remote.indexOf("?") === -1 ? "?" : "&") + "q=" + encodeURIComponent(asked), {
            credentials: "same-origin",
          })
            .then(function (resp) { return resp.ok ? resp.json() : { results: [] }; })
            .then(function (body) {
              if (input.value.trim() !== asked) return; // a newer search is under way
              (body.results || []).forEach(function (p) {
                if (!p.area) return;
                var href = fillLink(options.remoteLink, { code: p.area });
                var li = option(p, "practice: open its area map (" + p.area + ")", function () { window.location.href = href; });
                li.classList.add("geo-search__practice");
                li.setAttribute("data-href", href);
                results.appendChild(li);
              });
              var n = options_().length;
              if (n) say(n === 1 ? "1 result" : n + " results");
              sync();
            })
            .catch(function (err) { console.warn("geo_service: practice search failed", String(err)); });
        }
        var n = options_().length;
        if (n) say(n === 1 ? "1 result" : n + " results");
        else say("No matches", true);
        sync();
      }
      input.addEventListener("input", function () {
        map.closePopup(); // a new search: the last result's popup must not cover the list
        clearTimeout(timer);
        timer = setTimeout(run, 120);
      });
      input.addEventListener("keydown", function (e) {
        var opts = options_();
        if (e.key === "ArrowDown" || e.key === "Down") {
          e.preventDefault();
          setActive(active + 1);
        } else if (e.key === "ArrowUp" || e.key === "Up") {
          e.preventDefault();
          setActive(active < 0 ? -1 : active - 1);
        } else if (e.key === "Enter") {
          e.preventDefault(); // never submits a form around the map
          if (!opts.length) return;
          var chosen = opts[active >= 0 ? active : 0];
          if (chosen && chosen._geoPick) chosen._geoPick();
        } else if (e.key === "Escape" || e.key === "Esc") {
          if (opts.length) {
            e.preventDefault();
            results.textContent = "";
            sync();
          }
        }
      });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    control.addTo(map);
    return control;
  };

  /* A symbol button's name as visually hidden text (issue 20, axe label-content-name-mismatch): an aria-label
   * that its visible symbol ("+", "⤢") is not part of is flagged for review; hidden text is the name itself. */
  function nameByText(el, text) {
    el.removeAttribute("aria-label");
    var hidden = node("span", "geo-control-name", text);
    var st = hidden.style;  // set through the CSSOM: the pages' CSP allows no inline style attributes
    st.position = "absolute"; st.width = "1px"; st.height = "1px"; st.overflow = "hidden";
    st.clip = "rect(0 0 0 0)"; st.whiteSpace = "nowrap"; st.margin = "-1px"; st.padding = "0";
    el.appendChild(hidden);
  }

  GeoMaps.fitControl = function (map, bounds) {
    var control = L.control({ position: "topleft" });
    control.onAdd = function () {
      var bar = node("div", "leaflet-bar geo-fit");
      var a = node("a", "geo-fit__button");
      a.href = "#";
      a.title = "Fit map to the data";
      a.setAttribute("role", "button");
      a.appendChild(node("span", null, "⤢")).setAttribute("aria-hidden", "true");
      nameByText(a, "Fit map to the data");
      // Leaflet's zoom buttons above it likewise: named by their text, not an aria-label their "+" does not match.
      var zoom = map.getContainer().querySelectorAll(".leaflet-control-zoom a[aria-label]");
      for (var z = 0; z < zoom.length; z++) {
        nameByText(zoom[z], zoom[z].getAttribute("aria-label"));
        // U+2212 is a symbol whose contrast axe cannot judge (it asks for review); a dash reads the same.
        var sign = zoom[z].querySelector("span[aria-hidden]");
        if (sign && sign.textContent === "\u2212") sign.textContent = "\u2013";
      }
      L.DomEvent.on(a, "click", function (e) {
        L.DomEvent.preventDefault(e);
        map.fitBounds(bounds, { padding: [8, 8] });
      });
      bar.appendChild(a);
      L.DomEvent.disableClickPropagation(bar);
      return bar;
    };
    control.addTo(map);
    return control;
  };

  /* Keyboard order and names (issue 20). The map is one named Tab stop; inside it the controls (search, zoom,
   * layers, legend) come before the shapes, and the shapes themselves are not Tab stops: a page reaches each
   * network or area through its side panel's list (links and buttons with names), and a search result or a
   * panel row opens the shape's popup. On a phone the attribution folds to two lines (tap to read it all) so
   * it never covers the legend's toggle. */
  GeoMaps.arrange = function (map, title) {
    var el = map.getContainer();
    if (map._controlContainer && el.firstChild !== map._controlContainer) el.insertBefore(map._controlContainer, el.firstChild);
    el.setAttribute("role", "region");
    el.setAttribute("aria-label", "Map" + (title ? ": " + title : "") + " (arrow keys move it, + and - zoom)");
    function untab(layer) {
      var node_ = layer && layer.getElement ? layer.getElement() : null;
      // Leaflet listens for focus on a shape with a tooltip, which makes Chromium give it a Tab stop of its own.
      if (node_ && node_.setAttribute && !L.DomUtil.hasClass(node_, "leaflet-container")) {
        node_.setAttribute("tabindex", "-1");
      }
    }
    map.eachLayer(untab);
    map.on("layeradd", function (e) { untab(e.layer); });
    // Zoom and fit buttons are named by their title (their symbols are decoration): a name that differs from
    // the visible text ("+" named "Zoom in") is what axe cannot judge.
    var buttons = el.querySelectorAll(".leaflet-control-zoom a, .geo-fit__button");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].removeAttribute("aria-label");
      L.DomUtil.addClass(buttons[i], "geo-symbol-button");
      buttons[i].textContent = "";
    }
    if (map.attributionControl) {
      map.attributionControl.setPrefix('<a href="https://leafletjs.com" title="A JavaScript library for interactive maps">Leaflet</a>');
    }
    var attribution = el.querySelector(".leaflet-control-attribution");
    if (attribution && !attribution._geoFold) {
      attribution._geoFold = true;
      attribution.classList.add("geo-attribution");
      attribution.addEventListener("click", function (e) {
        if (e.target.closest && e.target.closest("a")) return;
        attribution.classList.toggle("geo-attribution--open");
      });
    }
  };

  /* Side panels beside a map (area, overview, network, findings): a button folds the panel to its title, and
   * the map takes the room (Leaflet is told its new size). */
  GeoMaps.togglePanel = function (button) {
    var open = button.getAttribute("aria-expanded") === "true";
    var body = document.getElementById(button.getAttribute("aria-controls"));
    button.setAttribute("aria-expanded", open ? "false" : "true");
    button.textContent = button.textContent.replace(open ? /^Hide/ : /^Show/, open ? "Show" : "Hide");
    if (body) body.hidden = open;
    var row = button.closest(".geo-map-row");
    if (row) row.classList.toggle("geo-map-row--folded", open);
    var maps = document.querySelectorAll(".folium-map");
    for (var i = 0; i < maps.length; i++) if (window[maps[i].id] && window[maps[i].id].invalidateSize) window[maps[i].id].invalidateSize();
  };
  document.addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest(".geo-panel__toggle") : null;
    if (button) GeoMaps.togglePanel(button);
  });

  /* Attribution arrives as plain text pieces (escaped here) plus the basemap's own, trusted, HTML. */
  GeoMaps.attribution = function (map, pieces, basemapHtml) {
    var control = map.attributionControl;
    if (!control) return;
    control.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');  // text only: no image inside a text link
    pieces.forEach(function (text) { control.addAttribution(GeoMaps.escapeHtml(text)); });
    if (basemapHtml) control.addAttribution(basemapHtml);
  };

  /* Area map side panel (#area-panel, templates/maps/area.html): a row's button (click, or Enter/Space: it is a
   * <button>) focuses its network on the map and opens its popup. Delegated from the document, so it needs no
   * script of its own nor to wait for the panel (one request fewer per area page). No data passes through
   * innerHTML here. */
  document.addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest("#area-panel .geo-panel__focus") : null;
    if (!button) return;
    var panel = document.getElementById("area-panel");
    var el = document.querySelector("#map-frame .folium-map");
    var map = el && window[el.id];
    if (!panel || !map) return;
    var rows = panel.querySelectorAll(".geo-panel__row--selected");
    for (var i = 0; i < rows.length; i++) rows[i].classList.remove("geo-panel__row--selected");
    var pressed = panel.querySelectorAll(".geo-panel__focus[aria-pressed]");
    for (var j = 0; j < pressed.length; j++) pressed[j].removeAttribute("aria-pressed");
    button.parentNode.classList.add("geo-panel__row--selected");
    button.setAttribute("aria-pressed", "true");
    GeoMaps.focusFeature(map, "networks", button.getAttribute("data-code"));
    panel.setAttribute("data-focused", button.getAttribute("data-code"));
  });
})();
