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

// The upload page: drag and drop or choose several files; each is sent on its own (one request per
// file, so each gets its own progress bar and its own answer), with speed and time left, and the list
// of uploads is refreshed when they are done. The size limit and the room left are checked before a
// byte is sent; the server checks them again. The CSRF token travels as a header and in the query
// string: the server checks it before it reads the body, which it streams into the vault.
(function () {
  "use strict";
  var box = document.querySelector("[data-upload]");
  if (!box) return;
  var form = box.querySelector("form");
  var input = form.querySelector("input[type=file]");
  var zone = box.querySelector("[data-dropzone]");
  var queue = box.querySelector("[data-queue]");
  var chosen = box.querySelector("[data-chosen]");
  var d = box.dataset;
  var maxBytes = Number(d.maxBytes);
  var roomLeft = Number(d.quotaLeft);
  var extensions = d.extensions.split(",");
  var lang = document.documentElement.lang || "nl";
  var busy = false;
  var waiting = [];

  function text(template, name) { return template.replace("{name}", name).replace("{names}", name); }
  function size(bytes) {
    var units = ["B", "kB", "MB", "GB"], i = 0;
    while (bytes >= 1000 && i < units.length - 1) { bytes /= 1000; i++; }
    return bytes.toLocaleString(lang, {maximumFractionDigits: i ? 1 : 0}) + " " + units[i];
  }
  function duration(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    if (seconds < 60) return seconds + " s";
    var m = Math.floor(seconds / 60);
    if (m < 60) return m + " min " + (seconds % 60) + " s";
    return Math.floor(m / 60) + " h " + (m % 60) + " min";
  }
  function row(file) {
    var li = document.createElement("li");
    li.className = "pending";
    li.dataset.file = file.name;
    var name = document.createElement("span");
    name.className = "name";
    name.textContent = file.name + " (" + size(file.size) + ")";
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    var status = document.createElement("span");
    status.className = "status";
    status.textContent = d.textWaiting;
    li.append(name, " ", bar, " ", status);
    queue.append(li);
    return {li: li, bar: bar, status: status};
  }
  function finish(item, ok, message) {
    item.li.className = ok ? "success" : "error";
    item.bar.remove();
    item.status.textContent = message;
  }
  function refusal(file) {
    var ext = file.name.indexOf(".") >= 0 ? file.name.split(".").pop().toLowerCase() : "";
    if (extensions.indexOf(ext) < 0) return text(d.textBadType, file.name);
    if (file.size > maxBytes) return text(d.textTooBig, file.name);
    if (file.size > roomLeft) return text(d.textNoRoom, file.name);
    return null;
  }
  function refreshList() {
    fetch(location.href, {credentials: "same-origin"}).then(function (r) { return r.text(); }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html");
      ["[data-upload-list]", "[data-quota]"].forEach(function (sel) {
        var now = document.querySelector(sel), next = fresh.querySelector(sel);
        if (now && next) now.innerHTML = next.innerHTML;
      });
      var upload = fresh.querySelector("[data-upload]");
      if (upload) roomLeft = Number(upload.dataset.quotaLeft);
      box.dispatchEvent(new CustomEvent("uploads-listed", {bubbles: true}));
    });
  }
  function next() {
    var job = waiting.shift();
    if (!job) { busy = false; refreshList(); return; }
    busy = true;
    var xhr = new XMLHttpRequest(), started = Date.now();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-CSRFToken", d.csrf);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) return;
      var seconds = (Date.now() - started) / 1000, speed = seconds > 0 ? e.loaded / seconds : 0;
      job.item.bar.value = Math.round(100 * e.loaded / e.total);
      job.item.status.textContent = d.textSending + " " + size(speed) + "/s" +
        (speed > 0 ? " · " + duration((e.total - e.loaded) / speed) + " " + d.textLeft : "");
    });
    xhr.addEventListener("load", function () {
      var answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (err) { answer = null; }
      if (answer) finish(job.item, answer.ok, answer.message);
      else finish(job.item, false, text(d.textFailed, job.file.name) + " (" + xhr.status + ")");
      if (answer && answer.ok) roomLeft -= job.file.size;
      next();
    });
    xhr.addEventListener("error", function () { finish(job.item, false, text(d.textFailed, job.file.name)); next(); });
    var body = new FormData();
    body.append("file", job.file, job.file.name);
    xhr.send(body);
  }
  function send(files) {
    Array.prototype.forEach.call(files, function (file) {
      var item = row(file), why = refusal(file);
      if (why) { finish(item, false, why); return; }
      waiting.push({file: file, item: item});
    });
    if (!busy) next();
  }

  input.addEventListener("change", function () {
    chosen.textContent = input.files.length ?
      text(d.textChosen, Array.prototype.map.call(input.files, function (f) { return f.name; }).join(", ")) : "";
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (!input.files.length) { input.reportValidity(); return; }
    send(input.files);
    input.value = "";
    chosen.textContent = "";
  });
  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (e) {
    if (e.dataTransfer && e.dataTransfer.files.length) send(e.dataTransfer.files);
  });
})();
