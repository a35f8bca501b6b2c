// Small behaviours shared by every page. No inline scripts: the CSP forbids them.
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field.matches && field.matches("select[data-autosubmit]") && field.form) {
    field.form.requestSubmit();
  }
});

document.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest("[data-print]");
  if (button) {
    window.print();
  }
});

// The header's user menu (a <details>) closes on a click elsewhere or on Escape.
function userMenusClose(except) {
  document.querySelectorAll("details.user-menu[open]").forEach((menu) => {
    if (menu !== except) menu.removeAttribute("open");
  });
}
document.addEventListener("click", (event) => {
  userMenusClose(event.target.closest && event.target.closest("details.user-menu"));
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") userMenusClose(null);
});
