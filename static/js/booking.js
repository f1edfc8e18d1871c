// Booking form enhancements. The form works without them: a ticked unit already means
// "every endpoint below" on the server. Here ticking a unit ticks everything below it (so staff
// see what they chose), unticking one endpoint unticks the units above it, a box filters the
// tree by name (ignoring accents and case), a line counts the rooms chosen (groups included),
// "Số buổi" shows only for a repeating meeting, and the endpoint page copies its feed link.
// At national size the provinces come folded (li[data-lazy-unit]): opening one fetches its
// part of the tree; the host list offers the halls, and a search box finds any other room.
(function () {
  "use strict";

  // Same folding as vconf/folding.py: đ is its own letter, not d with a mark.
  function fold(text) {
    return text.replace(/đ/g, "d").replace(/Đ/g, "d").normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function below(box) {
    var item = box.closest("li");
    return item ? item.querySelectorAll(":scope > ul input[type=checkbox]") : [];
  }

  function above(box) {
    var result = [];
    var item = box.closest("li");
    while (item && item.parentElement) {
      item = item.parentElement.closest("li");
      if (!item) break;
      var own = item.querySelector(":scope > label > input[data-select-below]");
      if (own) result.push(own);
    }
    return result;
  }

  function refreshIndeterminate(tree) {
    tree.querySelectorAll("input[data-select-below]").forEach(function (unit) {
      var boxes = Array.prototype.slice.call(below(unit));
      var ticked = boxes.filter(function (b) { return b.checked; }).length;
      unit.indeterminate = !unit.checked && ticked > 0 && ticked < boxes.length;
    });
  }

  function refreshCount(tree) {
    var line = tree.parentElement.querySelector("[data-chosen]");
    if (!line) return;
    var chosen = {};
    tree.querySelectorAll("input[name=endpoints]:checked").forEach(function (b) { chosen[b.value] = true; });
    var folded = 0;  // a ticked province not opened yet counts all its rooms
    tree.querySelectorAll("li[data-lazy-unit]").forEach(function (li) {
      var own = li.querySelector(":scope > label > input[data-select-below]");
      if (own && own.checked) folded += Number(li.getAttribute("data-rooms")) || 0;
    });
    var form = tree.closest("form");
    (form ? form.querySelectorAll("input[data-group-rooms]:checked") : []).forEach(function (g) {
      g.getAttribute("data-group-rooms").split(",").forEach(function (id) { if (id) chosen[id] = true; });
    });
    line.textContent = tree.getAttribute("data-chosen-text").replace("{n}", Object.keys(chosen).length + folded);
    line.hidden = false;
  }

  // A folded province's rooms, fetched once; ticked already if the province was.
  function openUnit(tree, li, opener) {
    if (!li || li.hasAttribute("data-loading")) return;
    li.setAttribute("data-loading", "");
    fetch(li.getAttribute("data-lazy-unit"), { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.text();
    }).then(function (html) {
      var list = li.querySelector(":scope > ul");
      list.innerHTML = html;
      li.removeAttribute("data-lazy-unit");
      opener.remove();
      var own = li.querySelector(":scope > label > input[data-select-below]");
      if (own && own.checked) below(own).forEach(function (b) { b.checked = true; });
      refreshIndeterminate(tree);
      refreshCount(tree);
    }).catch(function () {
      li.removeAttribute("data-loading");
    });
  }

  document.querySelectorAll("[data-tree]").forEach(function (tree) {
    tree.addEventListener("change", function (event) {
      var box = event.target;
      if (box.type !== "checkbox") return;
      if (box.hasAttribute("data-select-below")) {
        below(box).forEach(function (b) { b.checked = box.checked; });
      }
      if (!box.checked) {
        above(box).forEach(function (u) { u.checked = false; });
      }
      refreshIndeterminate(tree);
      refreshCount(tree);
    });
    tree.addEventListener("click", function (event) {
      var opener = event.target.closest("[data-open-unit]");
      if (!opener) return;
      event.preventDefault();
      openUnit(tree, opener.closest("li[data-lazy-unit]"), opener);
    });
    var form = tree.closest("form");
    if (form) {
      form.querySelectorAll("input[data-group-rooms]").forEach(function (g) {
        g.addEventListener("change", function () { refreshCount(tree); });
      });
    }
    // Units ticked on the server (a refused form shown again) show their endpoints ticked too.
    tree.querySelectorAll("input[data-select-below]:checked").forEach(function (unit) {
      below(unit).forEach(function (b) { b.checked = true; });
    });
    refreshIndeterminate(tree);
    refreshCount(tree);

    var filter = tree.parentElement.querySelector(".tree-filter");
    if (filter) {
      filter.hidden = false;
      filter.addEventListener("input", function () {
        var text = fold(filter.value.trim());
        tree.querySelectorAll("li").forEach(function (li) {
          li.style.display = !text || fold(li.textContent).indexOf(text) !== -1 ? "" : "none";
        });
      });
    }
  });

  // The host: type part of a name (accents and case do not matter), pick one of the rooms found.
  document.querySelectorAll("select[data-host-search]").forEach(function (select) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "host-search";
    box.placeholder = select.form ? select.form.getAttribute("data-host-search-hint") || "" : "";
    box.setAttribute("aria-label", box.placeholder);
    box.setAttribute("autocomplete", "off");
    var found = document.createElement("ul");
    found.className = "host-found";
    found.setAttribute("role", "listbox");
    found.hidden = true;
    select.parentElement.insertBefore(box, select);
    select.parentElement.insertBefore(found, select.nextSibling);
    var timer = null;
    var asked = 0;
    function pick(id, name) {
      var option = Array.prototype.find.call(select.options, function (o) { return o.value === String(id); });
      if (!option) {
        option = new Option(name, String(id));
        select.add(option);
      }
      select.value = String(id);
      found.hidden = true;
      box.value = "";
    }
    box.addEventListener("input", function () {
      window.clearTimeout(timer);
      var text = box.value.trim();
      if (text.length < 2) { found.hidden = true; return; }
      timer = window.setTimeout(function () {
        var mine = ++asked;
        fetch(select.getAttribute("data-host-search") + "?q=" + encodeURIComponent(text), { credentials: "same-origin" })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) {
            if (mine !== asked) return;  // a later search answered first
            found.innerHTML = "";
            data.results.forEach(function (row) {
              var item = document.createElement("li");
              var button = document.createElement("button");
              button.type = "button";
              button.className = "link";
              button.textContent = row.name + " — " + row.unit;
              button.addEventListener("click", function () { pick(row.id, row.name); });
              item.appendChild(button);
              found.appendChild(item);
            });
            found.hidden = !data.results.length;
          });
      }, 200);
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {  // the first room found, not the form's submit
        event.preventDefault();
        var first = found.querySelector("button");
        if (first && !found.hidden) first.click();
      }
    });
  });

  // "Số buổi" and "skip conflicts" mean nothing for a meeting that does not repeat; a monthly
  // meeting from the 29th-31st says what happens in shorter months.
  var repeat = document.querySelector("select[name=repeat]");
  if (repeat) {
    var day = document.querySelector("input[name=day]");
    var refreshRepeat = function () {
      document.querySelectorAll("[data-repeat-only]").forEach(function (el) { el.hidden = !repeat.value; });
      var hint = document.querySelector("[data-month-end-hint]");
      if (hint) {
        var date = day && day.value ? Number(day.value.slice(8, 10)) : 0;
        hint.hidden = !(repeat.value === "monthly" && date > 28);
        hint.querySelectorAll("[data-day]").forEach(function (el) { el.textContent = String(date); });
      }
    };
    repeat.addEventListener("change", refreshRepeat);
    if (day) day.addEventListener("change", refreshRepeat);
    refreshRepeat();
  }

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.querySelector(button.getAttribute("data-copy"));
    var status = button.parentElement.querySelector("[data-copy-status]");
    if (!source || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.value).then(function () {
        if (status) status.textContent = button.getAttribute("data-copied");
      }, function () {
        source.select();
      });
    });
  });

  document.querySelectorAll("button[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
})();
