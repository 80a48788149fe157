(function () {
  "use strict";
  var form = document.getElementById("filters");
  var table = document.getElementById("findings-table");
  if (form && table) {
    var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr.finding"));
    var count = document.getElementById("f-count");
    var gate = document.getElementById("f-gate");
    var known = document.getElementById("f-new");
    var waived = document.getElementById("f-waived");
    var apply = function () {
      var severities = {};
      form.querySelectorAll("input[name=severity]").forEach(function (box) {
        severities[box.value] = box.checked;
      });
      var shown = 0;
      rows.forEach(function (row) {
        var d = row.dataset;
        var ok = (!gate.value || d.gate === gate.value) &&
          severities[d.severity] !== false &&
          (!known.value || d.new === known.value) &&
          (!waived.value || d.waived === waived.value);
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      count.textContent = shown + " of " + rows.length + " findings shown";
    };
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
    document.querySelectorAll("a.show-gate").forEach(function (link) {
      link.addEventListener("click", function () {
        var wanted = link.dataset.gate;
        for (var i = 0; i < gate.options.length; i += 1) {
          if (gate.options[i].value === wanted) { gate.value = wanted; }
        }
        apply();
      });
    });
    apply();
  }
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  });
}());
