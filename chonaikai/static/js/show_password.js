// 「パスワードを表示する」: a checkbox that shows the typed password as text. The box is hidden in the
// page and shown here, so that without JavaScript nobody sees a control that does nothing; the
// login itself never needs JavaScript.
(function () {
  "use strict";
  document.querySelectorAll("[data-show-password]").forEach(function (wrapper) {
    var field = document.getElementById(wrapper.getAttribute("data-show-password"));
    var box = wrapper.querySelector("input[type=checkbox]");
    if (!field || !box) {
      return;
    }
    box.checked = false;
    box.addEventListener("change", function () {
      field.type = box.checked ? "text" : "password";
    });
    // Hidden again before the form is sent, so that the browser offers to save it as a password.
    if (field.form) {
      field.form.addEventListener("submit", function () {
        field.type = "password";
      });
    }
    wrapper.hidden = false;
  });
})();
