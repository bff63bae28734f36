// "Embed this map" (issue 20: the embed builder). Each choice (layers, legend, basemap, height, pinned or live)
// rebuilds the embed address; the snippet, the oEmbed link and the preview follow it. The address is written in
// the canonical form the server uses (geo_service/embeds/views.py EmbedView.query: keys sorted, defaults left
// out, layers sorted) and the snippet as geo_service/embeds/snippet.py iframe_html writes it.
(function () {
  "use strict";

  function escapeHtml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#x27;");
  }

  function query(params) {
    return Object.keys(params).sort().map(function (k) {
      return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]);
    }).join("&");
  }

  function setUp(section) {
    var form = section.querySelector("#embed-builder");
    if (!form) return;
    var snippet = section.querySelector("#embed-snippet");
    var oembed = section.querySelector("#embed-oembed");
    var preview = section.querySelector("#embed-preview");
    var height = section.querySelector("#embed-height");
    var status = section.querySelector("#embed-status");
    var base = section.getAttribute("data-base");
    var path = section.getAttribute("data-path");
    var fixed = JSON.parse(section.getAttribute("data-fixed-query") || "{}");
    var version = section.getAttribute("data-version");
    var title = section.getAttribute("data-title");
    var defaultHeight = parseInt(section.getAttribute("data-default-height"), 10);
    var low = parseInt(height.min, 10), high = parseInt(height.max, 10);
    var timer = null;

    function chosenHeight() {
      var h = parseInt(height.value, 10);
      if (isNaN(h)) return null;
      return Math.min(high, Math.max(low, h));
    }

    function options(pinned) {
      var params = {};
      Object.keys(fixed).forEach(function (k) { if (k !== "height") params[k] = fixed[k]; });
      var boxes = form.querySelectorAll('input[name="layers"]');
      var changed = false, on = [];
      boxes.forEach(function (box) {
        if (box.checked) on.push(box.value);
        if (box.checked !== (box.getAttribute("data-default") === "on")) changed = true;
      });
      if (changed) params.layers = on.sort().join(",");
      if (!form.querySelector("#embed-basemap").checked) params.basemap = "off";
      if (!form.querySelector("#embed-legend").checked) params.legend = "off";
      var h = chosenHeight() || defaultHeight;
      if (h !== defaultHeight) params.height = String(h);
      if (pinned) params.version = version;
      return params;
    }

    function update() {
      var pinned = form.querySelector("#embed-pinned").checked;
      var params = options(pinned);
      var qs = query(params);
      var src = base + path + (qs ? "?" + qs : "");
      var h = chosenHeight() || defaultHeight;
      snippet.value = '<iframe src="' + escapeHtml(src) + '" title="' + escapeHtml("Map: " + title) + '"' +
        ' width="100%" height="' + h + '"' +
        ' style="border:0;width:100%;max-width:100%" loading="lazy" allowfullscreen' +
        ' referrerpolicy="strict-origin-when-cross-origin"></iframe>';
      oembed.value = section.getAttribute("data-oembed") + "?" + query({url: src, format: "json"});
      var local = path + (qs ? "?" + qs : "");
      if (preview.getAttribute("src") !== local) preview.setAttribute("src", local);
      preview.setAttribute("height", String(h));
      var invalid = chosenHeight() === null || chosenHeight() !== parseInt(height.value, 10);
      height.setAttribute("aria-invalid", invalid ? "true" : "false");
      status.textContent = invalid
        ? "Heights run from " + low.toLocaleString("en-GB") + " to " + high.toLocaleString("en-GB") +
          " pixels: the snippet uses " + h.toLocaleString("en-GB") + "."
        : "Snippet and preview updated: " + (pinned ? "pinned to data version " + version : "live") + ", " +
          h.toLocaleString("en-GB") + " pixels high.";
      section.setAttribute("data-embed-src", src);
    }

    form.addEventListener("change", update);
    form.addEventListener("submit", function (event) { event.preventDefault(); update(); });
    height.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(update, 400);  // typing "800" asks for one preview, not three
    });
    section.setAttribute("data-builder", "ready");
  }

  function copy(button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    field.select();
    var status = document.getElementById("embed-status");
    var done = function () {
      button.textContent = "Copied";
      if (status) status.textContent = "Copied to the clipboard.";
      setTimeout(function () { button.textContent = label; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (button) copy(button);
  });
  var section = document.getElementById("embed-this-map");
  if (section) setUp(section);
})();
