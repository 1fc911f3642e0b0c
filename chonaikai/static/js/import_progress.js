// Progress of a background counts import: polls the page's JSON endpoint and reloads the page,
// which then shows the result, once the import is finished. No dependencies.
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box) return;
  var url = box.getAttribute("data-progress-url");
  var bar = box.querySelector("progress");
  var status = box.querySelector("[role=status]");
  var delay = 1500;

  function show(data) {
    if (data.total > 0) {
      bar.max = data.total;
      bar.value = data.done;
    }
    var label = status.getAttribute("data-label-" + data.stage);
    var count = data.total > 0 ? " " + data.done + " / " + data.total : "";
    if (label) status.textContent = label + count;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (data.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, delay);
        }
      })
      .catch(function () {
        delay = Math.min(delay * 2, 30000); // back off while the server is unreachable
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
