// Live countdowns: every [data-deadline] counts down (then up, once overdue) each second, on the server's clock
// (its time at render, plus the time passed here), and the grade of the row or clock it belongs to follows the
// thresholds it crosses (warning, minor at the deadline, major). The page works without it: the server wrote
// the countdown as of the moment it was rendered.
(function () {
  "use strict";
  var source = document.getElementById("console-words");
  if (!source) { return; }
  var words = JSON.parse(source.textContent);
  var skew = words.now - Date.now();
  var grades = ["ok", "warning", "minor", "major"];

  function pad(number) { return (number < 10 ? "0" : "") + number; }

  function span(ms) {
    var total = Math.floor(Math.abs(ms) / 1000);
    var days = Math.floor(total / 86400);
    var hours = Math.floor((total % 86400) / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    if (days > 0) { return words.days.replace("{d}", days).replace("{h}", hours); }
    return hours + ":" + pad(minutes) + ":" + pad(total % 60);
  }

  function gradeAt(element, now) {
    var deadline = Number(element.dataset.deadline);
    if (element.dataset.major && now > Number(element.dataset.major)) { return "major"; }
    if (now > deadline) { return "minor"; }
    if (element.dataset.warning && now >= Number(element.dataset.warning)) { return "warning"; }
    return "ok";
  }

  function tick() {
    var now = Date.now() + skew;
    var counters = document.querySelectorAll(".countdown[data-deadline]");
    for (var i = 0; i < counters.length; i++) {
      var element = counters[i];
      var left = Number(element.dataset.deadline) - now;
      var text = (left >= 0 ? words.left : words.overdue).replace("{t}", span(left));
      if (element.textContent !== text) { element.textContent = text; }
      var holder = element.closest("[data-grade]");
      var grade = gradeAt(element, now);
      if (holder && grades.indexOf(grade) > grades.indexOf(holder.dataset.grade)) {
        var marked = [holder].concat(Array.prototype.slice.call(holder.querySelectorAll("[data-grade]")));
        for (var j = 0; j < marked.length; j++) {
          marked[j].dataset.grade = grade;
          var word = marked[j].querySelector(":scope > .grade-word");
          if (word) { word.textContent = words.grades[grade]; }
        }
      }
    }
  }

  tick();
  window.setInterval(tick, 1000);
})();
