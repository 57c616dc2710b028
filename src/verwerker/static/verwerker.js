// The interface's only script, served from the site itself: the Content-Security-Policy allows no
// inline code (no <script> blocks, no on...= attributes), so behaviour is attached here.
(function () {
  "use strict";

  // The language chooser submits its form as soon as a language is picked.
  document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // What cannot be undone asks first: a form (or its submit button) with data-confirm="question" opens the
  // page's <dialog>; data-confirm-list (lines) names what it touches, such as a notice's recipients or the
  // files a shredding destroys. Only "Yes" submits, with the button that was pressed.
  var dialog = document.getElementById("confirm-dialog");
  if (dialog) {
    document.addEventListener("submit", function (event) {
      var form = event.target, button = event.submitter;
      var source = button && button.hasAttribute("data-confirm") ? button : form;
      var question = source.getAttribute("data-confirm");
      if (!question || form.dataset.confirmed === "yes") return;
      event.preventDefault();
      dialog.querySelector("[data-confirm-text]").textContent = question;
      var list = dialog.querySelector("[data-confirm-list]");
      list.textContent = "";
      (source.getAttribute("data-confirm-list") || "").split("\n").forEach(function (line) {
        if (!line.trim()) return;
        var item = document.createElement("li");
        item.textContent = line;
        list.appendChild(item);
      });
      list.hidden = !list.children.length;
      dialog.returnValue = "";
      dialog.onclose = function () {
        if (dialog.returnValue !== "ok") return;
        form.dataset.confirmed = "yes";
        if (button) form.requestSubmit(button); else form.requestSubmit();
        delete form.dataset.confirmed;
      };
      dialog.showModal();
    });
  }

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
