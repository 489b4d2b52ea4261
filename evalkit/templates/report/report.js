(function () {
  "use strict";
  var ids = ["outcome", "tier", "tag"];
  function value(id) { var el = document.getElementById("f-" + id); return el ? el.value : ""; }
  function has(list, wanted) { return !wanted || (list || "").split(" ").indexOf(wanted) >= 0; }
  function apply() {
    var shown = 0;
    document.querySelectorAll("[data-filter]").forEach(function (el) {
      var ok = has(el.getAttribute("data-outcome"), value("outcome")) &&
        has(el.getAttribute("data-tier"), value("tier")) && has(el.getAttribute("data-tags"), value("tag"));
      el.classList.toggle("hidden", !ok);
      if (ok && el.getAttribute("data-filter") === "trial") { shown += 1; }
    });
    var counter = document.getElementById("shown-count");
    if (counter) { counter.textContent = String(shown); }
  }
  function fromHash() {
    var params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
    ids.forEach(function (id) {
      var el = document.getElementById("f-" + id);
      if (el && params.has(id)) { el.value = params.get(id); }
    });
  }
  ids.forEach(function (id) {
    var el = document.getElementById("f-" + id);
    if (el) { el.addEventListener("change", apply); }
  });
  fromHash();
  apply();
  document.documentElement.setAttribute("data-ready", "1");
})();
