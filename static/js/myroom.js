/* "My room": keep check-ins that could not be sent in localStorage and send them again, with
   the same client_id, when the line comes back. Without JavaScript the forms post as usual. */
(function () {
  "use strict";
  var KEY = "vconf-pending-checkins";
  // What was confirmed just before the page reloads itself, shown once after the reload.
  var FLASH = "vconf-myroom-flash";
  var pending = document.getElementById("pending");
  var list = document.getElementById("js-messages");
  var sending = false;
  var failed = false;
  var confirmed = [];

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY)) || []; } catch (e) { return []; }
  }
  function save(items) {
    try { localStorage.setItem(KEY, JSON.stringify(items)); } catch (e) { /* private mode: memory only */ }
    show(items);
  }
  function show(items) {
    pending.hidden = !items.length;
    pending.textContent = pending.getAttribute("data-text").replace("%s", items.length);
  }
  function say(text, kind) {
    var li = document.createElement("li");
    li.className = kind || "error";
    li.setAttribute("role", kind === "success" ? "status" : "alert");
    li.textContent = text;
    list.appendChild(li);
  }
  // The same words as the page without JavaScript says after a post (rooms/views/operator_pages.py).
  function confirmation(status, data) {
    if (status === 200) { return list.getAttribute("data-replayed"); }
    if (data.kind === "in") { return list.getAttribute("data-in").replace("%s", data.attendees); }
    if (data.kind === "test") { return list.getAttribute(data.result === "ok" ? "data-test-ok" : "data-test-failed"); }
    return list.getAttribute(data.kind === "out" ? "data-out" : "data-issue");
  }
  function flash() {
    try {
      JSON.parse(sessionStorage.getItem(FLASH) || "[]").forEach(function (t) { say(t, "success"); });
      sessionStorage.removeItem(FLASH);
    } catch (e) { /* no storage: nothing was kept */ }
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16)), h = [];
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    for (var i = 0; i < 16; i++) { h.push((b[i] + 256).toString(16).slice(1)); }
    h = h.join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }
  function token() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function drop(id) {
    save(load().filter(function (x) { return x.body.client_id !== id; }));
  }
  function errorText(data) {
    var out = [];
    Object.keys(data || {}).forEach(function (k) { out = out.concat(data[k]); });
    return out.join(" ");
  }

  function send() {
    var items = load();
    if (sending || !items.length) { return; }
    sending = true;
    var item = items[0];
    fetch("/api/meetings/" + item.meeting + "/checkins/", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token() },
      body: JSON.stringify(item.body)
    }).then(function (r) {
      // Server busy or logged out: keep it and try again later (same client_id, no double count).
      if (r.status >= 500 || r.status === 429 || r.status === 401) { throw new Error(String(r.status)); }
      return r.json().catch(function () { return {}; }).then(function (data) {
        drop(item.body.client_id);
        if (!r.ok) { failed = true; say(errorText(data) || String(r.status)); } else { confirmed.push(confirmation(r.status, data)); }
      });
    }).then(function () {
      sending = false;
      if (load().length) { send(); return; }
      if (failed) { confirmed.forEach(function (t) { say(t, "success"); }); confirmed = []; return; }
      try { sessionStorage.setItem(FLASH, JSON.stringify(confirmed)); } catch (e) { /* shown below instead */ }
      confirmed = [];
      location.reload();
    }, function () {
      sending = false;
      show(load());
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.checkin"), function (form) {
    // The page may come from the service worker's copy: its ids were used when it was first
    // shown, and a used id would be answered as a replay and the new tap lost.
    form.elements.client_id.value = uuid();
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var f = form.elements;
      var body = { endpoint: Number(f.endpoint.value), kind: f.kind.value, client_id: f.client_id.value };
      if (f.attendees) { body.attendees = f.attendees.value === "" ? null : Number(f.attendees.value); }
      if (f.issue_type) { body.issue_type = f.issue_type.value; }
      if (f.note) { body.note = f.note.value; }
      // A test call's two buttons ("Gọi thử: tốt / lỗi") carry its result.
      if (event.submitter && event.submitter.name === "result") { body.result = event.submitter.value; }
      var items = load();
      items.push({ meeting: f.meeting.value, body: body });
      save(items);
      // A new id for the next tap on this form; this one stays with the queued record.
      f.client_id.value = uuid();
      var button = form.querySelector("button");
      button.disabled = true;
      setTimeout(function () { button.disabled = false; }, 2000);
      failed = false;
      send();
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll("button.copy"), function (button) {
    var input = document.getElementById(button.getAttribute("data-for"));
    button.hidden = false;
    button.addEventListener("click", function () {
      var done = function () { button.textContent = button.getAttribute("data-done"); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done);
      } else {
        input.select();
        if (document.execCommand("copy")) { done(); }
      }
    });
  });

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(function () { /* no worker: the page still works online */ });
  }
  window.addEventListener("online", send);
  setInterval(send, 15000);
  flash();
  show(load());
  send();
})();
