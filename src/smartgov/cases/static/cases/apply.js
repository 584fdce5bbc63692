/* The application form's conditional fields and repeating groups.

   A field with a condition ("show only if", data-show-if: the tested field's posted name as "input",
   "equals" or "in", and the tested field's kind) is hidden while the condition is false. Without this
   script every field shows, and the server ignores answers to fields whose condition is false, as it
   does here for hidden ones: a hidden answer is kept (so the applicant gets it back when the
   condition is true again) but neither checked nor used.

   Repeating groups: "Add another" copies the group's blank item (its
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

  function answer(form, condition) {
    var inputs = Array.prototype.filter.call(form.elements, function (e) { return e.name === condition.input; });
    var given = inputs.filter(function (e) { return e.type !== "checkbox" && e.type !== "radio" || e.checked; })
      .map(function (e) { return e.value.trim(); });
    if (!given.length || given[0] === "") return undefined;
    var value = given[0];
    if (condition.kind === "money") return Math.round(parseFloat(value) * 100);  // the schema holds fen
    if (condition.kind === "number" && value !== "" && !isNaN(Number(value))) return Number(value);
    return value;
  }

  function holds(condition, value) {
    if (value === undefined) return false;
    var wanted = condition["in"] !== undefined ? condition["in"] : [condition.equals];
    return wanted.some(function (w) { return String(w) === String(value); });
  }

  function showConditional(form) {
    form.querySelectorAll("[data-show-if]").forEach(function (field) {
      if (field.closest("template")) return;
      var condition = JSON.parse(field.getAttribute("data-show-if"));
      field.hidden = !holds(condition, answer(form, condition));
    });
  }

  document.addEventListener("input", function (event) {
    if (event.target.form) showConditional(event.target.form);
  });
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form");
    if (form) showConditional(form);
  });

  function start() {
    document.querySelectorAll("[data-group]").forEach(function (group) { plain(group); refresh(group); });
    document.querySelectorAll("form").forEach(function (form) {
      if (form.querySelector("[data-show-if]")) showConditional(form);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
