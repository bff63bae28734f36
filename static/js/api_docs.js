// Starts Swagger UI on /api/docs over the document named in data-spec-url (no inline script: CSP).
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "BaseLayout",
    validatorUrl: null,
    tryItOutEnabled: false
  });

  // Swagger UI's DOM, made keyboard- and screen-reader-friendly (WCAG 2.2 AA) as it renders: the server
  // picker gets a name, and the deep-link anchors nested inside each operation's toggle button (nested
  // interactive controls) become plain text (the button opens the operation; the URL still deep-links).
  function tidy() {
    var servers = document.getElementById("servers");
    if (servers && !servers.getAttribute("aria-label")) servers.setAttribute("aria-label", "Server");
    root.querySelectorAll("button a, .opblock-summary-control a").forEach(function (a) {
      var span = document.createElement("span");
      span.className = a.className;
      span.textContent = a.textContent;
      a.replaceWith(span);
    });
  }
  new MutationObserver(tidy).observe(root, { childList: true, subtree: true });
})();
