// The leaders' dashboard: the "print" button (the page prints without it too, with Ctrl+P).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
