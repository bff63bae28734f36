/* The editor's "Suggest" button (issue 22): ask for a proposal for the area on screen, then show its scorecard,
   the notes and one sentence per moved practice, with links to the new draft plan and the compare page.
   Every text from data goes in via textContent. */
(function () {
  "use strict";
  var button = document.getElementById("plan-suggest") || document.getElementById("plan-suggest-all");
  if (!button) { return; }
  var everyArea = button.id === "plan-suggest-all";
  var cfg = JSON.parse(document.getElementById("plan-config").textContent);
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var box = document.getElementById("plan-suggestion");
  var fmt = new Intl.NumberFormat("en-GB");

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }

  function row(table, label, before, after) {
    var tr = el("tr");
    tr.appendChild(el("th", label));
    tr.appendChild(el("td", before));
    tr.appendChild(el("td", after));
    table.appendChild(tr);
  }

  function link(href, text) {
    var a = el("a", text);
    a.href = href;
    return a;
  }

  function show(out) {
    box.textContent = "";
    var card = out.scorecard, b = card.before, a = card.after;
    var p = el("p", "");
    p.appendChild(document.createTextNode("New draft plan: "));
    p.appendChild(link(out.links.editor, out.plan.name));
    p.appendChild(document.createTextNode(" · "));
    p.appendChild(link(out.links.compare, "compare with this plan"));
    p.id = "plan-suggestion-plan";
    box.appendChild(p);
    var table = el("table", null, "nhsuk-table plan-scorecard");
    table.id = "plan-scorecard";
    var cap = el("caption", "Scorecard (before → after)");
    table.appendChild(cap);
    var head = el("tr");
    ["", "Before", "After"].forEach(function (h) { head.appendChild(el("th", h)); });
    table.appendChild(head);
    row(table, "Networks in band", b.in_band + " of " + b.networks, a.in_band + " of " + a.networks);
    row(table, "Under / over the band", b.under + " / " + b.over, a.under + " / " + a.over);
    row(table, "Dominated networks", String(b.dominated), String(a.dominated));
    row(table, "Crossing commissioner areas", String(b.crossing_areas), String(a.crossing_areas));
    row(table, "Not contiguous", String(b.not_contiguous), String(a.not_contiguous));
    row(table, "Farthest member (km)", String(b.farthest_member_km), String(a.farthest_member_km));
    row(table, "Patients moved", "", fmt.format(card.patients_moved) + " of " + fmt.format(card.patients));
    row(table, "Practices moved", "", fmt.format(card.practices_moved));
    row(table, "Networks touched", "", fmt.format(card.networks_touched));
    box.appendChild(table);
    if (out.notes.length) {
      box.appendChild(el("h3", "Where the rules cannot all be met", "nhsuk-heading-xs"));
      var notes = el("ul", null, "plan-suggestion-notes");
      out.notes.forEach(function (n) { notes.appendChild(el("li", n.message)); });
      box.appendChild(notes);
    }
    box.appendChild(el("h3", "Moves (" + out.moves.length + ")", "nhsuk-heading-xs"));
    var moves = el("ul", null, "plan-suggestion-moves");
    moves.id = "plan-suggestion-moves";
    out.moves.forEach(function (m) { moves.appendChild(el("li", m.sentence)); });
    box.appendChild(moves);
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (resp) {
      return resp.json().then(function (data) {
        if (!resp.ok) { throw new Error(data.detail || ("HTTP " + resp.status)); }
        return data;
      });
    });
  }

  function follow(job) {  // a background job: show its progress until it ends, then the plan's scorecard
    var progress = el("p", "Queued…");
    progress.id = "plan-suggest-progress";
    progress.setAttribute("role", "status");
    box.textContent = "";
    box.appendChild(progress);
    return new Promise(function (resolve, reject) {
      function poll() {
        getJson(job.links.job).then(function (state) {
          if (state.state === "done") {
            return getJson(state.links.suggestion).then(function (found) {
              found.plan = { name: "Suggested networks (" + state.plan + ")" };
              show(found);
              resolve();
            });
          }
          if (state.state === "failed") { throw new Error(state.error || "The suggestion failed."); }
          progress.textContent = state.total ? "Areas done: " + state.progress + " of " + state.total +
            (state.message ? " (" + state.message + ")" : "") : "Queued…";
          window.setTimeout(poll, 2000);
        }).catch(reject);
      }
      poll();
    });
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    box.textContent = "Working out a suggestion…";
    fetch(cfg.suggest, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(everyArea ? {} : { area: cfg.area })
    }).then(function (resp) {
      return resp.json().then(function (data) {
        if (!resp.ok) { throw new Error(data.detail || ("HTTP " + resp.status)); }
        if (resp.status === 202) { return follow(data); }
        show(data);
      });
    }).catch(function (e) { box.textContent = e.message; })
      .then(function () { button.disabled = false; });
  });
}());
