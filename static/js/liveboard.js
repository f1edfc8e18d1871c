/* Live board: a snapshot, then deltas (only the changed rows) over the WebSocket; when the
   socket fails, poll the attendance API. Rows are paged: only one page is in the document.
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
    tr.setAttribute("data-endpoint", e.endpoint);
    var name = el("td", "", e.name);
    if (e.is_host) { name.appendChild(document.createTextNode(" ")); name.appendChild(el("span", "badge", cfg.words.host)); }
    var state = el("td");
    state.appendChild(el("span", "badge state-" + e.state, cfg.labels[e.state] || e.state));
    if (e.late) { state.appendChild(document.createTextNode(" ")); state.appendChild(el("span", "badge late", cfg.words.late)); }
    if (e.not_ready) {
      state.appendChild(document.createTextNode(" "));
      state.appendChild(el("span", "badge warn", cfg.words.not_ready));
    }
    if (e.verification && e.verification !== "unverified") {
      state.appendChild(document.createTextNode(" "));
      state.appendChild(el("span", "badge verify-" + e.verification, (cfg.verification || {})[e.verification] || e.verification));
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

  // The board keeps every row it knows (a national board: 3,356) but puts only one page of them
  // in the document; a delta replaces only the changed rows that are on that page.
  var known = {}, order = [], page = 0, pageRows = cfg.page_rows || 100, shown = {};
  var pager = document.getElementById("board-pager");
  var provinceRows = document.getElementById("province-rows");
  window.vconfBoard = { seen: {}, messages: 0, lastGenerated: null };

  function pages() { return Math.max(1, Math.ceil(order.length / pageRows)); }
  function note(e, now) {
    // For the bench (bench/live_national.py): when each room was first painted checked in.
    if (e.checked_in_at && !window.vconfBoard.seen[e.endpoint]) { window.vconfBoard.seen[e.endpoint] = now; }
  }
  function drawPage() {
    page = Math.min(page, pages() - 1);
    var body = document.createElement("tbody");
    body.id = "board-rows";
    shown = {};
    order.slice(page * pageRows, (page + 1) * pageRows).forEach(function (id) {
      var tr = row(known[id]);
      shown[id] = tr;
      body.appendChild(tr);
    });
    rows.parentNode.replaceChild(body, rows);
    rows = body;
    drawPager();
  }
  function drawPager() {
    if (!pager) { return; }
    pager.textContent = "";
    if (order.length <= pageRows) { return; }
    var back = el("button", "", cfg.words.previous), next = el("button", "", cfg.words.next);
    back.type = next.type = "button";
    back.disabled = page === 0;
    next.disabled = page >= pages() - 1;
    back.onclick = function () { page -= 1; drawPage(); };
    next.onclick = function () { page += 1; drawPage(); };
    var label = cfg.words.page.replace("%(page)s", page + 1).replace("%(pages)s", pages()).replace("%(rows)s", order.length);
    [back, el("span", "", label), next].forEach(function (n) { pager.appendChild(n); });
  }
  function provinceLine(line) {
    if (!provinceRows) { return; }
    var tr = provinceRows.querySelector('tr[data-province="' + line.province + '"]');
    if (!tr) { return; }
    var figures = {
      endpoints: line.endpoints, connected: line.connected, ready: line.ready, not_checked_in: line.invited + line.no_show,
      attendees: line.attendees, rate: Math.round(line.attendance_rate * 100) + "%"
    };
    Object.keys(figures).forEach(function (k) {
      var td = tr.querySelector('[data-k="' + k + '"]');
      if (td) { td.textContent = figures[k]; }
    });
  }
  function header(snap, provinces) {
    totals(snap.totals);
    Object.keys(provinces).forEach(function (code) { provinceLine(provinces[code]); });
    statusBadge.textContent = cfg.statuses[snap.status] || snap.status;
    window.vconfBoard.lastGenerated = snap.generated_at;
  }

  // Messages update the rows kept in memory at once; the page is touched once per animation
  // frame, and only in the rows that changed since the last frame (a whole redraw only when rooms
  // join or leave the board, or a whole snapshot came).
  var dirty = {}, redraw = false, lastHeader = null, provinces = {}, frame = 0;
  function paint() {
    frame = 0;
    var now = Date.now();
    if (redraw) {
      redraw = false;
      drawPage();
    } else {
      Object.keys(dirty).forEach(function (id) {
        var tr = shown[id];
        if (tr && known[id]) { var fresh = row(known[id]); tr.parentNode.replaceChild(fresh, tr); shown[id] = fresh; }
      });
    }
    Object.keys(dirty).forEach(function (id) { if (known[id]) { note(known[id], now); } });
    dirty = {};
    if (lastHeader) { header(lastHeader, provinces); lastHeader = null; provinces = {}; }
  }
  function repaint() {
    if (frame) { return; }
    frame = window.requestAnimationFrame ? window.requestAnimationFrame(paint) : setTimeout(paint, 16);
  }
  function heading(snap) {
    // Each delta names only the provinces it changed: a frame shows them all, the totals of the last.
    (snap.provinces || []).forEach(function (line) { provinces[line.province] = line; });
    lastHeader = snap;
    window.vconfBoard.messages += 1;
  }
  function render(snap) {
    if (!snap) { return; }
    if (snap.type === "attendance.delta") { applyDelta(snap); return; }
    if (snap.type !== "attendance") { return; }
    known = {};
    dirty = {};
    order = snap.endpoints.map(function (e) { known[e.endpoint] = e; dirty[e.endpoint] = true; return e.endpoint; });
    redraw = true;
    provinces = {};
    heading(snap);
    repaint();
    schedule(snap);
  }
  function applyDelta(delta) {
    if (!order.length && !Object.keys(known).length) { resync(); return; }
    delta.removed.forEach(function (id) {
      if (known[id]) { delete known[id]; order = order.filter(function (x) { return x !== id; }); redraw = true; }
    });
    delta.endpoints.forEach(function (e) {
      if (!known[e.endpoint]) { order.push(e.endpoint); redraw = true; }
      known[e.endpoint] = e;
      dirty[e.endpoint] = true;
    });
    heading(delta);
    repaint();
  }
  function resync() {
    if (socket && socket.readyState === 1) { socket.send('{"type":"resync"}'); } else { poll(); }
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
