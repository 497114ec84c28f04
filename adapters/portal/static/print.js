// The only script of the portal: a print button on the consent receipt (Ctrl+P works without it).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
