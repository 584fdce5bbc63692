/* Repeating groups on the application form: "Add another" copies the group's blank item (its
   <template>, with __index__ in names and ids) after the last item; "Remove" takes an item out. The
   buttons are submit buttons without this script (the server adds or removes the item and comes back),
   so here they become plain buttons. Item indexes are never reused, so names stay unique; the numbers
   shown are redrawn. A change event on the form afterwards lets the autosave keep the new list. */
(function () {
  "use strict";
  var PLACEHOLDER = /__index__/g;

  function items(group) {
    return Array.prototype.slice.call(group.querySelector(".group-items").children);
  }

  function refresh(group) {
    var list = items(group);
    var min = parseInt(group.getAttribute("data-min-items") || "0", 10);
    var max = group.hasAttribute("data-max-items") ? parseInt(group.getAttribute("data-max-items"), 10) : Infinity;
    list.forEach(function (item, i) {
      item.querySelectorAll(".item-number").forEach(function (span) { span.textContent = String(i + 1); });
      item.querySelectorAll('[data-action="remove-item"]').forEach(function (b) { b.disabled = list.length <= min; });
    });
    group.querySelectorAll('[data-action="add-item"]').forEach(function (b) { b.disabled = list.length >= max; });
  }

  function changed(group) {
    var form = group.closest("form");
    if (form) form.dispatchEvent(new Event("change", {bubbles: true}));
  }

  function add(group) {
    var next = items(group).reduce(function (top, item) {
      var index = parseInt(item.getAttribute("data-index"), 10);
      return isNaN(index) ? top : Math.max(top, index + 1);
    }, 0);
    var holder = document.createElement("div");
    holder.innerHTML = group.querySelector("template.group-blank").innerHTML.replace(PLACEHOLDER, String(next));
    var item = holder.firstElementChild;
    plain(item);
    group.querySelector(".group-items").appendChild(item);
    refresh(group);
    var first = item.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
    changed(group);
  }

  function remove(group, item) {
    item.remove();
    refresh(group);
    var focus = group.querySelector('[data-action="add-item"]');
    if (focus) focus.focus();
    changed(group);
  }

  function plain(root) {
    root.querySelectorAll("[data-action]").forEach(function (b) { b.type = "button"; });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-action]");
    if (!button) return;
    var group = button.closest("[data-group]");
    if (!group) return;
    event.preventDefault();
    if (button.getAttribute("data-action") === "add-item") add(group);
    else if (button.getAttribute("data-action") === "remove-item") remove(group, button.closest(".group-item"));
  });

  function start() {
    document.querySelectorAll("[data-group]").forEach(function (group) { plain(group); refresh(group); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
