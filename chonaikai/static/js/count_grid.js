// The yearly counts entry grid (counts/entry.html). Without this script the page still works: the
// form posts every row and the server saves the changed ones. With it:
// - only the changed rows are posted (each with the values and the version it was loaded with, so
//   the server's check against someone else's newer save still applies);
// - what is typed is kept in this browser (sessionStorage) until it is saved, so a failed save, an
//   error page or a reload loses nothing: the next time the grid opens, unsaved input is put back
//   with a notice. A draft that equals the stored count is dropped (it was saved);
// - Enter moves down the column like a spreadsheet (Shift+Enter up), never submitting the form,
//   and never while the IME is converting; Ctrl+Enter (Cmd+Enter) saves;
// - a filter box shows rows by name, kana or code, federation, "not entered yet" or "flagged".
// Depends on select_filter.js (window.chonaikai.fold), which base.html loads before this file.
(function () {
  "use strict";
  var form = document.querySelector("form.count-grid-form[data-draft-key]");
  if (!form) return;
  var FIELDS = ["households", "member_households", "note"];
  // A submitted ward's grid is read-only (its inputs disabled by the server): drafts stay kept in
  // this browser but are not put back, and no script enables an input.
  var readOnly = form.hasAttribute("data-read-only");
  var storageKey = "chonaikai:" + form.getAttribute("data-draft-key");
  var rows = Array.prototype.slice.call(form.querySelectorAll("tr[data-row]"));
  var byPrefix = {};
  rows.forEach(function (row) {
    byPrefix[row.getAttribute("data-row")] = row;
  });

  function text(name, values) {
    var template = form.getAttribute("data-text-" + name) || "";
    return template.replace(/\{(\w+)\}/g, function (_, key) {
      return String(values[key]);
    });
  }
  function field(name) {
    return form.elements.namedItem(name);
  }
  function typed(prefix) {
    var values = {};
    FIELDS.forEach(function (name) {
      var el = field(prefix + "-" + name);
      values[name] = el ? el.value : "";
    });
    return values;
  }
  function loaded(prefix) {
    var values = {};
    FIELDS.forEach(function (name) {
      var el = field("initial-" + prefix + "-" + name);
      values[name] = el ? el.value : "";
    });
    var version = field(prefix + "-version");
    values.version = version ? version.value : "0";
    return values;
  }
  // As the server compares them: a count with full-width digits, commas or spaces is the number
  // (１，２３４ is 1234), a note without its surrounding spaces.
  function normal(name, value) {
    var text = (value || "").trim();
    if (name === "note") return text;
    text = text.normalize("NFKC").replace(/[,\s]/g, "");
    return /^\d+$/.test(text) ? String(parseInt(text, 10)) : text;
  }
  function same(a, b) {
    return FIELDS.every(function (name) {
      return normal(name, a[name]) === normal(name, b[name]);
    });
  }
  function changed(prefix) {
    var confirm = field(prefix + "-confirm_members_over");
    return !same(typed(prefix), loaded(prefix)) || Boolean(confirm && confirm.checked);
  }

  // --- Drafts kept in this browser -----------------------------------------------------------
  function readDrafts() {
    try {
      return JSON.parse(window.sessionStorage.getItem(storageKey)) || {};
    } catch (e) {
      return {};
    }
  }
  var drafts = readDrafts();
  function writeDrafts() {
    try {
      if (Object.keys(drafts).length) {
        window.sessionStorage.setItem(storageKey, JSON.stringify(drafts));
      } else {
        window.sessionStorage.removeItem(storageKey);
      }
    } catch (e) {
      // Storage full or refused (private mode): the form still posts what is on screen.
    }
  }
  var unsaved = document.getElementById("grid-unsaved");
  function showUnsaved() {
    var n = Object.keys(drafts).length;
    if (!unsaved) return;
    unsaved.textContent = n ? text("unsaved", { n: n }) : text("nothing", {});
    unsaved.classList.toggle("count-grid-savebar__status--pending", n > 0);
  }
  function remember(prefix) {
    if (changed(prefix)) {
      drafts[prefix] = { typed: typed(prefix), loaded: loaded(prefix) };
    } else {
      delete drafts[prefix];
    }
  }

  // On opening: a draft equal to the stored count was saved (dropped); a draft the page already
  // shows (a refused save, shown again by the server) follows the page's loaded values and
  // version; any other draft is put back into its row, with the values and version it was typed
  // against, so that a count someone else saved meanwhile is still caught by the server.
  var originals = {};
  var restored = 0;
  (readOnly ? [] : Object.keys(drafts)).forEach(function (prefix) {
    var draft = drafts[prefix];
    if (!byPrefix[prefix] || !draft || !draft.typed || !draft.loaded) {
      delete drafts[prefix];
      return;
    }
    var onPage = typed(prefix);
    var stored = loaded(prefix);
    if (same(draft.typed, stored)) {
      delete drafts[prefix];
    } else if (same(draft.typed, onPage)) {
      draft.loaded = stored;
    } else {
      originals[prefix] = { typed: onPage, loaded: stored };
      FIELDS.forEach(function (name) {
        field(prefix + "-" + name).value = draft.typed[name] || "";
        var hidden = field("initial-" + prefix + "-" + name);
        if (hidden) hidden.value = draft.loaded[name] || "";
      });
      var version = field(prefix + "-version");
      if (version && draft.loaded.version !== undefined) version.value = draft.loaded.version;
      restored += 1;
    }
  });
  writeDrafts();
  showUnsaved();

  var notice = document.getElementById("grid-restored");
  if (restored && notice) {
    document.getElementById("grid-restored-text").textContent = text("restored", { n: restored });
    notice.hidden = false;
    document.getElementById("grid-discard").addEventListener("click", function () {
      Object.keys(originals).forEach(function (prefix) {
        var original = originals[prefix];
        FIELDS.forEach(function (name) {
          field(prefix + "-" + name).value = original.typed[name];
          var hidden = field("initial-" + prefix + "-" + name);
          if (hidden) hidden.value = original.loaded[name];
        });
        field(prefix + "-version").value = original.loaded.version;
        delete drafts[prefix];
      });
      writeDrafts();
      showUnsaved();
      notice.hidden = true;
    });
  }

  form.addEventListener("input", function (event) {
    var row = event.target.closest && event.target.closest("tr[data-row]");
    if (!row) return;
    remember(row.getAttribute("data-row"));
    writeDrafts();
    showUnsaved();
  });

  // --- Posting only the changed rows ---------------------------------------------------------
  function setRowsDisabled(predicate) {
    rows.forEach(function (row) {
      var off = predicate(row.getAttribute("data-row"));
      Array.prototype.forEach.call(row.querySelectorAll("input, textarea, select"), function (el) {
        el.disabled = off;
      });
    });
  }
  form.addEventListener("submit", function () {
    rows.forEach(function (row) {
      remember(row.getAttribute("data-row"));
    });
    writeDrafts();
    // Disabled fields are not posted: an unchanged row is not sent at all.
    setRowsDisabled(function (prefix) {
      return !changed(prefix);
    });
  });
  // Back from a failed save (page restored from the back-forward cache): every row usable again.
  window.addEventListener("pageshow", function () {
    if (readOnly) return;
    setRowsDisabled(function () {
      return false;
    });
  });

  // --- Enter moves down the column -----------------------------------------------------------
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.isComposing || event.keyCode === 229) return;
    var el = event.target;
    // Ctrl+Enter (Cmd+Enter on a Mac) saves from anywhere in the grid, as the save button does.
    if (event.ctrlKey || event.metaKey) {
      event.preventDefault();
      var save = document.getElementById("grid-save");
      if (readOnly || !save) return;
      if (form.requestSubmit) form.requestSubmit(save);
      else save.click();
      return;
    }
    if (el.closest && el.closest("#grid-filter")) {
      event.preventDefault(); // the filter box never submits the form
      return;
    }
    var row = el.closest && el.closest("tr[data-row]");
    if (!row || el.tagName !== "INPUT" || el.type !== "text") return;
    event.preventDefault();
    var column = el.name.slice(el.name.indexOf("-") + 1);
    var step = event.shiftKey ? "previousElementSibling" : "nextElementSibling";
    var next = row[step];
    while (next && (next.hidden || !next.hasAttribute("data-row"))) next = next[step];
    if (!next) return;
    var target = field(next.getAttribute("data-row") + "-" + column);
    if (target) {
      target.focus();
      target.select();
    }
  });

  // --- Filter ---------------------------------------------------------------------------------
  // Query and rows folded alike (select_filter.js: as the server folds a search).
  var fold = window.chonaikai.fold;
  var box = document.getElementById("grid-filter");
  if (box && rows.length) {
    box.hidden = false;
    var query = document.getElementById("grid-filter-text");
    var federation = document.getElementById("grid-filter-federation");
    var emptyOnly = document.getElementById("grid-filter-empty");
    var flaggedOnly = document.getElementById("grid-filter-flagged");
    var count = document.getElementById("grid-filter-count");
    var noMatch = document.getElementById("grid-no-match");
    var searchable = rows.map(function (row) {
      return fold(row.getAttribute("data-search"));
    });
    var apply = function () {
      var words = fold(query.value).split(/\s+/).filter(Boolean);
      var chosen = federation ? federation.value : "";
      var shown = 0;
      rows.forEach(function (row, i) {
        var prefix = row.getAttribute("data-row");
        var show =
          words.every(function (word) {
            return searchable[i].indexOf(word) !== -1;
          }) &&
          (!chosen || row.getAttribute("data-federation") === chosen) &&
          (!emptyOnly.checked || (!loaded(prefix).households && !typed(prefix).households)) &&
          (!flaggedOnly.checked || row.hasAttribute("data-flagged"));
        row.hidden = !show;
        if (show) shown += 1;
      });
      count.textContent = text("shown", { total: rows.length, shown: shown });
      if (noMatch) noMatch.hidden = shown !== 0;
    };
    [query, federation, emptyOnly, flaggedOnly].forEach(function (el) {
      if (el) el.addEventListener(el.type === "search" ? "input" : "change", apply);
    });
    apply();
  }
  Array.prototype.forEach.call(document.querySelectorAll(".count-grid-js-only"), function (el) {
    el.hidden = false;
  });
})();
