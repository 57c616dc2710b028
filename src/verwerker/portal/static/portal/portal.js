// The portal's script (the Content-Security-Policy allows no inline code): the live proof of a
// print-on-demand product, the PDF proof on request, and the price-table choice of a print product.
(function () {
  "use strict";
  var form = document.getElementById("product-form");
  if (!form) return;

  // Print product: the chosen price-table row fills quantity, paper and finishing.
  form.querySelectorAll("input[name=row]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      ["quantity", "paper", "finishing"].forEach(function (k) {
        document.getElementById("id_" + k).value = radio.dataset[k];
      });
    });
  });

  var url = form.dataset.previewUrl;
  if (!url) return;
  var img = document.getElementById("pod-preview");
  var state = document.getElementById("preview-state");
  var timer = null, shown = null, seq = 0;

  // The fields go by POST (never in a URL, so not in any log); the PNG comes back as a blob.
  function refresh() {
    var mine = ++seq;
    fetch(url, {method: "POST", body: new FormData(form), credentials: "same-origin"}).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.blob();
    }).then(function (blob) {
      if (mine !== seq) return;
      if (shown) URL.revokeObjectURL(shown);
      shown = URL.createObjectURL(blob);
      img.src = shown;
      img.dataset.version = String(mine);
      state.textContent = state.dataset.ok || state.textContent;
    }).catch(function () { state.textContent = "…"; });
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
  refresh();

  var proof = document.getElementById("proof-button");
  if (proof) proof.addEventListener("click", function () {
    fetch(form.dataset.proofUrl, {method: "POST", body: new FormData(form), credentials: "same-origin"}).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.blob();
    }).then(function (blob) { window.open(URL.createObjectURL(blob), "_blank"); }).catch(function () {});
  });
})();
