/* A printout's Print button (the strict CSP allows no inline handler). */
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
