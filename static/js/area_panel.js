/* Area map side panel: a row's button (click, or Enter/Space: it is a <button>) focuses its network on the
 * map and opens its popup (GeoMaps.focusFeature in maps.js). No data passes through innerHTML here. */
(function () {
  "use strict";
  function mapOf() {
    var el = document.querySelector("#map-frame .folium-map");
    return el && window[el.id];
  }
  var panel = document.getElementById("area-panel");
  if (!panel) return;
  panel.addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest(".geo-panel__focus") : null;
    if (!button || !window.GeoMaps) return;
    var map = mapOf();
    if (!map) return;
    var rows = panel.querySelectorAll(".geo-panel__row--selected");
    for (var i = 0; i < rows.length; i++) rows[i].classList.remove("geo-panel__row--selected");
    button.parentNode.classList.add("geo-panel__row--selected");
    button.setAttribute("aria-pressed", "true");
    window.GeoMaps.focusFeature(map, "networks", button.getAttribute("data-code"));
    panel.setAttribute("data-focused", button.getAttribute("data-code"));
  });
})();
