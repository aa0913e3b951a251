// Both upload tabs: improves pages that already work without JavaScript.
// - A file dropped on the drop zone is uploaded at once, as if chosen and submitted; a form
//   marked data-submit-on-choose (Low Volume) also uploads a file as soon as it is chosen,
//   the others wait for their button (High Volume's UPLOAD FILE, as the guide tells).
// - Forms marked data-once submit once (a double click cannot create records twice;
//   the server refuses a second Create Records anyway).
// - What a page marks data-autofocus (an error summary, a result) takes focus, so screen
//   readers announce it and keyboard users start from it.
(function () {
  "use strict";

  document.querySelectorAll("[data-drop-form]").forEach(function (form) {
    var zone = form.querySelector("[data-drop-zone]");
    var input = form.querySelector("input[type=file]");
    if (!zone || !input) return;
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () {
        zone.classList.remove("dragging");
      });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (!event.dataTransfer || !event.dataTransfer.files.length) return;
      input.files = event.dataTransfer.files;
      form.requestSubmit();
    });
    if (!form.hasAttribute("data-submit-on-choose")) return;
    input.addEventListener("change", function () {
      if (input.files.length) form.requestSubmit();
    });
  });

  document.querySelectorAll("form[data-once], form[data-drop-form]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = true;
      });
    });
  });

  var summary = document.querySelector("[data-autofocus]");
  if (summary) summary.focus();
})();
