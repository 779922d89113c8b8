/* Page behaviour, kept out of the HTML: the Content-Security-Policy allows no inline script or event handler.
 *   <select data-autosubmit>  submits its form when changed (the year choosers)
 *   <button data-print>       prints the page (the dashboard)
 *   <button data-submit-once> its form is sent once: a second click (publish, close) sends nothing more
 */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
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
