/*
 * Subsidy pages (chonaikai/templates/subsidies/): small progressive enhancements. Every page works
 * without this file: amounts are recomputed by the server on every save, and printing works from
 * the browser's menu.
 *
 * - Moves focus to the error summary when a form comes back with errors.
 * - Shows the 「印刷する」 button and prints with it.
 * - On the expense-lines step, asks the server for the amount and its breakdown while lines are
 *   typed (POST to the form's data-breakdown-url; nothing is saved) and shows it in #breakdown-live.
 */
(function () {
  "use strict";

  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });

  var form = document.getElementById("lines-form");
  var output = document.getElementById("breakdown-live");
  if (!form || !output || !window.fetch || !window.FormData) {
    return;
  }
  var url = form.getAttribute("data-breakdown-url");
  // The words come from the page (data-text-*), in the language the page is in.
  function text(name, fallback) {
    return form.getAttribute("data-text-" + name) || fallback;
  }
  var timer = null;
  var sequence = 0;

  function paragraph(className, text) {
    var p = document.createElement("p");
    p.className = className;
    p.textContent = text;
    return p;
  }

  function showBreakdown(data) {
    var amount = document.createElement("p");
    amount.className = "breakdown__amount";
    amount.appendChild(document.createTextNode(text("amount", "補助金の額（入力中の計算）") + " "));
    var strong = document.createElement("strong");
    strong.textContent = data.amount_text;
    amount.appendChild(strong);
    var steps = document.createElement("ol");
    steps.className = "breakdown__steps";
    data.lines.forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      steps.appendChild(item);
    });
    output.replaceChildren(
      amount,
      steps,
      paragraph("form-field__help", text("unsaved", "まだ保存していません。「下書き保存」か「保存して次へ」を押すと保存されます。"))
    );
  }

  function showMessage(message) {
    output.replaceChildren(
      paragraph("breakdown__amount", text("not-yet", "補助金の額はまだ計算できません。")),
      paragraph("form-field__errors", message)
    );
  }

  function update() {
    var mine = ++sequence;
    fetch(url, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (result) {
        if (mine !== sequence) {
          return; // a newer request is on its way
        }
        if (result.ok) {
          showBreakdown(result.data);
        } else {
          showMessage(result.data.message || text("check", "入力内容を確認してください。"));
        }
      })
      .catch(function () {
        // Offline or a server error: keep the last figures; saving recomputes them anyway.
      });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, 500);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);

  // This file is deferred: on a slow connection someone may type before it runs, and those
  // keystrokes fired no event we heard. If any field already differs from the page as it was
  // served, compute now rather than waiting for the next keystroke.
  function edited(element) {
    if (element.type === "checkbox" || element.type === "radio") {
      return element.checked !== element.defaultChecked;
    }
    if (element.tagName === "SELECT") {
      // With no option marked selected in the page, a single select shows its first one.
      var marked = Array.prototype.some.call(element.options, function (option) {
        return option.defaultSelected;
      });
      return Array.prototype.some.call(element.options, function (option, index) {
        var initially = marked ? option.defaultSelected : !element.multiple && index === 0;
        return option.selected !== initially;
      });
    }
    return "defaultValue" in element && element.value !== element.defaultValue;
  }
  if (Array.prototype.some.call(form.elements, edited)) {
    schedule();
  }
})();
