/* django-celery-beat's crontab help ("Translation: every day at 09:00"), out of its inline script (CSP). */
(function ($) {
  "use strict";
  var readableCrontabs = JSON.parse($("#readable-crontabs").text());
  var originalHelp = $("#periodic-task-overrides").data("crontab-help");
  $(".field-crontab_translation").hide();
  $(".field-crontab").change(function () {
    $(".field-crontab .help").text(originalHelp).append("<br>", document.createTextNode(
      "Translation: " + (readableCrontabs[$("#id_crontab").val()] || "")));
  });
})(django.jQuery);
