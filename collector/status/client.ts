/**
 * The status page's only script, served as /status.js (a file, not inline, so the CSP needs no
 * 'unsafe-inline'). Every few seconds it fetches /status.json and swaps the sections whose markup
 * changed, nothing else: the summary line is the page's aria-live region, so a screen reader hears
 * a change of state, not every refresh. When the collector cannot be reached the page says so and
 * dims, instead of showing old figures as if they were current.
 */

/** How often the page refreshes. */
export const REFRESH_MS = 5000;

/** The script's source. */
export const STATUS_JS = `"use strict";
(function () {
  var REFRESH_MS = ${REFRESH_MS};
  var shown = {};
  var lastOk = Date.now();
  function byId(id) { return document.getElementById(id); }
  function swap(id, html) {
    var el = byId(id);
    if (el && shown[id] !== html) { el.innerHTML = html; shown[id] = html; }
  }
  function apply(view) {
    Object.keys(view.sections).forEach(function (id) { swap(id, view.sections[id]); });
    var summary = byId("summary");
    if (summary.getAttribute("data-text") !== view.summary.text) {
      summary.className = "summary t-" + view.summary.tone;
      summary.innerHTML = view.summary.html;
      summary.setAttribute("data-text", view.summary.text);
    }
    byId("period").textContent = view.period;
    byId("updated").textContent = view.updated;
    document.body.classList.remove("stale");
    lastOk = Date.now();
  }
  function lost(reason) {
    document.body.classList.add("stale");
    var ago = Math.round((Date.now() - lastOk) / 1000);
    byId("updated").textContent = "Connection to the collector lost (" + reason + "): data is " + ago + " s old";
  }
  function refresh() {
    fetch("/status.json", { cache: "no-store", headers: { accept: "application/json" } })
      .then(function (res) {
        if (!res.ok) throw new Error("HTTP " + res.status);
        return res.json();
      })
      .then(apply, function (err) { lost(err && err.message ? err.message : "network error"); })
      .then(function () { setTimeout(refresh, REFRESH_MS); });
  }
  setTimeout(refresh, REFRESH_MS);
})();
`;
