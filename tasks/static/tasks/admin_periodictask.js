/* django-celery-beat's crontab help in words ("Runs: every day at 09:00"), moved out of the change form's inline
 * script: the Content-Security-Policy allows no inline script. Data from the json_script tags of
 * admin/tasks/periodictask_change_form.html. */
(function ($) {
  "use strict";
  const readableCrontabs = JSON.parse($("#readable-crontabs").text());
  const readableLabel = JSON.parse($("#readable-crontab-label").text());
  const originalCrontabHelp = $(".field-crontab .help").html();
  const updateCrontabHelp = function (additional) {
    const help = $(".field-crontab .help");
    help.html(originalCrontabHelp);
    if (additional) {
      help.append($("<div>").text(readableLabel + " " + additional));
    }
  };
  $(".field-crontab_translation").hide();
  $(".field-crontab").change(function () {
    updateCrontabHelp(readableCrontabs[$("#id_crontab").val()]);
  });
})(django.jQuery);
