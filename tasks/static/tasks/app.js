/* Page behaviour, kept out of the HTML: the Content-Security-Policy allows no inline script or event handler.
 *   <select data-autosubmit>  submits its form when changed (the year choosers)
 *   <button data-print>       prints the page (the dashboard)
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
})();
