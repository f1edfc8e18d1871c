/* Live board: snapshots over the WebSocket; when the socket fails, poll the attendance API.
   The page is already complete without JavaScript (server-rendered); this only keeps it fresh.
   A sound socket says something at least every heartbeat (rooms/consumers.py HEARTBEAT_SECONDS):
   one that stays open but silent for SILENT_MS is not trusted, the board polls until it speaks. */
(function () {
  "use strict";
  var config = document.getElementById("board-config");
  var summary = document.getElementById("attendance-summary");
  if (!config) {
    // The meeting page's summary: fill the figures in once from the attendance API.
    if (summary) {
      fetch(summary.getAttribute("data-api"), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (snap) { if (snap) { totals(snap.totals); } }, function () {});
    }
    return;
  }
  var cfg = JSON.parse(config.textContent);
  var rows = document.getElementById("board-rows");
  var link = document.getElementById("board-link");
  var statusBadge = document.getElementById("board-status");
  var socket = null, pollTimer = null, retry = 1000, timers = [], silence = null;
  var MINUTE = 60000;
  var SILENT_MS = 3 * 15000;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function totals(t) {
    var figures = {
      connected: t.connected, ready: t.ready, not_checked_in: t.invited + t.no_show, attendees: t.attendees,
      rate: Math.round(t.attendance_rate * 100) + "%"
    };
    Object.keys(figures).forEach(function (k) {
      var node = document.querySelector('[data-total="' + k + '"]');
      if (node) { node.textContent = figures[k]; }
    });
  }
  function hhmm(iso) { return iso ? iso.slice(11, 16) : ""; }
  function setLink(word) { link.textContent = cfg.words[word]; }

  function row(e) {
    var tr = el("tr", e.not_ready ? "flag" : "");
    var name = el("td", "", e.name);
    if (e.is_host) { name.appendChild(document.createTextNode(" ")); name.appendChild(el("span", "badge", cfg.words.host)); }
    var state = el("td");
    state.appendChild(el("span", "badge state-" + e.state, cfg.labels[e.state] || e.state));
    if (e.late) { state.appendChild(document.createTextNode(" ")); state.appendChild(el("span", "badge late", cfg.words.late)); }
    if (e.not_ready) {
      state.appendChild(document.createTextNode(" "));
      state.appendChild(el("span", "badge warn", cfg.words.not_ready));
    }
    // The readiness ladder: the latest test call, and the escalation to the technical desk.
    var test = { tested: "ok", test_failed: "bad", not_tested: "" }[e.readiness];
    if (e.readiness && (e.readiness !== "not_tested" || e.state === "invited")) {
      state.appendChild(document.createTextNode(" "));
      state.appendChild(el("span", "badge " + test, cfg.words[e.readiness]));
    }
    if (e.escalated) { state.appendChild(document.createTextNode(" ")); state.appendChild(el("span", "badge bad", cfg.words.escalated)); }
    var issues = e.issues.map(function (i) {
      return hhmm(i.at) + " " + (cfg.issues[i.issue_type] || i.issue_type) + (i.note ? ": " + i.note : "");
    }).join("; ") + (e.issues_more ? " (+" + e.issues_more + ")" : "");
    [name, state, el("td", "num", e.attendees), el("td", "", hhmm(e.checked_in_at)), el("td", "", hhmm(e.checked_out_at)),
      el("td", "num", e.minutes_connected), el("td", "", issues)].forEach(function (td) { tr.appendChild(td); });
    return tr;
  }

  function render(snap) {
    if (!snap || snap.type !== "attendance") { return; }
    var body = document.createElement("tbody");
    body.id = "board-rows";
    snap.endpoints.forEach(function (e) { body.appendChild(row(e)); });
    rows.parentNode.replaceChild(body, rows);
    rows = body;
    totals(snap.totals);
    statusBadge.textContent = cfg.statuses[snap.status] || snap.status;
    schedule(snap);
  }

  // States change with the clock too (ready -> connected at the start, invited -> no_show after
  // the grace): ask for a fresh snapshot just after each of those instants.
  function schedule(snap) {
    timers.forEach(clearTimeout);
    timers = [];
    var skew = Date.parse(snap.generated_at) - Date.now();
    var start = Date.parse(snap.start), end = Date.parse(snap.end);
    [start - 15 * MINUTE, start, start + snap.grace_minutes * MINUTE, end].forEach(function (at) {
      var wait = at - (Date.now() + skew) + 1000;
      if (wait > 0 && wait < 86400000) { timers.push(setTimeout(refresh, wait)); }
    });
  }
  function refresh() {
    if (socket && socket.readyState === 1) { socket.send('{"type":"refresh"}'); } else { poll(); }
  }

  function poll() {
    fetch(cfg.api, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(render, function () { setLink("offline"); });
  }
  function startPolling() {
    if (pollTimer) { return; }
    setLink("polling");
    poll();
    pollTimer = setInterval(poll, cfg.poll_seconds * 1000);
  }
  function stopPolling() {
    if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
  }

  // Every message (snapshot or heartbeat) restarts the count; silence means the server's feed
  // lost its channel layer: poll until the socket speaks again.
  function heard() {
    clearTimeout(silence);
    silence = setTimeout(function () { if (socket) { startPolling(); } }, SILENT_MS);
  }

  function connect() {
    if (!window.WebSocket) { startPolling(); return; }
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    try { socket = new WebSocket(scheme + location.host + cfg.socket); } catch (e) { startPolling(); return; }
    socket.onopen = function () { retry = 1000; stopPolling(); setLink("live"); heard(); };
    socket.onmessage = function (event) {
      heard();
      if (pollTimer) { stopPolling(); setLink("live"); }
      render(JSON.parse(event.data));
    };
    socket.onclose = function (event) {
      socket = null;
      clearTimeout(silence);
      if (event.code === 4401 || event.code === 4403 || event.code === 4404) { setLink("forbidden"); return; }
      startPolling();
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 60000);
    };
  }
  connect();
})();
