/* "My room": keep check-ins that could not be sent in localStorage and send them again, with
   the same client_id, when the line comes back. Without JavaScript the forms post as usual. */
(function () {
  "use strict";
  var KEY = "vconf-pending-checkins";
  var pending = document.getElementById("pending");
  var list = document.getElementById("js-messages");
  var sending = false;
  var failed = false;

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
  function say(text) {
    var li = document.createElement("li");
    li.className = "error";
    li.textContent = text;
    list.appendChild(li);
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
        if (!r.ok) { failed = true; say(errorText(data) || String(r.status)); }
      });
    }).then(function () {
      sending = false;
      if (load().length) { send(); } else if (!failed) { location.reload(); }
    }, function () {
      sending = false;
      show(load());
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.checkin"), function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var f = form.elements;
      var body = { endpoint: Number(f.endpoint.value), kind: f.kind.value, client_id: f.client_id.value };
      if (f.attendees) { body.attendees = f.attendees.value === "" ? null : Number(f.attendees.value); }
      if (f.issue_type) { body.issue_type = f.issue_type.value; }
      if (f.note) { body.note = f.note.value; }
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

  window.addEventListener("online", send);
  setInterval(send, 15000);
  show(load());
  send();
})();
