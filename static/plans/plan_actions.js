/* The plan's life in its page (issue 20): save its name and description, submit it, withdraw it, archive or
   unarchive it, approve it. Every step is one request to the JSON API with the plan's current ETag (If-Match, as
   the editor keeps it in document.body.dataset.planEtag); destructive steps ask first, in the page. After a step
   the page reloads, so what it shows (editing controls or the read-only view) is what the server decides. */
(function () {
  "use strict";
  var box = document.getElementById("plan-actions");
  if (!box) { return; }
  var cfg = JSON.parse(document.getElementById("plan-config").textContent);
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var statusEl = document.getElementById("plan-actions-status");
  var confirmBox = document.getElementById("plan-confirm");
  var pending = null;
  var lastButton = null;
  var DONE = "geo-plan-step-done";

  function etag() { return document.body.dataset.planEtag || cfg.etag; }

  function send(method, path, body) {
    return fetch(cfg.api + path, {
      method: method, credentials: "same-origin", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "If-Match": etag() }
    }).then(function (resp) {
      return resp.json().then(function (data) {
        if (!resp.ok) { throw new Error(data.detail || ("HTTP " + resp.status)); }
        return data;
      });
    });
  }

  var STEPS = {
    submit: { run: function () { return send("POST", "/status", { status: "submitted" }); }, done: "Submitted for approval." },
    withdraw: { run: function () { return send("POST", "/status", { status: "draft" }); }, done: "Withdrawn to draft." },
    approve: { run: function () { return send("POST", "/status", { status: "approved" }); }, done: "Approved." },
    archive: { run: function () { return send("PATCH", "", { archived: true }); }, done: "Archived." },
    unarchive: { run: function () { return send("PATCH", "", { archived: false }); }, done: "Unarchived." }
  };

  function finish(message) {
    try { window.sessionStorage.setItem(DONE, message); } catch (e) { /* private mode: the banner still says */ }
    window.location.reload();
  }

  function run(step) {
    statusEl.textContent = "Saving…";
    STEPS[step].run().then(function () { finish(STEPS[step].done); })
      .catch(function (e) { statusEl.textContent = e.message; if (lastButton) { lastButton.focus(); } });
  }

  function ask(step, button) {
    var question = button.getAttribute("data-ask");
    lastButton = button;
    if (!question) { run(step); return; }
    pending = step;
    document.getElementById("plan-confirm-text").textContent = question;
    document.getElementById("plan-confirm-yes").textContent = "Yes, " + button.textContent.toLowerCase();
    confirmBox.hidden = false;
    document.getElementById("plan-confirm-yes").focus();
  }

  function closeConfirm() {
    confirmBox.hidden = true;
    pending = null;
    if (lastButton) { lastButton.focus(); }
  }

  box.querySelectorAll("[data-step]").forEach(function (b) {
    b.addEventListener("click", function () { ask(b.getAttribute("data-step"), b); });
  });
  document.getElementById("plan-confirm-yes").addEventListener("click", function () {
    var step = pending;
    confirmBox.hidden = true;
    pending = null;
    if (step) { run(step); }
  });
  document.getElementById("plan-confirm-no").addEventListener("click", closeConfirm);
  confirmBox.addEventListener("keydown", function (e) { if (e.key === "Escape") { closeConfirm(); } });

  var details = document.getElementById("plan-details-form");
  if (details) {
    details.addEventListener("submit", function (e) {
      e.preventDefault();
      statusEl.textContent = "Saving…";
      send("PATCH", "", { name: details.elements.name.value, description: details.elements.description.value })
        .then(function () { finish("Saved the name and description."); })
        .catch(function (err) { statusEl.textContent = err.message; });
    });
  }

  var done = null;
  try { done = window.sessionStorage.getItem(DONE); window.sessionStorage.removeItem(DONE); } catch (e) { done = null; }
  if (done) {
    statusEl.textContent = done;
    var banner = document.getElementById("plan-banner");
    banner.setAttribute("tabindex", "-1");
    banner.focus();
  }
}());
