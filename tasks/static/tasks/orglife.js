// The meeting form's live counts (应到 / 实到 / 请假) as the secretary taps through the attendance list.
(function () {
  "use strict";
  var box = document.querySelector("[data-attendance]");
  var live = document.getElementById("attendance-live");
  if (!box || !live) { return; }
  var words = live.dataset;
  function update() {
    var expected = 0, present = 0, leave = 0;
    box.querySelectorAll("input[type=radio]:checked").forEach(function (input) {
      expected += 1;
      if (input.value === "present") { present += 1; }
      if (input.value === "leave") { leave += 1; }
    });
    live.textContent = words.template
      .replace("{expected}", expected).replace("{present}", present)
      .replace("{leave}", leave).replace("{absent}", expected - present - leave);
  }
  if (words.template) { box.addEventListener("change", update); update(); }
})();
