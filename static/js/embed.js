// Embeds (issue 20). Loaded in <head>, after Leaflet and before the map is made.
// 1. Shapes are drawn on an SVG exactly the map's size (Leaflet's default draws 10% beyond each edge, hidden by the
//    map's overflow but still laid out over the footer, where axe then cannot tell the footer's background).
// 2. The map's attribution (Leaflet's control: the data sources and any basemap's credit) moves into the footer,
//    under the map instead of over it, so at any height it hides none of the map; the footer's own copy of the
//    sources (for pages without JavaScript) then steps aside.
(function () {
  "use strict";
  if (window.L && L.Renderer) L.Renderer.prototype.options.padding = 0;
  document.addEventListener("DOMContentLoaded", function () {
    var footer = document.getElementById("embed-footer");
    var credit = document.querySelector("#map-frame .leaflet-control-attribution");
    if (!footer || !credit) return;
    footer.appendChild(credit);
    footer.classList.add("geo-embed__footer--credit-moved");
  });
})();
