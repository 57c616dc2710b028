// The interface's only script, served from the site itself: the Content-Security-Policy allows no
// inline code (no <script> blocks, no on...= attributes), so behaviour is attached here.
(function () {
  "use strict";

  // The language chooser submits its form as soon as a language is picked.
  document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // A job in production: show its progress, and reload the page when it is done.
  var box = document.querySelector("[data-progress-url]");
  if (!box || (box.dataset.state !== "producing" && box.dataset.state !== "released")) return;
  var timer = setInterval(function () {
    fetch(box.dataset.progressUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (p) {
      document.getElementById("job-state").textContent = p.label;
      var parts = document.getElementById("job-parts");
      if (parts) parts.textContent = p.parts_done + " / " + p.parts_total;
      if (p.state !== "producing" && p.state !== "released") { clearInterval(timer); location.reload(); }
    });
  }, 2000);
})();
