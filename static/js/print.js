// Buttons marked data-print open the print dialog (no inline handlers: content security policy).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
