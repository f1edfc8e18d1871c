// Booking form enhancements. The form works without them: a ticked unit already means
// "every endpoint below" on the server. Here ticking a unit ticks everything below it (so staff
// see what they chose), unticking one endpoint unticks the units above it, and a box filters
// the tree by name.
(function () {
  "use strict";

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
    });
    // Units ticked on the server (a refused form shown again) show their endpoints ticked too.
    tree.querySelectorAll("input[data-select-below]:checked").forEach(function (unit) {
      below(unit).forEach(function (b) { b.checked = true; });
    });
    refreshIndeterminate(tree);

    var filter = tree.parentElement.querySelector(".tree-filter");
    if (filter) {
      filter.hidden = false;
      filter.addEventListener("input", function () {
        var text = filter.value.trim().toLowerCase();
        tree.querySelectorAll("li").forEach(function (li) {
          li.style.display = !text || li.textContent.toLowerCase().indexOf(text) !== -1 ? "" : "none";
        });
      });
    }
  });

  document.querySelectorAll("button[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
})();
