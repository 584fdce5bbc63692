/* The no-code form builder: edits the field list the server turns into JSON Schema, and draws a live
   preview of the form as an applicant will see it (conditions included). The fields of a repeating
   group are edited with the same field editor as the form's own, one level deep (groups do not nest).
   No build step, no framework. */
(function () {
  "use strict";
  var T = JSON.parse(document.getElementById("builder-i18n").textContent);
  var fields = JSON.parse(document.getElementById("initial-fields").textContent) || [];
  var sections = JSON.parse(document.getElementById("initial-sections").textContent) || [];
  var preview = document.getElementById("preview");
  var english = (preview.getAttribute("data-lang") || "").indexOf("en") === 0;
  var answers = {};  // the preview's answers: {field: value}, and {group: [{field: value}, ...]}
  var itemsShown = {};  // group name -> how many items the preview shows
  var CONDITION_TYPES = ["text", "number", "money", "date", "choice", "phone"];
  // The types a new field may have, from the page's own list; a group's fields may be anything but a group.
  var TYPES = Array.prototype.map.call(document.getElementById("new-type").options, function (o) { return o.value; });
  var SUB_TYPES = TYPES.filter(function (t) { return t !== "group"; });

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else if (key.indexOf("on") === 0) node.addEventListener(key.slice(2), attrs[key]);
      else if (attrs[key] !== false && attrs[key] !== null && attrs[key] !== undefined) node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }
  function label(f) {
    var l = f.label || {};
    return (english ? (l.en || l.zh) : (l.zh || l.en)) || f.name || "";
  }
  function uniqueName(type, siblings) {
    var n = 1;
    while (siblings.some(function (f) { return f.name === type + "_" + n; })) n++;
    return type + "_" + n;
  }
  function newField(type, siblings) {
    var f = {name: uniqueName(type, siblings), type: type, label: {zh: T[type] || type, en: T[type] || type}};
    if (type === "choice" || type === "multi_choice") f.choices = [{value: "yes", label: {zh: "是", en: "Yes"}}, {value: "no", label: {zh: "否", en: "No"}}];
    if (type === "group") f.fields = [{name: "name", type: "text", label: {zh: "名称", en: "Name"}, required: true}];
    return f;
  }
  function numberOrDrop(f, key, value, integer) {
    if (value === "") { delete f[key]; return; }
    var parsed = integer ? parseInt(value, 10) : Number(value);
    if (!isNaN(parsed)) f[key] = parsed;
  }
  function choicesText(f) {
    return (f.choices || []).map(function (c) {
      var l = c.label || {};
      return [c.value, l.zh || "", l.en || ""].join(" | ");
    }).join("\n");
  }
  function parseChoices(text) {
    return text.split("\n").map(function (line) { return line.split("|").map(function (p) { return p.trim(); }); })
      .filter(function (p) { return p[0]; })
      .map(function (p) { return {value: p[0], label: {zh: p[1] || p[0], en: p[2] || p[1] || p[0]}}; });
  }

  function input(f, key, title, type, opts) {
    opts = opts || {};
    var id = "f-" + f.__id + "-" + key;
    var value = f[key] === undefined ? "" : f[key];
    var control = el(type === "textarea" ? "textarea" : "input", {
      id: id, type: type === "textarea" ? null : type, value: type === "textarea" ? null : value,
      "data-key": key, rows: type === "textarea" ? 3 : null,
      oninput: function (e) { opts.set ? opts.set(e.target.value) : (f[key] = e.target.value); changed(false); }
    });
    if (type === "textarea") control.value = opts.text !== undefined ? opts.text : value;
    return el("div", {"class": "field"}, [el("label", {"for": id, text: title}), control]);
  }
  function checkbox(f, key, title) {
    var id = "f-" + f.__id + "-" + key;
    return el("div", {"class": "field check"}, [
      el("input", {id: id, type: "checkbox", checked: f[key] ? "checked" : null, "data-key": key,
        onchange: function (e) { if (e.target.checked) f[key] = true; else delete f[key]; changed(false); }}),
      el("label", {"for": id, text: title})]);
  }

  /* One field's editor. ``siblings`` is the list holding it (the form's fields, or a group's), which
     its name must be unique in, its condition may refer to, and its moves and removal change. */
  function fieldEditor(f, index, siblings, parent) {
    if (f.__id === undefined) f.__id = ++ids;
    var card = el("fieldset", {"class": parent ? "field-card subfield" : "field-card", "data-field": f.name,
      "data-parent": parent ? parent.name : null});
    var heading = el("h3", {text: (index + 1) + ". " + (T[f.type] || f.type)});
    var parts = [
      heading,
      input(f, "name", T.name, "text", {set: function (v) { f.name = v; card.setAttribute("data-field", v); }}),
      input(f, "label_zh", T.label_zh, "text", {set: function (v) { f.label = f.label || {}; f.label.zh = v; }}),
      input(f, "label_en", T.label_en, "text", {set: function (v) { f.label = f.label || {}; f.label.en = v; }}),
      checkbox(f, "required", T.required)
    ];
    parts[2].querySelector("input").value = (f.label || {}).zh || "";
    parts[3].querySelector("input").value = (f.label || {}).en || "";
    if (f.type === "text" || f.type === "textarea") {
      parts.push(input(f, "min_length", T.min_length, "number", {set: function (v) { numberOrDrop(f, "min_length", v, true); }}));
      parts.push(input(f, "max_length", T.max_length, "number", {set: function (v) { numberOrDrop(f, "max_length", v, true); }}));
      if (f.type === "text") parts.push(input(f, "pattern", T.pattern, "text", {set: function (v) { if (v) f.pattern = v; else delete f.pattern; }}));
    }
    if (f.type === "number" || f.type === "money") {
      var note = f.type === "money" ? " (" + T.fen + ")" : "";
      parts.push(input(f, "minimum", T.minimum + note, "number", {set: function (v) { numberOrDrop(f, "minimum", v, f.type === "money"); }}));
      parts.push(input(f, "maximum", T.maximum + note, "number", {set: function (v) { numberOrDrop(f, "maximum", v, f.type === "money"); }}));
    }
    if (f.type === "date") {
      parts.push(input(f, "minimum", T.minimum, "date", {set: function (v) { if (v) f.minimum = v; else delete f.minimum; }}));
      parts.push(input(f, "maximum", T.maximum, "date", {set: function (v) { if (v) f.maximum = v; else delete f.maximum; }}));
    }
    if (f.type === "choice" || f.type === "multi_choice") {
      parts.push(input(f, "choices", T.choices, "textarea", {text: choicesText(f), set: function (v) { f.choices = parseChoices(v); }}));
    }
    if (f.type === "multi_choice" || f.type === "group") {
      parts.push(input(f, "min_items", T.min_items, "number", {set: function (v) { numberOrDrop(f, "min_items", v, true); }}));
      parts.push(input(f, "max_items", T.max_items, "number", {set: function (v) { numberOrDrop(f, "max_items", v, true); }}));
    }
    if (f.type === "file") parts.push(checkbox(f, "multiple", T.multiple));
    if (f.type === "group") parts.push(groupFieldsEditor(f));
    if (sections.length && !parent) {
      var sectionSelect = el("select", {id: "f-" + f.__id + "-section", "data-key": "section", onchange: function (e) {
        if (e.target.value) f.section = e.target.value; else delete f.section; changed(false); }},
        [el("option", {value: "", text: T.none})].concat(sections.map(function (s) {
          return el("option", {value: s.id, text: s.id, selected: f.section === s.id ? "selected" : null}); })));
      parts.push(el("div", {"class": "field"}, [el("label", {"for": sectionSelect.id, text: T.section}), sectionSelect]));
    }
    parts.push(conditionEditor(f, siblings));
    parts.push(el("p", {"class": "field-actions"}, [
      el("button", {type: "button", "class": "link", text: T.up, onclick: function () { move(siblings, index, -1); }}),
      el("button", {type: "button", "class": "link", text: T.down, onclick: function () { move(siblings, index, 1); }}),
      el("button", {type: "button", "class": "link danger", text: T.remove, "data-action": "remove",
        onclick: function () { siblings.splice(index, 1); changed(true); }})
    ]));
    parts.forEach(function (p) { card.appendChild(p); });
    return card;
  }
  /* A group's own fields: each with the full field editor, and a way to add another. */
  function groupFieldsEditor(group) {
    if (!Array.isArray(group.fields)) group.fields = [];
    var typeSelect = el("select", {id: "f-" + group.__id + "-new-type", "data-key": "new_subfield_type"},
      SUB_TYPES.map(function (t) { return el("option", {value: t, text: T[t] || t}); }));
    return el("div", {"class": "subfields", "data-subfields": group.name}, [
      el("h4", {text: T.subfields}),
      el("div", {"class": "subfield-list"}, group.fields.map(function (sub, i) { return fieldEditor(sub, i, group.fields, group); })),
      el("p", {"class": "add-field"}, [
        el("label", {"for": typeSelect.id, text: T.subfield_type}), typeSelect,
        el("button", {type: "button", "class": "button secondary", "data-action": "add-subfield", text: T.add_subfield,
          onclick: function () { group.fields.push(newField(typeSelect.value, group.fields)); changed(true); }})])
    ]);
  }
  function conditionEditor(f, siblings) {
    var others = siblings.filter(function (o) { return o !== f && !o.show_if && CONDITION_TYPES.indexOf(o.type) >= 0; });
    var cond = f.show_if || {};
    var condField = el("select", {id: "f-" + f.__id + "-show_if", "data-key": "show_if.field", onchange: function (e) {
      if (!e.target.value) delete f.show_if; else f.show_if = {field: e.target.value, equals: (f.show_if || {}).equals || ""};
      changed(true); }},
      [el("option", {value: "", text: T.always})].concat(others.map(function (o) {
        return el("option", {value: o.name, text: label(o) + " (" + o.name + ")", selected: cond.field === o.name ? "selected" : null}); })));
    var target = siblings.filter(function (o) { return o.name === cond.field; })[0];
    var setEquals = function (e) {
      if (!f.show_if) return;
      var value = e.target.value;
      // numbers compare as numbers in the schema's const, so store them as numbers
      f.show_if.equals = target && (target.type === "number" || target.type === "money") && value !== "" && !isNaN(Number(value)) ? Number(value) : value;
      changed(false);
    };
    var condValue = target && target.type === "choice"
      ? el("select", {"data-key": "show_if.equals", "aria-label": T.equals, onchange: setEquals},
          [el("option", {value: "", text: "—"})].concat((target.choices || []).map(function (c) {
            return el("option", {value: c.value, text: label(c), selected: String(cond.equals) === c.value ? "selected" : null}); })))
      : el("input", {type: "text", value: cond.equals === undefined ? "" : cond.equals, "data-key": "show_if.equals",
          "aria-label": T.equals, disabled: cond.field ? null : "disabled", oninput: setEquals});
    return el("div", {"class": "field condition"}, [el("label", {"for": condField.id, text: T.show_if}), condField,
      el("span", {text: " " + T.equals + " "}), condValue]);
  }
  function move(list, index, delta) {
    var target = index + delta;
    if (target < 0 || target >= list.length) return;
    var item = list.splice(index, 1)[0];
    list.splice(target, 0, item);
    changed(true);
  }

  function sectionEditor(s, index) {
    return el("div", {"class": "section-row"}, [
      el("input", {type: "text", value: s.id, "aria-label": T.section_id, oninput: function (e) { s.id = e.target.value; changed(false); }}),
      el("input", {type: "text", value: (s.label || {}).zh || "", "aria-label": T.label_zh, oninput: function (e) { s.label = s.label || {}; s.label.zh = e.target.value; changed(false); }}),
      el("input", {type: "text", value: (s.label || {}).en || "", "aria-label": T.label_en, oninput: function (e) { s.label = s.label || {}; s.label.en = e.target.value; changed(false); }}),
      el("button", {type: "button", "class": "link danger", text: T.remove, onclick: function () { sections.splice(index, 1); changed(true); }})
    ]);
  }

  /* --- the preview: the form as the applicant sees it --- */
  // ``scope`` is where a field's answer lives: the form's answers, or one item of a group.
  function visible(f, scope) {
    if (!f.show_if) return true;
    var value = scope[f.show_if.field];
    if (f.show_if.in) return f.show_if.in.map(String).indexOf(String(value)) >= 0;
    return value !== undefined && String(value) === String(f.show_if.equals);
  }
  function control(f, prefix, scope) {
    var id = "p-" + prefix + f.name;
    var remember = function (e) { scope[f.name] = e.target.value; drawPreview(); };
    var required = f.required ? "required" : null;
    var current = typeof scope[f.name] === "string" ? scope[f.name] : null;
    switch (f.type) {
      case "textarea": var area = el("textarea", {id: id, name: f.name, required: required, maxlength: f.max_length, oninput: remember});
        if (current !== null) area.value = current;
        return area;
      case "number": return el("input", {id: id, name: f.name, type: "number", min: f.minimum, max: f.maximum, required: required, value: current, oninput: remember});
      case "money": return el("input", {id: id, name: f.name, type: "number", step: "0.01", min: 0, required: required, placeholder: "¥", value: current, oninput: remember});
      case "date": return el("input", {id: id, name: f.name, type: "date", min: f.minimum, max: f.maximum, required: required, value: current, oninput: remember});
      case "phone": return el("input", {id: id, name: f.name, type: "tel", required: required, value: current, oninput: remember});
      case "identity_number": return el("input", {id: id, name: f.name, type: "text", maxlength: 18, pattern: "\\d{17}[\\dXx]", required: required});
      case "file": return el("input", {id: id, name: f.name, type: "file", multiple: f.multiple ? "multiple" : null, required: required});
      case "choice":
        return el("select", {id: id, name: f.name, required: required, onchange: remember},
          [el("option", {value: "", text: "—"})].concat((f.choices || []).map(function (c) {
            return el("option", {value: c.value, text: label(c), selected: current === c.value ? "selected" : null}); })));
      case "multi_choice":
        return el("div", {id: id, "class": "choices"}, (f.choices || []).map(function (c, i) {
          return el("label", {"class": "check"}, [el("input", {type: "checkbox", name: f.name, value: c.value, id: id + "-" + i}),
            document.createTextNode(" " + label(c))]); }));
      case "address":
        return el("div", {id: id, "class": "address"}, [el("input", {type: "text", placeholder: T.region, "aria-label": T.region}),
          el("input", {type: "text", placeholder: T.detail, "aria-label": T.detail, required: required})]);
      case "group": return groupPreview(f, id);
      default: return el("input", {id: id, name: f.name, type: "text", maxlength: f.max_length, pattern: f.pattern || null, required: required, value: current, oninput: remember});
    }
  }
  /* A repeating group as the applicant fills it in: its items, each with the group's fields, and
     "add another" up to the group's maximum. */
  function groupPreview(group, id) {
    var subs = Array.isArray(group.fields) ? group.fields : [];
    var count = Math.max(itemsShown[group.name] || 0, group.min_items || 0, 1);
    if (group.max_items !== undefined) count = Math.max(1, Math.min(count, group.max_items));
    var items = answers[group.name] = Array.isArray(answers[group.name]) ? answers[group.name] : [];
    var boxes = [];
    for (var i = 0; i < count; i++) {
      var scope = items[i] = items[i] || {};
      boxes.push(el("fieldset", {"class": "group-item", "data-item": i},
        [el("legend", {text: label(group) + " " + (i + 1)})].concat(subs.filter(function (sub) { return visible(sub, scope); })
          .map(function (sub) { return row(sub, group.name + "-" + i + "-", scope); }))));
    }
    var full = group.max_items !== undefined && count >= group.max_items;
    return el("div", {id: id, "class": "group-items"}, boxes.concat([
      el("button", {type: "button", "class": "button secondary", "data-action": "add-item", text: T.add_item,
        disabled: full ? "disabled" : null, onclick: function () { itemsShown[group.name] = count + 1; drawPreview(); }})]));
  }
  function row(f, prefix, scope) {
    var title = el(f.type === "group" ? "span" : "label", {"for": f.type === "group" ? null : "p-" + prefix + f.name,
      "class": "field-title", text: label(f) + (f.required ? " *" : "")});
    return el("div", {"class": "field preview-field", "data-preview": f.name}, [title, control(f, prefix, scope)]);
  }
  function drawPreview() {
    var focused = document.activeElement && document.activeElement.id;
    preview.innerHTML = "";
    if (!fields.length) { preview.appendChild(el("p", {"class": "muted", text: T.preview_empty})); return; }
    var groups = sections.map(function (s) { return {section: s, items: []}; });
    var loose = {section: null, items: []};
    fields.forEach(function (f) {
      if (!visible(f, answers)) return;
      var group = groups.filter(function (g) { return g.section.id === f.section; })[0] || loose;
      group.items.push(f);
    });
    groups.concat([loose]).forEach(function (g) {
      if (!g.items.length) return;
      var children = g.section ? [el("legend", {text: label(g.section) || g.section.id})] : [];
      preview.appendChild(el("fieldset", {"class": "preview-section"}, children.concat(g.items.map(function (f) {
        return row(f, "", answers); }))));
    });
    if (focused && document.getElementById(focused)) {
      var again = document.getElementById(focused);
      again.focus();
      if (again.setSelectionRange && again.type === "text") { var n = again.value.length; again.setSelectionRange(n, n); }
    }
  }

  var ids = 0;
  function drawEditor() {
    var box = document.getElementById("fields");
    box.innerHTML = "";
    fields.forEach(function (f, i) { box.appendChild(fieldEditor(f, i, fields, null)); });
    var sbox = document.getElementById("sections");
    sbox.innerHTML = "";
    sections.forEach(function (s, i) { sbox.appendChild(sectionEditor(s, i)); });
  }
  function clean(f) {
    var copy = {};
    Object.keys(f).forEach(function (k) {
      if (k === "__id") return;
      copy[k] = k === "fields" && Array.isArray(f[k]) ? f[k].map(clean) : f[k];
    });
    return copy;
  }
  function serialise() {
    document.getElementById("fields_json").value = JSON.stringify(fields.map(clean));
    document.getElementById("sections_json").value = JSON.stringify(sections);
  }
  function changed(redrawEditor) {
    if (redrawEditor) drawEditor();
    serialise();
    drawPreview();
  }

  document.getElementById("add-field").addEventListener("click", function () {
    fields.push(newField(document.getElementById("new-type").value, fields));
    changed(true);
  });
  document.getElementById("add-section").addEventListener("click", function () {
    sections.push({id: "section_" + (sections.length + 1), label: {zh: "", en: ""}});
    changed(true);
  });
  document.getElementById("builder-form").addEventListener("submit", serialise);
  changed(true);
})();
