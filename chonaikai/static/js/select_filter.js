/*
 * Filter boxes for long lists of associations (includes/select_filter.html, associations/widgets.py).
 * Every list works without this file; it shows each list's filter box and narrows the list as the
 * box is typed in.
 *
 * - Each choice carries data-search: its code, name and reading folded as the server folds them
 *   (rules.normalize_for_search: NFKC, hiragana as katakana, lower case, no spaces). The box's words
 *   are folded alike, and a choice is shown when it contains every word.
 * - A select keeps its empty choice and its chosen option whatever is typed (nothing is unchosen
 *   behind the user's back); when exactly one association matches, it is chosen, and the status
 *   line says so.
 * - Check boxes: rows that do not match are hidden, ticked rows stay shown.
 * - Enter in the box never submits the form: it moves to the list.
 * - A list of fewer than MIN_CHOICES choices is short enough to read: its box stays hidden.
 */
(function () {
  "use strict";

  var MIN_CHOICES = 8;

  function fold(value) {
    return (value || "")
      .normalize("NFKC")
      .replace(/[\u3041-\u3096]/g, function (c) {
        return String.fromCharCode(c.charCodeAt(0) + 0x60);
      })
      .toLowerCase();
  }

  // The one folding of a search on the client: the entry grid's filter (count_grid.js, which
  // base.html loads after this file) uses it too.
  window.chonaikai = window.chonaikai || {};
  window.chonaikai.fold = fold;

  function words(value) {
    return fold(value).split(/\s+/).filter(Boolean);
  }

  function matches(search, wanted) {
    return wanted.every(function (word) {
      return search.indexOf(word) !== -1;
    });
  }

  function say(box, name, values) {
    var template = box.getAttribute("data-text-" + name) || "";
    return template.replace(/\{(\w+)\}/g, function (_, key) {
      return String(values[key]);
    });
  }

  function forSelect(box, select, input, status) {
    var options = Array.prototype.slice.call(select.options);
    var total = options.filter(function (o) {
      return o.hasAttribute("data-search");
    }).length;
    return function () {
      var wanted = words(input.value);
      var current = select.value;
      var found = [];
      var keep = options.filter(function (o) {
        if (!o.hasAttribute("data-search")) return true; // （選んでください）
        var hit = matches(o.getAttribute("data-search"), wanted);
        if (hit) found.push(o);
        return hit || o.value === current;
      });
      select.replaceChildren.apply(select, keep);
      select.value = current;
      var message = say(box, "shown", { total: total, shown: found.length });
      if (!found.length) {
        message = say(box, "none", {});
      } else if (wanted.length && found.length === 1) {
        if (current !== found[0].value) {
          select.value = found[0].value;
          select.dispatchEvent(new Event("change", { bubbles: true }));
        }
        message += " " + say(box, "chosen", { name: found[0].text });
      }
      status.textContent = wanted.length ? message : "";
    };
  }

  function forCheckboxes(box, group, input, status) {
    var boxes = Array.prototype.slice.call(group.querySelectorAll("input[data-search]"));
    return function () {
      var wanted = words(input.value);
      var shown = 0;
      boxes.forEach(function (checkbox) {
        var hit = matches(checkbox.getAttribute("data-search"), wanted);
        var row = checkbox.closest("div") || checkbox.parentNode;
        row.hidden = !(hit || checkbox.checked);
        if (hit) shown += 1;
      });
      var message = shown ? say(box, "shown", { total: boxes.length, shown: shown }) : say(box, "none", {});
      status.textContent = wanted.length ? message : "";
    };
  }

  Array.prototype.forEach.call(document.querySelectorAll(".select-filter[data-filter-for]"), function (box) {
    var target = document.getElementById(box.getAttribute("data-filter-for"));
    var input = box.querySelector("input[type=search]");
    var status = box.querySelector(".select-filter__status");
    if (!target || !input || !status || !"".normalize) return;
    if (target.querySelectorAll("[data-search]").length < MIN_CHOICES) return;
    var apply = target.tagName === "SELECT" ? forSelect(box, target, input, status) : forCheckboxes(box, target, input, status);
    box.hidden = false;
    input.addEventListener("input", apply);
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.isComposing) return; // Enter that ends a kana conversion stays
      event.preventDefault();
      var first = target.tagName === "SELECT" ? target : target.querySelector(":scope > div:not([hidden]) input");
      if (first) first.focus();
    });
  });
})();
