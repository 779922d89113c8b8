/* Page behaviour, kept out of the HTML: the Content-Security-Policy allows no inline script or event handler.
 *   <select data-autosubmit>  submits its form when changed (the year choosers)
 *   <button data-print>       prints the page (the dashboard)
 *   <button data-submit-once> its form is sent once: a second click (publish, close) sends nothing more
 *   <div data-check-all="F">  shown with JavaScript only: its checkbox ticks or clears every checkbox of form F
 */
(function () {
  "use strict";
  document.querySelectorAll("[data-check-all]").forEach(function (box) {
    box.hidden = false;
  });
  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-check-all]");
    if (all) {
      var name = all.getAttribute("data-check-all");
      document.querySelectorAll('input[type="checkbox"][form="' + name + '"]').forEach(function (box) {
        box.checked = event.target.checked;
      });
      return;
    }
    var field = event.target.closest("[data-autosubmit]");
    if (field && field.form) {
      field.form.submit();
    }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = form.querySelector("[data-submit-once]");
    if (!button) {
      return;
    }
    if (form.dataset.submitted) {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "1";
    button.classList.add("disabled");
    button.setAttribute("aria-disabled", "true");
  });
})();
